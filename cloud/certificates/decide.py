"""Whether a 承诺达标合格证 may be issued for a lot (pure), and what it says.

Refused — with every reason listed — for an unknown lot (no production record), a lot harvested
or dispatched inside a PHI / withdrawal window, a positive test on the lot, a banned input on
its plot, an input or treatment no reference data can check (unverified_input), or a
blacklisted producer. Otherwise issued with the mandatory fields of the 2025
measures (农业农村部令2025年第4号 Art.14): product, quantity, origin, issue date, promisor,
contact, commitment, basis.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from agrisafe.protocol import CertificateBasis

# The producer's promise (承诺事项), in the measures' own words.
COMMITMENT = "未使用禁用农药、兽药及其他化合物；使用的常规农药、兽药残留不超标"
TITLE = "承诺达标合格证"
BASIS_TEXT: dict[str, str] = {
    CertificateBasis.CONTROL.value: "质量安全控制符合要求",
    CertificateBasis.SELF_TEST.value: "自行检测合格",
    CertificateBasis.COMMISSIONED_TEST.value: "委托检测合格",
}


class Refusal(StrEnum):
    """Why a certificate was refused (or later revoked)."""

    UNKNOWN_LOT = "unknown_lot"
    BLOCKED_LOT = "blocked_lot"
    POSITIVE_TEST = "positive_test"
    BANNED_INPUT = "banned_input"
    BLACKLISTED_PRODUCER = "blacklisted_producer"
    UNVERIFIED_INPUT = "unverified_input"


_BLOCK_REASON = {
    "phi_violation": Refusal.BLOCKED_LOT,
    "withdrawal_violation": Refusal.BLOCKED_LOT,
    "positive_test": Refusal.POSITIVE_TEST,
    "banned_input": Refusal.BANNED_INPUT,
}


def block_reasons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Refusal reasons from stored lot blocks, one per (reason, cause)."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for b in blocks:
        reason = _BLOCK_REASON.get(b["reason"], Refusal.BLOCKED_LOT)
        key = (reason.value, b["cause"])
        if key in seen:
            continue
        seen.add(key)
        out.append({"reason": reason.value, "rule": b["reason"], "cause": b["cause"]})
    return out


def refusal_reasons(
    known_lot: bool,
    blocks: list[dict[str, Any]],
    blacklisted: bool,
    unverified: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Every reason to refuse; empty = issue. An input no reference data can check holds the
    certificate until a regulator or expert resolves it (then a new request is decided)."""
    reasons: list[dict[str, Any]] = []
    if not known_lot:
        reasons.append({"reason": Refusal.UNKNOWN_LOT.value})
    reasons += block_reasons(blocks)
    reasons += [{"reason": Refusal.UNVERIFIED_INPUT.value, "cause": c} for c in unverified]
    if blacklisted:
        reasons.append({"reason": Refusal.BLACKLISTED_PRODUCER.value})
    return reasons


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What the request and the clock say about one certificate (the rest comes from the site)."""

    number: str
    commodity: str
    qty_kg: float
    lot: str
    basis: tuple[str, ...]
    issued_on: str


def content(
    facts: CertificateFacts,
    *,
    site: dict[str, Any],
    origin_unit: str | None,
    compliance: list[dict[str, Any]],
) -> dict[str, Any]:
    """What the certificate (and its public page) says; no internal ids, contact only by choice."""
    producer = site.get("producer") or {}
    show = bool(producer.get("show_contact"))
    return {
        "title": TITLE,
        "number": facts.number,
        "product": facts.commodity,
        "quantity_kg": facts.qty_kg,
        "lot": facts.lot,
        "origin": {
            "base": site["name"],
            "region": site["region"],
            "unit": origin_unit,
        },
        "issued_on": facts.issued_on,
        "promisor": producer.get("name") or site["name"],
        "contact": producer.get("contact") if show else None,
        "commitment": COMMITMENT,
        "basis": [{"code": b, "text": BASIS_TEXT.get(b, b)} for b in facts.basis],
        "compliance": compliance,
    }
