"""Write models/tessera-tts/model.json: the files with their sha256, the graphs' signatures and a
warm-up feed for each, in the repository's manifest format (src/inference/repository/manifest.ts).

  python3 manifest.py --dir ..
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os

FILES = {"encoder": "onnx/encoder.onnx", "decoder": "onnx/decoder.onnx", "config": "config.json"}


def sha256(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    config = json.load(open(os.path.join(args.dir, "config.json"), encoding="utf-8"))
    hidden, bins = config["hidden_size"], config["n_fft"] // 2 + 1
    manifest = {
        "name": "tessera-tts",
        "task": "TEXT_TO_SPEECH",
        "description": "Small duration-based voice trained here on espeak-ng (en-us) speech: espeak-ng phonemes → "
                       "conv + BiGRU encoder with durations → dilated conv decoder of log STFT magnitudes → "
                       "Griffin-Lim. One voice, English, 22.05 kHz.",
        "inputModalities": ["TEXT"],
        "outputModalities": ["AUDIO"],
        "source": "trained here (models/tessera-tts/recipe)",
        "license": "MIT",
        "preload": False,
        "files": {key: {"path": path, "sha256": sha256(os.path.join(args.dir, path))} for key, path in FILES.items()},
        "signature": {
            "encoder": {
                "inputs": [{"name": "input_ids", "type": "int64", "rank": 2, "dims": [1, None]}],
                "outputs": [{"name": "hidden", "type": "float32", "rank": 3, "dims": [1, None, hidden]},
                            {"name": "log_durations", "type": "float32", "rank": 2, "dims": [1, None]}],
            },
            "decoder": {
                "inputs": [{"name": "frames", "type": "float32", "rank": 3, "dims": [1, None, hidden + 2]}],
                "outputs": [{"name": "log_magnitude", "type": "float32", "rank": 3, "dims": [1, None, bins]}],
            },
        },
        "warmup": {
            "encoder": {"input_ids": {"dims": [1, 8], "fill": 2}},
            "decoder": {"frames": {"dims": [1, 16, hidden + 2]}},
        },
        "settings": {"sampleRate": config["sampling_rate"], "languages": ["en"], "voices": ["default"]},
    }
    with open(os.path.join(args.dir, "model.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
