"""phi_violation: a harvest (or a certificate for its lot) inside an application's PHI window.

Pure: a plot's timeline in, drafts and lot blocks out. Each application opens its own window and
is the alert's cause; every harvest of the same crop inside it (and every certificate request
for such a lot inside it) is evidence; each such lot is blocked for good.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from agrisafe.protocol import Rule
from cloud.domain import AlertDraft, LotBlock
from cloud.reference.crops import CropTable
from cloud.reference.lookup import PhiResolution, Resolver
from cloud.rules.facts import Application, CertRequest, Harvest
from cloud.rules.timecalc import days_blocks, earliest_date, local_date


@dataclass(frozen=True)
class PlotTimeline:
    """What is known about one (site, plot) around the new facts."""

    site: str
    plot: str
    applications: Sequence[Application]
    harvests: Sequence[Harvest]
    certificates: Sequence[CertRequest] = ()


def _detail(app: Application, res: PhiResolution, days: int, tz: tzinfo) -> dict[str, object]:
    return {
        "crop": app.crop,
        "product": app.product,
        "reg_no": app.reg_no,
        "formulation": app.formulation,
        "phi_days": days,
        "ingredients": [
            {"ingredient": c.ingredient, "phi_days": c.phi_days, "rows": list(c.rows)}
            for c in res.choices
        ],
        "sources": sorted({s for c in res.choices for s in c.sources}),
        "applied_on": local_date(app.ts_ms, tz).isoformat(),
        "earliest_harvest": earliest_date(app.ts_ms, days, tz).isoformat(),
    }


def violating_harvests(
    app: Application, days: int, harvests: Iterable[Harvest], crops: CropTable, tz: tzinfo
) -> list[Harvest]:
    """Harvests of the application's crop inside its window, in event order."""
    hits = [
        h
        for h in harvests
        if crops.related(h.crop, app.crop) and days_blocks(app.ts_ms, h.ts_ms, days, tz)
    ]
    return sorted(hits, key=lambda h: (h.ts_ms, h.id))


def phi_violations(
    tl: PlotTimeline, new_ids: frozenset[str], resolver: Resolver, tz: tzinfo
) -> tuple[list[AlertDraft], list[LotBlock]]:
    """Drafts for windows that involve a new fact; blocks for every violating lot seen."""
    drafts: list[AlertDraft] = []
    blocks: list[LotBlock] = []
    for app in tl.applications:
        res = resolver.phi(app.ingredients, app.crop, app.reg_no, app.formulation)
        days = res.phi_days
        if not days:  # unresolved (→ unknown_input) or a 0-day interval: nothing to violate
            continue
        hits = violating_harvests(app, days, tl.harvests, resolver.cat.crops, tz)
        if not hits:
            continue
        lots = {h.lot for h in hits}
        certs = [
            c
            for c in tl.certificates
            if c.lot in lots and days_blocks(app.ts_ms, c.ts_ms, days, tz)
        ]
        evidence = (app.id, *(h.id for h in hits), *(c.id for c in certs))
        if new_ids.isdisjoint(evidence):
            continue  # judged when those facts arrived
        detail = _detail(app, res, days, tz) | {"lots": sorted(lots)}
        rule = Rule.PHI_VIOLATION.value
        blocks += [LotBlock(tl.site, h.lot, rule, app.id, h.ts_ms, app.ts) for h in hits]
        drafts.append(
            AlertDraft(
                rule=Rule.PHI_VIOLATION,
                site=tl.site,
                subject=f"plot:{tl.plot}",
                cause=app.id,
                ts=hits[0].when(),  # the harvest that completed the violation, in event time
                evidence=evidence,
                detail=detail,
            )
        )
    return drafts, blocks
