"""Writes credit events for alerts (thin I/O around `policy`): one penalty when an alert that
counts opens, one compensation when it is dismissed or resolved by a late record."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from agrisafe.protocol import Alert
from cloud.credit.policy import CreditPolicy
from cloud.store import credit, sites

OPENED = "alert opened"


def on_opened(conn: Connection, alerts: Sequence[Alert], policy: CreditPolicy, now_ms: int) -> None:
    """Penalise the producer of each opened alert that counts."""
    rows = []
    producers: dict[str, str | None] = {}
    for a in alerts:
        delta = policy.delta(a.rule, a.severity.value)
        if delta == 0:
            continue
        if a.site not in producers:
            producers[a.site] = sites.producer_of(conn, a.site)
        producer = producers[a.site]
        if producer is None:
            continue
        rows.append(
            {
                "producer": producer,
                "alert_id": a.id,
                "rule": a.rule.value,
                "delta": delta,
                "reason": OPENED,
                "at_ms": now_ms,
            }
        )
    credit.add_events(conn, rows)


def compensate(conn: Connection, alert_row: dict[str, Any], why: str, now_ms: int) -> int:
    """Give back what an alert cost (dismissed as wrong, or its record turned up late)."""
    events = credit.events_of_alert(conn, alert_row["id"])
    spent = sum(int(e["delta"]) for e in events if e["reason"] == OPENED)
    if spent == 0:
        return 0
    credit.add_events(
        conn,
        [
            {
                "producer": events[0]["producer"],
                "alert_id": alert_row["id"],
                "rule": alert_row["rule"],
                "delta": -spent,
                "reason": f"alert resolved: {why}"[:256],
                "at_ms": now_ms,
            }
        ],
    )
    return -spent


def standing(conn: Connection, producer: str, policy: CreditPolicy) -> dict[str, Any]:
    """Score, level, blacklist state and every change with its alert."""
    events = credit.events(conn, producer)
    score = policy.score([e["delta"] for e in events])
    flag = credit.manual_flag(conn, producer)
    manual = bool(flag and flag["blacklisted"])
    return {
        "producer": producer,
        "score": score,
        "level": policy.level(score),
        "blacklisted": policy.blacklisted(score, manual),
        # a lifted decision is history (audit trail), not a standing blacklist
        "manual_blacklist": flag if manual else None,
        "events": events,
    }
