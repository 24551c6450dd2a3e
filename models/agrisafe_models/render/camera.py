"""Camera artefacts (renderer v3): what a cheap pole camera does to a picture.

The v1 conditions (conditions.py) cover light, haze, rain, motion blur, sensor noise and a
mild JPEG. Real farm cameras add more, and each is something a detector may take for an object:

- **IR-cut switching**: at dusk the camera swings its IR-cut filter out and goes grey. The
  filter moves during a frame, so one frame can be colour above a row and IR-grey below it; a
  filter that sticks leaves a daytime image pink, with leaves glowing (chlorophyll reflects
  near-infrared).
- **Rolling exposure**: rows are exposed one after another, so mains-powered light (greenhouse
  lamps) flickers into horizontal bands.
- **Lens dirt**: dust, a dried drop or a spider's web on the dome shows as soft dark or bright
  blotches that never move — the same soft, grainy look as a plume.
- **Compression blocking**: a congested 4G uplink drops the bit rate and the codec gives 8×8
  blocks, smearing fine detail such as mist.

Every function is pure in its inputs (image in, new image out, the choices from RNG).
"""

from collections.abc import Callable

import cv2
import numpy as np

from agrisafe_models.render.draw import Image

Artefact = Callable[[Image, np.random.Generator], Image]


def _grey(image: Image) -> Image:
    g = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return np.repeat(g[..., None], 3, axis=2)


def ir_switch(image: Image, rng: np.random.Generator) -> Image:
    """The IR-cut filter moving mid-frame: colour above a random row, IR-grey below it."""
    h = image.shape[0]
    row = int(rng.integers(h // 5, 4 * h // 5))
    out = image.copy()
    out[row:] = np.clip(_grey(image[row:]).astype(np.float32) * 0.8 + 40, 0, 255).astype(np.uint8)
    return out


def ir_leak(image: Image, rng: np.random.Generator) -> Image:
    """A stuck IR-cut filter in daylight: washed-out pink, vegetation bright."""
    img = image.astype(np.float32)
    b, g, r = img[..., 0], img[..., 1], img[..., 2]
    leaves = ((g > r) & (g > b)).astype(np.float32)[..., None]
    grey = _grey(image).astype(np.float32)
    sat = float(rng.uniform(0.3, 0.6))
    img = grey * (1 - sat) + img * sat
    img = img * (1 + leaves * float(rng.uniform(0.2, 0.45)))
    img *= np.array([1.08, 0.86, 1.12], dtype=np.float32)  # BGR: magenta cast
    return np.clip(img, 0, 255).astype(np.uint8)


def rolling_bands(image: Image, rng: np.random.Generator) -> Image:
    """Horizontal brightness bands from light flickering during a rolling exposure."""
    h = image.shape[0]
    period = float(rng.uniform(h / 8, h / 2))
    depth = float(rng.uniform(0.04, 0.12))
    phase = float(rng.uniform(0, 2 * np.pi))
    rows = np.arange(h, dtype=np.float32)
    gain = 1 + depth * np.sin(2 * np.pi * rows / period + phase)
    out = np.clip(image.astype(np.float32) * gain[:, None, None], 0, 255)
    return np.asarray(out, dtype=np.uint8)


def lens_dirt(image: Image, rng: np.random.Generator) -> Image:
    """One to four soft blotches on the lens: dark (dirt) or bright (a drop catching light)."""
    h, w = image.shape[:2]
    img = image.astype(np.float32)
    for _ in range(int(rng.integers(1, 5))):
        mask = np.zeros((h, w), dtype=np.float32)
        c = (int(rng.integers(w)), int(rng.integers(h)))
        radius = max(2, int(rng.uniform(0.03, 0.12) * w))
        cv2.circle(mask, c, radius, 1.0, -1)
        k = (2 * radius) | 1
        soft = np.asarray(cv2.GaussianBlur(mask, (k, k), 0), dtype=np.float32)
        alpha = (soft * float(rng.uniform(0.15, 0.45)))[..., None]
        tone = 25.0 if rng.random() < 0.6 else 225.0
        img = img * (1 - alpha) + tone * alpha
    return np.clip(img, 0, 255).astype(np.uint8)


def blocking(image: Image, rng: np.random.Generator) -> Image:
    """A starved encoder: a real JPEG at quality 5–20 gives the codec's 8×8 blocks."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(5, 21))])
    out = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
    return image if out is None else np.asarray(out, dtype=np.uint8)


# In the order they are applied (the scene's light first, the lens, the encoder last), with how
# often each is picked: a stuck or moving IR-cut filter is rarer than dirt or a slow uplink.
ARTEFACTS: dict[str, tuple[Artefact, float]] = {
    "ir_leak": (ir_leak, 0.1),
    "ir_switch": (ir_switch, 0.1),
    "rolling_bands": (rolling_bands, 0.2),
    "lens_dirt": (lens_dirt, 0.3),
    "blocking": (blocking, 0.3),
}


def camera_artefacts(
    image: Image, rng: np.random.Generator, night: bool, share: float = 0.5
) -> tuple[Image, list[str]]:
    """IMAGE through one or two artefacts with probability SHARE; returns it and their names.

    NIGHT (already IR-grey) skips the IR-cut artefacts: the filter is out and stays out.
    """
    if rng.random() >= share:
        return image, []
    names = [n for n in ARTEFACTS if not (night and n.startswith("ir_"))]
    weights = np.array([ARTEFACTS[n][1] for n in names])
    picked = set(
        rng.choice(
            names, size=int(rng.integers(1, 3)), replace=False, p=weights / weights.sum()
        ).tolist()
    )
    if {"ir_switch", "ir_leak"} <= picked:
        picked.discard("ir_leak")  # a moving filter and a stuck one are two different frames
    chosen = [n for n in ARTEFACTS if n in picked]
    for name in chosen:
        image = ARTEFACTS[name][0](image, rng)
    return image, chosen
