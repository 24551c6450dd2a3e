"""`/console`: the regulator console's static files, and `GET /api/v1/whoami` it asks first."""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from cloud.api.auth import Principal, require
from cloud.api.schemas.consult import Whoami
from cloud.console import STATIC_DIR

router = APIRouter(tags=["console"])


@router.get("/api/v1/whoami", summary="The caller's name, role and scope")
async def whoami(principal: Annotated[Principal, Depends(require)]) -> Whoami:
    """What the console shows in its header and uses to offer only what the role may do."""
    return Whoami(
        name=principal.name,
        role=principal.role.value,
        regions=sorted(principal.regions) if principal.regions is not None else None,
        sites=sorted(principal.sites) if principal.sites is not None else None,
    )


@router.get("/console", include_in_schema=False)
async def console_root() -> RedirectResponse:
    """`/console` → `/console/` (relative asset paths need the slash)."""
    return RedirectResponse("/console/")


def install(app: FastAPI) -> None:
    """The whoami route and the static console under `/console/`."""
    app.include_router(router)
    app.mount("/console/", StaticFiles(directory=STATIC_DIR, html=True), name="console")
