"""SQL adapter of the time-series ports: points in `ts_points` (the embedded default).

One row per field value, keyed by (measurement, series, field, time): writing the same point
again overwrites it with the same value, as InfluxDB does. When the SQL store is the configured
time-series store, the ingest stage writes here on the batch's own connection (`write_on`):
the transaction is the durable hand-over, so no outbox copy is needed (measured: the outbox
round trip halved the embedded ingest rate).
"""

from collections.abc import Sequence

import orjson
from sqlalchemy import Connection, Engine, func, select

from cloud.store.timeseries_tables import ts_points
from cloud.timeseries.points import Point
from cloud.timeseries.port import Series, SeriesQuery

Row = tuple[str, str, str, str, int, float]
# Plain driver-level executemany: far cheaper per row than a compiled Core upsert here, and
# the same text works on SQLite (≥ 3.24) and PostgreSQL apart from the placeholder.
_UPSERT = (
    "INSERT INTO ts_points (site, measurement, field, series, ts_ms, value) "
    "VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (site, measurement, field, series, ts_ms) DO UPDATE SET value = excluded.value"
)
_UPSERT_FORMAT = _UPSERT.replace("?", "%s")


def point_rows(points: Sequence[Point]) -> list[Row]:
    """Table rows of points; the last of several rows with one key wins (one statement)."""
    rows: dict[tuple[str, str, str, str, int], Row] = {}
    for p in points:
        series = p.series_key
        site = p.tag("site") or ""
        for name, value in p.fields:
            key = (site, p.measurement, name, series, p.ts_ms)
            rows[key] = (*key, value)
    return list(rows.values())


class SqlTimeSeries:
    """Writer and reader over the SQL store."""

    name = "sql"

    def __init__(self, engine: Engine, chunk: int = 2000) -> None:
        self.engine = engine
        self.chunk = chunk

    def write(self, points: Sequence[Point]) -> None:
        """Upsert the points (a database error propagates: the pump retries)."""
        with self.engine.begin() as conn:
            self.write_on(conn, points)

    def write_on(self, conn: Connection, points: Sequence[Point]) -> None:
        """Upsert inside the caller's transaction."""
        rows = point_rows(points)
        if not rows:
            return
        sql = _UPSERT if conn.dialect.paramstyle == "qmark" else _UPSERT_FORMAT
        for i in range(0, len(rows), self.chunk):
            conn.exec_driver_sql(sql, rows[i : i + self.chunk])

    def close(self) -> None:
        """Nothing to release: the engine belongs to the runtime."""

    def query(self, q: SeriesQuery) -> list[Series]:
        """`q.agg` per bucket of `q.step_ms`, buckets aligned to local multiples of the step."""
        q.check()
        c = ts_points.c
        bucket = ((c.ts_ms + q.offset_ms) // q.step_ms) * q.step_ms - q.offset_ms
        # SQL names of the aggregations (the same in SQLite and PostgreSQL)
        sql_name = {"mean": "avg"}.get(q.agg, q.agg)
        aggregated = getattr(func, sql_name)(c.value)
        where = [
            c.site == q.site,
            c.measurement == q.measurement,
            c.ts_ms >= q.from_ms,
            c.ts_ms < q.to_ms,
        ]
        if q.field is not None:
            where.append(c.field == q.field)
        stmt = (
            select(c.field, c.series, bucket.label("bucket"), aggregated)
            .where(*where)
            .group_by(c.field, c.series, bucket)
            .order_by(c.field, c.series, bucket)
        )
        out: dict[tuple[str, str], Series] = {}
        with self.engine.connect() as conn:
            for name, series, start, value in conn.execute(stmt):
                key = (name, series)
                if key not in out:
                    out[key] = Series(name, orjson.loads(series))
                out[key].points.append((int(start), float(value)))
        return list(out.values())
