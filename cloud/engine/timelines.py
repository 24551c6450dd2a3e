"""Runner of the timeline rules for one batch: read the planned history, call the pure rules.

Reads happen in the ingest transaction, after the batch's own records were inserted, so new and
old facts are seen together and a late message is judged against everything already known.
"""

from collections.abc import Callable
from datetime import tzinfo

from sqlalchemy import Connection

from cloud.domain import LotBlock
from cloud.engine.history import read_history, unit_keys
from cloud.reference.lookup import Resolver
from cloud.rules import timelines as pure
from cloud.rules.config import RulesConfig
from cloud.rules.facts import AnyFact, Application, CertRequest, Dispatch, Harvest, Treatment
from cloud.rules.phi import phi_violations
from cloud.rules.plan import make_plan
from cloud.rules.timecalc import DAY_MS
from cloud.rules.timelines import LotFacts, T, TimelineResult
from cloud.rules.withdrawal import withdrawal_violations
from cloud.store import locks
from cloud.store import lots as lot_store
from cloud.store import timelines as tl_store


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
        banned_ids = pure.screen_inputs(apps, resolver, tz_of, out)
        certified = [f for fs in lot_facts.values() for f in fs if isinstance(f, Harvest)]
        harvests = [f for f in new if isinstance(f, Harvest)] + certified
        dispatches = [f for f in new if isinstance(f, Dispatch)]
        dispatches += [f for fs in lot_facts.values() for f in fs if isinstance(f, Dispatch)]
        treatments = [f for f in new if isinstance(f, Treatment)]
        pure.screen_treatments(treatments, resolver, out)
        if locks.needed(conn):
            locks.lock(conn, unit_keys(apps, harvests, treatments, dispatches))
        plan = make_plan(
            apps, harvests, treatments, dispatches, banned_ids, resolver, self.cfg, tz_of, certified
        )
        known: list[AnyFact] = [*apps, *harvests, *treatments, *dispatches]
        hist = read_history(conn, plan, resolver, known)
        for plot in pure.plot_timelines(hist, certs, lot_facts):
            tz = tz_of(plot.site)
            drafts, blocks = phi_violations(plot, new_ids, resolver, tz)
            if blocks:
                # Certificates already requested for the blocked lots are evidence too.
                plot = self._with_stored_certs(conn, plot, blocks, resolver)
                drafts, blocks = phi_violations(plot, new_ids, resolver, tz)
            out.drafts += drafts
            out.blocks += blocks
        horizon = resolver.cat.max_withdrawal_days + 1
        for herd in pure.herd_timelines(hist, certs, lot_facts):
            tz = tz_of(herd.site)
            drafts, blocks = withdrawal_violations(herd, new_ids, resolver, tz, horizon)
            if blocks:
                herd = self._with_stored_certs(conn, herd, blocks, resolver)
                drafts, blocks = withdrawal_violations(herd, new_ids, resolver, tz, horizon)
            out.drafts += drafts
            out.blocks += blocks
        out.drafts += pure.max_application_drafts(apps, hist, resolver, tz_of)
        out.blocks += pure.banned_blocks(apps, banned_ids, hist, resolver, self.cfg)
        stored = lot_store.banned_by_plot(conn, plan.banned) if plan.banned else {}
        out.blocks += pure.stored_banned_blocks(harvests, stored, resolver)
        lookback_ms = self.cfg.lookback_days * DAY_MS
        out.cert_cases = pure.cert_cases(certs, lot_facts, hist, resolver, tz_of, lookback_ms)
        out.held = pure.held_lots(apps, treatments, hist, resolver, tz_of, lookback_ms)
        return out

    def _lot_facts(
        self, conn: Connection, certs: list[CertRequest], resolver: Resolver
    ) -> LotFacts:
        if not certs:
            return {}
        rows = tl_store.by_lot(conn, ("harvest", "dispatch"), {(c.site, c.lot) for c in certs})
        return {key: pure.lot_origin(items, resolver) for key, items in rows.items()}

    def _with_stored_certs(
        self, conn: Connection, timeline: T, blocks: list[LotBlock], resolver: Resolver
    ) -> T:
        rows = tl_store.by_lot(conn, ("certificate_request",), {(b.site, b.lot) for b in blocks})
        return pure.with_certs(timeline, (r for items in rows.values() for r in items), resolver)
