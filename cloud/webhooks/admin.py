"""Registering, listing and deactivating webhooks (audited); their recent deliveries."""

import logging
import secrets
from typing import Any

from sqlalchemy import Engine

from agrisafe.ids import new_id
from agrisafe.timeutil import Clock
from cloud.access import Caller, Rejected, audited
from cloud.store import webhooks as store
from cloud.webhooks.egress import EgressRefused, check_target

logger = logging.getLogger(__name__)


def register(
    engine: Engine,
    caller: Caller,
    url: str,
    secret: str | None,
    *,
    regions: list[str] | None,
    rules: list[str] | None,
    allow_private: bool = False,
) -> dict[str, Any]:
    """Store an active webhook (a secret is generated when none is given); the stored row.
    Rejected when the URL points at a loopback, private or link-local address."""
    try:
        check_target(url, allow_private=allow_private)
    except EgressRefused as err:
        raise Rejected(str(err)) from err
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


def listing(engine: Engine, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of webhooks), secrets left out."""
    with engine.connect() as conn:
        return store.listing(conn, limit, offset)


def deliveries(
    engine: Engine, hook_id: str, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of a webhook's deliveries), newest first."""
    with engine.connect() as conn:
        return store.deliveries(conn, hook_id, limit, offset)


def deactivate(engine: Engine, caller: Caller, hook_id: str) -> bool:
    """Stop delivering to a webhook; False when there is no such active webhook."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        done = store.deactivate(conn, hook_id)
        if done:
            audited(conn, caller, "webhook.delete", f"webhook:{hook_id}", {}, now)
    return done
