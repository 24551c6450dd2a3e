"""A camera pipeline on scripted detections with a fake second opinion, for the pipeline's logic.

The detector and the verifier are fakes: the tests under `tests/edge/test_pipeline_*` check what
the pipeline does with their answers (looks, sweeps, renames, widening, sampling), not a model;
the real models are checked in `tests/edge/test_pipeline_motion_crops.py` and `tests/edge/detect/`.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from agrisafe.protocol import ActivityEnvelope
from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.verifier import Crops
from edge.envelopes import CameraContext
from edge.frames import Frame
from edge.params import EvidenceParams, MotionParams, PipelineParams, VerifierParams
from edge.pipeline import CameraPipeline
from edge.uncertain import UncertainSample

WORKER = Detection("person", 0.9, (100, 100, 140, 220))
PLUME = Detection("spray_plume", 0.7, (145, 150, 200, 210))
SPRAYER = Detection("backpack_sprayer", 0.8, (120, 120, 150, 180))
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
FPS = 5.0


def blank() -> Image:
    """A black 640 × 360 frame: the scripted detector does not look at it."""
    return np.zeros((360, 640, 3), dtype=np.uint8)


class ScriptedDetector:
    """Fake: scripted detections per call (the pipeline's logic is under test, not a model)."""

    info = ModelInfo("scripted", "1", ("person", "spray_plume"), (320, 320))

    def __init__(self, script: list[list[Detection]]) -> None:
        self.script = script
        self.calls = 0

    def detect(self, frame: Image) -> list[Detection]:
        out = self.script[self.calls % len(self.script)]
        self.calls += 1
        return out


class CountingVerifier:
    """Fake second opinion: sees no person anywhere; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.tiled: list[bool] = []  # per call: a sweep's look (tiled when sweep_tiles is set)
        self.crops: list[list[tuple[int, int, int, int]]] = []  # per call: crops looked at

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        self.calls += 1
        self.tiled.append(tiled)
        self.crops.append(list(crops))
        return []


class PersonVerifier(CountingVerifier):
    """Fake second opinion: sees a person over the worker; counts its calls."""

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        super().reference(frame, tiled, crops)
        return [Detection("person", 0.8, WORKER.box)]


def quiet_params(vp: VerifierParams | None = None) -> PipelineParams:
    """Motion and evidence off: every frame goes to the detector and nothing is written."""
    return PipelineParams(
        motion=MotionParams(enabled=False),
        evidence=EvidenceParams(enabled=False),
        verifier=vp or VerifierParams(),
    )


def run_pipeline(
    script: list[list[Detection]],
    frames: int,
    verifier: CountingVerifier | None = None,
    ctx: CameraContext | None = None,
    vp: VerifierParams | None = None,
) -> tuple[CameraPipeline, CountingVerifier, list[ActivityEnvelope]]:
    """FRAMES blank frames at 5 fps through a pipeline on SCRIPT; the activities it sent.

    Without VP: a look per 10 s and no sweeps, so the per-track looks can be counted.
    """
    vp = vp or VerifierParams(first_recheck_s=10.0, recheck_s=10.0, sweep_s=0)
    verifier = verifier if verifier is not None else CountingVerifier()
    pipe = CameraPipeline(
        ctx or CameraContext("s", "d", "c"),
        ScriptedDetector(script),
        quiet_params(vp),
        FPS,
        plots={"P1": [(0, 0), (640, 0), (640, 360), (0, 360)]},
        verifier=verifier,
    )
    image = blank()
    out: list[ActivityEnvelope] = []
    for i in range(frames):
        out += pipe.process(Frame(i, T0 + timedelta(seconds=i / FPS), image))
    out += pipe.finish()
    return pipe, verifier, out


def swept_pipeline(verifier: CountingVerifier) -> CameraPipeline:
    """A pipeline at 5 fps sweeping once a second, motion and evidence off, seeing nobody."""
    params = quiet_params(VerifierParams(sweep_s=1.0))
    return CameraPipeline(
        CameraContext("s", "d", "c"), ScriptedDetector([[]]), params, FPS, verifier=verifier
    )


def sampling_pipeline(
    root: Path, script: list[list[Detection]], verifier: CountingVerifier
) -> CameraPipeline:
    """A pipeline on the default verifier settings that keeps doubtful frames under ROOT."""
    params = quiet_params()
    return CameraPipeline(
        CameraContext("s", "d", "c"),
        ScriptedDetector(script),
        params,
        FPS,
        verifier=verifier,
        uncertain=UncertainSample(root, params.uncertain, "c"),
    )
