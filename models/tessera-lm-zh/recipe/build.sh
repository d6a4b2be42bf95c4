#!/bin/sh
# Rebuilds models/tessera-lm-zh with tessera-lm's recipe (tokenizer trainer, model, training
# loop and export, all from models/tessera-lm/recipe) on a small Chinese world beside a slice
# of tessera-lm's English one. 7 wall-clock minutes of training on one shared CPU thread.
set -eu
recipe="$(cd "$(dirname "$0")" && pwd)"
lm="$recipe/../../tessera-lm/recipe"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$recipe"
$py gen_zh.py --out out/data --zh-docs 4000 --en-docs 2000
$py "$lm/bpe.py" train --corpus out/data/train.txt --vocab-size 768 --out out/tok
$py "$lm/train.py" --data out/data --tokenizer out/tok --out out --n-embd 128 --n-layer 2 --n-head 4 --ctx 64 --batch-size 16 --time-budget-min 7 --eval-every 100
cp out/train.log .
$py "$lm/export.py" --checkpoint out/ckpt.pt --out ..
# export.py copies tessera-lm's English tokenizer beside the graph; this model has its own.
cp out/tok/tokenizer.json out/tok/tokenizer_config.json out/tok/special_tokens_map.json ..
# export.py names its manifest tessera-lm; this model is its sibling.
$py -c "import json; p='../model.json'; m=json.load(open(p)); m.update(name='tessera-lm-zh', preload=False, source='trained here (models/tessera-lm-zh/recipe)', description='Tiny GPT-2 style generator trained here on templated Chinese sentences beside simple English'); json.dump(m, open(p, 'w'), indent=2, ensure_ascii=False)"
