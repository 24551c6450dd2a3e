"""The drift reference profile of a model: what it sees on its rendered validation frames."""

from pathlib import Path

from agrisafe.files import atomic_write
from agrisafe_models.render.compose import render_still
from agrisafe_models.render.dataset import SPLIT_OFFSETS
from edge.detect import load_detector
from edge.drift import DriftProfile, DriftStats, luma_stats, profile_from
from edge.params import DetectorParams


def build_profile(
    model: Path, *, images: int = 300, seed: int = 0, width: int = 384, height: int = 216
) -> DriftProfile:
    """Run MODEL (default thresholds) on the first IMAGES rendered validation stills."""
    det = load_detector(model, DetectorParams())
    stats = DriftStats()
    base = seed + SPLIT_OFFSETS["val"]
    for i in range(images):
        image, _ = render_still(base + i, width, height)
        stats.add([(d.label, d.score) for d in det.detect(image)], luma_stats(image))
    return profile_from(stats)


def write_profile(profile: DriftProfile, out: Path) -> Path:
    """Write the profile as JSON (atomically)."""
    atomic_write(out, (profile.model_dump_json(indent=2) + "\n").encode())
    return out
