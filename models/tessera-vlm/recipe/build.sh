#!/bin/sh
# Rebuilds models/tessera-vlm from nothing: the vision tower is tessera-captioner's trained
# encoder (read from its ONNX export, frozen); the projector and decoder train on questions
# about freshly rendered training-split scenes (21 wall-clock minutes on a shared 2-core
# machine, then a resumed phase), export, evaluation on held-out colour x shape pairs.
# Needs Debian packages python3-torch python3-onnx python3-pil; the scenes come from
# models/tessera-clip/recipe/render.py. One CPU thread throughout.
set -eu
recipe="$(cd "$(dirname "$0")" && pwd)"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$recipe"
$py train.py --out out --wall-budget-min 21
cp out/ckpt.pt out/ckpt-phase1.pt
$py train.py --out out --resume out/ckpt-phase1.pt --wall-budget-min 9 --lr 1e-3 --warmup 30 --exists-weight 4
cp out/train.log out/train-summary.json .
$py export.py --checkpoint out/ckpt.pt --out ..
$py evaluate.py --checkpoint out/ckpt.pt --n 150 --json eval.json
