"""SQL adapter of the time-series ports: points in `ts_points` (the embedded default).

One row per field value, keyed by (measurement, series, field, time): writing the same point
again overwrites it with the same value, as InfluxDB does.
"""

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from cloud.store.sql import upsert
from cloud.timeseries.points import Point
from cloud.timeseries.port import Series, SeriesQuery
from cloud.timeseries.tables import ts_points

_KEYS = ("measurement", "series", "field", "ts_ms")


def point_rows(points: Sequence[Point]) -> list[dict[str, Any]]:
    """Table rows of points; the last of several rows with one key wins (one statement)."""
    rows: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    for p in points:
        series = p.series_key
        tags = dict(p.tags)
        site = tags.get("site", "")
        for name, value in p.fields:
            rows[(p.measurement, series, name, p.ts_ms)] = {
                "measurement": p.measurement,
                "series": series,
                "field": name,
                "ts_ms": p.ts_ms,
                "site": site,
                "tags": tags,
                "value": value,
            }
    return list(rows.values())


class SqlTimeSeries:
    """Writer and reader over the SQL store."""

    name = "sql"

    def __init__(self, engine: Engine, chunk: int = 2000) -> None:
        self.engine = engine
        self.chunk = chunk

    def write(self, points: Sequence[Point]) -> None:
        """Upsert the points (a database error propagates: the pump retries)."""
        rows = point_rows(points)
        with self.engine.begin() as conn:
            for i in range(0, len(rows), self.chunk):
                upsert(conn, ts_points, rows[i : i + self.chunk], _KEYS)

    def close(self) -> None:
        """Nothing to release: the engine belongs to the runtime."""

    def query(self, q: SeriesQuery) -> list[Series]:
        """Mean per bucket of `q.step_ms`, buckets aligned to multiples of the step."""
        q.check()
        c = ts_points.c
        bucket = (c.ts_ms // q.step_ms) * q.step_ms
        where = [
            c.site == q.site,
            c.measurement == q.measurement,
            c.ts_ms >= q.from_ms,
            c.ts_ms < q.to_ms,
        ]
        if q.field is not None:
            where.append(c.field == q.field)
        stmt = (
            select(c.field, c.series, bucket.label("bucket"), func.avg(c.value))
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
