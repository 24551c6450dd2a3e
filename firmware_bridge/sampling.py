"""Sampling requests (抽样): a spool directory that a handset or `agrisafe bridge sample` fills.

A request waits in the spool until the bridge can tag it with a position fix, then becomes a
`sample` message and its file is removed; a malformed file, or one the `sample` message would
refuse (a commodity of blanks …), moves to `rejected/` with a reason.
"""

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agrisafe.files import atomic_write
from agrisafe.ids import new_id
from agrisafe.protocol.bodies import Ident, SampleBody, Sha256, Text
from agrisafe.worker import BackgroundWorker

logger = logging.getLogger(__name__)


class SampleRequest(BaseModel):
    """One sampling act to be published with the station's GPS fix and time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(
        default_factory=new_id,
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        description="idempotency key: becomes the sample message's id",
    )
    sample: Ident = Field(description="sample id, e.g. S-20260501-0007")
    commodity: Text = Field(description="Chinese commodity name, e.g. 黄瓜")
    inspector: Text = Field(description="who took the sample")
    lot: Ident | None = Field(default=None, description="lot the sample was taken from")
    plot: Ident | None = Field(default=None, description="plot the sample was taken from")
    photo_sha256: Sha256 | None = Field(default=None, description="SHA-256 of the photo")


def fits_message(req: SampleRequest) -> None:
    """Raise ValidationError if the `sample` body would refuse the request.

    The body strips blanks before its checks (a commodity of spaces becomes empty) while the
    request model does not: checked here, such a request is set aside at once instead of
    failing each time the bridge tries to publish it.
    """
    SampleBody.model_validate(req.model_dump(exclude={"request_id"}, exclude_none=True))


def photo_digest(path: Path) -> str:
    """SHA-256 of a photo file, lower-case hex."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_request(spool: Path, req: SampleRequest) -> Path:
    """Put a request into the spool atomically (write, fsync, rename)."""
    final = spool / f"{req.request_id}.json"
    atomic_write(final, orjson.dumps(req.model_dump(exclude_none=True)))
    return final


class SpoolWatcher(BackgroundWorker):
    """Polls the spool; `handle` returns True once a request is published (file removed)."""

    def __init__(
        self, spool: Path, handle: Callable[[SampleRequest], bool], interval_s: float = 0.25
    ) -> None:
        super().__init__("sample-spool")
        self.spool = spool
        self._handle = handle
        self._interval_s = interval_s
        self._waiting: set[str] = set()
        self.scans = 0  # finished passes over the spool (a request waiting was seen this often)

    def start(self) -> None:
        """Start polling (requests left in the spool by a previous run are picked up)."""
        self.spool.mkdir(parents=True, exist_ok=True)
        super().start()

    def run(self) -> None:
        """Scan the spool every interval until stopped."""
        while not self.sleep(self._interval_s):
            try:
                self.scan()
            except Exception:  # keep polling: one broken pass must not end sampling
                logger.exception("sample spool pass failed")

    def scan(self) -> int:
        """Handle every waiting request once; return how many were published."""
        done = 0
        for path in sorted(self.spool.glob("*.json")):
            req = self._load(path)
            if req is None:
                continue
            try:
                handled = self._handle(req)
            except ValidationError as err:  # the message model refuses it: it never will pass
                self._reject(path, err)
                continue
            if handled:
                path.unlink(missing_ok=True)
                self._waiting.discard(path.name)
                done += 1
            elif path.name not in self._waiting:
                self._waiting.add(path.name)
                logger.warning("sample %s waits for a position fix", req.sample)
        self.scans += 1
        return done

    def _load(self, path: Path) -> SampleRequest | None:
        try:
            req = SampleRequest.model_validate(orjson.loads(path.read_bytes()))
            fits_message(req)
        except (OSError, orjson.JSONDecodeError, ValidationError) as err:
            self._reject(path, err)
            return None
        return req

    def _reject(self, path: Path, err: Exception) -> None:
        rejected = self.spool / "rejected"
        rejected.mkdir(exist_ok=True)
        path.replace(rejected / path.name)
        (rejected / f"{path.name}.reason.txt").write_text(f"{err}\n", "utf-8")
        self._waiting.discard(path.name)
        logger.error("sample request %s rejected: %s", path.name, err)
