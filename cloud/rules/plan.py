"""Which history a batch of new facts needs: time ranges per subject (pure).

Every rule reaches a bounded distance in event time (the longest PHI, the withdrawal look-back,
a season), so the runner reads only those ranges, merged per subject, whatever the history size.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import tzinfo

from cloud.reference.lookup import Resolver
from cloud.rules.config import RulesConfig
from cloud.rules.facts import Application, Dispatch, Harvest, Treatment
from cloud.rules.snapshot import unchecked
from cloud.rules.timecalc import DAY_MS, HOUR_MS, season_bounds_ms, season_of, span_ms

Key = tuple[str, str]
Ranges = dict[Key, tuple[int, int]]


def widen(ranges: Ranges, key: Key, lo: int, hi: int) -> None:
    """Merge [lo, hi] into the subject's range."""
    old = ranges.get(key)
    ranges[key] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))


@dataclass
class Plan:
    """Ranges to read, per kind of history."""

    applications: Ranges = field(default_factory=dict)
    harvests: Ranges = field(default_factory=dict)
    banned: Ranges = field(default_factory=dict)
    unchecked: Ranges = field(default_factory=dict)  # unchecked_inputs, far back
    treatments: Ranges = field(default_factory=dict)
    long_treatments: Ranges = field(default_factory=dict)
    dispatches: Ranges = field(default_factory=dict)


def long_reach(t: Treatment, resolver: Resolver) -> bool:
    """A treatment whose window may outlast every finite withdrawal period: a prohibition,
    degree-days, or a drug the reference data does not know yet (a label may add one)."""
    res = resolver.withdrawal(t.drug, t.species)
    if not res.matched:
        return True
    return any(
        c.period.prohibited or c.period.degree_days is not None
        for choices in res.periods.values()
        for c in choices
    )


def short_reach_ms(resolver: Resolver) -> int:
    """How far back a dispatch must look for treatments with finite day / hour periods."""
    return span_ms(resolver.cat.max_withdrawal_days + 1)


def treatment_reach_ms(t: Treatment, resolver: Resolver, cfg: RulesConfig) -> int:
    """How far after a treatment a dispatch can still be inside (or unknown for) its window."""
    if long_reach(t, resolver):
        # Prohibited, degree-days, or a drug no row knows (it holds every later lot of the herd
        # until resolved: held_lots must see as far as a certificate request would look).
        return cfg.lookback_days * DAY_MS
    res = resolver.withdrawal(t.drug, t.species)
    reach = span_ms(resolver.cat.max_withdrawal_days)
    for choices in res.periods.values():
        for c in choices:
            p = c.period
            if p.days is not None:
                reach = max(reach, span_ms(p.days))
            if p.hours is not None:
                reach = max(reach, p.hours * HOUR_MS + DAY_MS)
    return reach


def make_plan(  # noqa: PLR0913 - one parameter per kind of new fact, each typed
    apps: Iterable[Application],
    harvests: Iterable[Harvest],
    treatments: Iterable[Treatment],
    dispatches: Iterable[Dispatch],
    banned_app_ids: set[str],
    resolver: Resolver,
    cfg: RulesConfig,
    tz_of: Callable[[str], tzinfo],
    certified: Iterable[Harvest] = (),
) -> Plan:
    """Ranges of history the new facts need (the lots of new certificate requests are passed as
    harvests and dispatches too, their harvests also as `certified`). The facts themselves are
    known: no range just to read them."""
    plan = Plan()
    phi_ms = span_ms(resolver.cat.max_phi_days)
    lookback_ms = cfg.lookback_days * DAY_MS
    for a in apps:
        key = (a.site, a.plot)
        tz = tz_of(a.site)
        if any(resolver.may_limit(i, a.crop) for i in a.ingredients):
            # The season, for max_applications (only where a maximum could apply).
            lo, hi = season_bounds_ms(season_of(a.ts_ms, tz), tz)
            widen(plan.applications, key, lo, hi - 1)
        reach = cfg.banned_block_days * DAY_MS if a.id in banned_app_ids else phi_ms
        if unchecked(a, resolver, tz):  # holds every later lot of its crop (held_lots)
            reach = max(reach, lookback_ms)
        widen(plan.harvests, key, a.ts_ms, a.ts_ms + reach)
    for h in harvests:
        key = (h.site, h.plot)
        widen(plan.applications, key, h.ts_ms - phi_ms, h.ts_ms)
        widen(plan.banned, key, h.ts_ms - cfg.banned_block_days * DAY_MS, h.ts_ms)
    for h in certified:  # an unchecked application holds the lot from as far back as rules look
        widen(plan.unchecked, (h.site, h.plot), h.ts_ms - lookback_ms, h.ts_ms)
    for t in treatments:
        key = (t.site, t.herd)
        widen(plan.dispatches, key, t.ts_ms, t.ts_ms + treatment_reach_ms(t, resolver, cfg))
    short = short_reach_ms(resolver)
    for d in dispatches:
        key = (d.site, d.herd)
        widen(plan.treatments, key, d.ts_ms - short, d.ts_ms)
        widen(plan.long_treatments, key, d.ts_ms - cfg.lookback_days * DAY_MS, d.ts_ms)
    return plan
