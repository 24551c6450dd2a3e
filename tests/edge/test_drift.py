"""Domain drift: divergences, the out-of-domain flag and its gates, on plain numbers."""

from pathlib import Path

import numpy as np
import pytest

from edge.drift import (
    DriftProfile,
    DriftStats,
    Spread,
    drift,
    js_divergence,
    load_profile,
    luma_stats,
    profile_from,
)
from edge.errors import ModelError
from testkit.paths import SHIPPED_MODEL_DIR


def _stream(frames: int, dets: list[tuple[str, float]], luma: tuple[float, float]) -> DriftStats:
    s = DriftStats()
    for _ in range(frames):
        s.add(dets, luma)
    return s


REF = profile_from(_stream(100, [("person", 0.85), ("spray_plume", 0.75)], (120.0, 40.0)))


def test_js_divergence_bounds() -> None:
    assert js_divergence([1, 2, 3], [2, 4, 6]) == pytest.approx(0.0)
    assert js_divergence([1, 0], [0, 1]) == pytest.approx(1.0)
    assert 0 < js_divergence([3, 1], [1, 3]) < 1
    assert js_divergence([0, 0], [0, 0]) == 0.0
    assert js_divergence([0, 0], [1, 0]) == 1.0


def test_same_stream_is_in_domain() -> None:
    report = drift(_stream(50, [("person", 0.85), ("spray_plume", 0.75)], (121.0, 40.0)), REF)
    assert not report.out_of_domain
    assert report.score < 0.1


def test_other_classes_and_scores_drift() -> None:
    seen = _stream(50, [("drone", 0.35), ("livestock", 0.45), ("drone", 0.3)], (120.0, 40.0))
    report = drift(seen, REF)
    assert report.out_of_domain
    assert report.parts["classes"] >= 0.5
    assert report.parts["scores"] >= 0.5


def test_dark_frames_drift_and_nothing_seen_drifts() -> None:
    day = Spread(mean=120.0, std=10.0)
    ref = REF.model_copy(update={"brightness": day})
    dark = drift(_stream(40, [("person", 0.85), ("spray_plume", 0.75)], (20.0, 40.0)), ref)
    assert dark.out_of_domain
    assert dark.parts["brightness"] == 1.0
    empty = drift(_stream(40, [], (120.0, 40.0)), REF)
    assert empty.parts["classes"] == 1.0


def test_no_verdict_before_min_frames() -> None:
    seen = _stream(5, [("drone", 0.3)], (10.0, 2.0))
    assert not drift(seen, REF, min_frames=30).out_of_domain
    assert drift(seen, REF, min_frames=5).out_of_domain
    assert drift(DriftStats(), REF).score == 0.0


def test_merge_and_reset() -> None:
    a = _stream(3, [("person", 0.9)], (100.0, 30.0))
    b = _stream(2, [("drone", 0.4)], (50.0, 10.0))
    a.merge(b.snapshot_and_reset())
    assert b.frames == 0
    assert b.counts == {}
    assert sum(b.hist) == 0
    assert a.frames == 5
    assert a.counts == {"person": 3, "drone": 2}
    assert a.mean(a.bright) == pytest.approx(80.0)


def test_luma_stats_of_a_flat_frame() -> None:
    mean, std = luma_stats(np.full((720, 1280, 3), 200, dtype=np.uint8))
    assert mean == pytest.approx(200.0)
    assert std == pytest.approx(0.0)


def test_shipped_profile_loads_and_bad_one_is_refused(tmp_path: Path) -> None:
    shipped = load_profile(SHIPPED_MODEL_DIR / "model.onnx")
    assert isinstance(shipped, DriftProfile)
    assert shipped.frames == 300
    assert load_profile(tmp_path / "model.onnx") is None
    (tmp_path / "profile.json").write_text('{"frames": 0}')
    with pytest.raises(ModelError, match="not a drift profile"):
        load_profile(tmp_path / "model.onnx")
