"""CPU latency of the shipped detector: median and p90 per frame, FP32 against INT8.

Goal (issue 6): FP32 ≤ 10 ms median at 320 px on the 2-core machines; INT8 faster. Baselines in
the same run: the preprocessing alone (letterbox of a rendered frame), the cost floor per frame;
with `--previous`, the model it replaces (issue 16: FP32 ≤ the current model's latency).
Prints one JSON object.

Usage: python bench/models/latency.py [--fp32 PATH] [--int8 PATH] [--previous PATH] [--runs N]
       [--threads N]
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from agrisafe.machine import fingerprint
from agrisafe_models.preprocess import letterbox
from agrisafe_models.render.compose import render_still

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "agri-activity-v2"
PREVIOUS = SHIPPED.parent / "agri-activity-v1" / "model.onnx"


def _session(path: Path, threads: int) -> Any:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _time_ms(fns: dict[str, Any], runs: int) -> dict[str, dict[str, float]]:
    """Median and p90 of each function, run in turn within every round: a shared machine's slow
    minute then falls on all of them alike, not on whichever ran during it."""
    for _ in range(max(3, runs // 10)):  # warm-up
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - t0) * 1000)
    out: dict[str, dict[str, float]] = {}
    for name, got in samples.items():
        got.sort()
        out[name] = {"median_ms": statistics.median(got), "p90_ms": got[int(0.9 * (runs - 1))]}
    return out


def main() -> None:
    """Run the benchmark and print JSON."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--fp32", type=Path, default=SHIPPED / "model.onnx")
    ap.add_argument("--int8", type=Path, default=SHIPPED / "model-int8.onnx")
    ap.add_argument("--previous", type=Path, default=PREVIOUS, help="FP32 model it replaces")
    ap.add_argument("--imgsz", type=int, default=320)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    frame = render_still(2_000_000, 1280, 720)[0]
    tensor = letterbox(frame, args.imgsz)
    result: dict[str, Any] = {
        "imgsz": args.imgsz,
        "runs": args.runs,
        "threads": args.threads,
        "cpu_count": os.cpu_count(),
        "onnxruntime": ort.__version__,
        "machine": fingerprint(),
    }
    fns: dict[str, Any] = {"baseline_preprocess": lambda: letterbox(frame, args.imgsz)}
    for name, path in (("fp32", args.fp32), ("int8", args.int8), ("previous", args.previous)):
        if not path.exists():
            result[name] = {"missing": str(path)}
            continue
        sess = _session(path, args.threads)
        feed = {sess.get_inputs()[0].name: tensor.astype(np.float32)}
        result[name] = {"model": str(path), "size_mb": path.stat().st_size / 1e6}
        fns[name] = lambda s=sess, f=feed: s.run(None, f)
    for name, timing in _time_ms(fns, args.runs).items():
        result[name] = result.get(name, {}) | timing
    if "median_ms" in result.get("fp32", {}) and "median_ms" in result.get("int8", {}):
        result["int8_speedup"] = result["fp32"]["median_ms"] / result["int8"]["median_ms"]
    if "median_ms" in result.get("fp32", {}) and "median_ms" in result.get("previous", {}):
        result["fp32_vs_previous"] = result["fp32"]["median_ms"] / result["previous"]["median_ms"]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
