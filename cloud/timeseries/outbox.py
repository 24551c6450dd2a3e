"""The durable time-series outbox, kept in the SQL store.

Points are staged inside the ingest transaction (`TimeSeriesStage`), so a record and its points
commit together or not at all; the pump deletes them only after the server took them. A process
kill, an InfluxDB outage or a full disk on the server therefore loses nothing: the rows wait.
influxdb-client's own batching buffer is never used (it drops batches when its retries run out
and on exit without `close()`).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, delete, func, select, update

from agrisafe.protocol import ActivityEnvelope, ActivityState, Envelope, Kind
from agrisafe.protocol.validation import validate_envelope
from agrisafe.timeutil import Clock, to_ms
from cloud.domain import StoredRecord
from cloud.store import tables as st
from cloud.store.timeseries_tables import ts_outbox
from cloud.timeseries.mapping import duration_point, points_for
from cloud.timeseries.points import Point, to_json

logger = logging.getLogger(__name__)

_INSERT_QMARK = "INSERT INTO ts_outbox (created_ms, point) VALUES (?, ?)"
_INSERT_FORMAT = "INSERT INTO ts_outbox (created_ms, point) VALUES (%s, %s)"
# How far apart the start and end of one activity track may be and still pair up.
PAIR_WINDOW = timedelta(days=2)


class DirectWriter(Protocol):
    """A store that can take points inside the ingest transaction (the SQL adapter)."""

    def write_on(self, conn: Connection, points: Sequence[Point]) -> None:
        """Write on the caller's connection."""


class TimeSeriesStage:
    """`StoredRecordSink` that turns newly stored records into points (same transaction).

    Points go to the outbox for an external server; with `direct` (the SQL store itself) they
    are written straight away on the same connection.
    """

    def __init__(self, clock: Clock | None = None, direct: DirectWriter | None = None) -> None:
        self.clock = clock or Clock()
        self.direct = direct

    def stage(self, conn: Connection, stored: Sequence[StoredRecord]) -> None:
        """Insert the points of these records into the outbox."""
        points: list[Point] = []
        activities: list[ActivityEnvelope] = []
        for rec in stored:
            points.extend(points_for(rec.envelope))
            if isinstance(rec.envelope, ActivityEnvelope):
                activities.append(rec.envelope)
        if activities:
            points.extend(_durations(conn, activities))
        if points and self.direct is not None:
            self.direct.write_on(conn, points)
        elif points:
            now = self.clock.now_ms()
            # Driver-level executemany: the outbox row is written once per point (hot path).
            sql = _INSERT_QMARK if conn.dialect.paramstyle == "qmark" else _INSERT_FORMAT
            conn.exec_driver_sql(sql, [(now, to_json(p)) for p in points])


def _durations(conn: Connection, new: list[ActivityEnvelope]) -> list[Point]:
    """Duration points of pairs this batch completes, each pair exactly once.

    An end pairs with a start from this batch or the store; a start pairs only with an end
    already in the store (an end in this batch makes the pair itself).
    """
    in_batch = {env.id for env in new}
    starts = {(e.site, e.body.track): e for e in new if e.body.state is ActivityState.START}
    out: list[Point] = []
    for env in new:
        b = env.body
        if b.state is ActivityState.END:
            start = starts.get((env.site, b.track)) or _stored_partner(conn, env, in_batch)
            point = duration_point(start, env) if start is not None else None
        else:
            end = _stored_partner(conn, env, in_batch)
            point = duration_point(env, end) if end is not None else None
        if point is not None:
            out.append(point)
    return out


def _stored_partner(
    conn: Connection, env: ActivityEnvelope, exclude: set[str]
) -> ActivityEnvelope | None:
    c = st.records.c
    want = ActivityState.END if env.body.state is ActivityState.START else ActivityState.START
    ts = to_ms(env.ts)
    window = int(PAIR_WINDOW.total_seconds() * 1000)
    rows = conn.execute(
        select(c.id, c.envelope)
        .where(
            c.site == env.site,
            c.plot == env.body.plot,
            c.kind == Kind.ACTIVITY.value,
            c.ts_ms.between(ts - window, ts + window),
        )
        .limit(500)
    )
    for mid, doc in rows:
        body = doc.get("body", {})
        if mid in exclude or body.get("track") != env.body.track or body.get("state") != want:
            continue
        other: Envelope = validate_envelope(doc)
        if isinstance(other, ActivityEnvelope):
            return other
    return None


# -- the pump's side -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One staged point as the pump sees it."""

    seq: int
    point: str


def claim(conn: Connection, limit: int) -> list[OutboxRow]:
    """Oldest unparked rows; on PostgreSQL locked (SKIP LOCKED) so several pumps share the work."""
    c = ts_outbox.c
    stmt = select(c.seq, c.point).where(c.parked == 0).order_by(c.seq).limit(limit)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [OutboxRow(int(r[0]), str(r[1])) for r in conn.execute(stmt)]


def remove(conn: Connection, seqs: Sequence[int]) -> None:
    """Delete rows the server has taken."""
    for i in range(0, len(seqs), 1000):
        conn.execute(delete(ts_outbox).where(ts_outbox.c.seq.in_(seqs[i : i + 1000])))


def park(conn: Connection, seq: int, error: str) -> None:
    """Set aside a row the server refuses for good (kept for an operator, never dropped)."""
    conn.execute(
        update(ts_outbox)
        .where(ts_outbox.c.seq == seq)
        .values(parked=1, error=error[:2000], attempts=ts_outbox.c.attempts + 1)
    )


def depth(engine: Engine) -> tuple[int, int]:
    """(waiting, parked) row counts."""
    c = ts_outbox.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.parked, func.count()).group_by(c.parked)).all()
    counts = {int(r[0]): int(r[1]) for r in rows}
    return counts.get(0, 0), counts.get(1, 0)
