"""Held-out evaluation: greedy CTC on the synthesised evaluation splits, WER and CER.

Splits (synth.py eval): the same 300 sentences, never used in training (their dictionary words
all come from the held-out word slice), spoken once by unseen voices (held-out accent ×
held-out variant) and once by training voices. Clean audio, and again with white noise at
20 dB SNR. The waveform is normalised exactly as the server does (zero mean, unit variance).

  python3 eval.py --checkpoint ckpt/ema.pt --data data/eval --json eval.json
"""
from __future__ import annotations

import argparse
import json
import math

import numpy as np
import torch

from model import TesseraCtc, greedy_decode
from sentences import CORE_WORDS, load_dictionary
from train import normalise
from wer import char_errors, correct_reference_words, word_errors


def run_split(model: TesseraCtc, path: str, snr_db: float | None, held_words: set[str]) -> dict:
    d = np.load(path)
    audio, offsets, meta = d["audio"], d["offsets"], json.loads(str(d["meta"]))
    rng = np.random.default_rng(123)
    we = wn = ce = cn = 0
    held_total = held_correct = 0
    examples = []
    with torch.no_grad():
        for i, item in enumerate(meta):
            x = audio[offsets[i]:offsets[i + 1]].astype(np.float32) / 32768.0
            if snr_db is not None:
                noise = rng.standard_normal(len(x)).astype(np.float32)
                x = x + noise * math.sqrt(float(np.mean(x ** 2)) / 10 ** (snr_db / 10))
            logits = model(torch.from_numpy(normalise(x))[None])
            hyp = greedy_decode(logits[0].argmax(-1).tolist())
            e, n = word_errors(item["text"], hyp)
            we, wn = we + e, wn + n
            e, n = char_errors(item["text"], hyp)
            ce, cn = ce + e, cn + n
            ref = item["text"].split()
            for w, ok in zip(ref, correct_reference_words(ref, hyp.split())):
                if w in held_words:
                    held_total += 1
                    held_correct += ok
            if i < 8:
                examples.append({"voice": item["voice"], "ref": item["text"], "hyp": hyp})
    return {"utterances": len(meta), "words": wn, "wer": round(we / wn, 4), "cer": round(ce / cn, 4),
            "held_out_words": held_total,
            "held_out_word_accuracy": round(held_correct / max(held_total, 1), 4), "examples": examples}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="ckpt/ema.pt")
    ap.add_argument("--data", default="data/eval")
    ap.add_argument("--json", default="eval.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = TesseraCtc()
    state = torch.load(args.checkpoint, map_location="cpu")
    model.load_state_dict(state["model"])
    model.eval()
    _, held = load_dictionary()
    held_words = set(held) - set(CORE_WORDS)
    results = {"checkpoint_step": state.get("step")}
    for split in ("unseen-voices", "seen-voices"):
        for snr in (None, 20.0):
            key = f"{split}/{'clean' if snr is None else f'white-noise-{int(snr)}dB'}"
            results[key] = run_split(model, f"{args.data}/{split}.npz", snr, held_words)
            print(key, {k: v for k, v in results[key].items() if k != "examples"}, flush=True)
    with open(args.json, "w") as fh:
        json.dump(results, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
