"""Real soil under the drawn crop (renderer v3): photographic ground texture in perspective.

`texture.py` adds noise; real ground has clods, cracks, shadows and seedlings, at a scale that
shrinks towards the horizon. The only openly licensed field photos found so far are four
top-down shots of bare soil (`models/backgrounds/`, CC BY 4.0, Axis Ag GHAIDatasets; sources and
the attribution in its SOURCES.md and LICENSES.md). A top-down photo is a patch of the ground
plane, so a homography lays it into the scene's perspective; its fine detail (the photo divided
by its own blur) then modulates the drawn ground, so rows and crop colours stay the scene's and
the soil's grain is real.
"""

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from agrisafe_models.render.draw import Image
from agrisafe_models.render.scene import Scene

BACKGROUNDS = Path(__file__).resolve().parents[2] / "backgrounds"
ATTRIBUTION = (
    "Ground texture adapted from GHAIDatasets by Axis Ag "
    "(https://github.com/AxisAg/GHAIDatasets), CC BY 4.0; cropped, scaled, re-encoded "
    "(models/backgrounds/LICENSES.md)"
)
Grey = npt.NDArray[np.float32]


@lru_cache(maxsize=1)
def soil_photos(folder: Path = BACKGROUNDS) -> tuple[Grey, ...]:
    """The ground photos in FOLDER as grey float images, listed in its SOURCES.md."""
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    photos = []
    for path in sorted(folder.glob("*.jpg")):
        if path.name not in sources:  # a photo without a recorded source is never used
            raise ValueError(f"{path} is not listed in {folder / 'SOURCES.md'}")
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if grey is None:
            raise ValueError(f"{path} is not a readable image")
        photos.append(np.asarray(grey, dtype=np.float32))
    if not photos:
        raise ValueError(f"no ground photos in {folder}")
    return tuple(photos)


def ground_detail(scene: Scene, photo: Grey, rng: np.random.Generator) -> Grey:
    """PHOTO's fine detail (≈1 ± grain) laid on SCENE's ground plane; 1.0 above the horizon."""
    h, w = scene.height, scene.width
    ph, pw = photo.shape
    side = int(min(ph, pw) * rng.uniform(0.5, 1.0))
    x0, y0 = int(rng.integers(0, pw - side + 1)), int(rng.integers(0, ph - side + 1))
    src = np.array(
        [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side]], dtype=np.float32
    )
    top = scene.horizon + 0.08 * (h - scene.horizon)  # the far edge: small, hazy, not at infinity
    # the patch's far edge looks narrower than its near edge (the frame's width); reflected
    # copies of the patch, in the same perspective, fill the frame around it
    spread = float(rng.uniform(0.08, 0.25)) * w
    dst = np.array([[w / 2 - spread, top], [w / 2 + spread, top], [w, h], [0, h]], dtype=np.float32)
    warp = cv2.getPerspectiveTransform(src, dst)
    laid = cv2.warpPerspective(photo, warp, (w, h), borderMode=cv2.BORDER_REFLECT)
    base = cv2.GaussianBlur(laid, (0, 0), sigmaX=max(2.0, w / 40))
    detail = np.asarray(laid / np.maximum(base, 1.0), dtype=np.float32)
    rows = np.arange(h, dtype=np.float32)[:, None]
    fade = np.clip((rows - scene.horizon) / max(1.0, top - scene.horizon) - 1, 0, 1)
    return np.asarray(1 + (detail - 1) * fade, dtype=np.float32)


def photo_ground(scene: Scene, image: Image, rng: np.random.Generator) -> None:
    """Real soil grain from one of the ground photos over IMAGE's ground, in place."""
    photos = soil_photos()
    detail = ground_detail(scene, photos[int(rng.integers(len(photos)))], rng)
    strength = float(rng.uniform(0.5, 1.0))
    gain = np.clip(1 + strength * (detail - 1), 0.3, 1.8)[..., None]
    image[:] = np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)
