"""Exports a decoder to ONNX in the Hugging Face "decoder with past" layout:

  inputs  input_ids [batch, seq] int64, attention_mask [batch, past+seq] int64,
          position_ids [batch, seq] int64,
          past_key_values.{i}.key / .value [batch, n_head, past, head_dim] float32
  outputs logits [batch, seq, vocab] float32,
          present.{i}.key / .value [batch, n_head, past+seq, head_dim] float32

and writes config.json, generation_config.json and our model.json beside it.

usage:
  export.py --checkpoint out/ckpt.pt --out ..              # the trained tessera-lm
  export.py --random gpt2-small --out /tmp/gpt2-small-random  # 124M random weights, for benchmarks
"""
import argparse
import hashlib
import json
import os
import shutil

import torch
import torch.nn as nn

from model import GPT, GPTConfig

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.dirname(HERE)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
EOT_ID = 0

RANDOM_PRESETS = {
    # GPT-2 small's shape. vocab 50257 is kept so compute matches GPT-2; our 4096-token
    # tokenizer only ever produces ids 0..4095, a subset of it.
    "gpt2-small": GPTConfig(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12),
    # Seconds to build; lets the layout checks run without a trained checkpoint.
    "tiny": GPTConfig(vocab_size=4096, n_positions=128, n_embd=64, n_layer=2, n_head=2),
}


class WithPast(nn.Module):
    """Adapts GPT.forward to the flat ONNX signature and builds the attention rule
    from the caller's mask, so left padding and cached decoding both work."""

    def __init__(self, model: GPT):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        n_layer = len(self.model.blocks)
        pasts = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(n_layer)]
        # Distances from the end of the sequence are built from the tensors themselves
        # (cumsum over ones) so no sequence length is frozen into the graph by tracing.
        # Key j (of past+seq) is visible to query i (of seq) when it is not later than
        # it, i.e. when it is at least as far from the end.
        key_ones = torch.ones_like(attention_mask[0])
        query_ones = torch.ones_like(input_ids[0])
        key_from_end = key_ones.sum() - key_ones.cumsum(0)
        query_from_end = query_ones.sum() - query_ones.cumsum(0)
        causal = key_from_end.unsqueeze(0) >= query_from_end.unsqueeze(1)
        allowed = causal.unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(2)
        logits, presents = self.model(input_ids, position_ids, allowed, pasts)
        flat = []
        for k, v in presents:
            flat.extend([k, v])
        return (logits, *flat)


def export_onnx(model: GPT, path: str, opset: int):
    cfg = model.cfg
    model.eval()
    wrapper = WithPast(model).eval()
    head_dim = cfg.n_embd // cfg.n_head
    batch, seq, past = 2, 3, 4
    input_ids = torch.randint(0, cfg.vocab_size, (batch, seq))
    attention_mask = torch.ones(batch, past + seq, dtype=torch.int64)
    position_ids = torch.arange(past, past + seq).unsqueeze(0).expand(batch, seq).contiguous()
    past_flat = [torch.randn(batch, cfg.n_head, past, head_dim) for _ in range(2 * cfg.n_layer)]

    past_names, present_names = [], []
    for i in range(cfg.n_layer):
        past_names += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
        present_names += [f"present.{i}.key", f"present.{i}.value"]
    dynamic = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for name in past_names:
        dynamic[name] = {0: "batch_size", 2: "past_sequence_length"}
    for name in present_names:
        dynamic[name] = {0: "batch_size", 2: "total_sequence_length"}

    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (input_ids, attention_mask, position_ids, *past_flat),
            path,
            input_names=["input_ids", "attention_mask", "position_ids", *past_names],
            output_names=["logits", *present_names],
            dynamic_axes=dynamic,
            opset_version=opset,
            do_constant_folding=True,
        )
    import onnx  # only needed here; the check confirms the file is well formed
    onnx.checker.check_model(path)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_configs(out_dir, cfg: GPTConfig, max_length):
    config = {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": cfg.vocab_size,
        "n_positions": cfg.n_positions,
        "n_ctx": cfg.n_positions,
        "n_embd": cfg.n_embd,
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "n_inner": None,
        "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-5,
        "initializer_range": 0.02,
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "scale_attn_weights": True,
        "tie_word_embeddings": True,
        "use_cache": True,
        "bos_token_id": EOT_ID,
        "eos_token_id": EOT_ID,
        "pad_token_id": EOT_ID,
        "torch_dtype": "float32",
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    gen = {
        "bos_token_id": EOT_ID,
        "eos_token_id": EOT_ID,
        "pad_token_id": EOT_ID,
        "max_length": max_length,
        "do_sample": False,
    }
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump(gen, f, indent=2)
        f.write("\n")


def write_manifest(out_dir, name, description, source, license_, preload):
    onnx_path = os.path.join(out_dir, "onnx", "model.onnx")
    manifest = {
        "name": name,
        "task": "TEXT_GENERATION",
        "description": description,
        "inputModalities": ["TEXT"],
        "outputModalities": ["TEXT", "TOKENS"],
        "source": source,
        "license": license_,
        "preload": preload,
        "files": {"model": {"path": "onnx/model.onnx", "sha256": sha256(onnx_path)}},
        "batching": {"maxBatchSize": 8, "maxQueue": 64},
    }
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="ckpt.pt written by train.py")
    src.add_argument("--random", choices=sorted(RANDOM_PRESETS), help="random weights of a preset shape")
    ap.add_argument("--out", required=True, help="model folder to write")
    ap.add_argument("--opset", type=int, default=14)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)

    if args.checkpoint:
        ckpt = torch.load(args.checkpoint, map_location="cpu")
        cfg = GPTConfig(**ckpt["config"])
        model = GPT(cfg)
        model.load_state_dict(ckpt["model"])
    else:
        torch.manual_seed(args.seed)
        cfg = RANDOM_PRESETS[args.random]
        model = GPT(cfg)

    export_onnx(model, os.path.join(out_dir, "onnx", "model.onnx"), args.opset)
    write_configs(out_dir, cfg, cfg.n_positions)
    if os.path.abspath(out_dir) != MODEL_DIR:
        for name in TOKENIZER_FILES:
            shutil.copyfile(os.path.join(MODEL_DIR, name), os.path.join(out_dir, name))

    if args.checkpoint:
        write_manifest(out_dir, "tessera-lm",
                       "Small GPT-2 style English text generator trained here on simple synthetic stories and Q&A",
                       "trained here (models/tessera-lm/recipe)",
                       "MIT",
                       True)
    else:
        write_manifest(out_dir, f"{args.random}-random",
                       f"{args.random} shaped decoder with random weights, for benchmarks only (output is noise)",
                       "generated by models/tessera-lm/recipe/export.py --random", "MIT", False)
    print(f"{model.num_params()} params -> {out_dir}/onnx/model.onnx "
          f"({os.path.getsize(os.path.join(out_dir, 'onnx', 'model.onnx')) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
