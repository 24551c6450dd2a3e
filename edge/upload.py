"""Uploads evidence to the cloud (`POST /api/v1/evidence`) whenever it is reachable."""

import logging
import threading
from typing import Any

from edge.evidence import EvidenceStore

logger = logging.getLogger(__name__)


class EvidenceUploader:
    """Background thread: oldest pending evidence first; retries with backoff while offline."""

    def __init__(
        self, store: EvidenceStore, base_url: str, token: str | None, *, period_s: float = 5.0
    ) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client: Any = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=30)
        self._store = store
        self._period_s = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="evidence-upload", daemon=True)
        self.uploaded = 0

    def start(self) -> None:
        """Begin uploading in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current file."""
        self._stop.set()
        self._thread.join(10)
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

    def _run(self) -> None:
        delay = self._period_s
        while not self._stop.wait(delay):
            ok = self.upload_pending() > 0 or not self._store.pending(1)
            delay = self._period_s if ok else min(delay * 2, 300.0)
