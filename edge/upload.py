"""Uploads evidence to the cloud (`POST /api/v1/evidence`) whenever it is reachable.

What a reply means for the file and for the rest of the pass is decided by `decide` (pure):
- 200/201: uploaded.
- Refusals that prove the file itself bad (`refusal_of`): 415 (not evidence by its content), or
  a 422 whose body is the cloud's hash mismatch (`received` digest: the bytes are not what their
  hash names, a file changed on disk) or its empty-body answer. Set aside (kept, marked with the
  reason, logged as an error, counted in telemetry) and the pass goes on: one bad file must not
  hold back every later one until the edge's quota deletes them. `agrisafe edge evidence
  requeue` puts set-aside files back in the queue.
- 5xx: may be this file (a server fault on its content) or the server: the file stays pending
  (retried first next pass) and the pass goes on; a second 5xx in a row ends the pass.
- No answer, 507 (the site's evidence quota at the cloud), any other 4xx — 413 (a reverse
  proxy's body limit or a lowered AGRISAFE_EVIDENCE_MAX_BYTES), a 422 of another kind (a token
  for several sites and no X-Agrisafe-Site), 401/403/429 — or anything else: every file would
  get the same answer, so the pass ends, the order is kept and the uploader backs off (up to 5
  minutes) and retries; a 4xx is logged as an error with the cloud's reason, for an operator to
  fix. Nothing is set aside for a refusal that may pass later.
"""

import json
import logging
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from agrisafe.backoff import Backoff
from agrisafe.worker import BackgroundWorker
from edge.evidence import EvidenceStore

logger = logging.getLogger(__name__)
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Refusal(Enum):
    """What a refusal says about the file sent."""

    BAD_FILE = "bad_file"  # the file itself: no retry of these bytes can pass
    OTHER = "other"  # anything else (a limit, the token, the request): may pass later


def refusal_of(status: int | None, body: str, sha256: str) -> Refusal:
    """Parse a reply: BAD_FILE only for what proves the file bad — 415, or a 422 with the
    cloud's hash-mismatch body (claimed `sha256`, `received` another digest) or empty-body one.
    A 422 (or 413) from anything else says nothing about the file."""
    if status == 415:
        return Refusal.BAD_FILE
    if status != 422:
        return Refusal.OTHER
    try:
        doc = json.loads(body)
    except ValueError:
        return Refusal.OTHER
    if not isinstance(doc, dict):
        return Refusal.OTHER
    if doc.get("detail") == "empty body":
        return Refusal.BAD_FILE
    received = doc.get("received")
    mismatch = (
        doc.get("detail") == "sha256 mismatch"
        and str(doc.get("claimed", "")).lower() == sha256
        and isinstance(received, str)
        and _SHA256.fullmatch(received) is not None
        and received != sha256
    )
    return Refusal.BAD_FILE if mismatch else Refusal.OTHER


class Action(Enum):
    """What to do after one upload attempt."""

    UPLOADED = "uploaded"
    SET_ASIDE = "set_aside"  # refused for good: keep the file, never resend it
    SKIP = "skip"  # this file later; try the next one now
    STOP = "stop"  # every file would fail now: end the pass, back off


def decide(status: int | None, failed_before: bool, refusal: Refusal = Refusal.OTHER) -> Action:
    """The action for an HTTP status (None: no answer) and what its body said (`refusal_of`);
    `failed_before`: the previous file of this pass already got a retryable failure."""
    if status in (200, 201):
        return Action.UPLOADED
    if status in (415, 422) and refusal is Refusal.BAD_FILE:
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
            status, body = self._post(data, item.media, item.sha256)
            action = decide(status, failed_before, refusal_of(status, body, item.sha256))
            failed_before = action is Action.SKIP
            detail = body[:300]
            if action is Action.UPLOADED:
                self._store.mark_uploaded(item.sha256)
                done.uploaded += 1
            elif action is Action.SET_ASIDE:
                self._store.mark_rejected(item.sha256, f"cloud refused {status}: {detail}")
                done.set_aside += 1
            elif status is not None and 400 <= status <= 499:
                # A refusal every file gets (a limit, the token, the site): only an operator
                # can lift it, and until then nothing reaches the cloud.
                logger.error(
                    "EVIDENCE UPLOAD REFUSED (%s) for %s, uploads paused: %s",
                    status,
                    item.sha256,
                    detail,
                )
                break
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
        # Whole: a hash-mismatch body is parsed (`refusal_of`); only what is logged is cut.
        return int(resp.status_code), str(resp.text)

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
