"""People too small for one input size: recall per CPU-millisecond, larger input against tiles.

Issue 16: a worker 60 px tall in a 1080p frame is 18 px at 320 input. Two ways to see them —
a larger input (every pixel costs more) or the same input on the whole frame plus overlapping
crops (`edge.detect.tiles`, 1 + cols × rows inferences). On the real photos of people
(`models/real-dev/labels.csv`, people > 0; `../shared/real-dev` plus photos in installed
packages) this measures, per model: `person` recall (matched / people), CPU ms per photo (one
onnxruntime thread, median of --runs), and recall per 10 CPU-ms. The baseline is the first
model as given (no tiles), measured in the same run. Prints one JSON object.

Usage: python bench/models/person_scale.py --model NAME=PATH.onnx [...] [--tiles 2x2] [--runs 3]
(export larger inputs first: agrisafe models export --weights yolov8n.pt --imgsz 640 --out …)
"""

import argparse
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from agrisafe_models.evaluate.real import LABELS, locate, read_labels
from edge.detect import load_detector
from edge.params import DetectorParams

REPO = Path(__file__).resolve().parents[2]


def _photos(set_dir: Path) -> list[tuple[np.ndarray, int]]:
    out = []
    for photo in read_labels(LABELS):
        path = locate(photo.file, set_dir)
        if photo.people > 0 and path is not None:
            out.append((np.asarray(cv2.imread(str(path), cv2.IMREAD_COLOR)), photo.people))
    return out


def _measure(
    path: Path, tiles: tuple[int, int] | None, photos: list[Any], runs: int
) -> dict[str, Any]:
    det = load_detector(path, DetectorParams(threads=1, tiles=tiles))
    matched = people = 0
    cpu: list[float] = []
    for image, n in photos:
        found = 0
        samples = []
        for _ in range(runs):
            t0 = time.process_time()
            found = sum(1 for d in det.detect(image) if d.label == "person")
            samples.append((time.process_time() - t0) * 1000)
        cpu.append(statistics.median(samples))
        matched += min(found, n)
        people += n
    recall = matched / people if people else 0.0
    ms = statistics.mean(cpu)
    return {
        "input": list(det.info.imgsz),
        "tiles": list(tiles) if tiles else None,
        "person_recall": round(recall, 3),
        "cpu_ms_per_photo": round(ms, 1),
        "recall_per_10ms": round(10 * recall / ms, 3) if ms else None,
    }


def main() -> None:
    """Measure every model with and without tiles; print JSON."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True, help="NAME=PATH.onnx")
    ap.add_argument("--tiles", default="2x2", help="cols x rows for the tiled runs ('' for none)")
    ap.add_argument("--set", type=Path, default=REPO.parent / "shared" / "real-dev")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    photos = _photos(args.set)
    grid: tuple[int, int] | None = None
    if args.tiles:
        n_cols, _, n_rows = args.tiles.partition("x")
        grid = (int(n_cols), int(n_rows))
    rows: dict[str, Any] = {}
    for spec in args.model:
        name, _, path = spec.partition("=")
        rows[name] = _measure(Path(path), None, photos, args.runs)
        if grid:
            rows[f"{name}+tiles{args.tiles}"] = _measure(Path(path), grid, photos, args.runs)
    base = next(iter(rows.values()))
    for row in rows.values():
        row["cpu_vs_baseline"] = round(row["cpu_ms_per_photo"] / base["cpu_ms_per_photo"], 2)
    best = max(rows, key=lambda k: (rows[k]["person_recall"], rows[k]["recall_per_10ms"] or 0))
    print(
        json.dumps(
            {
                "date": date.today().isoformat(),
                "cpus": os.cpu_count(),
                "photos": len(photos),
                "people": sum(n for _, n in photos),
                "runs": args.runs,
                "results": rows,
                "best_recall": best,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
