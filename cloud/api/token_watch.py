"""Live streams keep checking the token they were opened with.

A stream's token is checked when the stream opens like any request's, but a stream lives for
hours: a token revoked or expired since must stop it at once, as it stops every other request
(docs/api-security.md). Each stream asks the same `Authenticator` again — before every event it
sends and, while idle, every `every_s` seconds — and ends when the token no longer works. The
re-check is one indexed look-up of the token row (`Authenticator.live_token_id`), not a full
authentication: a producer's principal lists its sites, too dear to build per event.
"""

import logging
import time
from collections.abc import Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from cloud.api.auth import Authenticator, Principal, bearer_token

logger = logging.getLogger(__name__)


def still_valid(live_id: str | None, opened_by: Principal) -> bool:
    """Whether the token's live id (None: revoked, expired or unknown) is still the token that
    opened the stream (the bootstrap token never opens one)."""
    return live_id is not None and not opened_by.bootstrap and live_id == opened_by.token_id


class TokenWatch:
    """Re-authenticates one stream's token: `valid()` is cheap to call in the stream's loop."""

    def __init__(
        self,
        request: Request,
        principal: Principal,
        every_s: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._auth: Authenticator = request.app.state.authenticator
        self._token = bearer_token(request, allow_query=True)
        self._principal = principal
        self._every_s = every_s
        self._monotonic = monotonic
        self._due = monotonic() + every_s

    async def valid(self, *, now: bool = False) -> bool:
        """False once the token stopped working; looks it up when `now` or when due."""
        clock = self._monotonic()
        if not now and clock < self._due:
            return True
        self._due = clock + self._every_s
        try:
            current = await run_in_threadpool(self._auth.live_token_id, self._token)
        except Exception:
            # Fail closed: a stream whose token cannot be checked ends; the client reconnects
            # and is checked like any request.
            logger.warning("cannot re-check a live stream's token; closing it", exc_info=True)
            return False
        if still_valid(current, self._principal):
            return True
        logger.info(
            "closing a live stream of token %s: revoked or expired", self._principal.token_id
        )
        return False
