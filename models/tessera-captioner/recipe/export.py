"""Exports a trained tessera-captioner checkpoint in the Hugging Face vision-encoder-decoder
ONNX layout, with config, generation config, preprocessor, tokenizer and our model.json:

  onnx/encoder_model.onnx         pixel_values float32 [batch, 3, 64, 64]
                                  -> last_hidden_state float32 [batch, 16, 128]
  onnx/decoder_model_merged.onnx  input_ids int64 [batch, seq], encoder_hidden_states float32 [batch, 16, 128],
                                  past_key_values.{i}.key/value float32 [batch, 4, past, 32], use_cache_branch bool [1]
                                  -> logits float32 [batch, seq, vocab], present.{i}.key/value [batch, 4, past + seq, 32]

As in optimum's merged decoders, use_cache_branch = false means the past is not read
(here: multiplied by zero), so the first step may pass an empty past of any length.

usage: export.py --checkpoint out/ckpt.pt --out ..
"""
import argparse
import hashlib
import json
import os

import onnx
import torch
import torch.nn as nn

from data import BOS, EOS, MEAN, PAD, STD, UNK, WordTokenizer
from model import Captioner, CaptionerConfig

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 14
MAX_LENGTH = 20   # start token + up to 19 words; the longest target caption is 13 words + EOS


class EncoderExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, pixel_values):
        return self.encoder(pixel_values)


class DecoderExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, input_ids, encoder_hidden_states, use_cache_branch, *past_flat):
        gate = use_cache_branch.float()
        past = [(past_flat[2 * i] * gate, past_flat[2 * i + 1] * gate) for i in range(len(past_flat) // 2)]
        logits, presents = self.decoder(input_ids, encoder_hidden_states, past)
        return (logits, *[t for kv in presents for t in kv])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "out/ckpt.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, ".."))
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint)
    cfg = CaptionerConfig(**ck["config"])
    model = Captioner(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    tok = WordTokenizer()
    assert len(tok.vocab) == cfg.vocab_size
    onnx_dir = os.path.join(args.out, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    L, H, hd, W = cfg.decoder_layers, cfg.heads, cfg.width // cfg.heads, cfg.width
    n_img = (cfg.image_size // 16) ** 2

    px = torch.zeros(2, 3, cfg.image_size, cfg.image_size)
    enc_path = os.path.join(onnx_dir, "encoder_model.onnx")
    torch.onnx.export(EncoderExport(model).eval(), (px,), enc_path, opset_version=OPSET,
                      input_names=["pixel_values"], output_names=["last_hidden_state"],
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}})

    past_names = [f"past_key_values.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    ids = torch.tensor([[BOS, 5], [BOS, 6]])
    hidden = torch.randn(2, n_img, W)
    past = [torch.randn(2, H, 3, hd) for _ in past_names]
    dec_path = os.path.join(onnx_dir, "decoder_model_merged.onnx")
    dynamic = {"input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
               "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
               "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    for n in past_names:
        dynamic[n] = {0: "batch_size", 2: "past_decoder_sequence_length"}
    for n in present_names:
        dynamic[n] = {0: "batch_size", 2: "total_decoder_sequence_length"}
    torch.onnx.export(DecoderExport(model).eval(), (ids, hidden, torch.tensor([True]), *past), dec_path,
                      opset_version=OPSET, input_names=["input_ids", "encoder_hidden_states", "use_cache_branch", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=dynamic)
    for path in (enc_path, dec_path):
        onnx.checker.check_model(onnx.load(path))

    write_json(os.path.join(args.out, "config.json"), {
        "architectures": ["VisionEncoderDecoderModel"],
        "model_type": "vision-encoder-decoder",
        "is_encoder_decoder": True,
        "tie_word_embeddings": False,
        "decoder_start_token_id": BOS,
        "pad_token_id": PAD,
        "eos_token_id": EOS,
        "encoder": {
            "model_type": "tessera_cnn_encoder",
            "image_size": cfg.image_size,
            "num_channels": 3,
            "conv_channels": list(cfg.channels),
            "hidden_size": W,
            "num_hidden_layers": cfg.encoder_layers,
            "num_attention_heads": H,
            "num_image_tokens": n_img,
        },
        "decoder": {
            "model_type": "gpt2",
            "add_cross_attention": True,
            "is_decoder": True,
            "vocab_size": cfg.vocab_size,
            "n_embd": W,
            "n_layer": L,
            "n_head": H,
            "n_positions": cfg.max_positions,
            "activation_function": "gelu",
            "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD, "unk_token_id": UNK,
            "decoder_start_token_id": BOS,
        },
        "torch_dtype": "float32",
    })
    write_json(os.path.join(args.out, "generation_config.json"), {
        "decoder_start_token_id": BOS, "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD,
        "max_length": MAX_LENGTH,
    })
    write_json(os.path.join(args.out, "preprocessor_config.json"), {
        "image_processor_type": "ViTImageProcessor",
        "do_convert_rgb": True,
        "do_resize": True,
        "size": {"height": cfg.image_size, "width": cfg.image_size},
        "resample": 2,
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": [MEAN] * 3,
        "image_std": [STD] * 3,
    })
    tok.save(args.out)
    write_json(os.path.join(args.out, "special_tokens_map.json"),
               {"bos_token": "[BOS]", "eos_token": "[EOS]", "pad_token": "[PAD]", "unk_token": "[UNK]"})

    files = {
        "encoder": "onnx/encoder_model.onnx",
        "decoder": "onnx/decoder_model_merged.onnx",
        "config": "config.json",
        "generation_config": "generation_config.json",
        "preprocessor": "preprocessor_config.json",
        "tokenizer": "tokenizer.json",
        "tokenizer_config": "tokenizer_config.json",
    }
    kv_dims = [None, H, None, hd]
    write_json(os.path.join(args.out, "model.json"), {
        "name": "tessera-captioner",
        "task": "IMAGE_CAPTIONING",
        "description": "Small image captioner (CNN encoder, GPT-2 style decoder with cross-attention) trained here "
                       "on synthetic shape scenes: colour, shape, size, count, position, background",
        "inputModalities": ["IMAGE"],
        "outputModalities": ["TEXT"],
        "source": "trained here (models/tessera-captioner/recipe)",
        "license": "MIT",
        "preload": False,
        "files": {k: {"path": p, "sha256": sha256(os.path.join(args.out, p))} for k, p in files.items()},
        "signature": {
            "encoder": {
                "inputs": [{"name": "pixel_values", "type": "float32", "rank": 4, "dims": [None, 3, cfg.image_size, cfg.image_size]}],
                "outputs": [{"name": "last_hidden_state", "type": "float32", "rank": 3, "dims": [None, n_img, W]}],
            },
            "decoder": {
                "inputs": [{"name": "input_ids", "type": "int64", "rank": 2, "dims": [None, None]},
                           {"name": "encoder_hidden_states", "type": "float32", "rank": 3, "dims": [None, None, W]},
                           {"name": "use_cache_branch", "type": "bool", "rank": 1, "dims": [1]}]
                          + [{"name": n, "type": "float32", "rank": 4, "dims": kv_dims} for n in past_names],
                "outputs": [{"name": "logits", "type": "float32", "rank": 3, "dims": [None, None, cfg.vocab_size]}]
                           + [{"name": n, "type": "float32", "rank": 4, "dims": kv_dims} for n in present_names],
            },
        },
        "warmup": {
            "encoder": {"pixel_values": {"dims": [1, 3, cfg.image_size, cfg.image_size]}},
            "decoder": {"input_ids": {"dims": [1, 1], "fill": BOS},
                        "encoder_hidden_states": {"dims": [1, n_img, W]},
                        "use_cache_branch": {"dims": [1], "fill": 0},
                        **{n: {"dims": [1, H, 0, hd]} for n in past_names}},
        },
        "batching": {"maxBatchSize": 8, "maxQueueDelayMs": 2, "maxQueue": 64, "concurrency": 1},
    })
    print("exported to", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
