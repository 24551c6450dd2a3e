"""The pipeline runs the verifier once per cue track (cached by track id) and counts what it did;
activities carry the trust fields (verified, out_of_domain, commissioned).

Sweeps (the verifier's periodic whole-frame looks for people our model missed) are in
`test_pipeline_sweep.py`; the scripted detector and fake verifiers are in `testkit`.
"""

import json
from datetime import timedelta
from pathlib import Path

from agrisafe.protocol import validate_envelope
from edge.detect.base import Detection
from edge.drift import DriftStats, drift, profile_from
from edge.envelopes import CameraContext
from edge.frames import Frame
from edge.params import VerifierParams
from edge.stats import Stats
from edge.telemetry import Health, health_fields, telemetry_envelope
from testkit.scripted_pipeline import (
    PLUME,
    SPRAYER,
    T0,
    WORKER,
    CountingVerifier,
    PersonVerifier,
    blank,
    run_pipeline,
    sampling_pipeline,
)


def test_verifier_looks_once_per_cue_track_and_abstains() -> None:
    # 40 frames at 5 fps = 8 s: one plume track, one look (the recheck is due after 10 s)
    pipe, verifier, out = run_pipeline([[WORKER], [WORKER, PLUME]], 40)
    assert verifier.calls == 1
    assert pipe.stats.verified == 1
    assert pipe.stats.abstained == 1
    assert out == []  # no spraying without a confirmed worker


def test_a_person_called_livestock_is_renamed_after_one_look() -> None:
    cow = Detection("livestock", 0.7, (110, 150, 140, 190))  # our model's mistake on his legs
    pipe, verifier, _ = run_pipeline([[cow]], 40, verifier=PersonVerifier())
    assert verifier.calls == 1  # one look for the track, not one per frame
    assert pipe.stats.relabelled == 1
    assert pipe.stats.abstained == 0
    # the look is closer around it too: a crop a third of the frame's height (more than 2.5 ×
    # the box's 40 px), centred on it
    assert verifier.crops == [[(66, 111, 184, 229)]]
    big = Detection("livestock", 0.7, WORKER.box)  # 120 px of 360: the whole frame shows it
    _, verifier, _ = run_pipeline([[big]], 40, verifier=PersonVerifier())
    assert verifier.crops == [[]]


def test_an_unconfirmed_cue_is_looked_at_again_after_recheck_s() -> None:
    _, verifier, _ = run_pipeline([[WORKER, PLUME]], 60)  # 12 s
    assert verifier.calls == 2
    # backing off: looks at 0, 0.5, 1.5, 3.5, 7.5 s; the next, 5 s later, is past the end
    vp = VerifierParams(first_recheck_s=0.5, recheck_s=5.0, sweep_s=0)
    _, verifier, _ = run_pipeline([[WORKER, PLUME]], 60, vp=vp)
    assert verifier.calls == 5


def test_a_confirmed_cue_makes_a_verified_spraying_from_a_commissioned_camera() -> None:
    ctx = CameraContext("s", "d", "c", commissioned=True)
    _, verifier, out = run_pipeline([[WORKER, SPRAYER, PLUME]], 60, PersonVerifier(), ctx)
    assert verifier.calls == 1  # both cue tracks decided in one look
    assert [e.body.state.value for e in out] == ["start", "end"]
    body = out[0].body.model_dump()
    assert (body["verified"], body["commissioned"]) == (True, True)
    assert body["out_of_domain"] is None  # no profile: not stated


def test_telemetry_carries_verifier_and_drift_fields() -> None:
    pipe, _, _ = run_pipeline([[WORKER, PLUME]], 30)
    ref = profile_from(pipe.drift)
    report = drift(pipe.drift, ref)
    h = Health(60.0, pipe.stats, 0, 0, 0, 1, drift=report)
    fields = health_fields(h)
    assert fields["verified_frames"] == 1
    assert fields["abstained_frames"] == 1
    assert fields["out_of_domain"] == 0
    assert fields["drift_score"] == 0.0
    env = telemetry_envelope("s", "d", h)
    validate_envelope(env.model_dump(mode="json"))
    plain = health_fields(Health(60.0, Stats(), 0, 0, 0, 1))
    assert "drift_score" not in plain
    assert plain["verified_frames"] == 0
    assert DriftStats().frames == 0


def test_the_pipeline_keeps_frames_the_verifier_disagreed_with(tmp_path: Path) -> None:
    pipe = sampling_pipeline(tmp_path, [[WORKER, PLUME]], CountingVerifier())
    image = blank()
    for i in range(10):
        pipe.process(Frame(i, T0 + timedelta(seconds=i / 5), image))
    [kept] = tmp_path.glob("*.json")
    # COCO saw no one: the cue is rejected and the worker doubted, both worth a label
    assert json.loads(kept.read_text())["reasons"] == [
        "verifier_rejected_cue",
        "unconfirmed_person",
    ]


def test_flag_mode_sends_an_unconfirmed_spraying_as_unverified() -> None:
    vp = VerifierParams(unconfirmed="flag")
    _, _, out = run_pipeline([[WORKER, SPRAYER, PLUME]], 60, vp=vp)
    assert [e.body.state.value for e in out] == ["start", "end"]
    assert [e.body.model_dump()["verified"] for e in out] == [False, False]
