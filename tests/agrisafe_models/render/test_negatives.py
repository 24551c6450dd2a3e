"""Renderer v2: spray look-alikes drawn unlabelled, texture, and v1 images left as they were."""

from collections import Counter

import numpy as np
import pytest

from agrisafe_models import class_id
from agrisafe_models.evaluate.hard import HARD_ONLY
from agrisafe_models.render.compose import V1, V2, Realism, render_still
from agrisafe_models.render.draw import mist
from agrisafe_models.render.negatives import (
    CARRIED,
    draw_carried,
    draw_dust,
    draw_fog,
    draw_smoke,
    draw_sprinkler,
)
from agrisafe_models.render.texture import texturise

CUES = {class_id("backpack_sprayer"), class_id("spray_plume")}


@pytest.mark.parametrize(
    ("preset", "spelled_out"),
    [(V1, Realism(hard=0.0, texture=False)), (V2, Realism(hard=0.5, texture=True))],
    ids=["v1-is-the-default", "v2-untouched-by-v3-options"],
)
def test_a_preset_renders_as_its_options_spelled_out(preset: Realism, spelled_out: Realism) -> None:
    # v1 is what render_still draws with no realism; the v3 options default off, so v2 stays v2
    for seed in range(8):
        a_img, a_labels = render_still(seed, 192, 108, *(() if preset == V1 else (preset,)))
        b_img, b_labels = render_still(seed, 192, 108, spelled_out)
        assert np.array_equal(a_img, b_img)
        assert a_labels == b_labels


def test_v2_keeps_every_v1_object_and_only_adds_people_and_parked_drones() -> None:
    changed = 0
    for seed in range(30):
        v1_img, v1 = render_still(seed, 384, 216, V1)
        v2_img, v2 = render_still(seed, 384, 216, V2)
        extra = Counter(c for c, _ in v2) - Counter(c for c, _ in v1)
        # carriers are people, parked drones drones; the look-alikes are never labelled
        assert set(extra) <= {class_id("person"), class_id("drone")}
        assert Counter(c for c, _ in v1) - Counter(c for c, _ in v2) == Counter()
        changed += not np.array_equal(v1_img, v2_img)
    assert changed == 30  # texture is on for every v2 image


def test_hard_only_stills_have_no_spraying_and_are_deterministic() -> None:
    for seed in range(25):
        img, labels = render_still(seed, 384, 216, HARD_ONLY)
        assert not {c for c, _ in labels} & CUES
        again, _ = render_still(seed, 384, 216, HARD_ONLY)
        assert np.array_equal(img, again)


@pytest.mark.parametrize(
    "draw",
    [
        lambda im, rng: draw_dust(im, (100.0, 150.0), 80.0, rng),
        lambda im, rng: draw_smoke(im, (100.0, 180.0), 120.0, rng),
        lambda im, rng: draw_fog(im, 60.0, rng),
        lambda im, rng: draw_sprinkler(im, (150.0, 180.0), 120.0, rng),
    ],
    ids=["dust", "smoke", "fog", "sprinkler"],
)
def test_each_look_alike_is_drawn_soft_and_partly_transparent(draw: object) -> None:
    im = np.full((216, 384, 3), 60, dtype=np.uint8)
    draw(im, np.random.default_rng(1))  # type: ignore[operator]
    touched = np.any(im != 60, axis=2)
    assert touched.sum() > 200  # something visible was drawn
    # never an opaque white blob: what lies behind still shows through (alpha ≤ 0.7)
    assert int(im.max()) <= 60 + 0.71 * (245 - 60)


@pytest.mark.parametrize("what", CARRIED)
def test_carried_things_are_drawn_beside_the_person(what: str) -> None:
    im = np.zeros((216, 384, 3), dtype=np.uint8)
    draw_carried(im, (190.0, 200.0), 120.0, 1, what, np.random.default_rng(3))
    ys, xs = np.nonzero(np.any(im > 0, axis=2))
    assert len(xs) > 50
    assert 190 - 60 < xs.mean() < 190 + 60  # around the person, not elsewhere
    assert ys.max() <= 200


def test_mist_caps_its_opacity_inside_the_window() -> None:
    im = np.zeros((50, 50, 3), dtype=np.uint8)
    px = np.full(400, 25.0)
    py = np.full(400, 25.0)
    mist(im, (px, py), (10, 10, 40, 40), 4, 5, (250, 250, 250), gain=5.0, cap=0.5)
    assert im.max() == 125  # 0.5 × 250: dense droplets saturate at the cap
    assert im[:10].max() == 0
    assert im[:, 40:].max() == 0


def test_texture_varies_a_flat_field_but_keeps_its_level() -> None:
    im = np.full((108, 192, 3), 120, dtype=np.uint8)
    texturise(im, np.random.default_rng(4), strength=0.15)
    assert im.std() > 3
    assert abs(float(im.mean()) - 120) < 12
