"""Time-series chart data."""

from pydantic import BaseModel, Field


class SeriesLine(BaseModel):
    """One field of one series: `[bucket start ms, value]` per step (`agg` of the bucket)."""

    field: str
    tags: dict[str, str]
    points: list[tuple[int | float, int | float]]


class SeriesPublic(BaseModel):
    """`agg` per step of the fields of a measurement at a site, in the site's local buckets."""

    site: str
    measurement: str
    from_ms: int
    to_ms: int
    step_ms: int
    agg: str = Field(description="mean, sum, max, min or count: what each point is")
    tz: str = Field(description="IANA zone the buckets follow")
    offset_ms: int = Field(description="that zone's UTC offset at `from` (buckets start there)")
    store: str = Field(description="sql or influxdb")
    series: list[SeriesLine]
