"""Alerts: one open alert per dedupe key (unique partial index), evidence grows on repeats."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text, update

from agrisafe.ids import new_id
from agrisafe.protocol import Alert, AlertStatus
from agrisafe.timeutil import format_rfc3339, from_ms, to_ms
from cloud.domain import AlertDraft
from cloud.store import tables as t
from cloud.store.sql import dialect_insert

OPEN_WHERE = text("status != 'resolved'")


def _row(draft: AlertDraft, region: str, now_ms: int) -> dict[str, Any]:
    return {
        "id": new_id(now_ms),
        "rule": draft.rule.value,
        "severity": draft.effective_severity.value,
        "site": draft.site,
        "region": region,
        "subject": draft.subject,
        "cause": draft.cause,
        "dedupe_key": draft.dedupe_key,
        "ts_ms": to_ms(draft.ts),
        "ts": format_rfc3339(draft.ts),
        "status": AlertStatus.OPEN.value,
        "evidence": list(draft.evidence),
        "detail": draft.detail,
        "raised_ms": now_ms,
    }


def _at(ms: int | None) -> str | None:
    return format_rfc3339(from_ms(ms)) if ms is not None else None


def to_alert(row: Any) -> Alert:
    """Protocol alert from a table row."""
    return Alert.model_validate(
        {
            "id": row["id"],
            "rule": row["rule"],
            "severity": row["severity"],
            "site": row["site"],
            "subject": row["subject"],
            "ts": row["ts"],
            "status": row["status"],
            "evidence": list(row["evidence"]),
            "detail": dict(row["detail"]),
            "cause": row["cause"],
            "region": row["region"],
            "raised_at": format_rfc3339(from_ms(row["raised_ms"])),
            "acknowledged_by": row.get("acknowledged_by"),
            "acknowledged_at": _at(row.get("acknowledged_ms")),
            "resolved_by": row.get("resolved_by"),
            "resolved_at": _at(row.get("resolved_ms")),
            "resolution": row.get("resolution"),
        }
    )


def merge_drafts(drafts: list[AlertDraft]) -> list[AlertDraft]:
    """One draft per dedupe key (evidence unioned, first draft's fields kept), in order."""
    merged: dict[str, AlertDraft] = {}
    for d in drafts:
        first = merged.get(d.dedupe_key)
        if first is None:
            merged[d.dedupe_key] = d
            continue
        evidence = first.evidence + tuple(e for e in d.evidence if e not in first.evidence)
        merged[d.dedupe_key] = replace(first, evidence=evidence)
    return list(merged.values())


def raise_drafts(
    conn: Connection, drafts: list[AlertDraft], region_of: Callable[[str], str], now_ms: int
) -> list[Alert]:
    """Open an alert per new dedupe key; add evidence to the open one otherwise.

    Returns the alerts this call opened (to be delivered); evidence-only updates are stored.
    """
    opened: list[Alert] = []
    for draft in merge_drafts(drafts):
        row = _row(draft, region_of(draft.site), now_ms)
        stmt = (
            dialect_insert(conn, t.alerts)
            .on_conflict_do_nothing(index_elements=["dedupe_key"], index_where=OPEN_WHERE)
            .returning(t.alerts.c.id)
        )
        if conn.execute(stmt, row).first() is not None:
            opened.append(to_alert(row))
            continue
        _add_evidence(conn, draft)
    return opened


def _add_evidence(conn: Connection, draft: AlertDraft) -> None:
    c = t.alerts.c
    current = conn.execute(
        select(c.id, c.evidence).where(c.dedupe_key == draft.dedupe_key, OPEN_WHERE)
    ).first()
    if current is None:  # pragma: no cover - resolved between the two statements
        return
    evidence = list(current[1])
    merged = evidence + [e for e in draft.evidence if e not in evidence]
    if merged != evidence:
        conn.execute(update(t.alerts).where(c.id == current[0]).values(evidence=merged))


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts a list shows: equality filters, then the caller's scope (None = all)."""

    site: str | None = None
    rule: str | None = None
    status: str | None = None
    subject: str | None = None
    regions: frozenset[str] | None = None
    sites: frozenset[str] | None = None


def query(
    engine: Engine, flt: AlertFilter, *, limit: int = 100, offset: int = 0
) -> tuple[int, list[Alert]]:
    """(total, alerts) newest first, filtered and scoped."""
    c = t.alerts.c
    where: list[Any] = []
    pairs = (
        (c.site, flt.site),
        (c.rule, flt.rule),
        (c.status, flt.status),
        (c.subject, flt.subject),
    )
    for col, value in pairs:
        if value is not None:
            where.append(col == value)
    if flt.regions is not None:
        where.append(c.region.in_(sorted(flt.regions)))
    if flt.sites is not None:
        where.append(c.site.in_(sorted(flt.sites)))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.alerts).where(*where)).scalar()
        rows = conn.execute(
            select(t.alerts)
            .where(*where)
            .order_by(c.raised_ms.desc(), c.id.desc())
            .limit(limit)
            .offset(offset)
        ).mappings()
        return int(total or 0), [to_alert(r) for r in rows]


