"""COCO verifier decisions on plain detections: relabel, plume on a person, carrier support."""

from edge.detect.base import Detection
from edge.params import VerifierParams
from edge.verify import (
    carriers_of,
    fuse_people,
    has_cue,
    missed_people,
    needs_look,
    relabel,
    relabel_crops,
    supported,
    unconfirmed_people,
    verify,
    widen_parts,
)

P = VerifierParams()
WORKER = Detection("person", 0.8, (100, 100, 140, 220))
PLUME = Detection("spray_plume", 0.6, (145, 150, 200, 210))
COCO_WORKER = Detection("person", 0.9, (98, 96, 142, 224))


def test_a_plume_is_a_cue_a_sprayer_only_beside_a_person() -> None:
    sprayer = Detection("backpack_sprayer", 0.6, (120, 120, 135, 150))
    assert has_cue([PLUME], P)
    assert not has_cue([sprayer], P)
    assert has_cue([WORKER, sprayer], P)
    assert not has_cue([Detection("spray_plume", 0.2, PLUME.box)], P)  # under cue_score


def test_the_verifier_looks_at_a_cue_or_a_box_it_may_rename() -> None:
    cow = Detection("livestock", 0.6, (105, 150, 140, 220))
    assert needs_look([PLUME], P)
    assert needs_look([cow], P)
    assert needs_look([Detection("drone", 0.3, cow.box)], P)
    assert not needs_look([WORKER, Detection("tractor", 0.9, cow.box)], P)
    assert not needs_look([cow], P.model_copy(update={"relabel": []}))  # renaming off


def test_the_sweep_adds_only_the_coco_people_none_of_ours_covers() -> None:
    far = Detection("person", 0.7, (400, 90, 440, 210))
    car = Detection("car", 0.9, (200, 100, 300, 160))
    [added] = missed_people([WORKER], [COCO_WORKER, far, car], P)
    assert added == Detection("person", 0.7, far.box)  # COCO's score and box, our label
    torso = Detection("person", 0.6, (100, 100, 140, 150))  # our box on half the worker
    assert missed_people([torso], [COCO_WORKER], P) == []
    cow = Detection("livestock", 0.6, (105, 150, 140, 220))  # renamed by relabel instead
    assert missed_people([cow], [COCO_WORKER], P) == []
    assert missed_people([Detection("tractor", 0.9, WORKER.box)], [COCO_WORKER], P) != []
    assert missed_people([], [], P) == []


def test_our_sure_people_coco_does_not_see_are_doubted() -> None:
    nozzle = Detection("person", 0.62, (400, 90, 420, 150))  # a parked drone's nozzle
    weak = Detection("person", 0.3, (500, 90, 520, 150))  # below the track start score
    assert unconfirmed_people([WORKER, nozzle, weak], [COCO_WORKER], P, 0.5) == [nozzle]
    torso = Detection("person", 0.6, (100, 100, 140, 150))  # half the worker COCO sees whole
    assert unconfirmed_people([torso], [COCO_WORKER], P, 0.5) == []
    tractor = Detection("tractor", 0.9, (400, 90, 480, 150))  # only `person` boxes are doubted
    assert unconfirmed_people([tractor], [], P, 0.5) == []
    assert unconfirmed_people([WORKER], [], P, 0.5) == [WORKER]


def test_livestock_inside_a_coco_person_becomes_person() -> None:
    cow = Detection("livestock", 0.6, (105, 150, 140, 220))
    far = Detection("livestock", 0.6, (400, 150, 450, 220))
    out, n = relabel([cow, far], [COCO_WORKER], P)
    assert n == 1
    assert [d.label for d in out] == ["person", "livestock"]
    assert out[0].box == cow.box
    assert out[0].score == cow.score


def test_confirmed_worker_with_a_sprayer_keeps_the_cue() -> None:
    sprayer = Detection("backpack_sprayer", 0.6, (120, 120, 135, 150))
    dets, verdict = verify([WORKER, sprayer, PLUME], [COCO_WORKER], P)
    assert verdict.supported
    assert verdict.dropped == 0
    assert dets == [WORKER, sprayer, PLUME]


def test_a_plume_beside_a_real_worker_without_a_sprayer_is_not_confirmed_by_him() -> None:
    # the real photos' false cues: soil or foliage called a plume near a worker COCO sees
    dets, verdict = verify([WORKER, PLUME], [COCO_WORKER], P)
    assert not verdict.supported
    assert dets == [WORKER]
    # a sprayer too weak to be a cue arms nobody
    weak = Detection("backpack_sprayer", 0.2, (120, 120, 135, 150))
    assert not verify([WORKER, weak, PLUME], [COCO_WORKER], P)[1].supported
    # a sprayer on another, far worker arms only him
    other = Detection("person", 0.8, (600, 100, 640, 220))
    far_sprayer = Detection("backpack_sprayer", 0.6, (620, 120, 635, 150))
    coco_other = Detection("person", 0.9, (598, 96, 642, 224))
    refs = [COCO_WORKER, coco_other]
    # (the frame stays a confirmed one: the far worker's sprayer is a cue COCO backs; the edge
    # decides per cue track, and the plume's own track has no carrier)
    assert verify([WORKER, PLUME, other, far_sprayer], refs, P)[1].supported
    assert carriers_of([WORKER, PLUME, other, far_sprayer], [PLUME], P) == []
    # a drone or a tractor needs no sprayer to carry a plume
    drone = Detection("drone", 0.8, (140, 60, 200, 100))
    assert carriers_of([WORKER, drone, PLUME], [PLUME], P) == [drone]


