#!/usr/bin/env bash
# Reproduce models/agri-activity-v2 from Ultralytics' COCO YOLOv8n: render → fine-tune (two
# stages, each gated) → export (+INT8) → calibrate → evaluate. The exact commands that built the
# files (records: models/finetune-runs/2026-12-04-coco-freeze15-v3-mix{,-polish}.json). CPU
# stages are bounded by --time-h, so the epochs done depend on the machine; on a GPU pass
# --device 0 and --epochs N without --time-h.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/agrisafe ] || { python3 -m venv .venv && .venv/bin/pip install -e '.[all,dev,train]'; }
A=.venv/bin/agrisafe
OUT=models/agri-activity-v2
COCO=../shared/models/yolov8n-coco/yolov8n.pt
export YOLO_OFFLINE=1

$A models render-dataset --out var/ft/r4k3 --images 4000 --val 150 --test 100 --seed 7000000 \
    --hard-negatives 0.5 --texture --spray --camera --far-people --photo-ground
$A models render-dataset --out var/ft/r1k2 --images 1000 --val 1 --test 1 --seed 7100000 \
    --hard-negatives 0.5 --texture
$A models render-dataset --out var/ft/r1k3n --images 1000 --val 1 --test 1 --seed 7200000 \
    --hard-negatives 0.5 --texture --spray --camera --far-people --photo-ground --near-people
mix() {  # a data.yaml training on the given rendered sets, validating on r4k3's v1 val split
    mkdir -p "var/ft/$1"
    { echo "path: $PWD/var/ft"; echo "train:"; for s in "${@:2}"; do echo "  - $s/images/train"; done
      echo "val: r4k3/images/val"; echo "test: r4k3/images/test"; echo "names:"
      .venv/bin/python -c "from agrisafe_models import CLASS_NAMES as C
for i, n in enumerate(C): print(f'  {i}: {n}')"
    } > "var/ft/$1/data.yaml"
}
mix mix r4k3 r1k2
mix mix2 r4k3 r1k2 r1k3n
# stage 1: from COCO, backbone and top-down neck frozen (refused by the gate: mAP50-95 0.818)
$A models finetune --base $COCO --data var/ft/mix/data.yaml --rendered var/ft/r4k3/data.yaml \
    --real-set ../shared/real-dev --out var/ft/run8 --epochs 100 --time-h 1.55 --freeze 15 || true
# stage 2: polish at a low rate on whole scenes, close-up people added (passed the gate)
$A models finetune --base var/ft/run8/runs/finetune/weights/best.pt --data var/ft/mix2/data.yaml \
    --rendered var/ft/r4k3/data.yaml --real-set ../shared/real-dev --out var/ft/run9 \
    --epochs 100 --time-h 0.6 --freeze 15 --lr0 0.001 --no-mosaic
cp var/ft/run9/runs/finetune/weights/best.pt $OUT/best.pt
$A models export --weights $OUT/best.pt --out $OUT/model.onnx --imgsz 320 --version 2.0.0 \
    --int8 $OUT/model-int8.onnx --int8-mode float-decode --calibration 200
$A models calibrate --model $OUT/model.onnx --images 600
$A models eval-real --set ../shared/real-dev --model $OUT/model.onnx --json $OUT/eval-real.json
$A models eval-real --set ../shared/real-dev --model $OUT/model.onnx --verifier \
    --json $OUT/eval-real-verifier.json
$A models render-dataset --out var/data/agri-v1 --images 4000 --val 300 --test 400 --seed 0
$A models eval --model $OUT/model.onnx --data var/data/agri-v1/data.yaml --split test \
    --json $OUT/eval-fp32.json
$A models eval --model $OUT/model-int8.onnx --data var/data/agri-v1/data.yaml --split test \
    --json $OUT/eval-int8.json
.venv/bin/python bench/models/latency.py --fp32 $OUT/model.onnx --int8 $OUT/model-int8.onnx \
    --runs 300 > $OUT/latency.json
$A models profile --model $OUT/model.onnx --images 300
$A models eval --model $OUT/model.onnx --clips 20 --clip-width 640 --clip-height 360 \
    --json $OUT/eval-activity.json