class Transition(StrEnum):
    """Outcome of a lifecycle request."""

    DONE = "done"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # already resolved (or already acknowledged)


def get_row(conn: Connection, alert_id: str) -> dict[str, Any] | None:
    """One alert row."""
    row = conn.execute(select(t.alerts).where(t.alerts.c.id == alert_id)).mappings().first()
    return dict(row) if row is not None else None


def open_row_by_key(conn: Connection, key: str) -> dict[str, Any] | None:
    """The open (not resolved) alert with this dedupe key."""
    c = t.alerts.c
    row = conn.execute(select(t.alerts).where(c.dedupe_key == key, OPEN_WHERE)).mappings().first()
    return dict(row) if row is not None else None


def open_rows_for(conn: Connection, rule: str, site: str, subject: str) -> list[dict[str, Any]]:
    """Open alerts of a rule on a subject."""
    c = t.alerts.c
    stmt = select(t.alerts).where(c.rule == rule, c.site == site, c.subject == subject, OPEN_WHERE)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def acknowledge(conn: Connection, alert_id: str, by: str, now_ms: int) -> Transition:
    """open → acknowledged (who, when)."""
    c = t.alerts.c
    result = conn.execute(
        update(t.alerts)
        .where(c.id == alert_id, c.status == AlertStatus.OPEN.value)
        .values(status=AlertStatus.ACKNOWLEDGED.value, acknowledged_by=by, acknowledged_ms=now_ms)
    )
    if result.rowcount == 1:
        return Transition.DONE
    return Transition.NOT_FOUND if get_row(conn, alert_id) is None else Transition.CONFLICT


def resolve(conn: Connection, alert_id: str, by: str, why: str, now_ms: int) -> Transition:
    """open / acknowledged → resolved (who, when, why)."""
    c = t.alerts.c
    result = conn.execute(
        update(t.alerts)
        .where(c.id == alert_id, OPEN_WHERE)
        .values(
            status=AlertStatus.RESOLVED.value, resolved_by=by, resolved_ms=now_ms, resolution=why
        )
    )
    if result.rowcount == 1:
        return Transition.DONE
    return Transition.NOT_FOUND if get_row(conn, alert_id) is None else Transition.CONFLICT


def raised_since(
    conn: Connection, since_ms: int, after_id: str = "", *, limit: int = 1000
) -> list[Alert]:
    """Alerts raised after (`since_ms`, `after_id`) in (raised_ms, id) order: the stream's feed."""
    c = t.alerts.c
    after = (c.raised_ms > since_ms) | ((c.raised_ms == since_ms) & (c.id > after_id))
    rows = conn.execute(
        select(t.alerts).where(after).order_by(c.raised_ms, c.id).limit(limit)
    ).mappings()
    return [to_alert(r) for r in rows]