def test_unconfirmed_worker_drops_the_cue() -> None:
    sprayer = Detection("backpack_sprayer", 0.6, (120, 120, 135, 150))
    dets, verdict = verify([WORKER, sprayer, PLUME], [], P)
    assert not verdict.supported
    assert verdict.dropped == 2
    assert dets == [WORKER]


def test_plume_on_a_coco_person_is_dropped() -> None:
    face_plume = Detection("spray_plume", 0.5, (110, 100, 130, 130))  # on the head
    dets, verdict = verify([WORKER, face_plume], [COCO_WORKER], P)
    assert dets == [WORKER]
    assert verdict.dropped == 1
    assert not verdict.supported


def test_support_table_per_carrier() -> None:
    tractor = Detection("tractor", 0.7, (0, 0, 100, 80))
    drone = Detection("drone", 0.7, (0, 0, 100, 40))
    truck = Detection("truck", 0.6, (5, 5, 95, 75))
    plane = Detection("airplane", 0.6, (0, 0, 90, 40))
    assert supported(tractor, [truck], P)
    assert not supported(tractor, [plane], P)
    assert supported(drone, [plane], P)
    assert not supported(drone, [truck], P)
    unchecked = VerifierParams(support={"person": ["person"]})
    assert supported(drone, [], unchecked)  # no table row: not checked


HEAD = Detection("person", 0.7, (110, 100, 130, 125))  # our box on COCO_WORKER's head


def test_our_box_on_a_part_of_a_coco_person_takes_his_whole_box() -> None:
    out, n = widen_parts([HEAD, PLUME], [COCO_WORKER], P)
    assert n == 1
    assert out == [Detection("person", 0.7, COCO_WORKER.box), PLUME]  # our score kept


def test_widening_leaves_a_box_already_on_the_man_ours_larger_or_another_class() -> None:
    assert widen_parts([WORKER], [COCO_WORKER], P) == ([WORKER], 0)  # IoU 0.8: already him
    big = Detection("person", 0.7, (80, 80, 170, 240))
    assert widen_parts([big], [COCO_WORKER], P) == ([big], 0)
    tractor = Detection("tractor", 0.7, HEAD.box)  # not a class `relabel` renames
    assert widen_parts([tractor], [COCO_WORKER], P) == ([tractor], 0)
    beside = Detection("person", 0.7, (135, 100, 160, 125))  # mostly outside him
    assert widen_parts([beside], [COCO_WORKER], P) == ([beside], 0)


def test_a_livestock_or_drone_part_of_a_man_takes_his_box_and_keeps_its_label() -> None:
    # the bent harvester's back called `drone`: its track's look renames it (`relabel`); the
    # box must be the man's, or his COCO box stays out (ours covers it) and his foot is wrong
    back = Detection("drone", 0.6, HEAD.box)
    out, n = widen_parts([back], [COCO_WORKER], P)
    assert (out, n) == ([Detection("drone", 0.6, COCO_WORKER.box)], 1)
    fused = fuse_people([back], [COCO_WORKER], P)
    assert (fused.dets, fused.added, fused.widenings) == (out, 0, [(HEAD.box, COCO_WORKER.box)])
    assert relabel(fused.dets, [COCO_WORKER], P)[0][0].label == "person"


def test_one_coco_person_widens_one_of_our_boxes_the_best_first() -> None:
    """Two of ours inside one COCO box may be two workers: only the better fit is widened."""
    legs = Detection("person", 0.6, (100, 150, 140, 224))  # IoU 0.53 with COCO: already him
    out, n = widen_parts([HEAD, legs], [COCO_WORKER], P)
    assert (out, n) == ([HEAD, legs], 0)
    torso = Detection("person", 0.6, (100, 120, 140, 180))  # IoU 0.43: a part
    out, n = widen_parts([HEAD, torso], [COCO_WORKER], P)
    assert (out, n) == ([HEAD, Detection("person", 0.6, COCO_WORKER.box)], 1)


def test_a_sweep_widens_parts_then_adds_the_people_ours_missed() -> None:
    far = Detection("person", 0.6, (400, 90, 440, 210))
    fused = fuse_people([HEAD], [COCO_WORKER, far], P)
    assert fused.dets == [Detection("person", 0.7, COCO_WORKER.box), far]
    assert (fused.added, fused.widened) == (1, 1)


def test_a_closer_look_crops_around_the_largest_misnamed_box_first() -> None:
    small = (600.0, 100.0, 620.0, 120.0)
    back = (300.0, 200.0, 400.0, 240.0)  # a worker's back called a drone
    one = P.model_copy(update={"relabel_crops": 1})
    # the back first, 2.5 × its 100 px; then the small one, a third of the frame's height
    assert relabel_crops([small, back], 1280, 720, one) == [(225, 95, 475, 345)]
    assert relabel_crops([small, back], 1280, 720, P)[1] == (491, 0, 728, 237)
    assert relabel_crops([back], 1280, 720, P.model_copy(update={"relabel_crop": None})) == []
