"""Real soil grain (renderer v3): only listed photos, laid in perspective, sky untouched."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from agrisafe_models.render.photo import (
    BACKGROUNDS,
    ground_detail,
    photo_ground,
    soil_photos,
)
from agrisafe_models.render.scene import render_background


def test_every_shipped_ground_photo_has_its_source_and_licence() -> None:
    photos = soil_photos()
    assert len(photos) == len(list(BACKGROUNDS.glob("*.jpg"))) >= 4
    assert "CC BY 4.0" in (BACKGROUNDS / "SOURCES.md").read_text(encoding="utf-8")
    assert "Attribution 4.0 International" in (BACKGROUNDS / "LICENSES.md").read_text()


def test_a_photo_without_a_recorded_source_is_refused(tmp_path: Path) -> None:
    (tmp_path / "SOURCES.md").write_text("| listed.jpg | ... |\n")
    img = np.full((40, 40, 3), 90, dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "listed.jpg"), img)
    cv2.imwrite(str(tmp_path / "stray.jpg"), img)
    with pytest.raises(ValueError, match=r"stray\.jpg is not listed"):
        soil_photos(tmp_path)


def test_a_listed_photo_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    (tmp_path / "SOURCES.md").write_text("| broken.jpg | ... |\n")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG \x00" * 4)
    with pytest.raises(ValueError, match=r"broken\.jpg is not a readable image"):
        soil_photos(tmp_path)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "SOURCES.md").write_text("nothing yet\n")
    with pytest.raises(ValueError, match="no ground photos"):
        soil_photos(tmp_path)


def test_detail_is_flat_above_the_horizon_and_finer_towards_it() -> None:
    scene = render_background(np.random.default_rng(3), 384, 216)
    detail = ground_detail(scene, soil_photos()[0], np.random.default_rng(4))
    horizon = int(scene.horizon)
    assert np.all(detail[:horizon] == 1.0)
    ground = detail[int(scene.horizon + 0.3 * (216 - scene.horizon)) :]
    assert abs(float(ground.mean()) - 1.0) < 0.1  # grain, not a change of level
    assert float(ground.std()) > 0.03
    far_band = slice(horizon + int(0.2 * (216 - horizon)), horizon + int(0.35 * (216 - horizon)))
    grad = np.abs(np.diff(detail, axis=1))
    assert grad[far_band].mean() > 1.2 * grad[-30:].mean()  # perspective: finer when further


def test_photo_ground_textures_the_ground_only() -> None:
    scene = render_background(np.random.default_rng(5), 384, 216)
    before = scene.image.copy()
    photo_ground(scene, scene.image, np.random.default_rng(6))
    horizon = int(scene.horizon)
    assert np.array_equal(scene.image[:horizon], before[:horizon])
    changed = np.abs(scene.image[horizon + 40 :].astype(int) - before[horizon + 40 :]).mean()
    assert changed > 2
