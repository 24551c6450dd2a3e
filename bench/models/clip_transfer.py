"""Does the detector trained on stills see the plume in rendered clips? Frame-level check.

Renders held-out spraying clips (seeds 3 000 100 +), runs the ONNX model on every other frame
and counts frames whose best `spray_plume` / `backpack_sprayer` score exceeds 0.5, inside the
true spraying interval and outside it (0.3 s margins at the edges are skipped). Not a
substitute for activity-level evaluation through the edge. Prints one JSON object.

Usage: python bench/models/clip_transfer.py [--model PATH] [--clips N]
"""

import argparse
import json
import tempfile
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from agrisafe_models import class_id
from agrisafe_models.preprocess import letterbox
from agrisafe_models.render.clips import render_clip

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "agri-activity-v2" / "model.onnx"
MARGIN_S = 0.3
FPS = 10


def main() -> None:
    """Run the check and print JSON."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=SHIPPED)
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()
    sess = ort.InferenceSession(str(args.model), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    plume, sprayer = 4 + class_id("spray_plume"), 4 + class_id("backpack_sprayer")
    counts = {k: {"frames": 0, "plume": 0, "sprayer": 0} for k in ("spraying", "not_spraying")}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(3_000_100, 3_000_100 + args.clips):
            path = Path(tmp) / f"{seed}.mp4"
            truth = render_clip(
                path, seed=seed, activity="spraying", seconds=16, width=960, height=540, fps=FPS
            )
            act = truth.activities[0]
            cap = cv2.VideoCapture(str(path))
            i = -1
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                i += 1
                t = i / FPS
                if i % 2:
                    continue
                if act.start_s + MARGIN_S <= t < act.end_s - MARGIN_S:
                    key = "spraying"
                elif t < act.start_s - MARGIN_S or t >= act.end_s + MARGIN_S:
                    key = "not_spraying"
                else:
                    continue
                tensor = letterbox(np.asarray(frame, dtype=np.uint8), 320)
                out = sess.run(None, {name: tensor})[0][0]
                counts[key]["frames"] += 1
                counts[key]["plume"] += int(out[plume].max() > args.threshold)
                counts[key]["sprayer"] += int(out[sprayer].max() > args.threshold)
    print(
        json.dumps(
            {"model": str(args.model), "clips": args.clips, "threshold": args.threshold, **counts},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
