"""Maps the services' refusals onto HTTP status codes, in one place."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cloud.access import Conflict, NotFound, Rejected

logger = logging.getLogger(__name__)

STATUS: dict[type[Exception], int] = {NotFound: 404, Conflict: 409, Rejected: 422}


async def _refused(_request: Request, err: Exception) -> JSONResponse:
    code = next(code for kind, code in STATUS.items() if isinstance(err, kind))
    return JSONResponse({"detail": str(err)}, status_code=code)


def install(app: FastAPI) -> None:
    """Answer the services' errors as `{"detail": …}` with their status code."""
    for kind in STATUS:
        app.add_exception_handler(kind, _refused)
