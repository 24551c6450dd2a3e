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


def unchecked(a: Application, resolver: Resolver, tz: tzinfo) -> bool:
    """An ingredient with no PHI row that is not banned here (a banned one is banned_input)."""
    unresolved = resolver.phi(a.ingredients, a.crop, a.reg_no, a.formulation).unresolved
    if not unresolved:
        return False
    banned = {h.ingredient for h in resolver.banned(a.ingredients, a.crop, local_date(a.ts_ms, tz))}
    return any(i not in banned for i in unresolved)


def holds_harvest(
    a: Application, h: Harvest, resolver: Resolver, tz: tzinfo, lookback_ms: int
) -> bool:
    """True when application `a` leaves harvest `h`'s lot unchecked (a certificate waits for a
    regulator or expert):
    - the crops are the same (or one is the other's group) and an ingredient has no PHI row:
      looked for as far back as the rules look (`lookback_ms`), since an unknown product's
      interval may be longer than every known one;
    - one of the two crops is not in the crop table (橘子 after 柑桔 on the same plot may be the
      same fruit) and `a` is unchecked, or its own interval on its crop still covers `h`.
    Two crops the table knows and does not relate are two timelines (intercropping)."""
    if not (h.ts_ms - lookback_ms <= a.ts_ms <= h.ts_ms):
        return False
    crops = resolver.cat.crops
    if not crops.related(a.crop, h.crop) and crops.known(a.crop) and crops.known(h.crop):
        return False
    if unchecked(a, resolver, tz):
        return True
    if crops.related(a.crop, h.crop):
        return False  # checked: phi_violation judges it
    days = resolver.phi(a.ingredients, a.crop, a.reg_no, a.formulation).phi_days
    return days is not None and days > 0 and days_blocks(a.ts_ms, h.ts_ms, days, tz)


def holds_dispatch(t: Treatment, d: Dispatch, resolver: Resolver, tz: tzinfo) -> bool:
    """True when treatment `t` leaves dispatch `d`'s lot unchecked: no withdrawal period for
    the product, or a period that cannot be judged (degree-days without a water temperature)."""
    if t.ts_ms > d.ts_ms:
        return False
    choices = resolver.withdrawal(t.drug, t.species).for_product(d.product)
    return not choices or any(judge(c.period, t, d, tz) is Verdict.UNKNOWN for c in choices)


def unverified_inputs(
    origin: Iterable[Harvest | Dispatch],
    apps: Mapping[Key, Mapping[str, Application]],
    treatments: Mapping[Key, Mapping[str, Treatment]],
    resolver: Resolver,
    tz_of: Callable[[str], tzinfo],
    lookback_ms: int,
) -> list[str]:
    """Ids of applications (treatments) before the lot's harvest (dispatch) that leave it
    unchecked (`holds_harvest`, `holds_dispatch`)."""
    out: list[str] = []
    for f in origin:
        tz = tz_of(f.site)
        if isinstance(f, Harvest):
            plot = apps.get((f.site, f.plot), {}).values()
            out += [a.id for a in plot if holds_harvest(a, f, resolver, tz, lookback_ms)]
        else:
            herd = treatments.get((f.site, f.herd), {}).values()
            out += [t.id for t in herd if holds_dispatch(t, f, resolver, tz)]
    return list(dict.fromkeys(out))
