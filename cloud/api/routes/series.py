"""`GET /api/v1/series`: chart data from whichever time-series store is configured."""

from datetime import datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from agrisafe.timeutil import to_ms
from cloud.api.auth import Principal, require
from cloud.api.deps import RegistryDep, TimeSeriesDep
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


@router.get("/api/v1/series", summary="Time-series chart data")
async def series(
    timeseries: TimeSeriesDep,
    registry: RegistryDep,
    principal: Annotated[Principal, Depends(require)],
    site: str,
    measurement: str,
    from_: Annotated[datetime, Query(alias="from")],
    to: datetime,
    step: str = "1h",
    field: str | None = None,
) -> dict[str, Any]:
    """Mean per step of every field (or one `field`) of `measurement` at `site`."""
    reader = timeseries.reader
    if reader is None:
        raise HTTPException(404, "time series are off (AGRISAFE_TIMESERIES=off)")
    if measurement not in MEASUREMENTS:
        raise HTTPException(422, f"measurement: expected one of {list(MEASUREMENTS)}")
    scope = sites_in_scope(registry, principal)
    if scope is not None and site not in scope:
        raise HTTPException(403, f"site {site!r} is outside your scope")
    q = SeriesQuery(site, measurement, to_ms(from_), to_ms(to), _step_ms(step), field)
    try:
        q.check()
    except ValueError as err:
        raise HTTPException(422, str(err)) from err
    try:
        found = await run_in_threadpool(reader.query, q)
    except httpx.HTTPError as err:
        raise HTTPException(502, f"time-series server: {err}") from err
    return {
        "site": site,
        "measurement": measurement,
        "from_ms": q.from_ms,
        "to_ms": q.to_ms,
        "step_ms": q.step_ms,
        "store": timeseries.backend,
        "series": [{"field": s.field, "tags": s.tags, "points": s.points} for s in found],
    }
