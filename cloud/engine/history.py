"""Reading the history a batch's plan asks for (I/O), as facts per subject.

Far-reaching treatments come from their side table, the rest from `records` through the
batched timeline reads; the pure `cloud.rules.history` turns rows into facts.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection

from cloud.reference.lookup import Resolver
from cloud.rules.facts import AnyFact, Application, Dispatch, Harvest, Treatment, from_json
from cloud.rules.history import History, history_of, treatment_of
from cloud.rules.plan import Key, Plan
from cloud.store import locks
from cloud.store import lots as lot_store
from cloud.store import timelines as tl_store
from cloud.store.timelines import Row


def read_history(conn: Connection, plan: Plan, resolver: Resolver, known: list[AnyFact]) -> History:
    """The planned history per subject, with the already known facts merged in."""
    hist = history_of(known)
    skip = frozenset(f.id for f in known)
    long_rows = lot_store.long_treatments_by_herd(conn, plan.long_treatments)
    for key, longs in long_rows.items():
        for r in longs:
            if r["id"] not in skip:
                hist.treatments[key][r["id"]] = treatment_of(r)
    if plan.unchecked:
        _add(hist.apps, tl_store.unchecked_by_plot(conn, plan.unchecked, skip), resolver)
    for kind, column, ranges, target in (
        ("input_use", "plot", plan.applications, hist.apps),
        ("harvest", "plot", plan.harvests, hist.harvests),
        ("treatment", "herd", plan.treatments, hist.treatments),
        ("dispatch", "herd", plan.dispatches, hist.dispatches),
    ):
        if ranges:
            _add(target, tl_store.by_subject(conn, kind, column, ranges, skip), resolver)
    return hist


def _add(target: Mapping[Key, dict[str, Any]], rows: Mapping[Key, list[Row]], r: Resolver) -> None:
    """File stored rows, decoded as facts, under their subject."""
    for key, items in rows.items():
        bucket = target[key]
        for kind, ts, env in items:
            fact = from_json(kind, ts, env, r.cat)
            if fact is not None:
                bucket[fact.id] = fact


def unit_keys(
    apps: Iterable[Application],
    harvests: Iterable[Harvest],
    treatments: Iterable[Treatment],
    dispatches: Iterable[Dispatch],
) -> list[int]:
    """Advisory-lock keys of the plots and herds whose timelines this batch reads."""
    plots = {(a.site, a.plot) for a in apps} | {(h.site, h.plot) for h in harvests}
    herds = {(t.site, t.herd) for t in treatments} | {(d.site, d.herd) for d in dispatches}
    return [locks.key_of("plot", s, p) for s, p in plots] + [
        locks.key_of("herd", s, h) for s, h in herds
    ]
