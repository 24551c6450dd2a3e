"""Time-series chart data."""

from pydantic import BaseModel, Field


class SeriesLine(BaseModel):
    """One field of one series: `[bucket start ms, mean]` per step."""

    field: str
    tags: dict[str, str]
    points: list[tuple[int | float, int | float]]


class SeriesPublic(BaseModel):
    """Mean per step of the fields of a measurement at a site."""

    site: str
    measurement: str
    from_ms: int
    to_ms: int
    step_ms: int
    store: str = Field(description="sql or influxdb")
    series: list[SeriesLine]
