"""Writes ../model.json: the engine's manifest, with the sha256 of every file it lists.

  python3 manifest.py [--preload]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os

from model import SAMPLE_RATE, VOCAB

FILES = {
    "model": "onnx/model.onnx",
    "config": "config.json",
    "vocab": "vocab.json",
    "preprocessor": "preprocessor_config.json",
    "tokenizer_config": "tokenizer_config.json",
    "special_tokens": "special_tokens_map.json",
}


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="..")
    args = ap.parse_args()
    manifest = {
        "name": "tessera-asr",
        "task": "SPEECH_RECOGNITION",
        "description": "Small CTC speech recogniser (log-mel in the graph, conv + BiGRU) trained here on espeak-ng "
                       "synthetic English; greedy CTC over lower-case letters. Knows synthetic voices, not human speech.",
        "inputModalities": ["AUDIO"],
        "outputModalities": ["TEXT"],
        "source": "trained here (models/tessera-asr/recipe)",
        "license": "MIT",
        "preload": True,
        "files": {key: {"path": p, "sha256": sha256(os.path.join(args.dir, p))} for key, p in FILES.items()},
        "signature": {"model": {
            "inputs": [{"name": "input_values", "type": "float32", "rank": 2, "dims": [None, None]}],
            "outputs": [{"name": "logits", "type": "float32", "rank": 3, "dims": [None, None, len(VOCAB)]}]}},
        "warmup": {"model": {"input_values": {"dims": [1, SAMPLE_RATE]}}},
        # Trained on utterances of up to ~10 s; longer audio is cut into windows at the VAD's pauses.
        "settings": {"sampleRate": SAMPLE_RATE, "languages": ["en"], "windowSeconds": 20},
    }
    with open(os.path.join(args.dir, "model.json"), "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
