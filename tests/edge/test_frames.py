"""Frame sources: deterministic files, clear errors for bad files and unreachable cameras."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.errors import SourceError
from edge.frames import FileSource, LiveSource, open_source, parse_target
from testkit.edge_media import brightness_video


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return brightness_video(tmp_path / "v.mp4", [(2.0, False), (1.0, True)], fps=10)


def test_every_kth_frame_with_offsets_from_start_time(video: Path) -> None:
    t0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
    src = FileSource(video, 5.0, start_time=t0)
    frames = list(src.frames())
    assert src.step == 2
    assert [f.index for f in frames] == list(range(0, 30, 2))
    assert [f.ts for f in frames] == [t0 + timedelta(seconds=i / 10) for i in range(0, 30, 2)]
    again = list(FileSource(video, 5.0, start_time=t0).frames())
    assert all((a.image == b.image).all() for a, b in zip(frames, again, strict=True))


def test_default_start_time_is_the_file_mtime(video: Path) -> None:
    os.utime(video, (1_777_600_000, 1_777_600_000))
    first = next(iter(FileSource(video, 5.0).frames()))
    assert first.ts == datetime.fromtimestamp(1_777_600_000, UTC)


def test_naive_start_time_is_refused(video: Path) -> None:
    with pytest.raises(SourceError, match="UTC offset"):
        FileSource(video, 5.0, start_time=datetime(2026, 5, 1))


def test_corrupt_and_missing_files_fail_clearly(tmp_path: Path, video: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(4000))
    with pytest.raises(SourceError, match="not a readable video"):
        FileSource(junk, 5.0)
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
    with pytest.raises(SourceError):
        list(FileSource(truncated, 5.0).frames())
    with pytest.raises(SourceError, match="no such video file"):
        FileSource(tmp_path / "absent.mp4", 5.0)


def test_unreachable_rtsp_fails_at_open() -> None:
    with pytest.raises(SourceError, match="cannot open"):
        LiveSource("rtsp://user:secret@127.0.0.1:9/stream", 5.0, open_timeout_s=2)


def test_targets() -> None:
    assert parse_target("usb:1") == 1
    assert parse_target("/dev/video2") == 2
    assert parse_target("rtsp://cam/1") == "rtsp://cam/1"
    with pytest.raises(SourceError):
        open_source("rtsp://127.0.0.1:9/x", 5.0)


def test_live_stream_reconnects_when_it_ends(tmp_path: Path) -> None:
    """A real HTTP video stream (MJPEG in AVI, served locally) that ends after 2 s of video:
    the watchdog reopens it with backoff and frames keep coming."""
    import functools
    import http.server
    import threading

    import cv2
    import numpy as np

    writer = cv2.VideoWriter(
        str(tmp_path / "cam.avi"), cv2.VideoWriter.fourcc(*"MJPG"), 10, (64, 48)
    )
    for i in range(20):
        writer.write(np.full((48, 64, 3), i * 10, np.uint8))
    writer.release()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cam.avi"
        src = LiveSource(url, 10.0, backoff_s=(0.1, 0.5), open_timeout_s=5)
        frames = []
        for frame in src.frames():
            frames.append(frame)
            if len(frames) == 8:
                break
        src.stop()
    finally:
        server.shutdown()
    assert src.reconnects >= 1
    assert all(f.image.shape == (48, 64, 3) for f in frames)
    assert [f.index for f in frames] == list(range(8))
    assert frames[-1].ts > frames[0].ts
