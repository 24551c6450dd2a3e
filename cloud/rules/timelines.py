"""The timeline rules of one batch as pure steps; `cloud.engine.timelines` reads and calls them.

phi_violation, withdrawal_violation, max_applications, banned_pesticide (with the lots a banned
input blocks), unknown_input, and the facts certificate decisions need.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import Any, TypeVar

from agrisafe.timeutil import format_rfc3339, from_ms
from cloud.domain import AlertDraft, LotBlock
from cloud.reference.lookup import Resolver
from cloud.rules import inputs, max_applications
from cloud.rules.config import RulesConfig
from cloud.rules.facts import Application, CertRequest, Dispatch, Harvest, Treatment, from_json
from cloud.rules.history import History
from cloud.rules.phi import PlotTimeline
from cloud.rules.plan import Key, long_reach
from cloud.rules.snapshot import (
    holds_dispatch,
    holds_harvest,
    lot_compliance,
    unchecked,
    unverified_inputs,
)
from cloud.rules.withdrawal import HerdTimeline

T = TypeVar("T", PlotTimeline, HerdTimeline)
# (kind, event time in ms, stored envelope JSON) as the timeline reads return them
StoredFact = tuple[str, int, dict[str, Any]]
LotFacts = dict[Key, tuple[Harvest | Dispatch, ...]]


@dataclass(frozen=True)
class CertCase:
    """A certificate request with what is known about its lot."""

    request: CertRequest
    origin: tuple[Harvest | Dispatch, ...]
    compliance: list[dict[str, Any]]
    unverified: tuple[str, ...] = ()  # inputs / treatments no reference data can check


@dataclass
class TimelineResult:
    """What the timeline rules found in one batch."""

    drafts: list[AlertDraft] = field(default_factory=list)
    blocks: list[LotBlock] = field(default_factory=list)
    banned_rows: list[dict[str, Any]] = field(default_factory=list)
    unchecked_rows: list[dict[str, Any]] = field(default_factory=list)  # see unchecked_inputs
    cert_cases: list[CertCase] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)  # the batch's new ones
    # lots harvested (dispatched) earlier that a new input leaves unchecked → (its id, its ts)
    held: dict[Key, list[tuple[str, str]]] = field(default_factory=dict)
    long_rows: list[dict[str, Any]] = field(default_factory=list)  # far-reaching treatments


def lot_origin(items: Iterable[StoredFact], resolver: Resolver) -> tuple[Harvest | Dispatch, ...]:
    """The harvests and dispatches of one lot, oldest first."""
    facts = [from_json(kind, ts, env, resolver.cat) for kind, ts, env in items]
    return tuple(
        sorted(
            (f for f in facts if isinstance(f, Harvest | Dispatch)),
            key=lambda f: (f.ts_ms, f.id),
        )
    )


def screen_inputs(
    apps: Iterable[Application],
    resolver: Resolver,
    tz_of: Callable[[str], tzinfo],
    out: TimelineResult,
) -> set[str]:
    """banned_pesticide / unknown_input of new applications; return the banned ones' ids.
    Those no reference data can check are listed for far look-backs (`unchecked_rows`)."""
    banned_ids: set[str] = set()
    for a in apps:
        if unchecked(a, resolver, tz_of(a.site)):
            out.unchecked_rows.append(
                {"id": a.id, "site": a.site, "plot": a.plot, "ts_ms": a.ts_ms}
            )
        draft = inputs.banned_pesticide(a, resolver, tz_of(a.site))
        if draft is not None:
            banned_ids.add(a.id)
            out.drafts.append(draft)
            out.banned_rows.append(
                {"id": a.id, "site": a.site, "plot": a.plot, "crop": a.crop, "ts_ms": a.ts_ms}
            )
        elif (unknown := inputs.unknown_application(a, resolver)) is not None:
            out.drafts.append(unknown)
    return banned_ids


def screen_treatments(
    treatments: Iterable[Treatment], resolver: Resolver, out: TimelineResult
) -> None:
    """unknown_input of new treatments, and the far-reaching ones' side-table rows."""
    for t in treatments:
        # A prohibited drug is a violation at once; otherwise an unknown drug cannot be checked.
        draft = inputs.prohibited_treatment(t, resolver) or inputs.unknown_treatment(t, resolver)
        if draft is not None:
            out.drafts.append(draft)
        if long_reach(t, resolver):
            out.long_rows.append(
                {
                    "id": t.id,
                    "site": t.site,
                    "herd": t.herd,
                    "species": t.species.value,
                    "drug": t.drug,
                    "water_temp_c": t.water_temp_c,
                    "ts_ms": t.ts_ms,
                    "ts": t.ts,
                }
            )


def with_certs(timeline: T, items: Iterable[StoredFact], resolver: Resolver) -> T:
    """The timeline with stored certificate requests of its blocked lots added as evidence."""
    known = {c.id for c in timeline.certificates}
    extra: list[CertRequest] = []
    for kind, ts, env in items:
        fact = from_json(kind, ts, env, resolver.cat)
        if isinstance(fact, CertRequest) and fact.id not in known:
            extra.append(fact)
    if not extra:
        return timeline
    return replace(timeline, certificates=[*timeline.certificates, *extra])


