"""Browser-playable copies of older clips.

Edge nodes before VP8/WebM recorded `mp4v` (MPEG-4 Part 2) clips, which no browser plays. The
stored original stays the evidence (its SHA-256 is what records and alerts name); on request
the cloud decodes it once and keeps a VP8/WebM copy beside the store under `playable/`, named
by the original's hash. Decoding needs OpenCV (the `edge` extra's `opencv-python-headless`);
without it `Unavailable` says so.
"""

import os
import tempfile
from pathlib import Path

PLAYABLE_MEDIA = "video/webm"


class Unavailable(RuntimeError):
    """This installation cannot transcode (OpenCV missing) or the clip cannot be decoded."""


def playable_copy(original: Path, sha: str, cache_dir: Path) -> Path:
    """A VP8/WebM copy of the clip at `original` (made once, then reused)."""
    target = cache_dir / f"{sha}.webm"
    if target.exists():
        return target
    try:
        import cv2  # optional: the cloud extra alone has no OpenCV
    except ImportError as err:
        raise Unavailable(
            "transcoding older mp4v clips needs OpenCV: pip install opencv-python-headless"
        ) from err
    cache_dir.mkdir(parents=True, exist_ok=True)
    cap = cv2.VideoCapture(str(original))
    fps = cap.get(cv2.CAP_PROP_FPS) or 10.0
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".webm")
    os.close(fd)
    writer = None
    frames = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if writer is None:
                h, w = frame.shape[:2]
                writer = cv2.VideoWriter(tmp, cv2.VideoWriter.fourcc(*"VP80"), fps, (w, h))
                if not writer.isOpened():
                    raise Unavailable("this OpenCV build has no VP8 encoder")
            writer.write(frame)
            frames += 1
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    if frames == 0:
        Path(tmp).unlink(missing_ok=True)
        raise Unavailable("the stored clip has no frame this server can decode")
    Path(tmp).replace(target)
    return target
