"""API tokens: created for a role and scope (only the SHA-256 is kept), listed, revoked."""

import logging
from typing import Any

from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from cloud.access import Caller, audited
from cloud.store import tokens

logger = logging.getLogger(__name__)


def create(
    engine: Engine, caller: Caller, scope: dict[str, Any], detail: dict[str, Any]
) -> tuple[str, str]:
    """Store a token for `scope` (name, role, regions, sites, producer, device); (id, token)."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        token_id, token = tokens.create(conn, scope | {"created_by": caller.name}, now)
        audited(conn, caller, "token.create", f"token:{token_id}", detail, now)
    return token_id, token


def listing(engine: Engine) -> list[dict[str, Any]]:
    """Every token without its hash."""
    with engine.connect() as conn:
        return tokens.listing(conn)


def revoke(engine: Engine, caller: Caller, token_id: str) -> bool:
    """Revoke a token at once; False when there is no such active token."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        done = tokens.revoke(conn, token_id, now)
        if done:
            audited(conn, caller, "token.revoke", f"token:{token_id}", {}, now)
    return done
