"""Uploads evidence to the cloud (`POST /api/v1/evidence`) whenever it is reachable.

What a reply means for the file and for the rest of the pass is decided by `decide` (pure):
- 200/201: uploaded.
- 413, 415, 422: the cloud will never take these bytes (too large, not evidence by its content,
  not the bytes its hash names — a file changed on disk). Set aside (kept, marked with the
  reason, logged as an error, counted in telemetry) and the pass goes on: one bad file must
  not hold back every later one until the edge's quota deletes them.
- 5xx: may be this file (a server fault on its content) or the server: the file stays pending
  (retried first next pass) and the pass goes on; a second 5xx in a row ends the pass.
- No answer, 507 (the site's evidence quota at the cloud), 401/403/429 or anything else: every
  file would get the same answer, so the pass ends, the order is kept and the uploader backs off
  (up to 5 minutes) and retries; nothing is set aside for a refusal that may pass later.
"""

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

from agrisafe.backoff import Backoff
from agrisafe.worker import BackgroundWorker
from edge.evidence import EvidenceStore

logger = logging.getLogger(__name__)

# The cloud's refusals that no retry of the same bytes can change.
FINAL_REFUSALS = frozenset({413, 415, 422})


class Action(Enum):
    """What to do after one upload attempt."""

    UPLOADED = "uploaded"
    SET_ASIDE = "set_aside"  # refused for good: keep the file, never resend it
    SKIP = "skip"  # this file later; try the next one now
    STOP = "stop"  # every file would fail now: end the pass, back off


def decide(status: int | None, failed_before: bool) -> Action:
    """The action for an HTTP status (None: no answer); `failed_before`: the previous file of
    this pass already got a retryable failure."""
    if status in (200, 201):
        return Action.UPLOADED
    if status in FINAL_REFUSALS:
        return Action.SET_ASIDE
    if status is not None and 500 <= status <= 599 and status != 507 and not failed_before:
        return Action.SKIP
    return Action.STOP


@dataclass
class Pass:
    """What one upload pass did."""

    uploaded: int = 0
    set_aside: int = 0


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
        return self.upload_pass().uploaded

    def upload_pass(self) -> Pass:
        """One pass over the oldest pending files (see the module docstring)."""
        done = Pass()
        failed_before = False
        for item in self._store.pending():
            try:
                data = item.path.read_bytes()
            except FileNotFoundError:  # removed behind the index's back: lost, never "sent"
                self._store.mark_lost(item.sha256, "file missing before upload")
                continue
            status, detail = self._post(data, item.media, item.sha256)
            action = decide(status, failed_before)
            failed_before = action is Action.SKIP
            if action is Action.UPLOADED:
                self._store.mark_uploaded(item.sha256)
                done.uploaded += 1
            elif action is Action.SET_ASIDE:
                self._store.mark_rejected(item.sha256, f"cloud refused {status}: {detail}")
                done.set_aside += 1
            else:
                logger.warning("evidence %s not uploaded (%s): %s", item.sha256, status, detail)
                if action is Action.STOP:
                    break
        self.uploaded += done.uploaded
        return done

    def _post(self, data: bytes, media: str, sha: str) -> tuple[int | None, str]:
        import httpx

        try:
            resp = self._client.post(
                "/api/v1/evidence",
                content=data,
                headers={"Content-Type": media, "X-Content-SHA256": sha},
            )
        except httpx.HTTPError as err:
            return None, f"cloud unreachable ({err})"
        return int(resp.status_code), str(resp.text)[:300]

    def run(self) -> None:
        """Every period upload what is pending; back off while the cloud refuses or is away."""
        delay = self._period_s
        while not self.sleep(delay):
            done = self.upload_pass()
            # A pass that moved nothing on (cloud away, refusing, or one file failing) backs off.
            if done.uploaded or done.set_aside or not self._store.pending(1):
                self._backoff.reset()
                delay = self._period_s
            else:
                delay = self._backoff.next()
