"""Readers for chart data from a time-series server: Prometheus-style (VictoriaMetrics) and Flux.

VictoriaMetrics stores line protocol `m,tags f=v` as the series `m_f{tags}` and answers PromQL;
InfluxDB 2.x answers Flux. Each reader turns a `SeriesQuery` into the server's query (pure
functions, tested) and the answer into `Series`.
"""

import re
from typing import Any

import httpx

from cloud.timeseries.port import Series, SeriesQuery

_LABEL_VALUE = re.compile(r'["\\\n]')


def _promql_string(value: str) -> str:
    return _LABEL_VALUE.sub(lambda m: {"\n": "\\n"}.get(m.group(), "\\" + m.group()), value)


_PROMQL_AGG = {"mean": "avg", "sum": "sum", "max": "max", "min": "min", "count": "count"}
_FLUX_AGG = {"mean": "mean", "sum": "sum", "max": "max", "min": "min", "count": "count"}


def promql_for(q: SeriesQuery) -> str:
    """`<agg>_over_time` of the measurement's series at the site, one window per step."""
    if q.field:
        matcher = f'__name__="{_promql_string(q.measurement + "_" + q.field)}"'
    else:
        matcher = f'__name__=~"{re.escape(q.measurement)}_.+"'
    site = _promql_string(q.site)
    fn = _PROMQL_AGG[q.agg]
    return f'{fn}_over_time({{{matcher},site="{site}"}}[{q.step_ms}ms])'


def series_from_prometheus(q: SeriesQuery, answer: dict[str, Any]) -> list[Series]:
    """Series from a `query_range` matrix; stamps move from a window's end to its bucket start."""
    prefix = f"{q.measurement}_"
    out: list[Series] = []
    for item in answer.get("data", {}).get("result", []):
        labels = dict(item.get("metric", {}))
        name = str(labels.pop("__name__", ""))
        if not name.startswith(prefix):
            continue
        points = [
            (round(float(ts) * 1000) - q.step_ms + 1, float(v)) for ts, v in item.get("values", [])
        ]
        out.append(Series(name[len(prefix) :], labels, points))
    out.sort(key=lambda s: (s.field, sorted(s.tags.items())))
    return out


class PrometheusReader:
    """Reads through `/api/v1/query_range` (VictoriaMetrics, Prometheus-compatible)."""

    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def query(self, q: SeriesQuery) -> list[Series]:
        """Bucketed aggregates; a server error raises httpx.HTTPError."""
        q.check()
        # PromQL windows are (t - step, t]: evaluating at the bucket's last millisecond makes
        # each window exactly one bucket [b, b + step) of millisecond samples.
        start = q.bucket_start(q.from_ms) + q.step_ms - 1
        params = {
            "query": promql_for(q),
            "start": f"{start / 1000:.3f}",
            "end": f"{(q.to_ms - 1) / 1000:.3f}",
            "step": f"{q.step_ms}ms",
            "nocache": "1",  # VictoriaMetrics would otherwise round start/end to the step
        }
        r = httpx.get(f"{self.base_url}/api/v1/query_range", params=params, timeout=self.timeout_s)
        r.raise_for_status()
        return series_from_prometheus(q, r.json())


def _flux_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def flux_for(q: SeriesQuery, bucket: str) -> str:
    """Flux query: range, filter by measurement/site(/field), `agg` per (local) step window."""
    field = f' and r._field == "{_flux_string(q.field)}"' if q.field else ""
    offset = (-q.offset_ms) % q.step_ms
    return (
        f'from(bucket: "{_flux_string(bucket)}")\n'
        f"  |> range(start: time(v: {q.from_ms * 1_000_000}),"
        f" stop: time(v: {q.to_ms * 1_000_000}))\n"
        f'  |> filter(fn: (r) => r._measurement == "{_flux_string(q.measurement)}"'
        f' and r.site == "{_flux_string(q.site)}"{field})\n'
        f"  |> aggregateWindow(every: {q.step_ms}ms, offset: {offset}ms, fn: {_FLUX_AGG[q.agg]},"
        ' createEmpty: false, timeSrc: "_start")'
    )


class FluxReader:
    """Reads from InfluxDB 2.x with Flux (not exercised by the tests: no InfluxDB 2 server here)."""

    def __init__(self, url: str, token: str, org: str, bucket: str) -> None:
        from influxdb_client.client.influxdb_client import InfluxDBClient

        self.bucket = bucket
        self._client = InfluxDBClient(url=url, token=token, org=org)

    def query(self, q: SeriesQuery) -> list[Series]:
        """Bucketed aggregates from Flux tables."""
        q.check()
        skip = {"result", "table", "_start", "_stop", "_time", "_value", "_field", "_measurement"}
        out: dict[tuple[str, tuple[tuple[str, str], ...]], Series] = {}
        for table in self._client.query_api().query(flux_for(q, self.bucket)):
            for rec in table.records:
                tags = {k: str(v) for k, v in rec.values.items() if k not in skip}
                name = str(rec.get_field())  # type: ignore[no-untyped-call]
                key = (name, tuple(sorted(tags.items())))
                if key not in out:
                    out[key] = Series(key[0], tags)
                ts = int(rec.get_time().timestamp() * 1000)  # type: ignore[no-untyped-call]
                value = float(rec.get_value())  # type: ignore[no-untyped-call]
                out[key].points.append((ts, value))
        return sorted(out.values(), key=lambda s: (s.field, sorted(s.tags.items())))
