"""What one verifier sweep costs, per setting of `sweep_tiles` × `sweep_input`.

The sweep is the COCO model's look for the people our model missed (docs/edge.md, Verifier).
On cameras whose workers are small it can also look at a grid of crops, and at a larger input;
each costs CPU once per `sweep_s`. This times `OnnxVerifier.reference(frame, tiled=True)`, the
call the edge makes, on the real photos of people (`models/real-dev/labels.csv`, people > 0):
median CPU ms over photos (each the median of --runs, one onnxruntime thread, trunk sharing off
so the look runs the whole COCO model as a sweep at another input does). The baseline is the
default sweep (the whole frame at the model's 320 input), measured in the same run. What each
setting finds is `agrisafe models eval-real --verifier --sweep-tiles C×R --sweep-input N`.

Usage: python bench/models/sweep_cost.py [--set ../shared/real-dev] [--runs 3]
Prints one JSON object (docs/models.md, "The sweep's crops at a larger input").
"""

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from agrisafe.machine import fingerprint
from agrisafe_models.evaluate.real import locate, read_labels, read_photo
from edge.detect.verifier import OnnxVerifier
from edge.params import VerifierParams

REPO = Path(__file__).resolve().parents[2]
COCO = REPO / "models" / "yolov8n-coco" / "model.onnx"
# name → (sweep_tiles, sweep_input); the first is the baseline
SETTINGS: dict[str, tuple[tuple[int, int] | None, int | None]] = {
    "whole frame, 320": (None, None),
    "2x2 crops, 320": ((2, 2), None),
    "3x3 crops, 320": ((3, 3), None),
    "2x2 crops, 480": ((2, 2), 480),
    "2x2 crops, 640": ((2, 2), 640),
    "3x3 crops, 640": ((3, 3), 640),
}


def _photos(set_dir: Path) -> list[np.ndarray]:
    out = []
    for photo in read_labels():
        path = locate(photo.file, set_dir)
        if photo.people > 0 and path is not None:
            out.append(read_photo(path))
    return out


def sweep_ms(verifier: OnnxVerifier, photos: list[np.ndarray], runs: int) -> float:
    """Median over PHOTOS of the median CPU ms of one sweep look (after one warm-up look)."""
    per_photo = []
    for image in photos:
        verifier.reference(image, tiled=True)
        spent = []
        for _ in range(runs):
            began = time.process_time()
            verifier.reference(image, tiled=True)
            spent.append(time.process_time() - began)
        per_photo.append(statistics.median(spent) * 1000)
    return statistics.median(per_photo)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=REPO.parent / "shared" / "real-dev")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    photos = _photos(args.set)
    if not photos:
        raise SystemExit(f"no photos of people found (--set {args.set})")
    out: dict[str, Any] = {"date": date.today().isoformat(), "machine": fingerprint()}
    out["photos"] = len(photos)
    settings: dict[str, Any] = {}
    base = 0.0
    for name, (tiles, size) in SETTINGS.items():
        params = VerifierParams(sweep_tiles=tiles, sweep_input=size, share_trunk=False)
        ms = sweep_ms(OnnxVerifier(COCO, params), photos, args.runs)
        base = base or ms
        settings[name] = {"cpu_ms": round(ms, 1), "vs_baseline": round(ms / base, 2)}
    out["settings"] = settings
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
