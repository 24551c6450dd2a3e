#!/usr/bin/env bash
# Reproduce models/agri-activity-v1 from nothing: render → train → export (+INT8) → evaluate →
# latency. These are the exact commands that built the shipped files (see MODEL_CARD.md).
# CPU training is budgeted by time (--time, hours), so the epochs done depend on the machine;
# on a GPU pass `--device 0` and `--epochs N` without `--time`.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/agrisafe ] || { python3 -m venv .venv && .venv/bin/pip install -e '.[all,dev,train]'; }
A=.venv/bin/agrisafe
OUT=models/agri-activity-v1

$A models render-dataset --out var/data/agri-v1 --images 4000 --val 300 --test 400 --seed 0
nice -n 5 $A models train --data var/data/agri-v1/data.yaml --epochs 200 --time 1.7 \
    --imgsz 320 --batch 16 --workers 1 --project var/runs --name agri-activity-v1
$A models export --weights var/runs/agri-activity-v1/weights/best.pt --out $OUT/model.onnx \
    --imgsz 320 --version 1.0.0 --int8 $OUT/model-int8.onnx --int8-mode float-decode \
    --calibration 200
$A models eval --model $OUT/model.onnx --data var/data/agri-v1/data.yaml --split test \
    --json $OUT/eval-fp32.json
$A models eval --model $OUT/model-int8.onnx --data var/data/agri-v1/data.yaml --split test \
    --json $OUT/eval-int8.json
.venv/bin/python bench/models/latency.py --runs 300 > $OUT/latency.json
# activity level, once the edge package is installed (20 held-out clips, seeds 3000000+):
# $A models eval --model $OUT/model.onnx --clips 20 --json $OUT/eval-activity.json
# calibration maps (score → probability per class) and the reliability diagram, 2026-12-04:
$A models calibrate --model $OUT/model.onnx --images 600
