"""Ports of the time-series path: where points are written and where chart data is read."""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cloud.timeseries.points import Point

MAX_BUCKETS = 11_000  # points per series in one answer: a wide chart at one per pixel
# How the values in one bucket become its point (named in the request and the answer).
AGGREGATIONS = ("mean", "sum", "max", "min", "count")


class WriteError(Exception):
    """The server did not take a batch; `retryable` says whether trying again can help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class TimeSeriesWriter(Protocol):
    """Writes points to a time-series store; idempotent per (measurement, tags, field, time)."""

    name: str

    def write(self, points: Sequence[Point]) -> None:
        """Write all points or raise `WriteError` (nothing is kept in memory on failure)."""

    def close(self) -> None:
        """Release connections."""


@dataclass(frozen=True, slots=True)
class SeriesQuery:
    """`GET /api/v1/series` parameters: one site, one measurement, a time range and a step."""

    site: str
    measurement: str
    from_ms: int
    to_ms: int
    step_ms: int
    field: str | None = None
    agg: str = "mean"
    # The site's UTC offset: buckets start at local multiples of the step (a `1d` bucket at
    # local midnight), i.e. at k·step − offset in epoch ms.
    offset_ms: int = 0

    def check(self) -> None:
        """Raise ValueError naming the parameter that makes no sense."""
        if self.step_ms <= 0:
            raise ValueError("step: must be positive")
        if self.agg not in AGGREGATIONS:
            raise ValueError(f"agg: expected one of {list(AGGREGATIONS)}")
        if self.to_ms <= self.from_ms:
            raise ValueError("to: must be after from")
        if (self.to_ms - self.from_ms) // self.step_ms > MAX_BUCKETS:
            raise ValueError(f"step: more than {MAX_BUCKETS} buckets; use a larger step")

    def bucket_start(self, ts_ms: int) -> int:
        """Start of the (site-local) bucket holding `ts_ms`."""
        return ((ts_ms + self.offset_ms) // self.step_ms) * self.step_ms - self.offset_ms


@dataclass(slots=True)
class Series:
    """One field of one series: one aggregated value per bucket, bucket start times in epoch ms."""

    field: str
    tags: dict[str, str]
    points: list[tuple[int, float]] = dataclasses.field(default_factory=list)


class TimeSeriesReader(Protocol):
    """Reads bucketed chart data back from the configured store."""

    def query(self, q: SeriesQuery) -> list[Series]:
        """Series of `q.measurement` at `q.site`, sorted by field then tags."""
