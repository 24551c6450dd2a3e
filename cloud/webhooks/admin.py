"""Registering, listing and deactivating webhooks (audited); their recent deliveries."""

import logging
import secrets
from typing import Any

from sqlalchemy import Engine

from agrisafe.ids import new_id
from agrisafe.timeutil import Clock
from cloud.access import Caller, audited
from cloud.store import webhooks as store

logger = logging.getLogger(__name__)


def register(
    engine: Engine,
    caller: Caller,
    url: str,
    secret: str | None,
    *,
    regions: list[str] | None,
    rules: list[str] | None,
) -> dict[str, Any]:
    """Store an active webhook (a secret is generated when none is given); the stored row."""
    now = Clock().now_ms()
    hook_id = new_id(now)
    row = {
        "id": hook_id,
        "url": url,
        "secret": secret or secrets.token_urlsafe(32),
        "regions": regions,
        "rules": rules,
        "active": 1,
        "created_by": caller.name,
        "created_ms": now,
    }
    with engine.begin() as conn:
        store.create(conn, row)
        detail = {k: v for k, v in row.items() if k != "secret"}
        audited(conn, caller, "webhook.create", f"webhook:{hook_id}", detail, now)
    return row


def listing(engine: Engine) -> list[dict[str, Any]]:
    """Every webhook, secrets left out."""
    with engine.connect() as conn:
        return store.listing(conn)


def deliveries(engine: Engine, hook_id: str) -> list[dict[str, Any]]:
    """Recent deliveries of one webhook, newest first."""
    with engine.connect() as conn:
        return store.deliveries(conn, hook_id)


def deactivate(engine: Engine, caller: Caller, hook_id: str) -> bool:
    """Stop delivering to a webhook; False when there is no such active webhook."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        done = store.deactivate(conn, hook_id)
        if done:
            audited(conn, caller, "webhook.delete", f"webhook:{hook_id}", {}, now)
    return done
