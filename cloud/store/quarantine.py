"""Quarantine: every message we did not accept, with its raw bytes, topic, reason and time."""

from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from cloud.store import tables as t

# Keep at most this much of an oversized payload: enough to see what it was, not a disk bomb.
# With the retention worker's row cap (cloud/store/quarantine_retention.py) this bounds the
# quarantine's size; real envelopes are a few KiB, so a rejected one is kept whole.
RAW_KEEP_BYTES = 64 * 1024


def safe_text(text: str | None) -> str | None:
    """Text any database stores: NUL and lone surrogates written as escapes (PostgreSQL refuses
    both in TEXT); the raw bytes keep the original."""
    if text is None:
        return None
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def quarantine_row(
    *,
    received_ms: int,
    source: str,
    topic: str | None,
    reason: str,
    detail: str,
    raw: bytes,
    message_id: str | None,
) -> dict[str, Any]:
    """The table row for one rejected message."""
    kept = raw[:RAW_KEEP_BYTES]
    if len(raw) > len(kept):
        detail = f"{detail} (raw truncated to {len(kept)} of {len(raw)} bytes)"
    return {
        "received_ms": received_ms,
        "source": source,
        "topic": safe_text(topic),
        "reason": reason,
        "detail": safe_text(detail),
        "raw": kept,
        "message_id": safe_text(message_id),
    }


def add(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store rejected messages."""
    if rows:
        conn.execute(insert(t.quarantine), rows)


def query(
    engine: Engine, reason: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """(total, items) newest first; raw bytes shown as text where they decode, else hex."""
    c = t.quarantine.c
    where = [c.reason == reason] if reason else []
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.quarantine).where(*where)).scalar()
        rows = conn.execute(
            select(t.quarantine).where(*where).order_by(c.id.desc()).limit(limit).offset(offset)
        ).mappings()
        items = []
        for r in rows:
            raw = bytes(r["raw"])
            try:
                shown = {"raw_text": raw.decode("utf-8")}
            except UnicodeDecodeError:
                shown = {"raw_hex": raw.hex()}
            items.append(
                {
                    k: r[k]
                    for k in (
                        "id",
                        "received_ms",
                        "source",
                        "topic",
                        "reason",
                        "detail",
                        "message_id",
                    )
                }
                | shown
            )
    return int(total or 0), items


def counts(engine: Engine) -> dict[str, int]:
    """Quarantined messages per reason."""
    c = t.quarantine.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.reason, func.count()).group_by(c.reason))
        return {r[0]: int(r[1]) for r in rows}
