#!/bin/sh
# Builds a GPT-2-small shaped decoder (124M params, random weights) in the same ONNX
# layout as models/tessera-lm, for benchmarks. About 650 MB and a couple of minutes;
# not committed. Needs Debian's python3-torch and python3-onnx.
# usage: scripts/build-random-gpt2.sh [OUT_DIR]   (default /tmp/gpt2-small-random)
set -eu
out="${1:-/tmp/gpt2-small-random}"
cd "$(dirname "$0")/.."
exec env OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/tessera-lm/recipe/export.py --random gpt2-small --out "$out"
