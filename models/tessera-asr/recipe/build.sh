#!/bin/sh
# Rebuilds models/tessera-asr from nothing: synthesise speech, train in the three stages the
# committed weights went through, export, evaluate, write the manifest, check in onnxruntime-node.
# Needs Debian packages espeak-ng, sox, wamerican, python3-torch, python3-onnx
# (libopenblas0-pthread for speed) and the repo's npm deps. Stages are wall-clock budgets on one
# CPU thread, so a faster or idler machine takes more steps in the same minutes.
set -eu
recipe="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$recipe/../../.." && pwd)"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$recipe"
nice -n 12 $py synth.py eval --out data/eval
nice -n 12 $py synth.py train --out data/train --shards 30 --per-shard 500 --seed 1
train="nice -n 10 $py train.py --data data/train --eval data/eval"
# 1: heavy augmentation from the start, cut short on the CTC blank plateau
$train --out ckpt-run1 --minutes 85 --stop-minutes 17 --batch-seconds 80 --lr 2e-3 --warmup 150 --ramp-minutes 0.01 --checkpoint-minutes 8
# 2: smaller batches, noise and SpecAugment ramped in
$train --out ckpt-run2 --init ckpt-run1/ema.pt --minutes 62 --stop-minutes 16 --batch-seconds 40 --lr 1e-3 --warmup 50 --ramp-minutes 20 --checkpoint-minutes 8
# 3: mild noise, no SpecAugment or dropout (one pass over fresh data), cosine to the end
$train --out ckpt --init ckpt-run2/ema.pt --minutes 44 --batch-seconds 40 --lr 1e-3 --warmup 30 --ramp-minutes 1 --max-strength 0.4 --spec-augment 0 --dropout 0 --checkpoint-minutes 7
cp ckpt/train-summary.json .
cat ckpt-run1/train.log ckpt-run2/train.log ckpt/train.log > train.log
$py export.py --checkpoint ckpt/ema.pt --out ..
$py eval.py --checkpoint ckpt/ema.pt --data data/eval --json eval.json
$py manifest.py --dir ..
cd "$root"
node models/tessera-asr/recipe/check_onnx.mjs
