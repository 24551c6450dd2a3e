"""`GET /api/v1/series`: chart data from whichever time-series store is configured."""

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from agrisafe.timeutil import to_ms
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


@router.get("/api/v1/series", summary="Time-series chart data")
async def series(
    timeseries: TimeSeriesDep,
    registry: RegistryDep,
    principal: Annotated[Principal, Depends(require)],
    p: Annotated[SeriesParams, Query()],
) -> SeriesPublic:
    """Mean per step of every field (or one `field`) of `measurement` at `site`."""
    reader = timeseries.reader
    if reader is None:
        raise HTTPException(404, "time series are off (AGRISAFE_TIMESERIES=off)")
    if p.measurement not in MEASUREMENTS:
        raise HTTPException(422, f"measurement: expected one of {list(MEASUREMENTS)}")
    scope = sites_in_scope(registry, principal)
    if scope is not None and p.site not in scope:
        raise HTTPException(403, f"site {p.site!r} is outside your scope")
    q = SeriesQuery(p.site, p.measurement, to_ms(p.from_), to_ms(p.to), _step_ms(p.step), p.field)
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
        store=timeseries.backend,
        series=[SeriesLine(field=s.field, tags=s.tags, points=s.points) for s in found],
    )
