"""Producer credit as a caller may see it, and the regulator's manual blacklist (audited)."""

import logging
from typing import Any

from sqlalchemy import Connection, Engine, select

from agrisafe.timeutil import Clock
from cloud.access import Caller, NotFound, audited
from cloud.credit import ledger
from cloud.credit.policy import CreditPolicy
from cloud.store import credit
from cloud.store import tables as t

logger = logging.getLogger(__name__)


def producers_in_scope(conn: Connection, caller: Caller) -> dict[str, list[str]]:
    """producer → its sites the caller may see."""
    rows = conn.execute(select(t.sites.c.id, t.sites.c.region, t.sites.c.producer))
    out: dict[str, list[str]] = {}
    for site, region, producer in rows:
        if producer and caller.sees(site, region):
            out.setdefault(producer, []).append(site)
    return out


def summaries(engine: Engine, policy: CreditPolicy, caller: Caller) -> list[dict[str, Any]]:
    """Score, level and blacklist state per producer in scope (events left out), with sites."""
    with engine.connect() as conn:
        items = []
        for producer, sites in sorted(producers_in_scope(conn, caller).items()):
            s = ledger.standing(conn, producer, policy)
            s.pop("events")
            items.append(s | {"sites": sites})
    return items


def standing(engine: Engine, policy: CreditPolicy, caller: Caller, producer: str) -> dict[str, Any]:
    """One producer's credit record; `NotFound` outside the caller's scope."""
    with engine.connect() as conn:
        if producer not in producers_in_scope(conn, caller):
            raise NotFound(f"no producer {producer}")
        return ledger.standing(conn, producer, policy)


def set_blacklist(engine: Engine, caller: Caller, producer: str, on: bool, reason: str) -> None:
    """Put a producer on (or take it off) the blacklist by hand."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        if producer not in producers_in_scope(conn, caller):
            raise NotFound(f"no producer {producer}")
        credit.set_flag(conn, producer, on, reason, caller.name, now)
        action = "producer.blacklist" if on else "producer.unblacklist"
        audited(conn, caller, action, f"producer:{producer}", {"reason": reason}, now)
