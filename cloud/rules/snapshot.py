"""The PHI / withdrawal status of a lot at certificate time (pure): shown on its trace page."""

from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo
from typing import Any

from cloud.reference.lookup import Resolver
from cloud.rules.facts import Application, Dispatch, Harvest, Treatment
from cloud.rules.timecalc import days_blocks, earliest_date, local_date, span_ms
from cloud.rules.withdrawal import Verdict, judge

Key = tuple[str, str]


def _phi_rows(
    h: Harvest, apps: Iterable[Application], resolver: Resolver, tz: tzinfo
) -> list[dict[str, Any]]:
    rows = []
    reach = span_ms(resolver.cat.max_phi_days)
    for a in sorted(apps, key=lambda x: x.ts_ms):
        if not (h.ts_ms - reach <= a.ts_ms <= h.ts_ms) or not resolver.cat.crops.related(
            a.crop, h.crop
        ):
            continue
        days = resolver.phi(a.ingredients, a.crop, a.reg_no, a.formulation).phi_days
        rows.append(
            {
                "type": "phi",
                "product": a.product,
                "ingredients": list(a.ingredients),
                "applied_on": local_date(a.ts_ms, tz).isoformat(),
                "phi_days": days,
                "earliest": earliest_date(a.ts_ms, days, tz).isoformat() if days else None,
                "on": local_date(h.ts_ms, tz).isoformat(),
                "ok": None if days is None else not days_blocks(a.ts_ms, h.ts_ms, days, tz),
            }
        )
    return rows


def _withdrawal_rows(
    d: Dispatch, treatments: Iterable[Treatment], resolver: Resolver, tz: tzinfo
) -> list[dict[str, Any]]:
    rows = []
    for t in sorted(treatments, key=lambda x: x.ts_ms):
        if t.ts_ms > d.ts_ms:
            continue
        choices = resolver.withdrawal(t.drug, t.species).for_product(d.product)
        verdicts = [judge(c.period, t, d, tz) for c in choices]
        ok = (
            None if not verdicts or Verdict.UNKNOWN in verdicts else Verdict.BLOCKED not in verdicts
        )
        rows.append(
            {
                "type": "withdrawal",
                "drug": t.drug,
                "treated_on": local_date(t.ts_ms, tz).isoformat(),
                "product": d.product.value,
                "periods": [c.period.describe() for c in choices],
                "on": local_date(d.ts_ms, tz).isoformat(),
                "ok": ok,
            }
        )
    return rows


def lot_compliance(
    origin: Iterable[Harvest | Dispatch],
    apps: Mapping[Key, Mapping[str, Application]],
    treatments: Mapping[Key, Mapping[str, Treatment]],
    resolver: Resolver,
    tz_of: Callable[[str], tzinfo],
) -> list[dict[str, Any]]:
    """One row per application (treatment) that preceded the lot's harvest (dispatch)."""
    out: list[dict[str, Any]] = []
    for f in origin:
        tz = tz_of(f.site)
        if isinstance(f, Harvest):
            out += _phi_rows(f, apps.get((f.site, f.plot), {}).values(), resolver, tz)
        else:
            out += _withdrawal_rows(f, treatments.get((f.site, f.herd), {}).values(), resolver, tz)
    return out


def _unchecked(a: Application, resolver: Resolver, tz: tzinfo) -> bool:
    """An ingredient with no PHI row that is not banned here (a banned one is banned_input)."""
    unresolved = resolver.phi(a.ingredients, a.crop, a.reg_no, a.formulation).unresolved
    if not unresolved:
        return False
    banned = {h.ingredient for h in resolver.banned(a.ingredients, a.crop, local_date(a.ts_ms, tz))}
    return any(i not in banned for i in unresolved)


def unverified_inputs(
    origin: Iterable[Harvest | Dispatch],
    apps: Mapping[Key, Mapping[str, Application]],
    treatments: Mapping[Key, Mapping[str, Treatment]],
    resolver: Resolver,
    tz_of: Callable[[str], tzinfo],
) -> list[str]:
    """Ids of applications (treatments) before the lot's harvest (dispatch) that cannot be
    checked: an ingredient with no PHI row for the crop, a drug with no period for the product.
    Applications are looked for as far back as the longest known PHI (the history read)."""
    out: list[str] = []
    reach = span_ms(resolver.cat.max_phi_days)
    for f in origin:
        if isinstance(f, Harvest):
            for a in apps.get((f.site, f.plot), {}).values():
                if not (f.ts_ms - reach <= a.ts_ms <= f.ts_ms):
                    continue
                if not resolver.cat.crops.related(a.crop, f.crop):
                    continue
                if _unchecked(a, resolver, tz_of(a.site)):
                    out.append(a.id)
            continue
        for t in treatments.get((f.site, f.herd), {}).values():
            if t.ts_ms <= f.ts_ms and not resolver.withdrawal(t.drug, t.species).for_product(
                f.product
            ):
                out.append(t.id)
    return list(dict.fromkeys(out))