def plot_timelines(
    hist: History, certs: Sequence[CertRequest], lot_facts: LotFacts
) -> list[PlotTimeline]:
    """One timeline per plot the history holds, with the certificates asked for its lots."""
    by_plot: dict[Key, list[CertRequest]] = defaultdict(list)
    for c in certs:
        for f in lot_facts.get((c.site, c.lot), ()):
            if isinstance(f, Harvest):
                by_plot[(f.site, f.plot)].append(c)
    return [
        PlotTimeline(
            key[0],
            key[1],
            list(hist.apps[key].values()),
            list(hist.harvests[key].values()),
            by_plot[key],
        )
        for key in sorted(set(hist.apps) | set(hist.harvests))
    ]


def herd_timelines(
    hist: History, certs: Sequence[CertRequest], lot_facts: LotFacts
) -> list[HerdTimeline]:
    """One timeline per herd the history holds, with the certificates asked for its lots."""
    by_herd: dict[Key, list[CertRequest]] = defaultdict(list)
    for c in certs:
        for f in lot_facts.get((c.site, c.lot), ()):
            if isinstance(f, Dispatch):
                by_herd[(f.site, f.herd)].append(c)
    return [
        HerdTimeline(
            key[0],
            key[1],
            list(hist.treatments[key].values()),
            list(hist.dispatches[key].values()),
            by_herd[key],
        )
        for key in sorted(set(hist.treatments) | set(hist.dispatches))
    ]


def max_application_drafts(
    apps: Iterable[Application], hist: History, resolver: Resolver, tz_of: Callable[[str], tzinfo]
) -> list[AlertDraft]:
    """max_applications of each new application against its plot's season."""
    out: list[AlertDraft] = []
    for a in apps:
        season = list(hist.apps[(a.site, a.plot)].values())
        out += max_applications.max_applications(a, season, resolver, tz_of(a.site))
    return out


def banned_blocks(
    apps: Iterable[Application],
    banned_ids: set[str],
    hist: History,
    resolver: Resolver,
    cfg: RulesConfig,
) -> list[LotBlock]:
    """Lots of related crops harvested within reach after a new banned application."""
    crops = resolver.cat.crops
    reach = cfg.banned_block_days * 86_400_000
    out: list[LotBlock] = []
    for a in apps:
        if a.id not in banned_ids:
            continue
        for h in hist.harvests[(a.site, a.plot)].values():
            if crops.related(h.crop, a.crop) and a.ts_ms <= h.ts_ms <= a.ts_ms + reach:
                out.append(LotBlock(h.site, h.lot, "banned_input", a.id, h.ts_ms, a.ts))
    return out


def stored_banned_blocks(
    harvests: Iterable[Harvest],
    stored: Mapping[Key, Sequence[Mapping[str, Any]]],
    resolver: Resolver,
) -> list[LotBlock]:
    """Lots of new harvests of related crops after a banned input stored earlier."""
    crops = resolver.cat.crops
    out: list[LotBlock] = []
    for h in harvests:
        for row in stored.get((h.site, h.plot), ()):
            if crops.related(h.crop, row["crop"]) and row["ts_ms"] <= h.ts_ms:
                cause_ts = format_rfc3339(from_ms(row["ts_ms"]))
                out.append(LotBlock(h.site, h.lot, "banned_input", row["id"], h.ts_ms, cause_ts))
    return out


def cert_cases(
    certs: Iterable[CertRequest],
    lot_facts: LotFacts,
    hist: History,
    resolver: Resolver,
    tz_of: Callable[[str], tzinfo],
    lookback_ms: int,
) -> list[CertCase]:
    """Each certificate request with its lot's origin and compliance snapshot."""
    out = []
    for c in certs:
        origin = lot_facts.get((c.site, c.lot), ())
        compliance = lot_compliance(origin, hist.apps, hist.treatments, resolver, tz_of)
        unverified = unverified_inputs(
            origin, hist.apps, hist.treatments, resolver, tz_of, lookback_ms
        )
        out.append(CertCase(c, origin, compliance, tuple(unverified)))
    return out


def held_lots(
    apps: Iterable[Application],
    treatments: Iterable[Treatment],
    hist: History,
    resolver: Resolver,
    tz_of: Callable[[str], tzinfo],
    lookback_ms: int,
) -> dict[Key, list[tuple[str, str]]]:
    """Lots already harvested (dispatched) that a new application (treatment) leaves unchecked,
    with its (id, event time): the test a certificate request meets (`unverified_inputs`), so a
    record that arrives after a certificate was issued revokes what it would have refused in
    order."""
    out: dict[Key, list[tuple[str, str]]] = defaultdict(list)
    for a in apps:
        tz = tz_of(a.site)
        for h in hist.harvests[(a.site, a.plot)].values():
            if holds_harvest(a, h, resolver, tz, lookback_ms):
                out[(h.site, h.lot)].append((a.id, a.ts))
    for t in treatments:
        tz = tz_of(t.site)
        for d in hist.dispatches[(t.site, t.herd)].values():
            if holds_dispatch(t, d, resolver, tz):
                out[(d.site, d.lot)].append((t.id, t.ts))
    return dict(out)
