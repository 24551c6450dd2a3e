"""Between sweeps the pipeline keeps seeing a worker only COCO sees, and stops when he is gone.

The frames are a real photo (`models/real-dev/photos/farmer-walking-young-maize-field.jpg`,
licence in `models/real-dev/SOURCES.md`) panned 2 px a frame, each with its own sensor noise;
the COCO model and the pipeline are the real ones. Our own model is scripted to see nobody, so
the farmer's track is the sweep's: before `edge.hold` it was seen one frame in five.
"""

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.verifier import OnnxVerifier
from edge.envelopes import CameraContext
from edge.frames import Frame
from edge.geometry import Box
from edge.params import EvidenceParams, PipelineParams, VerifierParams
from edge.pipeline import CameraPipeline
from edge.telemetry import Health, health_fields
from testkit.paths import REPO

COCO = REPO / "models" / "yolov8n-coco" / "model.onnx"
PHOTO = REPO / "models" / "real-dev" / "photos" / "farmer-walking-young-maize-field.jpg"
FARMER = (332, 184, 385, 322)  # hand-boxed (models/real-dev/people-boxes.csv)
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class Nobody:
    """Fake activity model that sees no one (the sweep's person is under test)."""

    info = ModelInfo("nobody", "1", ("person",), (320, 320))

    def detect(self, frame: Image) -> list[Detection]:
        return []


def frame(photo: Image, i: int, gone: bool) -> Frame:
    rng = np.random.default_rng(i)
    image = photo.copy()
    if gone:  # maize from the left of the photo pasted over him: he walked out of the shot
        image[170:340, 320:400] = photo[170:340, 100:180]
    m = np.array([[1, 0, -2.0 * i], [0, 1, 0]], dtype=np.float32)
    moved = cv2.warpAffine(image, m, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    noisy = np.clip(moved + rng.normal(0.0, 3.0, moved.shape), 0, 255).astype(np.uint8)
    return Frame(i, T0 + timedelta(seconds=i / 5), noisy)


def play(between_sweeps: bool) -> tuple[CameraPipeline, list[list[Box]]]:
    """3.2 s at 5 fps: sweeps at 0, 1, 2 and 3 s; he goes at 1.6 s. Per frame: the boxes of
    the `person` tracks seen."""
    vp = VerifierParams(between_sweeps=between_sweeps)
    params = PipelineParams(evidence=EvidenceParams(enabled=False), verifier=vp)
    pipe = CameraPipeline(
        CameraContext("s", "d", "c"), Nobody(), params, 5.0, verifier=OnnxVerifier(COCO, vp)
    )
    photo = np.asarray(cv2.imread(str(PHOTO), cv2.IMREAD_COLOR), dtype=np.uint8)
    seen = []
    for i in range(16):
        pipe.process(frame(photo, i, gone=i >= 8))
        seen.append([t.box for t in pipe.tracks if t.seen_now and t.label == "person"])
    return pipe, seen


@pytest.mark.skipif(not COCO.is_file(), reason="the COCO model ships in models/yolov8n-coco")
def test_a_worker_only_coco_sees_is_seen_on_every_frame_until_he_goes() -> None:
    pipe, seen = play(between_sweeps=True)
    assert all(len(boxes) == 1 for boxes in seen[:8])  # every frame while he is there
    x1 = seen[7][0][0]
    assert abs(x1 - (FARMER[0] - 2 * 7)) < 6  # where he is in frame 7: panned 14 px
    assert seen[8:] == [[]] * 8  # gone: no template match, and no sweep sees him
    fields = health_fields(Health(3.2, pipe.stats, 0, 0, 0, 1))
    assert (fields["swept_frames"], fields["people_added"], fields["people_held"]) == (4, 2, 6)


@pytest.mark.skipif(not COCO.is_file(), reason="the COCO model ships in models/yolov8n-coco")
def test_without_between_sweeps_he_is_seen_on_the_sweeps_frames_only() -> None:
    pipe, seen = play(between_sweeps=False)
    assert [bool(boxes) for boxes in seen[:8]] == [True, False, False, False, False, True] + [
        False
    ] * 2
    assert pipe.stats.people_held == 0
