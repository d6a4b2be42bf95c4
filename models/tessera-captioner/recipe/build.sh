#!/bin/sh
# Rebuilds models/tessera-captioner from nothing: training on freshly rendered scenes (three
# phases: 18 wall-clock minutes, then twice 6 CPU minutes resumed), export, evaluation, checks.
# Needs Debian packages python3-torch python3-onnx python3-pil and the repo's npm deps;
# the scenes come from models/tessera-clip/recipe/render.py. One CPU thread throughout.
set -eu
recipe="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$recipe/../../.." && pwd)"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$recipe"
nice -n 10 $py train.py --out out --time-budget-min 18
cp out/ckpt.pt out/ckpt-phase1.pt
nice -n 10 $py train.py --out out --resume out/ckpt-phase1.pt --cpu-budget-min 6 --lr 1e-3 --warmup 50
cp out/ckpt.pt out/ckpt-phase2.pt
nice -n 10 $py train.py --out out --resume out/ckpt-phase2.pt --cpu-budget-min 6 --lr 5e-4 --warmup 50
cp out/train.log out/train-summary.json .
$py export.py --checkpoint out/ckpt.pt --out ..
$py eval.py --checkpoint out/ckpt.pt --json eval.json
$py check_data.py --checkpoint out/ckpt.pt
cd "$root"
npx tsx models/tessera-captioner/recipe/check_onnx.ts
npx tsx src/cli/models.ts verify tessera-captioner
