"""The pipeline runs the verifier once per cue track (cached by track id) and counts what it did;
activities carry the trust fields (verified, out_of_domain, commissioned)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from agrisafe.protocol import ActivityEnvelope, validate_envelope
from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.verifier import Crops
from edge.drift import DriftStats, drift, profile_from
from edge.envelopes import CameraContext
from edge.frames import Frame
from edge.params import EvidenceParams, MotionParams, PipelineParams, VerifierParams
from edge.pipeline import CameraPipeline
from edge.stats import Stats
from edge.telemetry import Health, health_fields, telemetry_envelope
from edge.uncertain import UncertainSample

WORKER = Detection("person", 0.9, (100, 100, 140, 220))
PLUME = Detection("spray_plume", 0.7, (145, 150, 200, 210))
SPRAYER = Detection("backpack_sprayer", 0.8, (120, 120, 150, 180))
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
        self.calls += 1
        self.tiled.append(tiled)
        self.crops.append(list(crops))
        return [Detection("person", 0.8, WORKER.box)]


def _run(
    script: list[list[Detection]],
    frames: int,
    verifier: CountingVerifier | None = None,
    ctx: CameraContext | None = None,
    vp: VerifierParams | None = None,
) -> tuple[CameraPipeline, CountingVerifier, list[ActivityEnvelope]]:
    params = PipelineParams(
        motion=MotionParams(enabled=False),
        evidence=EvidenceParams(enabled=False),
        # a look per 10 s and no sweeps: the per-track looks are counted (sweeps: their tests)
        verifier=vp or VerifierParams(first_recheck_s=10.0, recheck_s=10.0, sweep_s=0),
    )
    verifier = verifier if verifier is not None else CountingVerifier()
    pipe = CameraPipeline(
        ctx or CameraContext("s", "d", "c"),
        ScriptedDetector(script),
        params,
        5.0,
        plots={"P1": [(0, 0), (640, 0), (640, 360), (0, 360)]},
        verifier=verifier,
    )
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    out: list[ActivityEnvelope] = []
    for i in range(frames):
        out += pipe.process(Frame(i, T0 + timedelta(seconds=i / 5), image))
    out += pipe.finish()
    return pipe, verifier, out


def test_verifier_looks_once_per_cue_track_and_abstains() -> None:
    # 40 frames at 5 fps = 8 s: one plume track, one look (the recheck is due after 10 s)
    pipe, verifier, out = _run([[WORKER], [WORKER, PLUME]], 40)
    assert verifier.calls == 1
    assert pipe.stats.verified == 1
    assert pipe.stats.abstained == 1
    assert out == []  # no spraying without a confirmed worker


def test_a_person_called_livestock_is_renamed_after_one_look() -> None:
    cow = Detection("livestock", 0.7, (110, 150, 140, 190))  # our model's mistake on his legs
    pipe, verifier, _ = _run([[cow]], 40, verifier=PersonVerifier())
    assert verifier.calls == 1  # one look for the track, not one per frame
    assert pipe.stats.relabelled == 1
    assert pipe.stats.abstained == 0
    # the look is closer around it too: a crop a third of the frame's height (more than 2.5 ×
    # the box's 40 px), centred on it
    assert verifier.crops == [[(66, 111, 184, 229)]]
    big = Detection("livestock", 0.7, WORKER.box)  # 120 px of 360: the whole frame shows it
    _, verifier, _ = _run([[big]], 40, verifier=PersonVerifier())
    assert verifier.crops == [[]]


def test_an_unconfirmed_cue_is_looked_at_again_after_recheck_s() -> None:
    _, verifier, _ = _run([[WORKER, PLUME]], 60)  # 12 s
    assert verifier.calls == 2
    # backing off: looks at 0, 0.5, 1.5, 3.5, 7.5 s; the next, 5 s later, is past the end
    vp = VerifierParams(first_recheck_s=0.5, recheck_s=5.0, sweep_s=0)
    _, verifier, _ = _run([[WORKER, PLUME]], 60, vp=vp)
    assert verifier.calls == 5


def test_a_confirmed_cue_makes_a_verified_spraying_from_a_commissioned_camera() -> None:
    ctx = CameraContext("s", "d", "c", commissioned=True)
    _, verifier, out = _run([[WORKER, SPRAYER, PLUME]], 60, PersonVerifier(), ctx)
    assert verifier.calls == 1  # both cue tracks decided in one look
    assert [e.body.state.value for e in out] == ["start", "end"]
    body = out[0].body.model_dump()
    assert (body["verified"], body["commissioned"]) == (True, True)
    assert body["out_of_domain"] is None  # no profile: not stated


def test_telemetry_carries_verifier_and_drift_fields() -> None:
    pipe, _, _ = _run([[WORKER, PLUME]], 30)
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
    params = PipelineParams(
        motion=MotionParams(enabled=False), evidence=EvidenceParams(enabled=False)
    )
    sample = UncertainSample(tmp_path, params.uncertain, "c")
    pipe = CameraPipeline(
        CameraContext("s", "d", "c"),
        ScriptedDetector([[WORKER, PLUME]]),
        params,
        5.0,
        verifier=CountingVerifier(),
        uncertain=sample,
    )
    image = np.zeros((360, 640, 3), dtype=np.uint8)
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
    _, _, out = _run([[WORKER, SPRAYER, PLUME]], 60, vp=vp)
    assert [e.body.state.value for e in out] == ["start", "end"]
    assert [e.body.model_dump()["verified"] for e in out] == [False, False]


def test_a_sweep_finds_the_worker_our_model_missed_and_the_spraying_with_him() -> None:
    # our model sees the sprayer and the plume but not the man carrying them; COCO sees him
    vp = VerifierParams(first_recheck_s=10.0, recheck_s=10.0, sweep_s=1.0)
    pipe, verifier, out = _run([[SPRAYER, PLUME]], 60, PersonVerifier(), vp=vp)  # 12 s, 5 fps
    assert pipe.stats.swept == 12  # one whole-frame look a second
    assert verifier.calls == 12  # the cue's own look reused the sweep's frame
    assert verifier.tiled == [True] * 12  # each a sweep's look (on crops if sweep_tiles is set)
    assert pipe.stats.people_added == 12
    assert [e.body.state.value for e in out] == ["start", "end"]
    assert out[0].body.model_dump()["verified"] is True
    fields = health_fields(Health(60.0, pipe.stats, 0, 0, 0, 1))
    assert (fields["swept_frames"], fields["people_added"]) == (12, 12)
    # without sweeps the plume has no carrier: the verifier abstains, nothing is reported
    off = vp.model_copy(update={"sweep_s": 0.0})
    pipe, verifier, out = _run([[SPRAYER, PLUME]], 60, PersonVerifier(), vp=off)
    assert (pipe.stats.swept, pipe.stats.abstained, out) == (0, 2, [])  # looks at 0 and 10 s
    assert verifier.tiled == [False, False]  # a cue's look: the whole frame is enough


def test_a_sweep_does_not_double_a_worker_our_model_found() -> None:
    vp = VerifierParams(sweep_s=2.0)
    pipe, verifier, _ = _run([[WORKER]], 50, PersonVerifier(), vp=vp)  # 10 s
    assert (pipe.stats.swept, verifier.calls, pipe.stats.people_added) == (5, 5, 0)
    assert [t.label for t in pipe._tracker.tracks] == ["person"]


def _swept(verifier: CountingVerifier) -> CameraPipeline:
    """A pipeline at 5 fps sweeping once a second, motion and evidence off, seeing nobody."""
    params = PipelineParams(
        motion=MotionParams(enabled=False),
        evidence=EvidenceParams(enabled=False),
        verifier=VerifierParams(sweep_s=1.0),
    )
    return CameraPipeline(
        CameraContext("s", "d", "c"), ScriptedDetector([[]]), params, 5.0, verifier=verifier
    )


def test_a_clock_stepped_back_does_not_stop_the_sweeps() -> None:
    pipe = _swept(PersonVerifier())
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    for i, ts in enumerate([T0, T0 - timedelta(hours=1), T0 - timedelta(hours=1, seconds=-1)]):
        pipe.process(Frame(i, ts, image))
    assert pipe.stats.swept == 3


def test_the_pipeline_keeps_frames_where_the_sweep_found_a_missed_person(tmp_path: Path) -> None:
    params = PipelineParams(
        motion=MotionParams(enabled=False), evidence=EvidenceParams(enabled=False)
    )
    pipe = CameraPipeline(
        CameraContext("s", "d", "c"),
        ScriptedDetector([[]]),
        params,
        5.0,
        verifier=PersonVerifier(),
        uncertain=UncertainSample(tmp_path, params.uncertain, "c"),
    )
    pipe.process(Frame(0, T0, np.zeros((360, 640, 3), dtype=np.uint8)))
    [kept] = tmp_path.glob("*.json")
    assert json.loads(kept.read_text())["reasons"] == ["missed_person"]


def test_a_sweep_that_sees_nobody_where_ours_sees_a_person_keeps_the_frame(tmp_path: Path) -> None:
    # our model's sure `person` on a parked drone's nozzle (real photos: 3 of 28 with nobody)
    params = PipelineParams(
        motion=MotionParams(enabled=False), evidence=EvidenceParams(enabled=False)
    )
    pipe = CameraPipeline(
        CameraContext("s", "d", "c"),
        ScriptedDetector([[WORKER]]),
        params,
        5.0,
        verifier=CountingVerifier(),  # COCO sees no one
        uncertain=UncertainSample(tmp_path, params.uncertain, "c"),
    )
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    for i in range(10):  # 2 s at 5 fps: two sweeps
        pipe.process(Frame(i, T0 + timedelta(seconds=i / 5), image))
    assert (pipe.stats.swept, pipe.stats.people_unconfirmed) == (2, 2)
    fields = health_fields(Health(2.0, pipe.stats, 0, 0, 0, 1))
    assert fields["people_unconfirmed"] == 2
    kept = [json.loads(p.read_text())["reasons"] for p in tmp_path.glob("*.json")]
    assert kept == [["unconfirmed_person"]]  # one per min_gap_s (5 s)
    # nothing is dropped: a real worker COCO misses still reaches the activity machines
    assert [t.label for t in pipe._tracker.tracks] == ["person"]


def test_a_sweep_widens_our_box_on_the_workers_head_and_his_track_goes_on() -> None:
    head = Detection("person", 0.9, (110, 100, 130, 125))  # inside PersonVerifier's worker
    vp = VerifierParams(sweep_s=1.0)
    pipe, _, _ = _run([[head]], 25, PersonVerifier(), vp=vp)  # 5 s at 5 fps
    assert (pipe.stats.swept, pipe.stats.people_widened, pipe.stats.people_added) == (5, 5, 0)
    [track] = pipe._tracker.tracks  # one worker, one track
    # between sweeps our box on his head takes his whole box again (`edge.carry`)
    assert (track.hits, track.box) == (25, WORKER.box)  # the last frame was not a sweep's
    assert track.velocity == (0.0, 0.0, 0.0, 0.0)
    fields = health_fields(Health(5.0, pipe.stats, 0, 0, 0, 1))
    assert (fields["people_widened"], fields["people_carried"]) == (5, 20)
    # without the carry (the track's box is our head box between sweeps) the tracker holds
    # the worker by containment: he stays one track with no velocity from the jumps
    pipe._looks._extents.clear()
    pipe.process(Frame(25, T0 + timedelta(seconds=4.9), np.zeros((360, 640, 3), np.uint8)))
    [track] = pipe._tracker.tracks
    assert (track.hits, track.box, track.velocity) == (26, head.box, (0.0, 0.0, 0.0, 0.0))


def test_a_worker_called_drone_is_renamed_and_boxed_whole_between_sweeps() -> None:
    back = Detection("drone", 0.9, (110, 100, 130, 125))  # his bent back, inside the worker
    pipe, _, _ = _run([[back]], 7, PersonVerifier(), vp=VerifierParams(sweep_s=1.0))
    [track] = pipe.tracks  # 1.2 s: not a sweep's frame
    assert (track.label, track.box) == ("person", WORKER.box)
    # looked at once (renamed for its life), widened on the two sweeps, carried between
    assert (pipe.stats.relabelled, pipe.stats.people_widened, pipe.stats.people_carried) == (
        1,
        2,
        5,
    )


def test_a_new_resolution_forgets_the_last_sweeps_boxes() -> None:
    head = Detection("person", 0.9, (110, 100, 130, 125))
    pipe = _swept(PersonVerifier())
    pipe.detector = ScriptedDetector([[head]])
    pipe.process(Frame(0, T0, np.zeros((360, 640, 3), dtype=np.uint8)))  # a sweep: widened
    assert pipe.tracks[0].box == WORKER.box
    pipe.process(Frame(1, T0 + timedelta(seconds=0.2), np.zeros((720, 1280, 3), np.uint8)))
    assert (pipe.tracks[0].box, pipe.stats.people_carried) == (head.box, 0)


class CrowdVerifier(CountingVerifier):
    """Fake second opinion: sees a crowd of 30 people our model misses."""

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        self.calls += 1
        return [
            Detection("person", 0.6 + i / 100, (20.0 * i, 50.0, 20.0 * i + 18, 90.0))
            for i in range(30)
        ]


def test_a_sweep_keeps_templates_of_the_surest_sixteen_of_a_crowd() -> None:
    rng = np.random.default_rng(3)
    textured = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    pipe = _swept(CrowdVerifier())
    pipe.process(Frame(0, T0, textured))
    patches = pipe._looks._patches
    assert len(patches) == 16  # 0.1-0.35 ms a search each: the CPU stays bounded
    assert min(p.score for p in patches) == pytest.approx(0.6 + 14 / 100)


class WalkingVerifier(CountingVerifier):
    """Fake second opinion: sees the walking worker's whole box where `at` says he is now, and
    nobody once `blind` is set (COCO missing him)."""

    def __init__(self) -> None:
        super().__init__()
        self.at = 0.0
        self.blind = False

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        self.calls += 1
        x = self.at
        return [] if self.blind else [Detection("person", 0.8, (100 + x, 100, 140 + x, 220))]


def test_a_walking_workers_widened_box_follows_his_head_between_sweeps() -> None:
    verifier = WalkingVerifier()
    pipe = _swept(verifier)
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    boxes = []
    for i in range(20):  # 4 s at 5 fps, walking 4 px a frame; COCO blind from 1.6 s
        verifier.at, verifier.blind = 4.0 * i, i >= 8
        head = Detection("person", 0.9, (110 + 4.0 * i, 100, 130 + 4.0 * i, 125))
        pipe.detector = ScriptedDetector([[head]])
        pipe.process(Frame(i, T0 + timedelta(seconds=i / 5), image))
        [track] = pipe._tracker.tracks
        boxes.append(track.box)
    # frames 1-4 (between the sweeps at 0 and 1 s): his whole box, moved with his head
    assert boxes[3] == (112.0, 100.0, 152.0, 220.0)
    # the sweep at 2 s does not see him: the widening carries on until 2 × sweep_s after the
    # last sweep that saw him (1 s), then our head box is his track's box again
    assert boxes[14] == (156.0, 100.0, 196.0, 220.0)  # 2.8 s
    assert boxes[16] == (174.0, 100.0, 194.0, 125.0)  # 3.2 s


def test_a_cue_look_between_sweeps_is_the_sweep_and_its_people_are_tracked_at_once() -> None:
    # the sprayer and plume appear at 0.4 s; their look sees the man carrying them, whom our
    # model misses: he is added on that frame, and the next sweep is due 2 s after it
    script = [[], [], *[[SPRAYER, PLUME]] * 23]
    vp = VerifierParams(sweep_s=2.0)
    pipe, verifier, out = _run(script, 25, PersonVerifier(), vp=vp)  # 5 s at 5 fps
    # looks at 0, 0.4 (the cue's, made the sweep's), 2.4 and 4.4 s; before: 0, 0.4, 2 and 4 s,
    # the 0.4 s look's man left out of the tracks
    assert (pipe.stats.swept, verifier.calls, pipe.stats.people_added) == (4, 4, 4)
    assert verifier.tiled == [True] * 4
    assert out[0].body.model_dump()["verified"] is True


def test_a_dearer_sweep_takes_a_cues_look_only_in_the_second_half_of_its_interval() -> None:
    # a sweep on 2 × 2 crops costs five looks: a cue's look soon after one stays a cue's
    vp = VerifierParams(sweep_s=2.0, sweep_tiles=(2, 2), first_recheck_s=0.4)
    pipe, verifier, _ = _run([[SPRAYER, PLUME]], 20, vp=vp)  # 4 s; COCO sees no carrier
    # 0 s: the sweep (the cue's first look with it); 0.4 s: a recheck 0.4 s after the sweep,
    # a cue's own look; 1.2 s and 2.8 s: rechecks past half the interval, made sweeps
    assert verifier.tiled == [True, False, True, True]
    assert pipe.stats.swept == 3


def test_a_sweep_crops_around_a_new_livestock_box_in_the_same_look() -> None:
    cow = Detection("livestock", 0.8, (300, 200, 340, 230))  # small: a crop is looked at
    pipe, verifier, _ = _run([[cow]], 1, vp=VerifierParams(sweep_s=1.0))
    assert verifier.calls == 1  # was two: the sweep's look, then the whole frame again
    assert verifier.tiled == [True]
    [(x1, y1, x2, y2)] = verifier.crops[0]
    assert max(x1 - 300, y1 - 200, 340 - x2, 230 - y2) <= 0  # the crop holds the cow's box
    assert pipe._looks.verdicts.looked == {t.id for t in pipe._tracker.tracks}
