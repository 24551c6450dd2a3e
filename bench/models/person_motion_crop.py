"""Far workers and a crop around motion: what the sweep finds if motion points at the worker.

Issue 16 asks, for distant workers, to measure a larger input and detection on crops around
motion, and to choose by recall per CPU-millisecond. `bench/models/person_scale.py` measures the
first two on the real photos. A still has no motion, so this measures the third as an upper
bound: for each person boxed by hand (`models/real-dev/people-boxes.csv`, `difficult` left out),
the COCO model looks at the whole photo and at one square crop centred on him, as
`edge.detect.tiles.crops_around` places it around a walking worker's moving region, side = a
share of the frame's height. A person counts as found when a `person` box of the merged look
matches him at IoU ≥ 0.5. Reported by his height in a 1080-line frame (`<30`, `30-120` — the
pole camera's far field —, `>=120`), with CPU ms of a look with a crop against the whole-frame
look alone, measured in the same run (one onnxruntime thread, median over people of the median
of --runs). What it does not
measure: whether motion finds him (a worker standing still makes none; `min_area` may gate a
lone far walker's frame). Prints one JSON object.

Usage: python bench/models/person_motion_crop.py [--model PATH.onnx] [--sides 0.25,0.33,0.5]
"""

import argparse
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from agrisafe_models.evaluate.people import BANDS, MATCH_IOU, band, read_boxes
from agrisafe_models.evaluate.real import locate, read_photo
from edge.detect.onnx import OnnxDetector
from edge.detect.tiles import crops_around, detect_with_crops
from edge.geometry import iou
from edge.params import DetectorParams

REPO = Path(__file__).resolve().parents[2]


def _measure(det: OnnxDetector, set_dir: Path, side: float | None, runs: int) -> dict[str, Any]:
    tally = {name: {"of": 0, "found": 0} for _, name in BANDS}
    times: dict[bool, list[float]] = {False: [], True: []}  # by: was a crop looked at
    for file, people in sorted(read_boxes().items()):
        path = locate(file, set_dir)
        if path is None:
            continue
        image = read_photo(path)
        h, w = image.shape[:2]
        for person in (p for p in people if not p.difficult):
            crops = crops_around([person.box], w, h, side, 1) if side else []
            spent = []
            for _ in range(runs):
                began = time.process_time()
                found = detect_with_crops(det, image, crops, det.detect(image))
                spent.append(time.process_time() - began)
            times[bool(crops)].append(statistics.median(spent))
            row = tally[band(person.box, h)]
            row["of"] += 1
            row["found"] += any(
                d.label == "person" and iou(d.box, person.box) >= MATCH_IOU for d in found
            )
    of = sum(b["of"] for b in tally.values())
    hits = sum(b["found"] for b in tally.values())
    return {
        "side": side,
        "recall": round(hits / of, 3) if of else 0.0,
        "by_height_1080p": tally,
        "crops": len(times[True]),  # a person over half a crop's side gets none
        "cpu_ms_whole_only": _ms(times[False]),
        "cpu_ms_with_crop": _ms(times[True]),
    }


def _ms(seconds: list[float]) -> float | None:
    return round(1000 * statistics.median(seconds), 1) if seconds else None


def main() -> None:
    """The whole-frame look, then each crop side; print JSON."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=REPO / "models" / "yolov8n-coco" / "model.onnx")
    ap.add_argument("--sides", default="0.25,0.33,0.5", help="crop sides, shares of the height")
    ap.add_argument("--set", type=Path, default=REPO.parent / "shared" / "real-dev")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    det = OnnxDetector(args.model, DetectorParams(conf=0.35, threads=1))
    rows = [_measure(det, args.set, None, args.runs)]
    rows += [_measure(det, args.set, float(s), args.runs) for s in args.sides.split(",")]
    whole = rows[0]["cpu_ms_whole_only"]
    for row in rows:
        with_crop = row["cpu_ms_with_crop"]
        row["crop_look_vs_whole"] = round(with_crop / whole, 2) if with_crop and whole else None
    print(
        json.dumps(
            {
                "date": date.today().isoformat(),
                "cpus": os.cpu_count(),
                "model": str(args.model),
                "runs": args.runs,
                "note": "upper bound: each crop is centred on the person, as motion would place "
                "it around a walking worker; whole = the whole-frame look alone",
                "results": rows,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
