"""The held-out sentences of the model card: drawn like the training sentences (synth.py) from a
seed no shard uses, minus any sentence that occurs in a training shard. Only the text is kept;
eval-roundtrip.ts synthesizes them with the exported model and transcribes them with tessera-asr.

  python3 heldout.py --exclude data/train-*.npz --count 30 --out heldout.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.append(os.path.join(os.path.dirname(__file__), "../../tessera-asr/recipe"))
from sentences import SentenceGenerator, load_dictionary  # noqa: E402

HELDOUT_SEED = 424_242


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exclude", nargs="+", required=True)
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    seen = {t for path in args.exclude for t in json.loads(str(np.load(path)["meta"]))["texts"]}
    train_words, _ = load_dictionary()
    gen = SentenceGenerator(HELDOUT_SEED, train_words)
    out: list[str] = []
    while len(out) < args.count:
        text = gen.sentence()
        if text not in seen and text not in out:
            out.append(text)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
