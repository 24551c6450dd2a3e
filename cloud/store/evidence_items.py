"""Which sites hold which evidence file, uploaded by whom; the bytes each site holds."""

from typing import Any

from sqlalchemy import Connection, func, insert, select

from cloud.store import api_tables as at


def held_bytes(conn: Connection, site: str, *, devices: bool) -> int:
    """Evidence bytes a site holds from its devices (`devices`) or from people: the two quotas'
    use. A row with a device is a device's upload; one without, a person's."""
    c = at.evidence_items.c
    sent_by = c.device.is_not(None) if devices else c.device.is_(None)
    total = conn.execute(select(func.coalesce(func.sum(c.bytes), 0)).where(c.site == site, sent_by))
    return int(total.scalar() or 0)


def holds(conn: Connection, sha: str, site: str) -> bool:
    """True when the site already holds this file."""
    return held(conn, sha, site) is not None


def held(conn: Connection, sha: str, site: str) -> dict[str, Any] | None:
    """The site's row for this file (bytes, media, device, token_id …), or None."""
    c = at.evidence_items.c
    row = (
        conn.execute(select(at.evidence_items).where(c.sha256 == sha, c.site == site))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def add(conn: Connection, row: dict[str, Any]) -> None:
    """Record that a site holds a file (sha256, site, device, token_id, bytes, media)."""
    conn.execute(insert(at.evidence_items).values(**row))


def sites_of(conn: Connection, sha: str) -> list[str]:
    """The sites holding a file."""
    c = at.evidence_items.c
    return [r[0] for r in conn.execute(select(c.site).where(c.sha256 == sha))]
