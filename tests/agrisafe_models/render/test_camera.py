"""Camera artefacts (renderer v3): each one does what a real camera does, and only that."""

import cv2
import numpy as np

from agrisafe_models.render.camera import (
    ARTEFACTS,
    blocking,
    camera_artefacts,
    ir_leak,
    ir_switch,
    lens_dirt,
    rolling_bands,
)


def _scene(seed: int = 0) -> np.ndarray:
    """A field-like picture: blue sky over green rows, with some grain."""
    rng = np.random.default_rng(seed)
    img = np.zeros((120, 200, 3), dtype=np.uint8)
    img[:40] = (200, 160, 110)  # BGR sky
    img[40:] = (50, 140, 70)  # crop
    img[40:, ::10] = (60, 90, 120)  # soil between rows
    noise = rng.normal(0, 6, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def test_ir_switch_is_colour_above_a_row_and_grey_below() -> None:
    img = _scene()
    out = ir_switch(img, np.random.default_rng(1))
    grey_rows = [bool(np.all(out[r, :, 0] == out[r, :, 1])) for r in range(img.shape[0])]
    first = grey_rows.index(True)
    assert 0 < first < img.shape[0]
    assert all(grey_rows[first:])  # one switch, then grey to the bottom
    assert np.array_equal(out[:first], img[:first])


def test_ir_leak_turns_the_picture_pink_and_the_leaves_bright() -> None:
    img = _scene()
    out = ir_leak(img, np.random.default_rng(2))
    crop_in, crop_out = img[60:, 1:9].astype(float), out[60:, 1:9].astype(float)
    # magenta: red and blue gain on green
    assert (crop_out[..., 2] - crop_out[..., 1]).mean() > (crop_in[..., 2] - crop_in[..., 1]).mean()
    grey_in = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)[60:, 1:9].mean()
    grey_out = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)[60:, 1:9].mean()
    assert grey_out > grey_in  # chlorophyll reflects near-infrared


def test_rolling_bands_vary_by_row_only_and_keep_the_level() -> None:
    img = np.full((120, 200, 3), 128, dtype=np.uint8)
    out = rolling_bands(img, np.random.default_rng(3)).astype(float)
    assert np.all(out.std(axis=1) == 0)  # constant along each row
    rows = out[:, 0, 0]
    assert rows.max() - rows.min() > 5
    assert abs(rows.mean() - 128) < 0.15 * 128


def test_lens_dirt_leaves_soft_blotches() -> None:
    img = np.full((120, 200, 3), 128, dtype=np.uint8)
    out = lens_dirt(img, np.random.default_rng(4)).astype(int)
    diff = np.abs(out - 128).max(axis=2)
    assert diff.max() > 10
    assert (diff == 0).mean() > 0.2  # blotches, not a veil over everything
    # soft: no jump between neighbouring pixels anywhere near the blotch's strength
    assert np.abs(np.diff(out[..., 0], axis=1)).max() < diff.max()


def test_blocking_leaves_8x8_block_edges() -> None:
    ramp = np.tile(np.linspace(0, 255, 200), (120, 1))
    img = np.repeat(
        np.clip(ramp + np.random.default_rng(5).normal(0, 10, ramp.shape), 0, 255).astype(np.uint8)[
            ..., None
        ],
        3,
        axis=2,
    )
    out = blocking(img, np.random.default_rng(5)).astype(float)[..., 0]
    steps = np.abs(np.diff(out, axis=1)).mean(axis=0)  # step between columns c and c+1
    at_edges = steps[7::8].mean()
    inside = np.delete(steps, np.arange(7, steps.size, 8)).mean()
    assert at_edges > 1.5 * inside


def test_night_frames_never_get_ir_cut_artefacts() -> None:
    img = _scene()
    for seed in range(60):
        _, names = camera_artefacts(img, np.random.default_rng(seed), night=True, share=1.0)
        assert names
        assert not any(n.startswith("ir_") for n in names)


def test_artefacts_are_one_or_two_known_ones_never_both_ir_kinds() -> None:
    img = _scene()
    seen: set[str] = set()
    for seed in range(120):
        out, names = camera_artefacts(img, np.random.default_rng(seed), night=False, share=1.0)
        assert 1 <= len(names) <= 2
        assert set(names) <= set(ARTEFACTS)
        assert not {"ir_switch", "ir_leak"} <= set(names)
        assert out.shape == img.shape
        assert out.dtype == np.uint8
        seen |= set(names)
    assert seen == set(ARTEFACTS)


def test_share_zero_leaves_the_image_alone() -> None:
    img = _scene()
    out, names = camera_artefacts(img, np.random.default_rng(0), night=False, share=0.0)
    assert names == []
    assert out is img
