"""Certificate decisions as the API reads them: the scoped list, one decision, and what the
public trace page shows (rapid tests of the lot, the producer's credit level, the site's zone)."""

import logging
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy import Engine, func, select

from agrisafe.timeutil import format_rfc3339, from_ms, site_zone
from cloud.access import NotFound
from cloud.credit import ledger
from cloud.credit.policy import CreditPolicy
from cloud.store import compliance_tables as ct
from cloud.store import tables as t
from cloud.store.timelines import by_lot

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CertificateFilter:
    """Which decisions to list; `regions` / `sites` None means unrestricted."""

    site: str | None = None
    lot: str | None = None
    status: str | None = None
    request_id: str | None = None
    regions: frozenset[str] | None = None
    sites: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class TraceView:
    """What the public trace page of a certificate shows beyond the decision itself."""

    row: dict[str, Any]
    tests: list[dict[str, Any]]
    credit_level: str
    revoked_on: str | None


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A decision row with its `_ms` times as RFC 3339 `_at` (absent ones left out)."""
    out = dict(row)
    for key in ("decided_ms", "requested_ms", "revoked_ms"):
        if out.get(key) is not None:
            out[key.replace("_ms", "_at")] = format_rfc3339(from_ms(out.pop(key)))
        else:
            out.pop(key, None)
    return out


def listing(
    engine: Engine, f: CertificateFilter, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """(total, decisions) newest first."""
    c = ct.certificates.c
    where: list[Any] = [
        col == v
        for col, v in (
            (c.site, f.site),
            (c.lot, f.lot),
            (c.status, f.status),
            (c.request_id, f.request_id),
        )
        if v is not None
    ]
    if f.regions is not None:
        where.append(c.region.in_(sorted(f.regions)))
    if f.sites is not None:
        where.append(c.site.in_(sorted(f.sites)))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(ct.certificates).where(*where))
        rows = conn.execute(
            select(ct.certificates)
            .where(*where)
            .order_by(c.decided_ms.desc(), c.id.desc())
            .limit(limit)
            .offset(offset)
        ).mappings()
        return int(total.scalar() or 0), [dict(r) for r in rows]


def get(engine: Engine, cert_id: str) -> dict[str, Any] | None:
    """One decision row, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(ct.certificates).where(ct.certificates.c.id == cert_id))
        found = row.mappings().first()
        return dict(found) if found is not None else None


def shown(engine: Engine, cert_id: str) -> dict[str, Any]:
    """A decision the public may see (issued or revoked); `NotFound` otherwise."""
    row = get(engine, cert_id)
    if row is None or row["status"] == "refused":
        raise NotFound("没有这张合格证 (no such certificate)")
    return row


def trace_view(engine: Engine, policy: CreditPolicy, cert_id: str) -> TraceView:
    """Everything the public trace page of a certificate needs."""
    row = shown(engine, cert_id)
    key = (row["site"], row["lot"])
    with engine.connect() as conn:
        tests = [env for _kind, _ts, env in by_lot(conn, ("rapid_test",), [key]).get(key, [])]
        level = "—"
        if row["producer"]:
            level = ledger.standing(conn, row["producer"], policy)["level"] + " 级"
        tz = conn.execute(select(t.sites.c.timezone).where(t.sites.c.id == row["site"]))
        zone: tzinfo = site_zone(tz.scalar_one_or_none())
    revoked_on = from_ms(row["revoked_ms"], zone).date().isoformat() if row["revoked_ms"] else None
    return TraceView(row, sorted(tests, key=lambda e: e["ts"]), level, revoked_on)
