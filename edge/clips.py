"""Evidence clips: a ring buffer of small frames, and clips that start with the pre-roll.

Clips are written as VP8 in WebM and made bit-exact (fixed Matroska TrackUID), so the same
frames give the same SHA-256 and `edge.evidence.EvidenceStore` stores them once.
"""

import os
import tempfile
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

# Clips browsers play: VP8 in WebM (the OpenCV wheel's FFmpeg has libvpx, not an H.264
# encoder). Older nodes wrote `mp4v`, which no browser plays; the cloud transcodes those on
# request (cloud/evidence/transcode.py), keeping the original's SHA-256 as the evidence.
CLIP_FOURCC = "VP80"
CLIP_SUFFIX = ".webm"
CLIP_MEDIA = "video/webm"


_TRACK_UID = b"\x73\xc5\x88"  # Matroska TrackUID element, 8-byte value
_HEADER_BYTES = 4096


def fixed_track_uid(path: Path) -> None:
    """Replace the random Matroska TrackUID FFmpeg writes with 1, in place.

    The same frames must give the same clip and so the same SHA-256 (FFmpeg's `+bitexact`
    does this, but OpenCV's writer cannot pass it). The UID sits in the header, once in
    Tracks and once in Tags."""
    with path.open("r+b") as f:
        head = f.read(_HEADER_BYTES)
        at = head.find(_TRACK_UID)
        if at < 0:
            return
        uid = head[at + 3 : at + 11]
        f.seek(0)
        f.write(head.replace(uid, b"\x00" * 7 + b"\x01"))


class ClipRecorder:
    """A ring buffer of small frames; a clip starts with the pre-roll and grows until finished."""

    def __init__(
        self, fps: float, pre_roll_s: float, max_clip_s: float, width: int, lookback_s: float = 10.0
    ) -> None:
        self.fps = fps
        self.pre_roll = timedelta(seconds=pre_roll_s)
        self.max_frames = max(1, int(max_clip_s * fps))
        self.width = width
        # The start is confirmed T seconds after the frame it is back-dated to, so the ring must
        # reach back pre-roll + that delay; frames after it go straight into the open writers.
        self._ring: deque[tuple[datetime, npt.NDArray[np.uint8]]] = deque(
            maxlen=max(1, int((pre_roll_s + lookback_s) * fps))
        )
        self._open: dict[object, tuple[cv2.VideoWriter, Path, list[int]]] = {}

    def push(self, ts: datetime, image: npt.NDArray[np.uint8]) -> None:
        """Add this frame to the ring and to every open clip."""
        small = self._small(image)
        self._ring.append((ts, small))
        for writer, _path, count in self._open.values():
            if count[0] < self.max_frames:
                writer.write(small)
                count[0] += 1

    def begin(self, key: object, since: datetime, tmp_dir: Path) -> None:
        """Open a clip for `key` starting `pre_roll` before `since` (back-dated start)."""
        if key in self._open or not self._ring:
            return
        h, w = self._ring[-1][1].shape[:2]
        fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=CLIP_SUFFIX)
        os.close(fd)
        writer = cv2.VideoWriter(name, cv2.VideoWriter.fourcc(*CLIP_FOURCC), self.fps, (w, h))
        if not writer.isOpened():
            Path(name).unlink(missing_ok=True)
            raise ValueError(f"cannot open a {CLIP_FOURCC} clip writer")
        count = [0]
        for ts, small in self._ring:
            if ts >= since - self.pre_roll and count[0] < self.max_frames:
                writer.write(small)
                count[0] += 1
        self._open[key] = (writer, Path(name), count)

    def finish(self, key: object) -> Path | None:
        """Close the clip of `key`; None when none was open."""
        entry = self._open.pop(key, None)
        if entry is None:
            return None
        writer, path, _count = entry
        writer.release()
        fixed_track_uid(path)
        return path

    def _small(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        h, w = image.shape[:2]
        if w <= self.width:
            return image
        size = (self.width, round(h * self.width / w) // 2 * 2)
        return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
