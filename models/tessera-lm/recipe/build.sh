#!/bin/sh
# Rebuilds models/tessera-lm from nothing: corpus, tokenizer, training, export, checks.
# Needs Debian packages python3-torch python3-onnx bible-kjv (and, for ~5x faster
# training than the reference BLAS, libopenblas0-pthread), plus the repo's npm deps.
# Training alone takes ~40 minutes on one CPU thread.
set -eu
recipe="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$recipe/../../.." && pwd)"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$recipe"
$py gen_corpus.py --out out/data --docs 60000 --seed 1234
$py prep_kjv.py --out out/data/kjv.txt
$py bpe.py train --corpus out/data/train.txt out/data/kjv.txt --vocab-size 4096 --out ..
rm -f out/train_ids.npy out/valid_ids.npy
nice -n 10 $py train.py --data out/data --tokenizer .. --out out --time-budget-min 40
$py export.py --checkpoint out/ckpt.pt --out ..
cd "$root"
node models/tessera-lm/recipe/check_tokenizer.mjs
node models/tessera-lm/recipe/check_onnx.mjs models/tessera-lm
