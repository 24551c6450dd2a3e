"""Evidence store: content addressing, quota deletes the oldest, clips from the ring buffer."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from edge.clips import ClipRecorder
from edge.evidence import EvidenceCounts, EvidenceStore, jpeg


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, 10_000)
    ref = store.put_bytes(b"abc", "image/jpeg", ".jpg")
    assert ref.sha256 == hashlib.sha256(b"abc").hexdigest()
    assert ref.uri == f"/api/v1/evidence/{ref.sha256}"
    assert store.put_bytes(b"abc", "image/jpeg", ".jpg") == ref
    assert [p.sha256 for p in store.pending()] == [ref.sha256]
    store.mark_uploaded(ref.sha256)
    assert store.pending() == []


def test_quota_deletes_oldest_first(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, 2500)
    refs = [store.put_bytes(bytes([i]) * 1000, "image/jpeg", ".jpg") for i in range(4)]
    kept = sorted(p.name for p in tmp_path.glob("*.jpg"))
    assert kept == sorted(f"{r.sha256}.jpg" for r in refs[2:])
    assert store.total_bytes() == 2000
    assert (tmp_path / "index.db").exists()  # the store's own index survives


def test_clip_has_pre_roll_and_is_a_browser_playable_webm(tmp_path: Path) -> None:
    clips = ClipRecorder(fps=5, pre_roll_s=1.0, max_clip_s=3.0, width=64)
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    for i in range(10):
        clips.push(t0 + timedelta(seconds=i / 5), np.full((72, 128, 3), i * 20, dtype=np.uint8))
    clips.begin("k", t0 + timedelta(seconds=1.6), tmp_path)
    for i in range(10, 30):
        clips.push(t0 + timedelta(seconds=i / 5), np.full((72, 128, 3), 99, dtype=np.uint8))
    path = clips.finish("k")
    assert path is not None
    assert path.suffix == ".webm"
    assert path.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # EBML: WebM, VP8 inside
    cap = cv2.VideoCapture(str(path))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, first = cap.read()
    cap.release()
    assert ok
    assert first.shape[1] == 64  # downscaled
    assert n == 15  # capped at max_clip_s × fps: 3 pre-roll frames + 12 more
    assert abs(int(first.mean()) - 3 * 20) < 10  # starts at 0.6 s = 1.6 s − pre-roll


def test_jpeg_is_deterministic() -> None:
    img = np.random.default_rng(1).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    assert jpeg(img, 85) == jpeg(img.copy(), 85)


def test_quota_records_evidence_deleted_before_upload_as_lost(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, 2500)
    refs = [store.put_bytes(bytes([i]) * 1000, "image/jpeg", ".jpg") for i in range(2)]
    store.mark_uploaded(refs[0].sha256)
    store.put_bytes(b"\x02" * 1000, "image/jpeg", ".jpg")  # deletes refs[0] (uploaded): no loss
    assert store.set_aside() == {}
    store.put_bytes(b"\x03" * 1000, "image/jpeg", ".jpg")  # deletes refs[1], never uploaded
    assert store.set_aside() == {
        refs[1].sha256: ("lost", "deleted by the edge quota before upload")
    }
    assert (store.counts().pending, store.counts().lost) == (2, 1)


def test_rejected_and_lost_files_are_never_pending_nor_uploaded(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, 10_000)
    a, b, c = (store.put_bytes(bytes([i]) * 10, "image/jpeg", ".jpg") for i in range(3))
    store.mark_rejected(a.sha256, "cloud refused 422")
    store.mark_lost(b.sha256, "file missing before upload")
    assert [p.sha256 for p in store.pending()] == [c.sha256]
    assert (tmp_path / f"{a.sha256}.jpg").exists()  # kept for whoever looks into it
    assert store.counts() == EvidenceCounts(pending=1, rejected=1, lost=1)
    assert store.set_aside()[a.sha256] == ("rejected", "cloud refused 422")


def test_a_lost_file_made_again_is_pending_again(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, 10_000)
    ref = store.put_bytes(b"frame", "image/jpeg", ".jpg")
    (tmp_path / f"{ref.sha256}.jpg").unlink()
    store.mark_lost(ref.sha256, "file missing before upload")
    assert store.pending() == []
    store.put_bytes(b"frame", "image/jpeg", ".jpg")
    assert [p.sha256 for p in store.pending()] == [ref.sha256]
