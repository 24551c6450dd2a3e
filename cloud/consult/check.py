"""What the reference data says about a recommended product, before the expert sends it.

A recommendation is flagged when the product is banned for the crop, when its PHI (safe
interval before harvest) would not have passed by the case's planned harvest, when the
reference data knows no PHI for it, or (herds) when its withdrawal period would not have passed
by the planned slaughter or the drug is prohibited for the species.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from agrisafe.protocol import Species
from cloud.reference.lookup import Resolver


@dataclass(frozen=True, slots=True)
class Recommendation:
    """An expert's structured diagnosis."""

    problem: str  # pest or disease (病虫害 / 疫病)
    product: str | None = None  # active ingredient or veterinary drug
    dose: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Checked:
    """The look-up (shown with the reply) and the problems found (flags)."""

    lookup: dict[str, Any] = field(default_factory=dict)
    flags: list[dict[str, str]] = field(default_factory=list)


def _day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).date()


def check_crop(
    resolver: Resolver, rec: Recommendation, crop: str, now_ms: int, harvest_ms: int | None
) -> Checked:
    """PHI and bans of `rec.product` on `crop`."""
    out = Checked()
    if not rec.product:
        return out
    cat = resolver.cat
    ingredient = cat.ingredient(rec.product)
    canonical = cat.crops.canonical(crop)
    today = _day(now_ms)
    for hit in resolver.banned((ingredient,), canonical, today):
        out.flags.append(
            {
                "code": "banned",
                "message": f"{ingredient} 禁止用于{canonical}: {hit.notice}",
                "source": hit.source,
            }
        )
    phi = resolver.phi((ingredient,), canonical, None, None)
    days = phi.phi_days
    out.lookup = {
        "kind": "phi",
        "ingredient": ingredient,
        "crop": canonical,
        "phi_days": days,
        "sources": sorted({s for c in phi.choices for s in c.sources}),
    }
    if days is None:
        out.flags.append(
            {
                "code": "phi_unknown",
                "message": f"参考数据中没有{ingredient}在{canonical}上的安全间隔期",
                "source": "",
            }
        )
    elif harvest_ms is not None and today + timedelta(days=days) > _day(harvest_ms):
        safe = today + timedelta(days=days)
        out.flags.append(
            {
                "code": "phi",
                "message": (
                    f"安全间隔期 {days} 天: 今天施用, {safe.isoformat()} 前不得采收, "
                    f"而计划采收日为 {_day(harvest_ms).isoformat()}"
                ),
                "source": ",".join(out.lookup["sources"]),
            }
        )
    return out


def check_herd(
    resolver: Resolver, rec: Recommendation, species: str, now_ms: int, slaughter_ms: int | None
) -> Checked:
    """Withdrawal of `rec.product` for `species`."""
    out = Checked()
    if not rec.product:
        return out
    try:
        kind = Species(species)
    except ValueError:
        out.flags.append(
            {"code": "species_unknown", "message": f"未知畜种 {species!r}", "source": ""}
        )
        return out
    res = resolver.withdrawal(rec.product, kind)
    periods = {
        product.value: [(c.period, c.source) for c in choices]
        for product, choices in res.periods.items()
    }
    out.lookup = {
        "kind": "withdrawal",
        "drug": rec.product,
        "species": kind.value,
        "matched": res.matched,
        "periods": {k: [p.describe() for p, _s in v] for k, v in periods.items()},
    }
    if not res.matched:
        out.flags.append(
            {
                "code": "withdrawal_unknown",
                "message": f"参考数据中没有{rec.product}用于{kind.value}的休药期",
                "source": "",
            }
        )
        return out
    longest = 0
    for choices in periods.values():
        for period, source in choices:
            if period.prohibited:
                out.flags.append(
                    {"code": "banned", "message": f"{rec.product} 禁用于此畜种", "source": source}
                )
            days = period.days if period.days is not None else -(-(period.hours or 0) // 24)
            longest = max(longest, days)
    today = _day(now_ms)
    if slaughter_ms is not None and today + timedelta(days=longest) > _day(slaughter_ms):
        out.flags.append(
            {
                "code": "withdrawal",
                "message": (
                    f"休药期 {longest} 天, 计划出栏日 {_day(slaughter_ms).isoformat()} 之前未满"
                ),
                "source": "",
            }
        )
    return out
