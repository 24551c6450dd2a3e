"""Fit per-class score → probability maps (isotonic regression) and draw a reliability diagram.

Held-out rendered stills (renderer v2: look-alikes and texture in half of them, so a plume score
is calibrated against dust and sprinklers too) from their own seed range are run through the
edge's detector; each detection is a hit when it overlaps a same-class truth box at IoU ≥ 0.5
(greedy, best score first). Maps are fitted on one range and judged on another: expected
calibration error (ECE) before and after, per class. Matching, pool-adjacent-violators and the
reliability table are pure; `edge.calibration` applies the maps.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from agrisafe_models import CLASS_NAMES
from agrisafe_models.render.compose import V2, Label, Realism, render_still
from edge.calibration import Calibration, ClassMap
from edge.detect.base import Detection, Detector
from edge.geometry import iou as box_iou

FIT_SEED, CHECK_SEED = 6_000_000, 6_500_000  # beside train/val/test/clips/INT8/hard (0–5 M)
BINS = 10
MIN_SAMPLES = 20  # fewer detections of a class: no map (its scores pass through)


@dataclass(frozen=True, slots=True)
class Scored:
    """One detection: class, score, and whether a truth box of its class was there."""

    label: str
    score: float
    hit: bool


def match(dets: Sequence[Detection], truth: Sequence[Label], iou: float = 0.5) -> list[Scored]:
    """Each detection, best first, takes the free same-class truth box it overlaps most."""
    free = list(truth)
    out: list[Scored] = []
    for d in sorted(dets, key=lambda d: -d.score):
        cands = [
            (i, box_iou(d.box, box)) for i, (c, box) in enumerate(free) if CLASS_NAMES[c] == d.label
        ]
        best = max(cands, key=lambda t: t[1], default=None)
        hit = best is not None and best[1] >= iou
        if hit and best is not None:
            free.pop(best[0])
        out.append(Scored(d.label, d.score, hit))
    return out


def isotonic(scores: Sequence[float], hits: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Pool adjacent violators: the non-decreasing step fit of HITS over SCORES, as knots
    (mean score of each pooled block → its hit rate)."""
    order = np.argsort(np.asarray(scores, dtype=np.float64), kind="stable")
    blocks: list[list[float]] = []  # [sum of scores, sum of hits, count]
    for i in order:
        blocks.append([float(scores[i]), float(hits[i]), 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            s, h, n = blocks.pop()
            blocks[-1] = [blocks[-1][0] + s, blocks[-1][1] + h, blocks[-1][2] + n]
    # a pooled mean can come out one rounding step below its neighbour's (equal, tiny scores):
    # the running maximum keeps the knots in order, as the map requires
    xs = np.maximum.accumulate(np.clip([s / n for s, _, n in blocks], 0.0, 1.0))
    ys = np.maximum.accumulate(np.clip([h / n for _, h, n in blocks], 0.0, 1.0))
    return [float(v) for v in xs], [float(v) for v in ys]


def reliability(
    scores: Sequence[float], hits: Sequence[bool], bins: int = BINS
) -> list[dict[str, Any]]:
    """Per score bin: count, mean score, hit rate (the reliability diagram's points)."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, s in enumerate(scores) if lo <= s < hi or (b == bins - 1 and s == 1.0)]
        if idx:
            rows.append(
                {
                    "bin": [round(lo, 2), round(hi, 2)],
                    "n": len(idx),
                    "mean_score": round(float(np.mean([scores[i] for i in idx])), 3),
                    "hit_rate": round(float(np.mean([hits[i] for i in idx])), 3),
                }
            )
    return rows


def ece(rows: Sequence[dict[str, Any]]) -> float | None:
    """Expected calibration error: the count-weighted gap between score and hit rate."""
    n = sum(int(r["n"]) for r in rows)
    if not n:
        return None
    gap = sum(float(r["n"]) * abs(float(r["mean_score"]) - float(r["hit_rate"])) for r in rows)
    return round(gap / n, 4)


def collect(
    detector: Detector, first_seed: int, images: int, realism: Realism = V2
) -> list[Scored]:
    """Scored detections on IMAGES rendered stills from FIRST_SEED."""
    out: list[Scored] = []
    for i in range(images):
        img, truth = render_still(first_seed + i, 384, 216, realism)
        out += match(detector.detect(img), truth)
    return out


def fit(pairs: Sequence[Scored], model: str, fitted_on: str) -> Calibration:
    """Per-class maps from scored detections (classes with too few are left out)."""
    classes: dict[str, ClassMap] = {}
    for label in sorted({p.label for p in pairs}):
        mine = [p for p in pairs if p.label == label]
        if len(mine) >= MIN_SAMPLES:
            xs, ys = isotonic([p.score for p in mine], [p.hit for p in mine])
            classes[label] = ClassMap(x=xs, y=ys)
    return Calibration(model=model, fitted_on=fitted_on, classes=classes)


def judge(pairs: Sequence[Scored], cal: Calibration) -> dict[str, Any]:
    """Per class on held-out pairs: reliability and ECE of raw and calibrated scores."""
    out: dict[str, Any] = {}
    for label in sorted({p.label for p in pairs}):
        mine = [p for p in pairs if p.label == label]
        hits = [p.hit for p in mine]
        before = reliability([p.score for p in mine], hits)
        after = reliability([cal.apply(label, p.score) for p in mine], hits)
        out[label] = {
            "n": len(mine),
            "precision": round(float(np.mean(hits)), 3),
            "ece_raw": ece(before),
            "ece_calibrated": ece(after),
            "raw": before,
            "calibrated": after,
        }
    return out


def draw_reliability(report: dict[str, Any], path: Path, size: int = 360) -> Path:
    """One panel per class: hit rate against score, raw (red) and calibrated (green) points."""
    names = list(report)
    panels = []
    for name in names:
        im = np.full((size, size, 3), 255, np.uint8)
        m = 30
        span = size - 2 * m
        cv2.rectangle(im, (m, m), (m + span, m + span), (0, 0, 0), 1)
        cv2.line(im, (m, m + span), (m + span, m), (160, 160, 160), 1, cv2.LINE_AA)
        for key, color in (("raw", (40, 40, 220)), ("calibrated", (40, 160, 40))):
            pts = [
                (m + int(r["mean_score"] * span), m + span - int(r["hit_rate"] * span))
                for r in report[name][key]
            ]
            for a, b in pairwise(pts):
                cv2.line(im, a, b, color, 1, cv2.LINE_AA)
            for p in pts:
                cv2.circle(im, p, 4, color, -1, cv2.LINE_AA)
        title = f"{name}  ECE {report[name]['ece_raw']} -> {report[name]['ece_calibrated']}"
        cv2.putText(im, title, (m, m - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
        cv2.putText(
            im, "score", (m + span - 40, size - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1
        )
        panels.append(im)
    while len(panels) % 3:
        panels.append(np.full((size, size, 3), 255, np.uint8))
    rows = [np.hstack(panels[i : i + 3]) for i in range(0, len(panels), 3)]
    cv2.imwrite(str(path), np.vstack(rows))
    return path


def write_calibration(model: Path, folder: Path, images: int = 600) -> dict[str, Any]:
    """Fit on IMAGES stills, judge on as many others; calibration.json, calibration-report.json
    and reliability.png into FOLDER. Returns the report."""
    import json

    from edge.calibration import FILE
    from edge.detect import load_detector
    from edge.params import DetectorParams

    detector = load_detector(model, DetectorParams())
    fitted_on = f"{images} rendered v2 stills, seeds {FIT_SEED}+ (hit: IoU ≥ 0.5)"
    name = f"{detector.info.name} {detector.info.version}"
    cal = fit(collect(detector, FIT_SEED, images), name, fitted_on)
    report = judge(collect(detector, CHECK_SEED, images), cal)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FILE).write_text(cal.model_dump_json(indent=2) + "\n")
    (folder / "calibration-report.json").write_text(json.dumps(report, indent=2) + "\n")
    draw_reliability(report, folder / "reliability.png")
    return report
