"""Uploads evidence to the cloud (`POST /api/v1/evidence`) whenever it is reachable."""

import logging
from typing import Any

from agrisafe.backoff import Backoff
from agrisafe.worker import BackgroundWorker
from edge.evidence import EvidenceStore

logger = logging.getLogger(__name__)


class EvidenceUploader(BackgroundWorker):
    """Background thread: oldest pending evidence first; retries with backoff while offline."""

    def __init__(
        self, store: EvidenceStore, base_url: str, token: str | None, *, period_s: float = 5.0
    ) -> None:
        import httpx

        super().__init__("evidence-upload", join_timeout_s=10.0)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client: Any = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=30)
        self._store = store
        self._period_s = period_s
        # While offline: 2, 4, 8 … periods, at most 5 minutes between tries.
        self._backoff = Backoff(2 * period_s, max(300.0, 2 * period_s))
        self.uploaded = 0

    def on_stop(self) -> None:
        """Close the HTTP client once the thread has ended (after the current file)."""
        self._client.close()

    def upload_pending(self) -> int:
        """Upload what is pending now; returns how many the cloud confirmed."""
        import httpx

        done = 0
        for item in self._store.pending():
            try:
                data = item.path.read_bytes()
            except FileNotFoundError:  # deleted by the quota meanwhile
                self._store.mark_uploaded(item.sha256)
                continue
            try:
                resp = self._client.post(
                    "/api/v1/evidence",
                    content=data,
                    headers={"Content-Type": item.media, "X-Content-SHA256": item.sha256},
                )
            except httpx.HTTPError as err:
                logger.info("evidence upload deferred (%s)", err)
                break
            if resp.status_code in (200, 201):
                self._store.mark_uploaded(item.sha256)
                done += 1
            else:
                logger.warning(
                    "evidence %s refused: %s %s", item.sha256, resp.status_code, resp.text
                )
                break
        self.uploaded += done
        return done

    def run(self) -> None:
        """Every period upload what is pending; back off while the cloud is unreachable."""
        delay = self._period_s
        while not self.sleep(delay):
            if self.upload_pending() > 0 or not self._store.pending(1):
                self._backoff.reset()
                delay = self._period_s
            else:
                delay = self._backoff.next()
