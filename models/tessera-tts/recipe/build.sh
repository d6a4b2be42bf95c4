#!/bin/sh
# Rebuilds models/tessera-tts from nothing: espeak-ng speech with phoneme timings, 21 minutes of
# training on one CPU thread, export, manifest, held-out sentences, the round-trip figures.
# Needs Debian packages espeak-ng, wamerican, python3-torch, python3-onnx and the repo's npm deps.
# The budget is wall-clock, so a busier machine takes fewer steps (the committed weights:
# train-summary.json, on a 2-core machine shared with other work).
set -eu
recipe="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$recipe/../../.." && pwd)"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$recipe"
mkdir -p data
for seed in 1 2 3 4 5 6; do $py synth.py --out "data/train-$seed.npz" --count 400 --seed "$seed"; done
$py train.py --data data/train-*.npz --out ckpt --minutes 21
cp ckpt/train.log ckpt/train-summary.json .
$py export.py --checkpoint ckpt/ema.pt --out ..
$py manifest.py --dir ..
$py heldout.py --exclude data/train-*.npz --count 30 --out heldout.json
cd "$root"
npx tsx models/tessera-tts/recipe/eval-roundtrip.ts > models/tessera-tts/recipe/eval.json
