"""Lighting and camera conditions: day, dusk, IR-night grey, haze, rain, blur, noise, JPEG."""

from dataclasses import dataclass

import cv2
import numpy as np

from agrisafe_models.render.draw import Image


@dataclass(frozen=True)
class Conditions:
    """One draw of the camera conditions; the clip renderer keeps one for a whole clip."""

    light: str  # "day", "dusk" or "night" (IR greyscale)
    brightness: float
    haze: float  # 0..1
    rain: int  # number of streaks per 100k pixels
    blur: int  # motion-blur kernel length in pixels (0: none)
    noise: float  # sensor noise sigma (grey levels)
    jpeg: int  # JPEG quality (100: none)

    @staticmethod
    def sample(rng: np.random.Generator) -> "Conditions":
        """Moderate random conditions: most frames stay clear enough to label."""
        light = str(rng.choice(["day", "dusk", "night"], p=[0.6, 0.2, 0.2]))
        return Conditions(
            light=light,
            brightness=float(rng.uniform(0.8, 1.15)),
            haze=float(rng.uniform(0, 0.35)) if rng.random() < 0.3 else 0.0,
            rain=int(rng.integers(5, 40)) if rng.random() < 0.15 else 0,
            blur=int(rng.integers(3, 7)) if rng.random() < 0.15 else 0,
            noise=float(rng.uniform(2, 10 if light == "night" else 6)),
            jpeg=int(rng.integers(40, 95)) if rng.random() < 0.5 else 100,
        )


def apply_conditions(
    image: Image, cond: Conditions, rng: np.random.Generator, horizon: float, lighting: float = 1.0
) -> Image:
    """IMAGE as seen under COND; LIGHTING scales brightness (slow changes in clips)."""
    img = image.astype(np.float32)
    if cond.light == "dusk":
        img *= np.array([0.55, 0.65, 0.9], dtype=np.float32)
    elif cond.light == "night":
        # IR illuminator: greyscale, bright near objects, flat tones
        g = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
        g = 40 + g * 0.75
        img = np.repeat(g[..., None], 3, axis=2)
    img *= cond.brightness * lighting
    if cond.haze > 0:
        h = img.shape[0]
        ramp = np.clip(1 - np.arange(h, dtype=np.float32) / max(1.0, horizon * 2.5), 0, 1)
        a = (cond.haze * (0.4 + 0.6 * ramp))[:, None, None]
        img = img * (1 - a) + 210 * a
    if cond.rain:
        h, w = img.shape[:2]
        n = cond.rain * h * w // 100_000
        streaks = np.zeros((h, w), dtype=np.float32)
        for _ in range(n):
            x, y = int(rng.integers(w)), int(rng.integers(h))
            ln = int(rng.integers(h // 40 + 2, h // 15 + 4))
            cv2.line(streaks, (x, y), (x + ln // 5, y + ln), 1.0, 1)
        img = img * (1 - 0.35 * streaks[..., None]) + 230 * 0.35 * streaks[..., None]
    if cond.blur > 1:
        k = np.zeros((cond.blur, cond.blur), dtype=np.float32)
        k[cond.blur // 2, :] = 1.0 / cond.blur
        img = np.asarray(cv2.filter2D(img, -1, k), dtype=np.float32)
    if cond.noise > 0:
        img += rng.normal(0, cond.noise, img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if cond.jpeg < 100:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, cond.jpeg])
        decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            out = np.asarray(decoded, dtype=np.uint8)
    return out
