"""Delivers queued webhook calls: claim due rows, POST them signed, record the outcome.

The queue lives in the database (written in the alert's own transaction), so an alert survives
a crash between commit and delivery. A 2xx response delivers; anything else is retried with
exponential backoff until `max_attempts`, then marked failed (visible in the deliveries list).
Deliveries run on a bounded thread pool, so one slow receiver does not hold up the others
(no order per target is promised). Each target's host is resolved and checked again right
before the request (`cloud/webhooks/egress.py`) and once more at connect time, where the socket
goes to the checked address (`cloud/webhooks/transport.py`, no DNS rebinding).
"""

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from agrisafe.worker import BackgroundWorker
from cloud.store import webhooks as store
from cloud.webhooks.egress import EgressRefused, check_target
from cloud.webhooks.sign import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    backoff_ms,
    signature,
)
from cloud.webhooks.transport import guarded_client

logger = logging.getLogger(__name__)
LEASE_MS = 60_000


def event_kind(event_id: str) -> str:
    """`alert`, or `consultation` for a consultation's news (ids `consult:…`)."""
    return "consultation" if event_id.startswith("consult:") else "alert"


class WebhookDispatcher(BackgroundWorker):
    """Background delivery of the webhook queue, `concurrency` deliveries at a time."""

    def __init__(  # noqa: PLR0913 - delivery knobs, all keyword-only with defaults
        self,
        engine: Engine,
        *,
        max_attempts: int = 10,
        base_s: float = 2.0,
        cap_s: float = 600.0,
        poll_s: float = 0.5,
        timeout_s: float = 5.0,
        concurrency: int = 8,
        allow_private: bool = False,
        clock: Clock | None = None,
    ) -> None:
        super().__init__("webhooks", join_timeout_s=10.0)
        self.engine = engine
        self.max_attempts, self.base_s, self.cap_s = max_attempts, base_s, cap_s
        self.poll_s = poll_s
        self.concurrency = concurrency
        self.allow_private = allow_private
        self.clock = clock or Clock()
        self._http = guarded_client(timeout_s, lambda: self.allow_private)
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="webhook")
        self._lock = threading.Lock()
        self._inflight = 0

    def on_stop(self) -> None:
        """After the deliveries in hand: close the pool and the HTTP client."""
        self._pool.shutdown(wait=True)
        self._http.close()

    def run_once(self) -> int:
        """Start every due delivery that fits in the pool; return how many were started."""
        with self._lock:
            free = self.concurrency - self._inflight
        if free <= 0:
            return 0
        now = self.clock.now_ms()
        with self.engine.begin() as conn:
            due = store.due(conn, now, limit=free)
            claimed = [r for r in due if store.claim(conn, r, now + LEASE_MS)]
        for row in claimed:
            with self._lock:
                self._inflight += 1
            self._pool.submit(self._attempt, row).add_done_callback(self._done)
        return len(claimed)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._inflight -= 1
        if future.exception() is not None:
            logger.error("webhook delivery crashed", exc_info=future.exception())

    def _attempt(self, row: dict[str, Any]) -> None:
        with self.engine.connect() as conn:
            target = store.secret_of(conn, str(row["webhook_id"]))
        if target is None:  # deactivated meanwhile
            self._finish(row, status="failed", last_error="webhook deactivated")
            return
        url, secret = target
        code, error = self._post(url, secret, row)
        self._outcome(row, code, error)

    def _post(self, url: str, secret: str, row: dict[str, Any]) -> tuple[int | None, str | None]:
        try:
            check_target(url, allow_private=self.allow_private)
        except EgressRefused as err:
            return None, f"refused: {err}"
        body = str(row["payload"]).encode()
        delivery, sent_s = str(row["id"]), int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Agrisafe-Event": event_kind(str(row["alert_id"])),
            DELIVERY_HEADER: delivery,
            TIMESTAMP_HEADER: str(sent_s),
            SIGNATURE_HEADER: signature(secret, sent_s, delivery, body),
        }
        try:
            resp = self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as err:
            return None, f"{type(err).__name__}: {err}"
        return resp.status_code, None if resp.is_success else f"HTTP {resp.status_code}"

    def _outcome(self, row: dict[str, Any], code: int | None, error: str | None) -> None:
        attempts = int(row["attempts"]) + 1
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
        """Start what is due; poll every `poll_s` while the queue is idle or the pool full."""
        while not self.stopping:
            try:
                busy = self.run_once()
            except Exception:
                logger.exception("webhook dispatch failed")
                busy = 0
            if not busy:
                self.sleep(self.poll_s)
