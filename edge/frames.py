"""Frame sources: video files (deterministic) and live cameras (RTSP / USB, newest frame only).

A file is read frame by frame and every k-th frame (k = file fps / detect fps) is processed —
never skipped for speed — so one file gives the same events on any machine. Timestamps are
`start_time + frame offset` (default start time: the file's modification time).
A live source decodes in its own thread and keeps only the newest frame; the consumer takes one
at the detect fps. A watchdog reconnects with backoff after errors or `stale_s` without frames.
"""

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from agrisafe.backoff import Backoff
from agrisafe.worker import BackgroundWorker
from edge.errors import SourceError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded BGR frame with its event time."""

    index: int
    ts: datetime
    image: npt.NDArray[np.uint8]


class FrameSource(Protocol):
    """Port: yields frames at the detect fps until the source ends (files) or `stop`."""

    name: str
    skipped: int

    @property
    def reconnects(self) -> int:
        """How often the source had to be reopened."""
        ...

    def frames(self) -> Iterator[Frame]:
        """Frames in order."""
        ...

    def stop(self) -> None:
        """Ask `frames` to finish."""
        ...


def _capture(target: str | int, open_timeout_ms: int = 10_000) -> Any:
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, open_timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 5000]
    if isinstance(target, int):
        return cv2.VideoCapture(target)
    return cv2.VideoCapture(target, cv2.CAP_FFMPEG, params)


class FileSource:
    """Every k-th frame of a video file; optionally paced in real time (a simulated camera)."""

    def __init__(
        self,
        path: Path,
        detect_fps: float,
        *,
        start_time: datetime | None = None,
        realtime: bool = False,
    ) -> None:
        if not path.is_file():
            raise SourceError(f"{path}: no such video file")
        self.name = str(path)
        self.path = path
        self.reconnects = 0
        self.skipped = 0
        self._stop = threading.Event()
        self._realtime = realtime
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        self.start_time = start_time or mtime
        if self.start_time.tzinfo is None:
            raise SourceError(f"{path}: --start-time needs a UTC offset, e.g. +08:00")
        cap = _capture(str(path))
        if not cap.isOpened():
            raise SourceError(f"{path}: not a readable video (corrupt file or unknown format)")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.expected = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        cap.release()
        if not fps > 0 or fps > 1000:
            raise SourceError(f"{path}: video reports no usable frame rate ({fps})")
        self.fps = fps
        self.step = max(1, round(fps / detect_fps))

    def frames(self) -> Iterator[Frame]:
        """Decode to the end; raise SourceError when not a single frame decodes."""
        cap = _capture(str(self.path))
        index = produced = 0
        began = time.monotonic()
        try:
            while not self._stop.is_set():
                if index % self.step:
                    if not cap.grab():  # decode but skip the colour conversion
                        break
                    index += 1
                    continue
                ok, image = cap.read()
                if not ok or image is None:
                    break
                offset = index / self.fps
                if self._realtime:
                    delay = began + offset - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        break
                yield Frame(index, self.start_time + timedelta(seconds=offset), image)
                produced += 1
                index += 1
        finally:
            cap.release()
        if produced == 0 and not self._stop.is_set():
            raise SourceError(f"{self.path}: no frame could be decoded (corrupt file?)")
        if not self._stop.is_set() and self.expected and index < 0.98 * self.expected:
            logger.warning(
                "%s: decoding stopped at frame %d of %d (damaged file?)",
                self.path,
                index,
                self.expected,
            )
        logger.info("%s: %d frames read, %d processed", self.path, index, produced)

    def stop(self) -> None:
        """Finish after the current frame."""
        self._stop.set()


def parse_target(url: str) -> str | int:
    """`usb:0` or `/dev/video0` → device index; anything else goes to FFmpeg as a URL."""
    if url.startswith("usb:"):
        return int(url[4:])
    if url.startswith("/dev/video") and url[10:].isdigit():
        return int(url[10:])
    return url


class _Reader(BackgroundWorker):
    """Decodes a live camera in its own thread, keeps the newest frame, reconnects on errors."""

    def __init__(
        self, name: str, url: str, cap: Any, backoff: Backoff, open_timeout_ms: int
    ) -> None:
        super().__init__(f"camera-reader-{name}")
        self.camera = name
        self.cond = threading.Condition()
        self.newest: npt.NDArray[np.uint8] | None = None
        self.fresh = 0  # frames decoded since the consumer last took one
        self.reconnects = 0
        self._url = url
        self._cap: Any = cap
        self._backoff = backoff
        self._open_timeout_ms = open_timeout_ms

    def run(self) -> None:
        """Read until stopped; after a failed read wait (with backoff) and reopen."""
        while not self.stopping:
            cap = self._cap
            ok, image = cap.read() if cap is not None else (False, None)
            if ok and image is not None:
                self._backoff.reset()
                with self.cond:
                    self.fresh += 1
                    self.newest = image
                    self.cond.notify_all()
                continue
            if cap is not None:
                cap.release()
                self._cap = None
            delay = self._backoff.next()
            logger.warning("camera %s: no frame; reconnecting in %.0f s", self.camera, delay)
            if self.sleep(delay):
                return
            self.reconnects += 1
            cap = _capture(parse_target(self._url), self._open_timeout_ms)
            self._cap = cap if cap.isOpened() else None
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def on_stop(self) -> None:
        """Wake a consumer waiting for a frame so that it sees the stop."""
        with self.cond:
            self.cond.notify_all()

    def wait_stop(self, seconds: float) -> bool:
        """Wait up to `seconds` (pacing the consumer); True when stopping."""
        with self.cond:
            return self.cond.wait_for(lambda: self.stopping, seconds)


class LiveSource:
    """RTSP / USB camera: a reader thread keeps the newest frame; a watchdog reconnects."""

    def __init__(
        self,
        url: str,
        detect_fps: float,
        *,
        stale_s: float = 20.0,
        backoff_s: tuple[float, float] = (1.0, 30.0),
        open_timeout_s: float = 10.0,
    ) -> None:
        self.name = url.split("@")[-1]  # never log credentials in rtsp://user:pass@host
        self.skipped = 0
        self._period = 1.0 / detect_fps
        self._stale_s = stale_s
        open_timeout_ms = int(open_timeout_s * 1000)
        cap = _capture(parse_target(url), open_timeout_ms)
        if not cap.isOpened():
            raise SourceError(f"camera {self.name}: cannot open (unreachable URL or device)")
        self._reader = _Reader(self.name, url, cap, Backoff(*backoff_s), open_timeout_ms)

    @property
    def reconnects(self) -> int:
        """How often the watchdog reopened the camera."""
        return self._reader.reconnects

    def frames(self) -> Iterator[Frame]:
        """The newest frame every 1/detect_fps; frames decoded in between count as skipped."""
        reader = self._reader
        reader.start()
        index = 0
        next_at = time.monotonic()
        while not reader.stopping:
            with reader.cond:
                reader.cond.wait_for(lambda: reader.fresh > 0 or reader.stopping, self._stale_s)
                image, fresh = reader.newest, reader.fresh
                reader.fresh = 0
            if image is None or fresh == 0:
                continue  # the reader thread's watchdog is reconnecting
            self.skipped += fresh - 1
            yield Frame(index, datetime.now(UTC), image)
            index += 1
            next_at += self._period
            wait = next_at - time.monotonic()
            if wait > 0:
                reader.wait_stop(wait)
            else:
                next_at = time.monotonic()

    def stop(self) -> None:
        """Stop reading and release the camera."""
        self._reader.stop()


def open_source(
    url: str, detect_fps: float, *, start_time: datetime | None = None, realtime: bool = False
) -> FrameSource:
    """A file path → FileSource; rtsp://, http://, usb:N, /dev/videoN → LiveSource."""
    if "://" in url or url.startswith("usb:") or url.startswith("/dev/video"):
        return LiveSource(url, detect_fps)
    return FileSource(Path(url), detect_fps, start_time=start_time, realtime=realtime)
