#!/bin/sh
# Rebuilds models/tessera-asr from nothing: synthesise speech, train, export, evaluate, check in
# onnxruntime-node, write the manifest. Needs Debian packages espeak-ng, sox, wamerican,
# python3-torch, python3-onnx (libopenblas0-pthread for speed) and the repo's npm deps.
# Training runs on one CPU thread for the minutes it is given (TRAIN_MINUTES, default 85) while
# synthesis keeps adding shards beside it.
set -eu
recipe="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$recipe/../../.." && pwd)"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$recipe"
nice -n 12 $py synth.py eval --out data/eval
nice -n 12 $py synth.py train --out data/train --shards 60 --per-shard 500 --seed 1 > data/synth-train.log 2>&1 &
synth=$!
# Training starts once the first shards exist; it re-lists shards every epoch.
until [ -e data/train/shard-0001.npz ]; do sleep 5; done
nice -n 10 $py train.py --data data/train --eval data/eval --out ckpt --minutes "${TRAIN_MINUTES:-85}" --checkpoint-minutes 8 --warmup 150
kill "$synth" 2>/dev/null || true
cp ckpt/train.log ckpt/train-summary.json .
$py export.py --checkpoint ckpt/ema.pt --out ..
$py eval.py --checkpoint ckpt/ema.pt --data data/eval --json eval.json
$py manifest.py --dir ..
cd "$root"
node models/tessera-asr/recipe/check_onnx.mjs
