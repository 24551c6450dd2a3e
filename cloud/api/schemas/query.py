"""Query parameters of the list endpoints, grouped (`Annotated[XQuery, Query()]`)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agrisafe.protocol import AlertStatus, Kind, Rule


class PageQuery(BaseModel):
    """Which page of a listing."""

    limit: int = Field(default=100, ge=1, le=1000, description="items per page")
    offset: int = Field(default=0, ge=0, description="items skipped")


class AlertQuery(PageQuery):
    """Filters of the alert list."""

    site: str | None = None
    rule: Rule | None = None
    status: AlertStatus | None = None
    subject: str | None = None


class RecordQuery(PageQuery):
    """Filters of the record list: site, kind, subject and event-time range."""

    site: str | None = None
    kind: Kind | None = None
    device: str | None = None
    plot: str | None = None
    herd: str | None = None
    lot: str | None = None
    from_: datetime | None = Field(default=None, alias="from", description="event time ≥")
    to: datetime | None = Field(default=None, description="event time <")


class CertificateQuery(PageQuery):
    """Filters of the certificate list."""

    site: str | None = None
    lot: str | None = None
    status: str | None = Field(default=None, description="issued, refused or revoked")
    request_id: str | None = None


class SeriesParams(BaseModel):
    """Which chart: a measurement at a site over a time range, bucketed by `step`."""

    site: str
    measurement: str
    from_: datetime = Field(alias="from")
    to: datetime
    step: str = Field(default="1h", description="60s, 5m, 1h, 1d …")
    field: str | None = Field(default=None, description="one field only")
    agg: Literal["mean", "sum", "max", "min", "count"] = Field(
        default="mean", description="how the values in one bucket become its point"
    )
    tz: str | None = Field(
        default=None,
        description="IANA zone the buckets follow (a 1d bucket runs local midnight to "
        "midnight); default: the site's time zone, Asia/Shanghai when it has none",
    )
