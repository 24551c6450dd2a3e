"""Request-body caps enforced before authentication, and headers every response carries.

`BodyLimit` is plain ASGI middleware, outside every route: a declared `Content-Length` above the
route's limit is answered 413 before any handler (or the token check) runs, and a streamed body
is counted chunk by chunk, so nothing ever buffers more than the limit.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
# The console runs no inline script and loads nothing from elsewhere: whatever a sender manages
# to get into its markup cannot run, nor send a token out. Evidence plays from blob: URLs.
CONSOLE_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    b"media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    b"frame-ancestors 'none'; form-action 'self'"
)
# The public trace page has no script at all; its one stylesheet is inline. It may be framed
# (a shop page showing its certificate): it has nothing to click.
TRACE_CSP = (
    b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
    b"form-action 'none'"
)


def page_headers(path: str) -> tuple[tuple[bytes, bytes], ...]:
    """Headers of every response, with the Content-Security-Policy of the pages a browser runs."""
    if path == "/console" or path.startswith("/console/"):
        return (*SECURITY_HEADERS, (b"content-security-policy", CONSOLE_CSP))
    if path.startswith("/t/"):
        return (*SECURITY_HEADERS, (b"content-security-policy", TRACE_CSP))
    return SECURITY_HEADERS


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """A body limit for requests whose method and path start match."""

    method: str
    prefix: str
    max_bytes: int


def body_limit(limits: tuple[RouteLimit, ...], default: int, method: str, path: str) -> int:
    """The largest body allowed for a request: the first matching route limit, else default."""
    for limit in limits:
        if limit.method == method and path.startswith(limit.prefix):
            return limit.max_bytes
    return default


class BodyTooLarge(HTTPException):
    """A streamed body passed its route's limit (answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when absent or malformed."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """ASGI middleware: route-specific body caps (413) and `page_headers` on every response."""

    def __init__(self, app: ASGIApp, limit_of: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_of = limit_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse declared oversize bodies at once; count streamed ones."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["method"], scope["path"])
        headers = page_headers(scope["path"])
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send_with_headers, limit)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except BodyTooLarge:
            # Raised where no exception handler ran (e.g. while FastAPI read a JSON body).
            if started:
                raise
            await _refuse(send_with_headers, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = b'{"detail":"request body larger than %d bytes"}' % limit
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
