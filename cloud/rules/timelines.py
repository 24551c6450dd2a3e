"""Runner of the timeline rules for one batch: read the planned history, call the pure rules.

phi_violation, withdrawal_violation, max_applications, banned_pesticide (with the lots a banned
input blocks), unknown_input, and the facts certificate decisions need. Reads happen in the
ingest transaction, after the batch's own records were inserted, so new and old facts are seen
together and a late message is judged against everything already known.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import Any, TypeVar

from sqlalchemy import Connection

from agrisafe.timeutil import format_rfc3339, from_ms
from cloud.reference.lookup import Resolver
from cloud.rules import inputs, max_applications
from cloud.rules.config import RulesConfig
from cloud.rules.facts import (
    AnyFact,
    Application,
    CertRequest,
    Dispatch,
    Harvest,
    Treatment,
    from_json,
)
from cloud.rules.history import History, read_history, unit_keys
from cloud.rules.phi import PlotTimeline, phi_violations
from cloud.rules.plan import Key, Plan, long_reach, make_plan
from cloud.rules.snapshot import lot_compliance
from cloud.rules.types import AlertDraft, LotBlock
from cloud.rules.withdrawal import HerdTimeline, withdrawal_violations
from cloud.store import locks
from cloud.store import lots as lot_store
from cloud.store import timelines as tl_store

T = TypeVar("T", PlotTimeline, HerdTimeline)


@dataclass(frozen=True)
class CertCase:
    """A certificate request with what is known about its lot."""

    request: CertRequest
    origin: tuple[Harvest | Dispatch, ...]
    compliance: list[dict[str, Any]]


@dataclass
class TimelineResult:
    """What the timeline rules found in one batch."""

    drafts: list[AlertDraft] = field(default_factory=list)
    blocks: list[LotBlock] = field(default_factory=list)
    banned_rows: list[dict[str, Any]] = field(default_factory=list)
    cert_cases: list[CertCase] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)  # the batch's new ones
    long_rows: list[dict[str, Any]] = field(default_factory=list)  # far-reaching treatments


class TimelineRunner:
    """Plans, reads and evaluates the timelines a batch touches."""

    def __init__(self, cfg: RulesConfig) -> None:
        self.cfg = cfg

    def run(
        self,
        conn: Connection,
        new: list[AnyFact],
        resolver: Resolver,
        tz_of: Callable[[str], tzinfo],
    ) -> TimelineResult:
        """Evaluate the batch's new timeline facts against their history."""
        out = TimelineResult()
        new_ids = frozenset(f.id for f in new)
        apps = [f for f in new if isinstance(f, Application)]
        out.applications = apps
        certs = [f for f in new if isinstance(f, CertRequest)]
        lot_facts = self._lot_facts(conn, certs, resolver)
        banned_ids = self._inputs(apps, resolver, tz_of, out)
        harvests = [f for f in new if isinstance(f, Harvest)]
        harvests += [f for fs in lot_facts.values() for f in fs if isinstance(f, Harvest)]
        dispatches = [f for f in new if isinstance(f, Dispatch)]
        dispatches += [f for fs in lot_facts.values() for f in fs if isinstance(f, Dispatch)]
        treatments = [f for f in new if isinstance(f, Treatment)]
        for t in treatments:
            if (draft := inputs.unknown_treatment(t, resolver)) is not None:
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
        if locks.needed(conn):
            locks.lock(conn, unit_keys(apps, harvests, treatments, dispatches))
        plan = make_plan(
            apps, harvests, treatments, dispatches, banned_ids, resolver, self.cfg, tz_of
        )
        known: list[AnyFact] = [*apps, *harvests, *treatments, *dispatches]
        hist = read_history(conn, plan, resolver, known)
        self._plots(conn, hist, new_ids, certs, lot_facts, resolver, tz_of, out)
        self._herds(conn, hist, new_ids, certs, lot_facts, resolver, tz_of, out)
        self._max_applications(apps, hist, resolver, tz_of, out)
        self._banned_blocks(conn, plan, hist, apps, banned_ids, harvests, resolver, out)
        for c in certs:
            origin = lot_facts.get((c.site, c.lot), ())
            compliance = lot_compliance(origin, hist.apps, hist.treatments, resolver, tz_of)
            out.cert_cases.append(CertCase(c, origin, compliance))
        return out

    # -- reading -------------------------------------------------------------------------------
    def _lot_facts(
        self, conn: Connection, certs: list[CertRequest], resolver: Resolver
    ) -> dict[Key, tuple[Harvest | Dispatch, ...]]:
        if not certs:
            return {}
        rows = tl_store.by_lot(conn, ("harvest", "dispatch"), {(c.site, c.lot) for c in certs})
        out: dict[Key, tuple[Harvest | Dispatch, ...]] = {}
        for key, items in rows.items():
            facts = [from_json(kind, ts, env, resolver.cat) for kind, ts, env in items]
            out[key] = tuple(
                sorted(
                    (f for f in facts if isinstance(f, Harvest | Dispatch)),
                    key=lambda f: (f.ts_ms, f.id),
                )
            )
        return out

    # -- evaluation ----------------------------------------------------------------------------
    def _inputs(
        self,
        apps: list[Application],
        resolver: Resolver,
        tz_of: Callable[[str], tzinfo],
        out: TimelineResult,
    ) -> set[str]:
        banned_ids: set[str] = set()
        for a in apps:
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

    def _plots(
        self,
        conn: Connection,
        hist: History,
        new_ids: frozenset[str],
        certs: list[CertRequest],
        lot_facts: dict[Key, tuple[Harvest | Dispatch, ...]],
        resolver: Resolver,
        tz_of: Callable[[str], tzinfo],
        out: TimelineResult,
    ) -> None:
        certs_by_plot: dict[Key, list[CertRequest]] = defaultdict(list)
        for c in certs:
            for f in lot_facts.get((c.site, c.lot), ()):
                if isinstance(f, Harvest):
                    certs_by_plot[(f.site, f.plot)].append(c)
        keys = set(hist.apps) | set(hist.harvests)
        for key in sorted(keys):
            timeline = PlotTimeline(
                key[0],
                key[1],
                list(hist.apps[key].values()),
                list(hist.harvests[key].values()),
                certs_by_plot[key],
            )
            drafts, blocks = phi_violations(timeline, new_ids, resolver, tz_of(key[0]))
            if blocks:
                # Certificates already requested for the blocked lots are evidence too.
                timeline = self._with_stored_certs(conn, timeline, blocks, resolver)
                drafts, blocks = phi_violations(timeline, new_ids, resolver, tz_of(key[0]))
            out.drafts += drafts
            out.blocks += blocks

    def _with_stored_certs(
        self, conn: Connection, timeline: T, blocks: list[LotBlock], resolver: Resolver
    ) -> T:
        rows = tl_store.by_lot(conn, ("certificate_request",), {(b.site, b.lot) for b in blocks})
        known = {c.id for c in timeline.certificates}
        extra: list[CertRequest] = []
        for items in rows.values():
            for kind, ts, env in items:
                fact = from_json(kind, ts, env, resolver.cat)
                if isinstance(fact, CertRequest) and fact.id not in known:
                    extra.append(fact)
        if not extra:
            return timeline
        return replace(timeline, certificates=[*timeline.certificates, *extra])

    def _herds(
        self,
        conn: Connection,
        hist: History,
        new_ids: frozenset[str],
        certs: list[CertRequest],
        lot_facts: dict[Key, tuple[Harvest | Dispatch, ...]],
        resolver: Resolver,
        tz_of: Callable[[str], tzinfo],
        out: TimelineResult,
    ) -> None:
        certs_by_herd: dict[Key, list[CertRequest]] = defaultdict(list)
        for c in certs:
            for f in lot_facts.get((c.site, c.lot), ()):
                if isinstance(f, Dispatch):
                    certs_by_herd[(f.site, f.herd)].append(c)
        horizon = resolver.cat.max_withdrawal_days + 1
        for key in sorted(set(hist.treatments) | set(hist.dispatches)):
            timeline = HerdTimeline(
                key[0],
                key[1],
                list(hist.treatments[key].values()),
                list(hist.dispatches[key].values()),
                certs_by_herd[key],
            )
            tz = tz_of(key[0])
            drafts, blocks = withdrawal_violations(timeline, new_ids, resolver, tz, horizon)
            if blocks:
                timeline = self._with_stored_certs(conn, timeline, blocks, resolver)
                drafts, blocks = withdrawal_violations(timeline, new_ids, resolver, tz, horizon)
            out.drafts += drafts
            out.blocks += blocks

    def _max_applications(
        self,
        apps: list[Application],
        hist: History,
        resolver: Resolver,
        tz_of: Callable[[str], tzinfo],
        out: TimelineResult,
    ) -> None:
        for a in apps:
            season = list(hist.apps[(a.site, a.plot)].values())
            out.drafts += max_applications.max_applications(a, season, resolver, tz_of(a.site))

    def _banned_blocks(
        self,
        conn: Connection,
        plan: Plan,
        hist: History,
        apps: list[Application],
        banned_ids: set[str],
        harvests: Iterable[Harvest],
        resolver: Resolver,
        out: TimelineResult,
    ) -> None:
        crops = resolver.cat.crops
        reach = self.cfg.banned_block_days * 86_400_000
        reason = "banned_input"
        for a in apps:
            if a.id not in banned_ids:
                continue
            for h in hist.harvests[(a.site, a.plot)].values():
                if crops.related(h.crop, a.crop) and a.ts_ms <= h.ts_ms <= a.ts_ms + reach:
                    out.blocks.append(LotBlock(h.site, h.lot, reason, a.id, h.ts_ms, a.ts))
        stored = lot_store.banned_by_plot(conn, plan.banned) if plan.banned else {}
        for h in harvests:
            for row in stored.get((h.site, h.plot), ()):
                if crops.related(h.crop, row["crop"]) and row["ts_ms"] <= h.ts_ms:
                    cause_ts = format_rfc3339(from_ms(row["ts_ms"]))
                    out.blocks.append(LotBlock(h.site, h.lot, reason, row["id"], h.ts_ms, cause_ts))
