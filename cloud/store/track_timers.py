"""Timers of the same activity track (unrecorded_spraying raises one alert per track)."""

from typing import Any

from sqlalchemy import Connection, select

from cloud.store import compliance_tables as ct

# A timer whose alert question is already answered for its track.
SETTLED_WITH_ALERT = ("fired", "late_record")


def fired_sibling(conn: Connection, timer: dict[str, Any], reach_ms: int) -> dict[str, Any] | None:
    """Another timer of the same (site, plot, device, track) that already raised its alert, with
    its end within `reach_ms` of this one's (a track id reused days later is another activity)."""
    c = ct.timers.c
    end_ms = int(timer["end_ms"])
    stmt = (
        select(ct.timers)
        .where(
            c.site == timer["site"],
            c.plot == timer["plot"],
            c.device == timer["device"],
            c.track == timer["track"],
            c.id != timer["id"],
            c.status.in_(SETTLED_WITH_ALERT),
            c.end_ms.between(end_ms - reach_ms, end_ms + reach_ms),
        )
        .order_by(c.end_ms, c.id)
        .limit(1)
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None
