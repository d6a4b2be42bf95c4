#!/bin/sh
# Rebuilds models/tessera-clip from nothing: training on freshly rendered scenes, export, checks.
# Needs Debian packages python3-torch python3-onnx python3-pil (libopenblas0-pthread for speed)
# and the repo's npm deps. Training takes the 36 minutes it is given, on one CPU thread.
set -eu
recipe="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$recipe/../../.." && pwd)"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$recipe"
nice -n 15 $py train.py --out out --time-budget-min 36 --eval-every 500
cp out/train.log out/train-summary.json .
$py export.py --checkpoint out/ckpt.pt --out ..
$py eval.py --checkpoint out/ckpt.pt --json eval.json
cd "$root"
node models/tessera-clip/recipe/check_onnx.mjs
npx tsx src/cli/models.ts verify tessera-clip
