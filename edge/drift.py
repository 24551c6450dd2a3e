"""Domain drift (pure): running statistics of what the detector sees vs. the model's profile.

The profile (`profile.json` beside the model, `agrisafe models profile`) holds, for the model's
rendered validation frames: detections per frame of each class, a histogram of detection
scores, and the mean / spread of frame brightness and contrast. The edge keeps the same sums
over the frames it detects on and reports a drift score in [0, 1] (the largest of: the
Jensen–Shannon divergence of the score histograms, that of the class mixes, and the brightness /
contrast distance in reference standard deviations / 3) and `out_of_domain` when the score
passes `threshold` after `min_frames` frames.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from edge.errors import read_beside

BINS = 10  # score histogram over [0, 1]


class Spread(BaseModel):
    """Mean and standard deviation of a per-frame number."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    mean: float
    std: float = Field(ge=0)


class DriftProfile(BaseModel):
    """What the model sees on its own validation frames."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    frames: int = Field(ge=1)
    class_rates: dict[str, float] = Field(description="detections per frame, per class")
    score_hist: list[float] = Field(min_length=BINS, max_length=BINS, description="shares")
    brightness: Spread
    contrast: Spread


def luma_stats(image: npt.NDArray[np.uint8]) -> tuple[float, float]:
    """Mean and standard deviation of the luma of a ≈ 64 px high copy (cheap)."""
    h, w = image.shape[:2]
    scale = 64 / h if h > 64 else 1.0
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))))
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    mean, std = cv2.meanStdDev(gray)
    return float(mean[0, 0]), float(std[0, 0])


def js_divergence(p: Sequence[float], q: Sequence[float]) -> float:
    """Jensen–Shannon divergence, base 2 (0 same, 1 disjoint); inputs need not be normalised."""
    a, b = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if a.sum() <= 0 or b.sum() <= 0:
        return 0.0 if a.sum() == b.sum() else 1.0
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: npt.NDArray[np.float64]) -> float:
        nz = x > 0
        return float(np.sum(x[nz] * np.log2(x[nz] / m[nz])))

    return max(0.0, min(1.0, (kl(a) + kl(b)) / 2))


@dataclass
class DriftStats:
    """Running sums over detected frames (reset per telemetry period by `snapshot_and_reset`)."""

    frames: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    hist: list[int] = field(default_factory=lambda: [0] * BINS)
    bright: list[float] = field(default_factory=lambda: [0.0, 0.0])  # sum, sum of squares
    contrast: list[float] = field(default_factory=lambda: [0.0, 0.0])

    def add(self, labels_scores: Sequence[tuple[str, float]], luma: tuple[float, float]) -> None:
        """One detected frame: its detections (label, score) and its luma mean / std."""
        self.frames += 1
        for label, score in labels_scores:
            self.counts[label] = self.counts.get(label, 0) + 1
            self.hist[min(BINS - 1, max(0, int(score * BINS)))] += 1
        for acc, v in ((self.bright, luma[0]), (self.contrast, luma[1])):
            acc[0] += v
            acc[1] += v * v

    def merge(self, other: "DriftStats") -> None:
        """Add another camera's sums to these."""
        self.frames += other.frames
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + v
        self.hist = [a + b for a, b in zip(self.hist, other.hist, strict=True)]
        self.bright = [a + b for a, b in zip(self.bright, other.bright, strict=True)]
        self.contrast = [a + b for a, b in zip(self.contrast, other.contrast, strict=True)]

    def snapshot_and_reset(self) -> "DriftStats":
        """The sums so far; this object starts again from zero."""
        out = DriftStats(self.frames, dict(self.counts), list(self.hist))
        out.bright, out.contrast = list(self.bright), list(self.contrast)
        self.frames, self.counts, self.hist = 0, {}, [0] * BINS
        self.bright, self.contrast = [0.0, 0.0], [0.0, 0.0]
        return out

    def mean(self, acc: Sequence[float]) -> float:
        """Mean of an accumulated number."""
        return acc[0] / self.frames if self.frames else 0.0


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Telemetry's view: a score in [0, 1], the flag, and the parts of the score."""

    score: float
    out_of_domain: bool
    parts: Mapping[str, float]


MIN_STD = 5.0  # luma levels: a profile of near-identical frames must not flag every change


def _z(observed: float, ref: Spread) -> float:
    return min(1.0, abs(observed - ref.mean) / max(ref.std, MIN_STD) / 3)


def drift(
    stats: DriftStats, profile: DriftProfile, *, threshold: float = 0.5, min_frames: int = 30
) -> DriftReport:
    """Compare a period's sums with the profile (no verdict before `min_frames` frames)."""
    if stats.frames == 0:
        return DriftReport(0.0, False, {})
    names = sorted(set(profile.class_rates) | set(stats.counts))
    # "nothing detected" is a class of its own, so an empty stream also drifts
    ours = [stats.counts.get(n, 0) / stats.frames for n in names]
    ref = [profile.class_rates.get(n, 0.0) for n in names]
    ours.append(max(0.0, 1.0 - sum(ours)))
    ref.append(max(0.0, 1.0 - sum(ref)))
    parts = {
        "scores": js_divergence(stats.hist, profile.score_hist),
        "classes": js_divergence(ours, ref),
        "brightness": _z(stats.mean(stats.bright), profile.brightness),
        "contrast": _z(stats.mean(stats.contrast), profile.contrast),
    }
    score = round(max(parts.values()), 4)
    flagged = stats.frames >= min_frames and score >= threshold
    return DriftReport(score, flagged, {k: round(v, 4) for k, v in parts.items()})


def load_profile(model: Path) -> DriftProfile | None:
    """`profile.json` beside the model, or None when it has none (drift is then not reported)."""
    return read_beside(model, "profile.json", DriftProfile, "a drift profile")


def profile_from(stats: DriftStats) -> DriftProfile:
    """A profile from sums over reference frames (`agrisafe models profile`)."""
    n = max(1, stats.frames)
    total = sum(stats.hist) or 1

    def spread(acc: Sequence[float]) -> Spread:
        mean = acc[0] / n
        return Spread(mean=round(mean, 4), std=round(math.sqrt(max(0.0, acc[1] / n - mean**2)), 4))

    return DriftProfile(
        frames=n,
        class_rates={k: round(v / n, 5) for k, v in sorted(stats.counts.items())},
        score_hist=[round(h / total, 5) for h in stats.hist],
        brightness=spread(stats.bright),
        contrast=spread(stats.contrast),
    )
