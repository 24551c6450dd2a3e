"""Renderer v3 spray: lit and drifting plumes, spray drones at work, v1/v2 images unchanged."""

from collections import Counter

import numpy as np

from agrisafe_models import class_id
from agrisafe_models.render.compose import V1, V2, V3, Realism, render_still
from agrisafe_models.render.draw import PlumeLook
from agrisafe_models.render.people import draw_plume
from agrisafe_models.render.spray import draw_spraying_drone

DRONE, PLUME = class_id("drone"), class_id("spray_plume")


def _field() -> np.ndarray:
    img = np.zeros((216, 384, 3), dtype=np.uint8)
    img[:] = (40, 110, 60)
    return img


def test_v3_keeps_every_v1_object_and_adds_spraying_drones() -> None:
    drones_spraying = 0
    for seed in range(40):
        _, v1 = render_still(seed, 384, 216, V1)
        _, v3 = render_still(seed, 384, 216, V3)
        assert Counter(c for c, _ in v1) - Counter(c for c, _ in v3) == Counter()
        extra = Counter(c for c, _ in v3) - Counter(c for c, _ in v1)
        assert set(extra) <= {class_id("person"), DRONE, PLUME}
        drones_spraying += extra[PLUME] > 0
    assert drones_spraying >= 5  # ~35 % of stills, less what overlaps other objects


def test_far_people_are_small_and_labelled_person() -> None:
    heights = []
    for seed in range(40):
        _, v2 = render_still(seed, 384, 216, V2)
        _, far = render_still(seed, 384, 216, Realism(hard=0.5, texture=True, far=True))
        added = Counter(far) - Counter(v2)  # the same v2 labels plus the far people
        assert {c for c, _ in added} <= {class_id("person")}
        heights += [b[3] - b[1] for _, b in added.elements()]
    assert len(heights) >= 15
    assert max(heights) <= 0.13 * 216
    assert min(heights) >= 0.03 * 216


def test_near_people_are_cut_off_by_the_frame_and_hide_nothing() -> None:
    heights, near = [], Realism(hard=0.5, texture=True, far=True, near=True)
    for seed in range(60):
        _, far = render_still(seed, 384, 216, Realism(hard=0.5, texture=True, far=True))
        _, labels = render_still(seed, 384, 216, near)
        assert Counter(far) - Counter(labels) == Counter()  # every earlier label is kept
        added = Counter(labels) - Counter(far)
        assert {c for c, _ in added} <= {class_id("person")}
        for _, box in added.elements():
            assert box[3] == 216.0  # the feet are below the frame: the box stops at its edge
            heights.append(box[3] - box[1])
    assert len(heights) >= 8  # a quarter of the stills, less those that would hide an object
    assert min(heights) >= 0.3 * 216  # the part of a 55 %+ person above the frame's bottom


def test_no_cues_means_no_spraying_drone_either() -> None:
    for seed in range(30):
        _, labels = render_still(seed, 384, 216, Realism(hard=1.0, spray=True, cues=False))
        assert PLUME not in {c for c, _ in labels}


def test_spraying_drone_mist_falls_below_the_drone() -> None:
    for seed in range(10):
        img = _field()
        look = PlumeLook("side", 0.0)
        labels = draw_spraying_drone(img, (190.0, 200.0), 20.0, np.random.default_rng(seed), look)
        (dc, drone), (pc, plume) = labels
        assert (dc, pc) == (DRONE, PLUME)
        assert plume[1] > drone[1]
        assert plume[3] > drone[3]
        assert drone[0] - 5 < (plume[0] + plume[2]) / 2 < drone[2] + 5
        assert plume[3] <= 200.0 + 0.25 * 60  # not far past the crop


def test_drift_bends_the_plume_downwind_and_light_changes_its_tone() -> None:
    def plume(look: PlumeLook | None) -> tuple[np.ndarray, tuple[float, ...]]:
        img = _field()
        box = draw_plume(img, (100.0, 40.0), (0.0, 1.0), 120.0, np.random.default_rng(7), look)
        assert box is not None
        return img, box

    _, straight = plume(None)
    _, right = plume(PlumeLook("flat", 0.4))
    _, left = plume(PlumeLook("flat", -0.4))
    assert right[2] > straight[2] + 20
    assert left[0] < straight[0] - 20
    base = _field().astype(float)
    glow = {
        light: (plume(PlumeLook(light, 0.0))[0].astype(float) - base).mean()
        for light in ("back", "side", "flat")
    }
    assert glow["back"] > glow["side"]
    assert glow["back"] > glow["flat"] > 0
