"""Sweeps: the verifier's periodic look at the whole frame (or its tiles) for people our model
missed. A person it finds is added to the tracks, our box on part of a person is widened to his
whole box and carried between sweeps, and a worker it does not see is doubted, never dropped.

The scripted detector and fake verifiers are in `testkit.scripted_pipeline`.
"""

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from edge.detect.base import Detection, Image
from edge.detect.verifier import Crops
from edge.frames import Frame
from edge.params import VerifierParams
from edge.telemetry import Health, health_fields
from testkit.scripted_pipeline import (
    PLUME,
    SPRAYER,
    T0,
    WORKER,
    CountingVerifier,
    PersonVerifier,
    ScriptedDetector,
    blank,
    run_pipeline,
    sampling_pipeline,
    swept_pipeline,
)


def test_a_sweep_finds_the_worker_our_model_missed_and_the_spraying_with_him() -> None:
    # our model sees the sprayer and the plume but not the man carrying them; COCO sees him
    vp = VerifierParams(first_recheck_s=10.0, recheck_s=10.0, sweep_s=1.0)
    pipe, verifier, out = run_pipeline(
        [[SPRAYER, PLUME]], 60, PersonVerifier(), vp=vp
    )  # 12 s, 5 fps
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
    pipe, verifier, out = run_pipeline([[SPRAYER, PLUME]], 60, PersonVerifier(), vp=off)
    assert (pipe.stats.swept, pipe.stats.abstained, out) == (0, 2, [])  # looks at 0 and 10 s
    assert verifier.tiled == [False, False]  # a cue's look: the whole frame is enough


def test_a_sweep_does_not_double_a_worker_our_model_found() -> None:
    vp = VerifierParams(sweep_s=2.0)
    pipe, verifier, _ = run_pipeline([[WORKER]], 50, PersonVerifier(), vp=vp)  # 10 s
    assert (pipe.stats.swept, verifier.calls, pipe.stats.people_added) == (5, 5, 0)
    assert [t.label for t in pipe._tracker.tracks] == ["person"]


def test_a_clock_stepped_back_does_not_stop_the_sweeps() -> None:
    pipe = swept_pipeline(PersonVerifier())
    image = blank()
    for i, ts in enumerate([T0, T0 - timedelta(hours=1), T0 - timedelta(hours=1, seconds=-1)]):
        pipe.process(Frame(i, ts, image))
    assert pipe.stats.swept == 3


def test_the_pipeline_keeps_frames_where_the_sweep_found_a_missed_person(tmp_path: Path) -> None:
    pipe = sampling_pipeline(tmp_path, [[]], PersonVerifier())
    pipe.process(Frame(0, T0, blank()))
    [kept] = tmp_path.glob("*.json")
    assert json.loads(kept.read_text())["reasons"] == ["missed_person"]


def test_a_sweep_that_sees_nobody_where_ours_sees_a_person_keeps_the_frame(tmp_path: Path) -> None:
    # our model's sure `person` on a parked drone's nozzle (real photos: 3 of 28 with nobody)
    pipe = sampling_pipeline(tmp_path, [[WORKER]], CountingVerifier())  # COCO sees no one
    image = blank()
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
    pipe, _, _ = run_pipeline([[head]], 25, PersonVerifier(), vp=vp)  # 5 s at 5 fps
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
    pipe.process(Frame(25, T0 + timedelta(seconds=4.9), blank()))
    [track] = pipe._tracker.tracks
    assert (track.hits, track.box, track.velocity) == (26, head.box, (0.0, 0.0, 0.0, 0.0))


def test_a_worker_called_drone_is_renamed_and_boxed_whole_between_sweeps() -> None:
    back = Detection("drone", 0.9, (110, 100, 130, 125))  # his bent back, inside the worker
    pipe, _, _ = run_pipeline([[back]], 7, PersonVerifier(), vp=VerifierParams(sweep_s=1.0))
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
    pipe = swept_pipeline(PersonVerifier())
    pipe.detector = ScriptedDetector([[head]])
    pipe.process(Frame(0, T0, blank()))  # a sweep: widened
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
    pipe = swept_pipeline(CrowdVerifier())
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
    pipe = swept_pipeline(verifier)
    image = blank()
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
    pipe, verifier, out = run_pipeline(script, 25, PersonVerifier(), vp=vp)  # 5 s at 5 fps
    # looks at 0, 0.4 (the cue's, made the sweep's), 2.4 and 4.4 s; before: 0, 0.4, 2 and 4 s,
    # the 0.4 s look's man left out of the tracks
    assert (pipe.stats.swept, verifier.calls, pipe.stats.people_added) == (4, 4, 4)
    assert verifier.tiled == [True] * 4
    assert out[0].body.model_dump()["verified"] is True


def test_a_dearer_sweep_takes_a_cues_look_only_in_the_second_half_of_its_interval() -> None:
    # a sweep on 2 × 2 crops costs five looks: a cue's look soon after one stays a cue's
    vp = VerifierParams(sweep_s=2.0, sweep_tiles=(2, 2), first_recheck_s=0.4)
    pipe, verifier, _ = run_pipeline([[SPRAYER, PLUME]], 20, vp=vp)  # 4 s; COCO sees no carrier
    # 0 s: the sweep (the cue's first look with it); 0.4 s: a recheck 0.4 s after the sweep,
    # a cue's own look; 1.2 s and 2.8 s: rechecks past half the interval, made sweeps
    assert verifier.tiled == [True, False, True, True]
    assert pipe.stats.swept == 3


def test_a_sweep_crops_around_a_new_livestock_box_in_the_same_look() -> None:
    cow = Detection("livestock", 0.8, (300, 200, 340, 230))  # small: a crop is looked at
    pipe, verifier, _ = run_pipeline([[cow]], 1, vp=VerifierParams(sweep_s=1.0))
    assert verifier.calls == 1  # was two: the sweep's look, then the whole frame again
    assert verifier.tiled == [True]
    [(x1, y1, x2, y2)] = verifier.crops[0]
    assert max(x1 - 300, y1 - 200, 340 - x2, 230 - y2) <= 0  # the crop holds the cow's box
    assert pipe._looks.verdicts.looked == {t.id for t in pipe._tracker.tracks}
