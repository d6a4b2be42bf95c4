"""Export a checkpoint to the Wav2Vec2ForCTC ONNX layout plus its tokenizer/preprocessor/config files.

  python3 export.py --checkpoint ckpt/ema.pt --out ..

Also writes data/check/check.json (a few inputs and PyTorch's logits) for check_onnx.mjs.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from model import SAMPLE_RATE, SAMPLES_PER_FRAME, VOCAB, TesseraCtc


def write_json(path: str, obj) -> None:
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="ckpt/ema.pt")
    ap.add_argument("--out", default="..")
    ap.add_argument("--check", default="data/check")
    args = ap.parse_args()

    model = TesseraCtc()
    state = torch.load(args.checkpoint, map_location="cpu")
    model.load_state_dict(state["model"])
    model.eval()

    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    dummy = torch.randn(2, SAMPLE_RATE)
    torch.onnx.export(
        model, dummy, os.path.join(args.out, "onnx", "model.onnx"),
        input_names=["input_values"], output_names=["logits"],
        dynamic_axes={"input_values": {0: "batch", 1: "samples"}, "logits": {0: "batch", 1: "frames"}},
        opset_version=17, do_constant_folding=True)

    write_json(os.path.join(args.out, "vocab.json"), {t: i for i, t in enumerate(VOCAB)})
    special = {"pad_token": "<pad>", "unk_token": "<unk>"}
    write_json(os.path.join(args.out, "special_tokens_map.json"), special)
    write_json(os.path.join(args.out, "tokenizer_config.json"), {
        "tokenizer_class": "Wav2Vec2CTCTokenizer", **special, "word_delimiter_token": "|",
        "do_lower_case": False, "replace_word_delimiter_char": " ", "model_max_length": 1000000})
    write_json(os.path.join(args.out, "preprocessor_config.json"), {
        "feature_extractor_type": "Wav2Vec2FeatureExtractor", "feature_size": 1, "sampling_rate": SAMPLE_RATE,
        "padding_side": "right", "padding_value": 0.0, "do_normalize": True, "return_attention_mask": False})
    write_json(os.path.join(args.out, "config.json"), {
        "architectures": ["TesseraCtcForCTC"], "model_type": "tessera-ctc",
        "vocab_size": len(VOCAB), "pad_token_id": 0, "pad_token": "<pad>", "word_delimiter_token": "|",
        "ctc_loss_reduction": "mean", "inputs_to_logits_ratio": SAMPLES_PER_FRAME,
        "sampling_rate": SAMPLE_RATE, "num_mel_bins": 64, "hop_length": 160, "n_fft": 400,
        "conv_channels": model.subsample.out_channels, "conv_blocks": len(model.blocks),
        "rnn_type": "gru", "rnn_layers": model.rnn.num_layers, "rnn_hidden_size": model.rnn.hidden_size,
        "bidirectional": True, "num_parameters": sum(p.numel() for p in model.parameters()),
        "training_step": state.get("step")})

    # Inputs of odd lengths and a padded batch, for the onnxruntime-node comparison.
    os.makedirs(args.check, exist_ok=True)
    rng = np.random.default_rng(0)
    cases = []
    with torch.no_grad():
        for n in (400, 8000, 23457):
            wave = rng.standard_normal(n).astype(np.float32) * np.sin(np.arange(n) / 50).astype(np.float32)
            logits = model(torch.from_numpy(wave)[None])[0]
            cases.append({"samples": wave.tolist(), "dims": list(logits.shape), "logits": logits.flatten().tolist()})
    write_json(os.path.join(args.check, "check.json"), {"cases": cases})
    print("exported", os.path.join(args.out, "onnx", "model.onnx"))


if __name__ == "__main__":
    main()
