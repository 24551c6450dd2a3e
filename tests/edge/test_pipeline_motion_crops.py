"""A sweep also looks around motion: far workers on a real photo, three of them walking.

The frames are the real paddy-harvest photo (`models/real-dev/photos`, CC BY 4.0) with the patch
around three far-side workers moved a few pixels each frame; the motion detector, the COCO model and
the pipeline are the real ones. Our own model is scripted to see nobody, so every person the
pipeline tracks is one the sweep added.
"""

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np

from agrisafe_models.evaluate.real import locate
from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.verifier import OnnxVerifier
from edge.envelopes import CameraContext
from edge.frames import Frame
from edge.params import EvidenceParams, PipelineParams, VerifierParams
from edge.pipeline import CameraPipeline
from edge.telemetry import Health, health_fields
from testkit.paths import REPO

COCO = REPO / "models" / "yolov8n-coco" / "model.onnx"
PADDY = "repo:photos/harvesting-paddy-bangladesh-workers.jpg"
WALKER = (860, 285, 960, 330)  # around three far-side workers (hand-boxed, 867-953 × 290-323)
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class Nobody:
    """Fake activity model that sees no one (the sweep's additions are under test)."""

    info = ModelInfo("nobody", "1", ("person",), (320, 320))

    def detect(self, frame: Image) -> list[Detection]:
        return []


def _frames(n: int) -> list[Image]:
    path = locate(PADDY, None)
    assert path is not None
    photo = np.asarray(cv2.imread(str(path), cv2.IMREAD_COLOR), dtype=np.uint8)
    x1, y1, x2, y2 = WALKER
    patch = photo[y1:y2, x1:x2].copy()
    out = []
    for i in range(n):
        frame = photo.copy()
        dx = 8 * i  # they walk right, 8 px a frame
        frame[y1:y2, x1 + dx : x2 + dx] = patch
        out.append(frame)
    return out


def _run(crop: float | None) -> CameraPipeline:
    params = PipelineParams(
        evidence=EvidenceParams(enabled=False),
        verifier=VerifierParams(sweep_s=1.0, sweep_motion_crop=crop),
    )
    verifier = OnnxVerifier(COCO, params.verifier)
    pipe = CameraPipeline(CameraContext("s", "d", "c"), Nobody(), params, 5.0, verifier=verifier)
    for i, image in enumerate(_frames(11)):  # 2 s at 5 fps: sweeps at 0, 1 and 2 s
        pipe.process(Frame(i, T0 + timedelta(seconds=i / 5), image))
    return pipe


def test_a_sweep_around_motion_adds_far_workers_the_whole_frame_misses() -> None:
    plain, cropped = _run(None), _run(0.25)
    assert (plain.stats.swept, cropped.stats.swept) == (3, 3)
    # the first frame only sets the motion background; the two later sweeps each crop once
    assert (plain.stats.motion_crops, cropped.stats.motion_crops) == (0, 2)
    assert cropped.stats.people_added >= plain.stats.people_added + 2 * 2
    small = [t for t in cropped._tracker.tracks if t.label == "person" and t.box[3] - t.box[1] < 45]
    assert small, "no far worker tracked"
    fields = health_fields(Health(2.0, cropped.stats, 0, 0, 0, 1))
    assert fields["motion_crops"] == 2
