"""`GET /api/v1/series`: chart data from whichever time-series store is configured."""

from typing import Annotated
from zoneinfo import ZoneInfoNotFoundError

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from agrisafe.timeutil import DEFAULT_TZ, from_ms, site_zone, to_ms
from cloud.api.auth import Principal, require
from cloud.api.deps import RegistryDep, TimeSeriesDep
from cloud.api.schemas.query import SeriesParams
from cloud.api.schemas.series import SeriesLine, SeriesPublic
from cloud.api.scope import sites_in_scope
from cloud.timeseries.mapping import MEASUREMENTS
from cloud.timeseries.port import SeriesQuery

router = APIRouter(tags=["timeseries"])


def _step_ms(step: str) -> int:
    """`60`, `60s`, `5m`, `1h`, `1d` → milliseconds."""
    units = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
    text = step.strip().lower()
    for suffix in ("ms", "s", "m", "h", "d"):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * units[suffix]
    if text.isdigit():
        return int(text) * 1000
    raise HTTPException(422, f"step: {step!r} is not a duration such as 60s, 5m, 1h or 1d")


def _zone(registry: RegistryDep, site: str, tz: str | None, at_ms: int) -> tuple[str, int]:
    """The zone's name and its UTC offset at `at_ms` (the site's zone unless `tz` is given)."""
    info = registry.site(site)
    name = tz or (info.timezone if info is not None else None) or DEFAULT_TZ
    try:
        zone = site_zone(name)
    except (ValueError, ZoneInfoNotFoundError) as err:
        raise HTTPException(
            422, f"tz: {name!r} is not an IANA time zone such as Asia/Shanghai"
        ) from err
    offset = from_ms(at_ms, zone).utcoffset()
    return name, int(offset.total_seconds() * 1000) if offset is not None else 0


@router.get("/api/v1/series", summary="Time-series chart data")
async def series(
    timeseries: TimeSeriesDep,
    registry: RegistryDep,
    principal: Annotated[Principal, Depends(require)],
    p: Annotated[SeriesParams, Query()],
) -> SeriesPublic:
    """`agg` (mean, sum, max, min, count) per step of every field (or one `field`) of
    `measurement` at `site`; buckets follow the site's time zone (a `1d` bucket is a local day)."""
    reader = timeseries.reader
    if reader is None:
        raise HTTPException(404, "time series are off (AGRISAFE_TIMESERIES=off)")
    if p.measurement not in MEASUREMENTS:
        raise HTTPException(422, f"measurement: expected one of {list(MEASUREMENTS)}")
    scope = sites_in_scope(registry, principal)
    if scope is not None and p.site not in scope:
        raise HTTPException(403, f"site {p.site!r} is outside your scope")
    tz_name, offset_ms = _zone(registry, p.site, p.tz, to_ms(p.from_))
    q = SeriesQuery(
        p.site,
        p.measurement,
        to_ms(p.from_),
        to_ms(p.to),
        _step_ms(p.step),
        p.field,
        agg=p.agg,
        offset_ms=offset_ms,
    )
    try:
        q.check()
    except ValueError as err:
        raise HTTPException(422, str(err)) from err
    try:
        found = await run_in_threadpool(reader.query, q)
    except httpx.HTTPError as err:
        raise HTTPException(502, f"time-series server: {err}") from err
    return SeriesPublic(
        site=p.site,
        measurement=p.measurement,
        from_ms=q.from_ms,
        to_ms=q.to_ms,
        step_ms=q.step_ms,
        agg=q.agg,
        tz=tz_name,
        offset_ms=offset_ms,
        store=timeseries.backend,
        series=[SeriesLine(field=s.field, tags=s.tags, points=s.points) for s in found],
    )
