"""Export the EMA weights of a tessera-tts checkpoint to two ONNX graphs plus config.json.

  onnx/encoder.onnx  input_ids int64 [1, N] → hidden float [1, N, 128], log_durations float [1, N]
  onnx/decoder.onnx  frames float [1, T, 130] → log_magnitude float [1, T, 513]

The server repeats hidden states by the rounded durations (scaled by the requested speed) and
appends the two position features itself, as model.expand does.
"""
from __future__ import annotations

import argparse
import json
import os

import torch

from model import HIDDEN, POSITION_FEATURES, Decoder, Encoder
from synth import HOP, RATE_WPM, VOICE
from train import FLOOR, N_FFT


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    ckpt = torch.load(args.checkpoint)
    vocab = ckpt["vocab"]
    encoder, decoder = Encoder(len(vocab) + 2), Decoder(N_FFT // 2 + 1)
    encoder.load_state_dict(ckpt["encoder"])
    decoder.load_state_dict(ckpt["decoder"])
    encoder.eval()
    decoder.eval()
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    torch.onnx.export(encoder, (torch.ones(1, 7, dtype=torch.long),), os.path.join(args.out, "onnx/encoder.onnx"),
                      input_names=["input_ids"], output_names=["hidden", "log_durations"],
                      dynamic_axes={"input_ids": {1: "phonemes"}, "hidden": {1: "phonemes"}, "log_durations": {1: "phonemes"}},
                      opset_version=14)
    torch.onnx.export(decoder, (torch.zeros(1, 20, HIDDEN + POSITION_FEATURES),), os.path.join(args.out, "onnx/decoder.onnx"),
                      input_names=["frames"], output_names=["log_magnitude"],
                      dynamic_axes={"frames": {1: "frames"}, "log_magnitude": {1: "frames"}}, opset_version=14)
    config = {
        "model_type": "tessera-tts",
        "sampling_rate": 22050,
        "n_fft": N_FFT,
        "hop_length": HOP,
        "magnitude_floor": FLOOR,
        "hidden_size": HIDDEN,
        "position_features": POSITION_FEATURES,
        "espeak_voice": VOICE,
        "espeak_rate_wpm": RATE_WPM,
        "pad_id": 0,
        "unknown_id": 1,
        "phoneme_id_map": dict(sorted(vocab.items(), key=lambda kv: kv[1])),
        "griffin_lim_iterations": 16,
        "training_steps": ckpt["step"],
    }
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as fh:
        json.dump(config, fh, ensure_ascii=False, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
