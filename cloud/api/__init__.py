"""The HTTP API (FastAPI); `create_app` wires it to a built `CloudRuntime`."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from agrisafe import __version__
from cloud.api import errors
from cloud.api.auth import Authenticator
from cloud.api.compliance_routes import COMPLIANCE_ROUTERS
from cloud.api.limits import BodyLimit, RouteLimit, body_limit
from cloud.api.routes import alerts, evidence, messages, metrics, records, series, system
from cloud.api.routes import commands as command_routes
from cloud.api.routes import console as console_routes
from cloud.api.routes import consult as consult_routes
from cloud.certificates.page import TracePages
from cloud.runtime import CloudRuntime
from cloud.settings import CloudSettings

SITE_BODY_BYTES = 4 * 1024 * 1024  # a site with many plots and geofence polygons


def route_limits(settings: CloudSettings) -> tuple[RouteLimit, ...]:
    """Body caps of the routes that take more than the default (checked before auth)."""
    # Messages: a little above the handler's own cap, so it still quarantines an oversized
    # array by its head (413 with a reason) instead of the middleware answering first.
    return (
        RouteLimit("POST", "/api/v1/evidence", settings.evidence_max_bytes),
        RouteLimit("POST", "/api/v1/messages", messages.MAX_REQUEST_BYTES + 64 * 1024),
        RouteLimit("PUT", "/api/v1/sites/", SITE_BODY_BYTES),
    )


def create_app(runtime: CloudRuntime, *, manage_runtime: bool = True) -> FastAPI:
    """The API app; with `manage_runtime` its lifespan starts and stops the runtime."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if manage_runtime:
            await asyncio.to_thread(runtime.start)
        await asyncio.to_thread(runtime.hub.attach, loop)
        try:
            yield
        finally:
            await asyncio.to_thread(runtime.hub.detach)
            if manage_runtime:
                await asyncio.to_thread(runtime.stop)

    app = FastAPI(title="Sunshine Agri-Safety cloud", version=__version__, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.authenticator = Authenticator(runtime.admin_token, runtime.engine, runtime.registry)
    app.state.trace_pages = TracePages()
    errors.install(app)
    limits = route_limits(runtime.settings)
    default = runtime.settings.max_body_bytes
    app.add_middleware(BodyLimit, limit_of=lambda m, p: body_limit(limits, default, m, p))
    for module in (messages, evidence, records, alerts, system):
        app.include_router(module.router)
    for router in COMPLIANCE_ROUTERS:
        app.include_router(router)
    app.include_router(metrics.router)
    app.include_router(series.router)
    app.include_router(consult_routes.router)
    app.include_router(command_routes.router)
    console_routes.install(app)
    return app
