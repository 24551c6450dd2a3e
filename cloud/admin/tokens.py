"""API tokens: created for a role and scope (only the SHA-256 is kept), listed, rotated, revoked;
the bootstrap admin token switched off once a real admin exists."""

import logging
from typing import Any

from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from cloud.access import Caller, Conflict, NotFound, audited
from cloud.store import api_flags, tokens

logger = logging.getLogger(__name__)
DAY_MS = 24 * 3600 * 1000


def create(
    engine: Engine, caller: Caller, scope: dict[str, Any], detail: dict[str, Any], ttl_days: int
) -> tuple[str, str, int]:
    """Store a token for `scope` (name, role, regions, sites, producer, device) valid for
    `ttl_days`; (id, token, expires_ms)."""
    now = Clock().now_ms()
    expires = now + ttl_days * DAY_MS
    with engine.begin() as conn:
        row = scope | {"created_by": caller.name, "expires_ms": expires}
        token_id, token = tokens.create(conn, row, now)
        audited(conn, caller, "token.create", f"token:{token_id}", detail, now)
    return token_id, token, expires


def rotate(
    engine: Engine, caller: Caller, token_id: str, ttl_days: int
) -> tuple[dict[str, Any], str]:
    """Mint a token with the same name, role and scope and revoke the old one, atomically;
    (the new row without its hash, the new token)."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        old = tokens.get(conn, token_id)
        if old is None:
            raise NotFound(f"no token {token_id}")
        if not tokens.revoke(conn, token_id, now):
            raise Conflict(f"token {token_id} is already revoked")
        keep = ("name", "role", "regions", "sites", "producer", "device")
        row = {k: old[k] for k in keep} | {
            "created_by": caller.name,
            "expires_ms": now + ttl_days * DAY_MS,
        }
        new_id, token = tokens.create(conn, row, now)
        audited(conn, caller, "token.rotate", f"token:{token_id}", {"new": new_id}, now)
        created = tokens.get(conn, new_id)
    assert created is not None
    return created, token


def listing(engine: Engine, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of tokens without their hashes)."""
    with engine.connect() as conn:
        return tokens.listing(conn, limit, offset)


def revoke(engine: Engine, caller: Caller, token_id: str) -> bool:
    """Revoke a token at once; False when there is no such active token."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        done = tokens.revoke(conn, token_id, now)
        if done:
            audited(conn, caller, "token.revoke", f"token:{token_id}", {}, now)
    return done


def disable_bootstrap(engine: Engine, caller: Caller) -> None:
    """Switch the bootstrap admin token off for good (needs a working admin token to exist)."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        if tokens.count_active_admins(conn, now) == 0:
            raise Conflict("create an admin token first: the bootstrap token is the only admin")
        api_flags.put(conn, api_flags.BOOTSTRAP_DISABLED, "1", caller.name, now)
        audited(conn, caller, "token.bootstrap_disable", "token:bootstrap", {}, now)


class _Local:
    """The composition root acting for the operator (demo, benchmarks): audited as bootstrap."""

    name = "bootstrap"
    role = "admin"
    token_id = "bootstrap"  # noqa: S105 - an id, not a secret

    def sees(self, site: str, region: str | None) -> bool:
        """Everything."""
        return True


LOCAL = _Local()


def mint_local(engine: Engine, scope: dict[str, Any], ttl_days: int = 1) -> str:
    """A token minted in-process (the demo's admin and camera tokens); returns the token."""
    full = {"regions": None, "sites": None, "producer": None, "device": None} | scope
    return create(engine, LOCAL, full, {"name": full["name"], "role": full["role"]}, ttl_days)[1]
