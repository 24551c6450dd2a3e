"""Do two machines see the same things? Detections on the real photos, recorded on each, compared.

onnxruntime picks its CPU kernels by the vector instructions the CPU has (AVX-512, AVX2, NEON),
and they round differently: the same model on the same bytes gives scores that differ in their
last digits, and a score near a threshold falls either side (docs/edge.md, "File sources are
deterministic"). Before trusting a new edge box with figures measured on another, record on
both and compare:

    python bench/models/isa_drift.py record --set ../shared/real-dev --out here.json
    python bench/models/isa_drift.py compare card-box.json here.json

`record` runs our detector and the COCO verifier model (one thread, the edge's thresholds) on
every photo of `models/real-dev/labels.csv` and writes each detection with its machine
(`agrisafe.machine`). `compare` pairs the detections of each photo (same class, IoU >= 0.9) and
prints one JSON object: how many are on one machine only, and the largest score difference.
Without a second box at hand, `qemu-x86_64 -cpu Haswell` (Debian's qemu-user) runs the same
Python as a CPU without AVX-512, slowly.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from agrisafe.machine import fingerprint
from agrisafe_models.evaluate.real import locate, read_labels, read_photo
from edge.detect.onnx import OnnxDetector
from edge.geometry import iou
from edge.params import DetectorParams

REPO = Path(__file__).resolve().parents[2]
MODELS = {
    "ours": REPO / "models" / "agri-activity-v2" / "model.onnx",
    "coco": REPO / "models" / "yolov8n-coco" / "model.onnx",
}
SAME_BOX = 0.9


def record(set_dir: Path | None) -> dict[str, Any]:
    """Every photo's detections by each model, with the machine they ran on."""
    detectors = {n: OnnxDetector(p, DetectorParams(threads=1)) for n, p in MODELS.items()}
    photos: dict[str, dict[str, list[list[Any]]]] = {}
    for photo in read_labels():
        path = locate(photo.file, set_dir)
        if path is None:
            continue
        try:
            image = read_photo(path)
        except ValueError:  # not an image: not compared
            continue
        photos[photo.file] = {
            name: [[d.label, d.score, list(d.box)] for d in det.detect(image)]
            for name, det in detectors.items()
        }
    return {"machine": fingerprint(), "photos": photos}


def _pair(a: list[list[Any]], b: list[list[Any]]) -> tuple[int, float]:
    """Detections of A or B with no twin on the other side, and the largest score gap of a pair."""
    unpaired, gap, used = 0, 0.0, set()
    for label, score, box in a:
        twin = next(
            (
                i
                for i, (lb, _, bx) in enumerate(b)
                if i not in used and lb == label and iou(tuple(box), tuple(bx)) >= SAME_BOX
            ),
            None,
        )
        if twin is None:
            unpaired += 1
            continue
        used.add(twin)
        gap = max(gap, abs(score - b[twin][1]))
    return unpaired + len(b) - len(used), gap


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Per model: photos compared, photos whose detections differ at all, detections on one
    machine only, the largest score difference between twins."""
    common = sorted(set(a["photos"]) & set(b["photos"]))
    out: dict[str, Any] = {"machines": [a["machine"], b["machine"]], "photos": len(common)}
    for name in MODELS:
        total = differ = alone = 0
        gap = 0.0
        for file in common:
            da, db = a["photos"][file].get(name, []), b["photos"][file].get(name, [])
            total += len(da)
            differ += da != db
            n, g = _pair(da, db)
            alone += n
            gap = max(gap, g)
        out[name] = {
            "detections": total,
            "photos_differing": differ,
            "detections_on_one_machine_only": alone,
            "largest_score_difference": round(gap, 6),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--set", type=Path, default=None, help="folder of the real photos")
    rec.add_argument("--out", type=Path, required=True)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("a", type=Path)
    cmp_.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "record":
        args.out.write_text(json.dumps(record(args.set)) + "\n")
        return
    result = compare(json.loads(args.a.read_text()), json.loads(args.b.read_text()))
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
