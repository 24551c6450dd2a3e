"""API tokens: only a SHA-256 of each random token is stored; the token is shown once."""

import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from agrisafe.ids import new_id
from cloud.store import compliance_tables as ct


def digest(token: str) -> str:
    """What is stored and looked up: sha256 hex of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create(conn: Connection, row: dict[str, Any], now_ms: int) -> tuple[str, str]:
    """Store a new token (name, role, regions, sites, producer, device, created_by,
    expires_ms); return (id, token). The token itself is not kept."""
    token = "ast_" + secrets.token_urlsafe(32)
    token_id = new_id(now_ms)
    conn.execute(
        insert(ct.api_tokens).values(
            id=token_id, token_hash=digest(token), created_ms=now_ms, **row
        )
    )
    return token_id, token


def lookup(conn: Connection, token: str, now_ms: int) -> dict[str, Any] | None:
    """The active (not revoked, not expired) token row for a presented token, or None."""
    c = ct.api_tokens.c
    stmt = select(ct.api_tokens).where(
        c.token_hash == digest(token),
        c.revoked_ms.is_(None),
        or_(c.expires_ms.is_(None), c.expires_ms > now_ms),
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def get(conn: Connection, token_id: str) -> dict[str, Any] | None:
    """One token row by id (without its hash), or None."""
    c = ct.api_tokens.c
    row = conn.execute(select(ct.api_tokens).where(c.id == token_id)).mappings().first()
    return {k: v for k, v in row.items() if k != "token_hash"} if row is not None else None


def count_active_admins(conn: Connection, now_ms: int) -> int:
    """Admin tokens that still work."""
    c = ct.api_tokens.c
    stmt = select(func.count()).where(
        c.role == "admin",
        c.revoked_ms.is_(None),
        or_(c.expires_ms.is_(None), c.expires_ms > now_ms),
    )
    return int(conn.execute(stmt).scalar() or 0)


def listing(conn: Connection, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of tokens without their hashes), oldest first."""
    c = ct.api_tokens.c
    total = conn.execute(select(func.count()).select_from(ct.api_tokens)).scalar()
    stmt = select(ct.api_tokens).order_by(c.created_ms, c.id).limit(limit).offset(offset)
    rows = conn.execute(stmt).mappings()
    return int(total or 0), [{k: v for k, v in r.items() if k != "token_hash"} for r in rows]


def revoke(conn: Connection, token_id: str, now_ms: int) -> bool:
    """Revoke a token; False if unknown or already revoked."""
    c = ct.api_tokens.c
    result = conn.execute(
        update(ct.api_tokens)
        .where(c.id == token_id, c.revoked_ms.is_(None))
        .values(revoked_ms=now_ms)
    )
    return result.rowcount == 1
