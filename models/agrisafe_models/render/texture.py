"""Photographic texture for the flat-shaded backgrounds (renderer v2).

Real soil, crop and sky are never one colour: light falls off in blotches, leaves and clods make
grain at every scale, and a sensor adds chroma noise. The v1 backgrounds are flat fills, so a
model trained on them meets texture first on a real camera — and calls it something. This adds
multi-scale value noise (brightness blotches at three scales) and a faint colour cast per blotch.
"""

import cv2
import numpy as np

from agrisafe_models.render.draw import Image


def _noise(rng: np.random.Generator, cells: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    grid = rng.normal(0, 1, cells).astype(np.float32)
    return np.asarray(cv2.resize(grid, size, interpolation=cv2.INTER_CUBIC), dtype=np.float32)


def texturise(image: Image, rng: np.random.Generator, strength: float | None = None) -> None:
    """Blotches and grain over IMAGE, in place; STRENGTH ~0.05–0.2 (random when None)."""
    h, w = image.shape[:2]
    s = float(rng.uniform(0.05, 0.18)) if strength is None else strength
    field = np.zeros((h, w), dtype=np.float32)
    for cells, weight in (((3, 5), 0.5), ((12, 20), 0.3), ((max(2, h // 4), max(2, w // 4)), 0.2)):
        field += weight * _noise(rng, cells, (w, h))
    cast = np.stack([_noise(rng, (3, 5), (w, h)) for _ in range(3)], axis=-1) * (0.3 * s)
    gain = 1 + s * field[..., None] + cast
    image[:] = np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)
