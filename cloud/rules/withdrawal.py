"""withdrawal_violation: a dispatch inside a treatment's withdrawal period (or of a product the
drug is prohibited for); unknown_input when a dispatched product's period is not known.

Pure: a herd's timeline in, drafts and lot blocks out. Each treatment is its window's cause.
Days compare site-calendar dates, hours compare instants, degree-days accumulate the treatment's
water temperature; every matching row counts, so the most restrictive one blocks.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from enum import Enum

from agrisafe.protocol import Rule
from cloud.domain import AlertDraft, LotBlock
from cloud.reference.lookup import PeriodChoice, Resolver
from cloud.reference.model import Period
from cloud.rules.facts import CertRequest, Dispatch, Treatment
from cloud.rules.timecalc import (
    DAY_MS,
    days_blocks,
    degree_days_block,
    earliest_date,
    hours_blocks,
    local_date,
)


class Verdict(Enum):
    """How one period judges one dispatch."""

    ALLOWED = "allowed"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"  # e.g. degree-days without a water temperature


@dataclass(frozen=True)
class HerdTimeline:
    """What is known about one (site, herd) around the new facts."""

    site: str
    herd: str
    treatments: Sequence[Treatment]
    dispatches: Sequence[Dispatch]
    certificates: Sequence[CertRequest] = ()


def judge(period: Period, t: Treatment, d: Dispatch, tz: tzinfo) -> Verdict:
    """One period against one dispatch."""
    if d.ts_ms < t.ts_ms:
        return Verdict.ALLOWED
    if period.prohibited:
        return Verdict.BLOCKED
    if period.days is not None:
        blocked = days_blocks(t.ts_ms, d.ts_ms, period.days, tz)
    elif period.hours is not None:
        blocked = hours_blocks(t.ts_ms, d.ts_ms, period.hours)
    else:
        if t.water_temp_c is None:
            return Verdict.UNKNOWN
        assert period.degree_days is not None
        blocked = degree_days_block(t.ts_ms, d.ts_ms, t.water_temp_c, period.degree_days, tz)
    return Verdict.BLOCKED if blocked else Verdict.ALLOWED


@dataclass
class _Window:
    hits: list[Dispatch] = field(default_factory=list)
    unknown: list[Dispatch] = field(default_factory=list)
    periods: dict[str, list[PeriodChoice]] = field(default_factory=dict)


def _detail(t: Treatment, w: _Window, tz: tzinfo) -> dict[str, object]:
    periods = {
        product: [
            {"period": c.period.describe(), "provisional": c.provisional, "source": c.source}
            for c in choices
        ]
        for product, choices in w.periods.items()
    }
    out: dict[str, object] = {
        "drug": t.drug,
        "species": t.species.value,
        "treated_on": local_date(t.ts_ms, tz).isoformat(),
        "periods": periods,
        "lots": sorted({d.lot for d in w.hits}),
    }
    days = [c.period.days for cs in w.periods.values() for c in cs if c.period.days is not None]
    if days:
        out["earliest_dispatch"] = earliest_date(t.ts_ms, max(days), tz).isoformat()
    if t.water_temp_c is not None:
        out["water_temp_c"] = t.water_temp_c
    return out


def _window(
    t: Treatment, dispatches: Sequence[Dispatch], resolver: Resolver, horizon_ms: int, tz: tzinfo
) -> _Window:
    res = resolver.withdrawal(t.drug, t.species)
    w = _Window()
    for d in sorted(dispatches, key=lambda x: (x.ts_ms, x.id)):
        if d.ts_ms < t.ts_ms:
            continue
        choices = res.for_product(d.product)
        if not choices:
            # Nothing known for this product: it cannot be checked within a plausible horizon.
            if res.matched and d.ts_ms < t.ts_ms + horizon_ms:
                w.unknown.append(d)
            continue
        verdicts = [judge(c.period, t, d, tz) for c in choices]
        w.periods[d.product.value] = list(choices)
        if Verdict.BLOCKED in verdicts:
            w.hits.append(d)
        elif Verdict.UNKNOWN in verdicts:
            w.unknown.append(d)
    return w


def _certs_inside(
    t: Treatment,
    w: _Window,
    certs: Sequence[CertRequest],
    resolver: Resolver,
    tz: tzinfo,
) -> list[CertRequest]:
    """Certificate requests for a blocked lot that fall inside the same window."""
    by_lot = {d.lot: d for d in w.hits}
    res = resolver.withdrawal(t.drug, t.species)
    inside = []
    for c in certs:
        d = by_lot.get(c.lot)
        if d is None:
            continue
        as_event = Dispatch(c.id, c.site, c.ts_ms, c.ts, d.herd, d.species, d.product, d.lot)
        if any(
            judge(p.period, t, as_event, tz) is Verdict.BLOCKED for p in res.for_product(d.product)
        ):
            inside.append(c)
    return inside


def withdrawal_violations(
    tl: HerdTimeline,
    new_ids: frozenset[str],
    resolver: Resolver,
    tz: tzinfo,
    unknown_horizon_days: int,
) -> tuple[list[AlertDraft], list[LotBlock]]:
    """Drafts (violations and uncheckable dispatches) for windows that involve a new fact."""
    drafts: list[AlertDraft] = []
    blocks: list[LotBlock] = []
    subject = f"herd:{tl.herd}"
    for t in tl.treatments:
        w = _window(t, tl.dispatches, resolver, unknown_horizon_days * DAY_MS, tz)
        if w.hits:
            certs = _certs_inside(t, w, tl.certificates, resolver, tz)
            evidence = (t.id, *(d.id for d in w.hits), *(c.id for c in certs))
            if not new_ids.isdisjoint(evidence):
                rule = Rule.WITHDRAWAL_VIOLATION.value
                blocks += [LotBlock(tl.site, d.lot, rule, t.id, d.ts_ms, t.ts) for d in w.hits]
                drafts.append(
                    AlertDraft(
                        Rule.WITHDRAWAL_VIOLATION,
                        tl.site,
                        subject,
                        t.id,
                        w.hits[0].when(),
                        evidence,
                        _detail(t, w, tz),
                    )
                )
        unknown_ids = (t.id, *(d.id for d in w.unknown))
        if w.unknown and not new_ids.isdisjoint(unknown_ids):
            detail = {
                "drug": t.drug,
                "species": t.species.value,
                "products": sorted({d.product.value for d in w.unknown}),
                "why": "no withdrawal period (or no water temperature) to check this dispatch",
            }
            draft = AlertDraft(
                Rule.UNKNOWN_INPUT, tl.site, subject, t.id, w.unknown[0].when(), unknown_ids, detail
            )
            drafts.append(draft)
    return drafts, blocks
