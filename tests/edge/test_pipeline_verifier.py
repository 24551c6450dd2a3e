"""The pipeline runs the verifier only on frames with a spraying cue and counts what it did."""

from datetime import UTC, datetime, timedelta

import numpy as np

from agrisafe.protocol import validate_envelope
from edge.detect.base import Detection, Image, ModelInfo
from edge.drift import DriftStats, drift, profile_from
from edge.envelopes import CameraContext
from edge.frames import Frame
from edge.params import EvidenceParams, MotionParams, PipelineParams
from edge.pipeline import CameraPipeline, Stats
from edge.telemetry import Health, health_fields, telemetry_envelope

WORKER = Detection("person", 0.9, (100, 100, 140, 220))
PLUME = Detection("spray_plume", 0.7, (145, 150, 200, 210))
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


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

    def reference(self, frame: Image) -> list[Detection]:
        self.calls += 1
        return []


def _run(script: list[list[Detection]], frames: int) -> tuple[CameraPipeline, CountingVerifier]:
    params = PipelineParams(
        motion=MotionParams(enabled=False), evidence=EvidenceParams(enabled=False)
    )
    verifier = CountingVerifier()
    pipe = CameraPipeline(
        CameraContext("s", "d", "c"), ScriptedDetector(script), params, 5.0, verifier=verifier
    )
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    for i in range(frames):
        pipe.process(Frame(i, T0 + timedelta(seconds=i / 5), image))
    pipe.finish()
    return pipe, verifier


def test_verifier_runs_only_on_cue_frames_and_abstains() -> None:
    pipe, verifier = _run([[WORKER], [WORKER, PLUME]], 40)
    assert verifier.calls == 20  # every other frame has the plume
    assert pipe.stats.verified == 20
    assert pipe.stats.abstained == 20
    assert pipe.stats.activities == 0  # no spraying without a confirmed worker


def test_telemetry_carries_verifier_and_drift_fields() -> None:
    pipe, _ = _run([[WORKER, PLUME]], 30)
    ref = profile_from(pipe.drift)
    report = drift(pipe.drift, ref)
    h = Health(60.0, pipe.stats, 0, 0, 0, 1, drift=report)
    fields = health_fields(h)
    assert fields["verified_frames"] == 30
    assert fields["abstained_frames"] == 30
    assert fields["out_of_domain"] == 0
    assert fields["drift_score"] == 0.0
    env = telemetry_envelope("s", "d", h)
    validate_envelope(env.model_dump(mode="json"))
    plain = health_fields(Health(60.0, Stats(), 0, 0, 0, 1))
    assert "drift_score" not in plain
    assert plain["verified_frames"] == 0
    assert DriftStats().frames == 0
