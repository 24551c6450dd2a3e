"""Uncertain frames: why a frame is worth a label, and a sample that never outgrows its cap."""

import json
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from edge.detect.base import Detection
from edge.params import UncertainParams
from edge.tracker import Track
from edge.uncertain import UncertainSample, uncertain_reasons

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
BOX = (10.0, 10.0, 50.0, 90.0)
IMAGE = np.zeros((72, 128, 3), dtype=np.uint8)


def confirmed(label: str, missed: int = 0) -> Track:
    return Track(1, label, BOX, deque([0.9]), hits=5, missed=missed, confirmed=True)


def test_reasons() -> None:
    p = UncertainParams()
    assert uncertain_reasons([Detection("person", 0.9, BOX)], [confirmed("person")], p) == []
    assert uncertain_reasons([Detection("person", 0.3, BOX)], [], p) == ["ambiguous_score"]
    assert uncertain_reasons([], [confirmed("person", missed=1)], p) == ["detector_lost_track"]
    flip = uncertain_reasons([Detection("livestock", 0.9, BOX)], [confirmed("person")], p)
    assert flip == ["class_flip"]
    assert uncertain_reasons([], [], p, rejected=1) == ["verifier_rejected_cue"]
    assert uncertain_reasons([], [], p, missed=2) == ["missed_person"]
    assert uncertain_reasons([], [], p, unconfirmed=1) == ["unconfirmed_person"]


def test_the_sample_keeps_at_most_max_frames_and_survives_a_restart(tmp_path: Path) -> None:
    p = UncertainParams(max_frames=5, min_gap_s=1.0)
    sample = UncertainSample(tmp_path, p, "cam")
    kept = 0
    for i in range(60):
        ts = T0 + timedelta(seconds=i / 2)  # every other offer is inside min_gap_s
        kept += sample.offer(ts, IMAGE, ["ambiguous_score"], []) is not None
    jpgs = sorted(tmp_path.glob("*.jpg"))
    assert len(jpgs) == 5
    assert 5 < kept < 30  # the reservoir replaced some, not all
    meta = json.loads(jpgs[0].with_suffix(".json").read_text())
    assert meta["reasons"] == ["ambiguous_score"]
    again = UncertainSample(tmp_path, p, "cam")
    for i in range(20):
        again.offer(T0 + timedelta(hours=1, seconds=i * 2), IMAGE, ["class_flip"], [])
    assert len(list(tmp_path.glob("*.jpg"))) == 5
    assert len(list(tmp_path.glob("*.json"))) == 5


def test_the_byte_cap_holds(tmp_path: Path) -> None:
    noisy = np.random.default_rng(0).integers(0, 255, (400, 400, 3), dtype=np.uint8)
    sample = UncertainSample(tmp_path, UncertainParams(max_mb=1, min_gap_s=0), "cam")
    for i in range(20):
        sample.offer(T0 + timedelta(seconds=i), noisy, ["ambiguous_score"], [])
    one = max(f.stat().st_size for f in tmp_path.glob("*.jpg")) + 1024
    total = sum(f.stat().st_size for f in tmp_path.iterdir())
    assert 20 * one > 2 * (1 << 20)  # uncapped it would be over 2 MiB
    assert total <= (1 << 20) + one  # the cap, plus the frame written last
