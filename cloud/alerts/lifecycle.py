"""Alert detail and lifecycle (acknowledge, resolve), audited, within the caller's scope.

Outside the caller's scope an alert does not exist: `NotFound`, never a hint that it does.
"""

import logging
from typing import Any

from sqlalchemy import Connection, Engine

from agrisafe.protocol import Alert
from agrisafe.timeutil import Clock
from cloud.access import Caller, Conflict, NotFound, audited
from cloud.credit import ledger
from cloud.store import alerts as alert_store
from cloud.store import audit

logger = logging.getLogger(__name__)


def _visible(conn: Connection, caller: Caller, alert_id: str) -> dict[str, Any]:
    row = alert_store.get_row(conn, alert_id)
    if row is None or not caller.sees(row["site"], row["region"]):
        raise NotFound(f"no alert {alert_id}")
    return row


def with_history(engine: Engine, caller: Caller, alert_id: str) -> tuple[Alert, list[Any]]:
    """The alert and every lifecycle event about it, oldest first."""
    with engine.connect() as conn:
        row = _visible(conn, caller, alert_id)
        history = audit.for_target(conn, f"alert:{alert_id}")
    return alert_store.to_alert(row), history


def acknowledge(engine: Engine, caller: Caller, alert_id: str, note: str | None) -> Alert:
    """open → acknowledged; `Conflict` from any other state."""
    return _transition(engine, caller, alert_id, "acknowledge", {"note": note})


def resolve(engine: Engine, caller: Caller, alert_id: str, reason: str, dismiss: bool) -> Alert:
    """open / acknowledged → resolved; a dismissal (the alert was wrong) refunds its credit."""
    detail: dict[str, Any] = {"reason": reason, "dismiss": dismiss}
    return _transition(engine, caller, alert_id, "resolve", detail)


def _transition(
    engine: Engine, caller: Caller, alert_id: str, action: str, detail: dict[str, Any]
) -> Alert:
    now = Clock().now_ms()
    with engine.begin() as conn:
        row = _visible(conn, caller, alert_id)
        if action == "acknowledge":
            outcome = alert_store.acknowledge(conn, alert_id, caller.name, now)
        else:
            outcome = alert_store.resolve(conn, alert_id, caller.name, detail["reason"], now)
        if outcome is alert_store.Transition.CONFLICT:
            raise Conflict(f"alert {alert_id} is {row['status']}: cannot {action}")
        if action == "resolve" and detail.get("dismiss"):
            detail["credit_refund"] = ledger.compensate(conn, row, detail["reason"], now)
        audited(conn, caller, f"alert.{action}", f"alert:{alert_id}", detail, now)
        updated = alert_store.get_row(conn, alert_id)
    assert updated is not None
    logger.info("alert %s: %s by %s", alert_id, action, caller.name)
    return alert_store.to_alert(updated)
