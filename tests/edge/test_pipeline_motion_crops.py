"""A sweep also looks around motion: far workers on a real photo, three walking, or one alone.

The frames are the real paddy-harvest photo (`models/real-dev/photos`, CC BY 4.0) with the patch
around far-side workers moved a few pixels each frame; the motion detector, the COCO model and
the pipeline are the real ones. Our own model is scripted to see nobody, so every person the
pipeline tracks is one the sweep added.
"""

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from agrisafe_models.evaluate.real import locate
from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.verifier import OnnxVerifier
from edge.envelopes import CameraContext
from edge.frames import Frame
from edge.geometry import iou
from edge.params import EvidenceParams, PipelineParams, VerifierParams
from edge.pipeline import CameraPipeline
from edge.telemetry import Health, health_fields
from testkit.paths import REPO

COCO = REPO / "models" / "yolov8n-coco" / "model.onnx"
PADDY = "repo:photos/harvesting-paddy-bangladesh-workers.jpg"
LONE = (890, 292, 922, 324)  # around one far-side worker (896-916 × 297-319, hand-boxed)
WALKER = (860, 285, 960, 330)  # around three far-side workers (hand-boxed, 867-953 × 290-323)
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class Nobody:
    """Fake activity model that sees no one (the sweep's additions are under test)."""

    info = ModelInfo("nobody", "1", ("person",), (320, 320))

    def detect(self, frame: Image) -> list[Detection]:
        return []


def _frames(n: int, walker: tuple[int, int, int, int], step: int) -> list[Image]:
    """The photo with the WALKER patch moved STEP px right each frame."""
    path = locate(PADDY, None)
    assert path is not None
    photo = np.asarray(cv2.imread(str(path), cv2.IMREAD_COLOR), dtype=np.uint8)
    x1, y1, x2, y2 = walker
    patch = photo[y1:y2, x1:x2].copy()
    out = []
    for i in range(n):
        frame = photo.copy()
        frame[y1:y2, x1 + step * i : x2 + step * i] = patch
        out.append(frame)
    return out


def _run(crop: float | None, frames: list[Image]) -> CameraPipeline:
    params = PipelineParams(
        evidence=EvidenceParams(enabled=False),
        verifier=VerifierParams(sweep_s=1.0, sweep_motion_crop=crop),
    )
    verifier = OnnxVerifier(COCO, params.verifier)
    pipe = CameraPipeline(CameraContext("s", "d", "c"), Nobody(), params, 5.0, verifier=verifier)
    for i, image in enumerate(frames):  # at 5 fps
        pipe.process(Frame(i, T0 + timedelta(seconds=i / 5), image))
    return pipe


def test_a_sweep_around_motion_adds_far_workers_the_whole_frame_misses() -> None:
    frames = _frames(11, WALKER, 8)  # 2 s: sweeps at 0, 1 and 2 s
    plain, cropped = _run(None, frames), _run(0.25, frames)
    assert (plain.stats.swept, cropped.stats.swept) == (3, 3)
    # the first frame only sets the motion background; the two later sweeps each crop once
    assert (plain.stats.motion_crops, cropped.stats.motion_crops) == (0, 2)
    assert cropped.stats.people_added >= plain.stats.people_added + 2 * 2
    small = [t for t in cropped._tracker.tracks if t.label == "person" and t.box[3] - t.box[1] < 45]
    assert small, "no far worker tracked"
    fields = health_fields(Health(2.0, cropped.stats, 0, 0, 0, 1))
    assert fields["motion_crops"] == 2


def test_a_lone_far_worker_walking_under_the_motion_gate_wakes_the_sweep() -> None:
    """He changes fewer pixels than `min_area`: the gate lets every frame pass, so without the
    crop nothing looks after the first frame; with it, the sweep looks where he moved."""
    frames = _frames(26, LONE, 3)  # 5 s, 3 px a frame
    plain, cropped = _run(None, frames), _run(0.25, frames)
    assert (plain.stats.detected, plain.stats.gated, plain.stats.woken) == (2, 24, 0)
    assert plain.stats.swept == 2  # the first frame, and a stationary re-check of its tracks
    assert cropped.stats.woken >= 2
    assert cropped.stats.people_added >= plain.stats.people_added + 2 * cropped.stats.woken
    moved = (LONE[0] + 3 * 25, LONE[1], LONE[2] + 3 * 25, LONE[3])  # where he is at the end
    tracked = [t for t in cropped._tracker.tracks if t.label == "person"]
    assert any(iou(t.box, moved) > 0.3 for t in tracked), "the walker is not tracked"
    assert not any(iou(t.box, moved) > 0.3 for t in plain._tracker.tracks)


@pytest.mark.parametrize(
    "bad",
    [
        {"sweep_motion_crop": 0.0},
        {"sweep_motion_crop": 1.5},
        {"sweep_motion_crop": float("nan")},
        {"relabel_crop": float("inf")},
        {"sweep_motion_crops": 0},
        {"relabel_crops": 9},
    ],
)
def test_crop_settings_out_of_range_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        VerifierParams(**bad)
