"""People too small for one input size: recall per CPU-millisecond, larger input against tiles.

Issue 16: a worker 60 px tall in a 1080p frame is 18 px at 320 input. Two ways to see them —
a larger input (every pixel costs more) or the same input on the whole frame plus overlapping
crops (`edge.detect.tiles`, 1 + cols × rows inferences). On the real photos of people
(`models/real-dev/labels.csv`, people > 0; `../shared/real-dev` plus photos in installed
packages) this measures, per model: `person` recall matched one to one against the people
boxed by hand (`evaluate.people`: IoU 0.5, leniently "mostly inside a person", and for people
30–120 px tall in a 1080-line frame, the pole camera's far workers), the old count-based recall
beside it, false persons, CPU ms per photo (one onnxruntime thread, median of --runs), and
box-matched recall per 10 CPU-ms. The baseline is the first
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

import numpy as np

from agrisafe_models.evaluate.people import PersonBox, match_people, read_boxes
from agrisafe_models.evaluate.real import LABELS, locate, read_labels, read_photo
from edge.detect import load_detector
from edge.params import DetectorParams

REPO = Path(__file__).resolve().parents[2]


Photo = tuple[np.ndarray, int, list[PersonBox]]


def _photos(set_dir: Path) -> list[Photo]:
    out = []
    boxes = read_boxes()
    for photo in read_labels(LABELS):
        path = locate(photo.file, set_dir)
        if photo.people > 0 and path is not None:
            image = read_photo(path)
            out.append((image, photo.people, boxes.get(photo.file, [])))
    return out


def _rate(num: int, den: int) -> float:
    return round(num / den, 3) if den else 0.0


def _measure(
    path: Path, tiles: tuple[int, int] | None, photos: list[Photo], runs: int
) -> dict[str, Any]:
    det = load_detector(path, DetectorParams(threads=1, tiles=tiles))
    counted = people = 0
    tally = dict.fromkeys(("boxed", "found", "on_person", "false", "far", "far_found"), 0)
    cpu: list[float] = []
    for image, n, truth in photos:
        dets = []
        samples = []
        for _ in range(runs):
            t0 = time.process_time()
            dets = det.detect(image)
            samples.append((time.process_time() - t0) * 1000)
        cpu.append(statistics.median(samples))
        counted += min(sum(1 for d in dets if d.label == "person"), n)
        people += n
        row = match_people(dets, truth, image.shape[0])
        for k in ("boxed", "found", "on_person", "false"):
            tally[k] += row[k]
        far = row["by_height"].get("30-120", {"of": 0, "found": 0})
        tally["far"] += far["of"]
        tally["far_found"] += far["found"]
    recall = _rate(tally["found"], tally["boxed"])
    ms = statistics.mean(cpu)
    return {
        "input": list(det.info.imgsz),
        "tiles": list(tiles) if tiles else None,
        "person_recall": recall,
        "person_recall_on_person": _rate(tally["on_person"], tally["boxed"]),
        "person_recall_30_120px": _rate(tally["far_found"], tally["far"]),
        "person_recall_count": _rate(counted, people),
        "false_persons": tally["false"],
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
                "people": sum(n for _, n, _ in photos),
                "people_boxed": sum(sum(not b.difficult for b in t) for _, _, t in photos),
                "runs": args.runs,
                "results": rows,
                "best_recall": best,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
