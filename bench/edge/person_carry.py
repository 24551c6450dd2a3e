"""People's boxes frame by frame: a sweep's widening carried between sweeps, or not.

A still is a first frame, so `agrisafe models eval-real` scores every photo as a sweep's frame;
a camera sweeps once a second. Between sweeps our model boxes a real worker's head or torso
again unless the edge carries the sweep's widening (`edge.carry`). This plays each real photo
with people boxed by hand (`models/real-dev/people-boxes.csv`, `difficult` left out) as a short
clip through the edge's own pipeline (the verifier on, its default sweep): --seconds at 5
detect-fps, the photo panned --pan px a frame (as a camera on a slow pan, or the wind moving
it), the hand boxes moved with it. Per frame, each person counts as found when a `person` track
seen that frame matches him at IoU ≥ 0.5 (one to one, `evaluate.people`). Reported: the
pipeline's CPU ms a frame, and recall on the sweeps' frames and on the frames between them,
with the carry and the hold and without them (`verifier.between_sweeps: false`), in the same
run. Not real video: the people do
not move against the field, and the photo is the same each frame but for the pan. Prints one
JSON object.

Usage: python bench/edge/person_carry.py [--set ../shared/real-dev] [--seconds 2] [--pan 3]
"""

import argparse
import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from agrisafe.machine import fingerprint
from agrisafe_models.evaluate.people import PersonBox, matches, read_boxes
from agrisafe_models.evaluate.real import locate, read_photo
from edge.config import default_model_path
from edge.detect.base import Detection, Image
from edge.detect.onnx import OnnxDetector
from edge.detect.verifier import Verifier, load_verifier
from edge.envelopes import CameraContext
from edge.frames import Frame
from edge.geometry import Box
from edge.params import DetectorParams, EvidenceParams, PipelineParams, VerifierParams
from edge.pipeline import CameraPipeline

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
FPS = 5.0
WIDTH = 1280  # photos are scaled to this width, as a 720p camera's frame


def scaled(box: Box, scale: float) -> Box:
    """BOX in the pixels of the photo scaled by SCALE."""
    return (box[0] * scale, box[1] * scale, box[2] * scale, box[3] * scale)


def clip(image: Image, frames: int, pan: float, noise: float, seed: int) -> list[Image]:
    """The photo panned PAN px a frame to the left (the border repeated), each frame with its
    own sensor noise (Gaussian, NOISE grey levels) and a flicker of ±NOISE in brightness."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    out = []
    for i in range(frames):
        m = np.array([[1, 0, -pan * i], [0, 1, 0]], dtype=np.float32)
        moved = cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        shift = rng.uniform(-noise, noise) + rng.normal(0.0, noise, moved.shape)
        out.append(np.clip(moved + shift, 0, 255).astype(np.uint8))
    return out


def play(
    images: list[Image],
    truth: list[PersonBox],
    pan: float,
    det: OnnxDetector,
    verifier: Verifier | None,
    between: bool,
) -> list[tuple[bool, int, int]]:
    """Per frame: was it a sweep's, how many labelled people a track seen then matches, and
    how many `person` tracks seen then are on nobody."""
    params = PipelineParams(
        evidence=EvidenceParams(enabled=False), verifier=VerifierParams(between_sweeps=between)
    )
    pipe = CameraPipeline(CameraContext("b", "e", "c"), det, params, FPS, verifier=verifier)
    out = []
    for i, image in enumerate(images):
        swept = pipe.stats.swept
        pipe.process(Frame(i, T0 + timedelta(seconds=i / FPS), image))
        moved = [
            PersonBox((t.box[0] - pan * i, t.box[1], t.box[2] - pan * i, t.box[3]), t.difficult)
            for t in truth
        ]
        seen = [Detection(t.label, t.score, t.box) for t in pipe.tracks if t.seen_now]
        m = matches(seen, moved)
        out.append((pipe.stats.swept > swept, len(m.found), len(m.false)))
    return out


def measure(set_dir: Path, seconds: float, pan: float, noise: float, carry: bool) -> dict[str, Any]:
    """Recall on sweep frames and between them; CARRY: what a sweep found is carried and held
    between sweeps (`verifier.between_sweeps`)."""
    model = default_model_path()
    det = OnnxDetector(model, DetectorParams(threads=1))
    verifier = load_verifier(VerifierParams(), model, det)
    blank = np.zeros((720, WIDTH, 3), dtype=np.uint8)
    for _ in range(3):  # warm both sessions: the first runs are slower
        det.detect(blank)
        if verifier is not None:
            verifier.reference(blank)
    tally = {True: [0, 0, 0], False: [0, 0, 0]}  # sweep frame? → [found, of, false]
    cpu_s, frames = 0.0, 0  # the pipeline's CPU, frames played
    for n, (file, people) in enumerate(sorted(read_boxes().items())):
        path = locate(file, set_dir)
        if path is None:
            continue
        photo = read_photo(path)
        scale = WIDTH / photo.shape[1]
        size = (WIDTH, round(photo.shape[0] * scale))
        image = np.asarray(cv2.resize(photo, size), dtype=np.uint8)
        truth = [PersonBox(scaled(p.box, scale), p.difficult) for p in people]
        of = sum(not t.difficult for t in truth)
        images = clip(image, round(seconds * FPS), pan, noise, seed=n)
        began = time.process_time()
        played = play(images, truth, pan, det, verifier, carry)
        cpu_s += time.process_time() - began
        frames += len(played)
        for swept, found, false in played:
            tally[swept][0] += found
            tally[swept][1] += of
            tally[swept][2] += false
    return {
        name: {"found": f, "of": n, "recall": round(f / n, 3) if n else None, "false": x}
        for name, (f, n, x) in (("sweep_frames", tally[True]), ("between_sweeps", tally[False]))
    } | {"cpu_ms_per_frame": round(1000 * cpu_s / frames, 2) if frames else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", type=Path, default=REPO.parent / "shared" / "real-dev")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--pan", type=float, default=3.0, help="pixels a frame")
    ap.add_argument("--noise", type=float, default=3.0, help="grey levels of sensor noise")
    args = ap.parse_args()
    clip_ = {"seconds": args.seconds, "detect_fps": FPS, "pan_px": args.pan, "width": WIDTH}
    report = {
        "date": date.today().isoformat(),
        "machine": fingerprint(),
        "clip": clip_ | {"noise": args.noise},
        "without_carry_and_hold": measure(args.set, args.seconds, args.pan, args.noise, False),
        "with_carry_and_hold": measure(args.set, args.seconds, args.pan, args.noise, True),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
