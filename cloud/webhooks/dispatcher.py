"""Delivers queued webhook calls: claim due rows, POST them signed, record the outcome.

The queue lives in the database (written in the alert's own transaction), so an alert survives
a crash between commit and delivery. A 2xx response delivers; anything else is retried with
exponential backoff until `max_attempts`, then marked failed (visible in the deliveries list).
"""

import logging
from typing import Any

import httpx
from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from agrisafe.worker import BackgroundWorker
from cloud.store import webhooks as store
from cloud.webhooks.sign import SIGNATURE_HEADER, backoff_ms, signature

logger = logging.getLogger(__name__)
LEASE_MS = 60_000


class WebhookDispatcher(BackgroundWorker):
    """Background delivery of the webhook queue."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_attempts: int = 10,
        base_s: float = 2.0,
        cap_s: float = 600.0,
        poll_s: float = 0.5,
        timeout_s: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__("webhooks", join_timeout_s=10.0)
        self.engine = engine
        self.max_attempts, self.base_s, self.cap_s = max_attempts, base_s, cap_s
        self.poll_s = poll_s
        self.clock = clock or Clock()
        self._http = httpx.Client(timeout=timeout_s)

    def on_stop(self) -> None:
        """After the delivery in hand: close the HTTP client."""
        self._http.close()

    def run_once(self) -> int:
        """Attempt every due delivery once; return how many were attempted."""
        now = self.clock.now_ms()
        with self.engine.begin() as conn:
            claimed = [r for r in store.due(conn, now) if store.claim(conn, r, now + LEASE_MS)]
        for row in claimed:
            self._attempt(row)
        return len(claimed)

    def _attempt(self, row: dict[str, Any]) -> None:
        with self.engine.connect() as conn:
            target = store.secret_of(conn, str(row["webhook_id"]))
        attempts = int(row["attempts"]) + 1
        if target is None:  # deactivated meanwhile
            self._finish(row, status="failed", last_error="webhook deactivated")
            return
        url, secret = target
        body = str(row["payload"]).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Agrisafe-Event": "alert",
            "X-Agrisafe-Delivery": str(row["id"]),
            SIGNATURE_HEADER: signature(secret, body),
        }
        try:
            resp = self._http.post(url, content=body, headers=headers)
            code, error = resp.status_code, None if resp.is_success else f"HTTP {resp.status_code}"
        except httpx.HTTPError as err:
            code, error = None, f"{type(err).__name__}: {err}"
        now = self.clock.now_ms()
        if error is None:
            self._finish(
                row, status="delivered", delivered_ms=now, last_status=code, last_error=None
            )
        elif attempts >= self.max_attempts:
            logger.warning("webhook delivery %s failed for good: %s", row["id"], error)
            self._finish(row, status="failed", last_status=code, last_error=error)
        else:
            # Jittered, so receivers that were down together are not retried in lock-step.
            delay = backoff_ms(attempts, self.base_s, self.cap_s, jitter_s=self.base_s / 4)
            self._finish(row, next_ms=now + delay, last_status=code, last_error=error)

    def _finish(self, row: dict[str, Any], **values: object) -> None:
        with self.engine.begin() as conn:
            store.finish(conn, int(row["id"]), **values)

    def run(self) -> None:
        """Deliver what is due; poll every `poll_s` while the queue is idle."""
        while not self.stopping:
            try:
                busy = self.run_once()
            except Exception:
                logger.exception("webhook dispatch failed")
                busy = 0
            if not busy:
                self.sleep(self.poll_s)
