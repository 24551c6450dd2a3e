"""The rule engine: the thin runner that feeds the pure rules and stores what they decide.

Called by ingest inside its transaction, after the batch's new records were inserted, with the
new envelopes and their arrival times; and by the clock (`tick`) to fire due timers. Kinds whose
rules need no history (rapid tests, telemetry, status) cost no query unless they raise an alert.
"""

from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import Protocol

from sqlalchemy import Connection

from agrisafe.protocol import (
    Alert,
    DeviceState,
    Envelope,
    Kind,
    RapidTestEnvelope,
    SampleEnvelope,
    StatusEnvelope,
)
from agrisafe.timeutil import site_zone, to_ms
from cloud.certificates import service as certificates
from cloud.credit.policy import CreditPolicy
from cloud.domain import AlertDraft, Resolution
from cloud.engine import timers
from cloud.engine.commit import commit
from cloud.engine.timelines import TimelineRunner
from cloud.reference.provider import ReferenceProvider
from cloud.registry.service import SiteInfo
from cloud.rules import devices
from cloud.rules.config import RulesConfig
from cloud.rules.facts import from_envelope
from cloud.rules.rapid_test import (
    counts_positive,
    positive_blocks,
    rapid_test_inconsistent,
    rapid_test_positive,
)
from cloud.rules.timelines import TimelineResult
from cloud.rules.timers import arm_rows
from cloud.store import alerts as alert_store
from cloud.store import locks, lots, sites
from cloud.store import timers as timer_store

# Rules that need nothing but the message itself.
MessageRule = Callable[[Envelope], AlertDraft | None]
MESSAGE_RULES: tuple[MessageRule, ...] = (
    rapid_test_positive,
    rapid_test_inconsistent,
    devices.device_offline,
)
TIMELINE_KINDS = frozenset(
    {Kind.INPUT_USE, Kind.HARVEST, Kind.TREATMENT, Kind.DISPATCH, Kind.CERTIFICATE_REQUEST}
)


class SiteLookup(Protocol):
    """What the engine asks the registry: region (alert routing) and time zone (calendar)."""

    def region_of(self, site_id: str) -> str:
        """6-digit region code."""

    def site(self, site_id: str) -> SiteInfo | None:
        """Region, time zone and producer of a site."""


class RuleEngine:
    """Evaluates every rule on a batch of new records (event time, not arrival time)."""

    def __init__(
        self,
        message_rules: Sequence[MessageRule] = MESSAGE_RULES,
        *,
        reference: ReferenceProvider | None = None,
        config: RulesConfig | None = None,
        credit: CreditPolicy | None = None,
    ) -> None:
        self.message_rules = tuple(message_rules)
        self.reference = reference if reference is not None else ReferenceProvider()
        self.config = config if config is not None else RulesConfig()
        self.credit = credit if credit is not None else CreditPolicy()
        self.timelines = TimelineRunner(self.config)
        self.directory = sites.SiteDirectory()

    def evaluate(self, new: Sequence[Envelope]) -> list[AlertDraft]:
        """Drafts of the message rules alone (no history, no store)."""
        return [d for env in new for rule in self.message_rules if (d := rule(env)) is not None]

    def apply(
        self,
        conn: Connection,
        new: Sequence[Envelope],
        arrivals: Sequence[int],
        sites_: SiteLookup,
        now_ms: int,
    ) -> list[Alert]:
        """Evaluate the batch and store the outcome; return the alerts it opened."""
        if locks.needed(conn):  # lots before plots / herds (see cloud.store.locks)
            locks.lock(conn, _lot_keys(new))
        drafts = self.evaluate(new)
        tolerance = self.config.clock_skew_tolerance_s
        drafts += [
            d
            for env, at in zip(new, arrivals, strict=True)
            if (d := devices.clock_skew(env, at, tolerance)) is not None
        ]
        drafts += self._geofences(conn, new)
        resolutions = self._back_online(conn, new)
        blocks = positive_blocks(new)
        result = TimelineResult()
        if any(env.kind in TIMELINE_KINDS for env in new):
            result = self._timelines(conn, new, sites_)
            drafts += result.drafts
            blocks += result.blocks
            resolutions += timers.late_records(conn, result.applications)
        armed = arm_rows(new, self.config)
        if armed:
            timer_store.arm(conn, armed)
        newly_blocked = lots.add_blocks(conn, blocks, now_ms) if blocks else set()
        tz_of = _zones(sites_)
        drafts += certificates.decide_cases(
            conn, result.cert_cases, self.credit, self.directory, tz_of, now_ms
        )
        drafts += certificates.revoke_for(conn, newly_blocked, blocks, now_ms, result.held)
        return commit(conn, drafts, resolutions, sites_.region_of, self.credit, now_ms)

    def tick(self, conn: Connection, sites_: SiteLookup, now_ms: int) -> list[Alert]:
        """The clock moved to `now_ms`: fire due timers; return the alerts opened."""
        drafts = timers.fire_due(conn, now_ms, self.config)
        return commit(conn, drafts, [], sites_.region_of, self.credit, now_ms)

    def _timelines(
        self, conn: Connection, new: Sequence[Envelope], sites_: SiteLookup
    ) -> TimelineResult:
        resolver = self.reference.resolver(conn)
        facts = [f for env in new if (f := from_envelope(env, resolver.cat)) is not None]
        result = self.timelines.run(conn, facts, resolver, _zones(sites_))
        lots.add_banned_inputs(conn, result.banned_rows)
        lots.add_unchecked_inputs(conn, result.unchecked_rows)
        lots.add_long_treatments(conn, result.long_rows)
        return result

    def _geofences(self, conn: Connection, new: Sequence[Envelope]) -> list[AlertDraft]:
        samples = [env for env in new if isinstance(env, SampleEnvelope)]
        fences = {s: self.directory.geofence(conn, s) for s in {env.site for env in samples}}
        return [
            d
            for env in samples
            if (d := devices.sample_out_of_geofence(env, fences[env.site])) is not None
        ]

    def _back_online(self, conn: Connection, new: Sequence[Envelope]) -> list[Resolution]:
        out: list[Resolution] = []
        for env in new:
            if not isinstance(env, StatusEnvelope) or env.body.state is not DeviceState.ONLINE:
                continue
            subject = f"device:{env.device}"
            for row in alert_store.open_rows_for(conn, "device_offline", env.site, subject):
                if row["ts_ms"] <= to_ms(env.ts):
                    out.append(Resolution(row["dedupe_key"], "back_online", (env.id,)))
        return out


def _lot_keys(new: Sequence[Envelope]) -> list[int]:
    """Advisory-lock keys of the lots a batch may block, certify or create."""
    keys = []
    for env in new:
        lot = getattr(env.body, "lot", None)
        if lot is None or env.kind not in _LOT_KINDS:
            continue
        if isinstance(env, RapidTestEnvelope) and not counts_positive(env.body):
            continue
        keys.append(locks.key_of("lot", env.site, lot))
    return keys


_LOT_KINDS = frozenset({Kind.HARVEST, Kind.DISPATCH, Kind.CERTIFICATE_REQUEST, Kind.RAPID_TEST})


def _zones(sites_: SiteLookup) -> Callable[[str], tzinfo]:
    cache: dict[str, tzinfo] = {}

    def tz_of(site: str) -> tzinfo:
        zone = cache.get(site)
        if zone is None:
            info = sites_.site(site)
            zone = cache[site] = site_zone(info.timezone if info is not None else None)
        return zone

    return tz_of
