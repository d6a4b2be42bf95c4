"""Exports a trained tessera-vlm checkpoint in the layout transformers.js and optimum use for
decoder vision-language models, with config, generation config, preprocessor, tokenizer
(chat template included) and our model.json:

  onnx/vision_encoder.onnx        pixel_values float32 [batch, 3, 64, 64] -> image_features float32 [batch, 16, 64]
  onnx/embed_tokens.onnx          input_ids int64 [batch, seq] -> inputs_embeds float32 [batch, seq, 64]
  onnx/decoder_model_merged.onnx  inputs_embeds, attention_mask int64 [batch, past + seq], position_ids int64 [batch, seq],
                                  past_key_values.{i}.key/value float32 [batch, 4, past, 16]
                                  -> logits float32 [batch, seq, vocab], present.{i}.key/value

The chat template writes one <image> per image part; the server expands it to the 16
placeholder tokens whose embeddings the image features replace (config.image_seq_len).

usage: export.py --checkpoint out/ckpt.pt --out ..
"""
import argparse
import hashlib
import json
import os

import onnx
import torch
import torch.nn as nn

from qa import BOS, EOS, IMAGE, IMAGE_TOKENS, MEAN, PAD, SPECIALS, STD, UNK, WordTokenizer
from vlm_model import Vlm, VlmConfig

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 14
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'user' %}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}{% if part['type'] == 'image' %}<image>{% else %} {{ part['text'] }}{% endif %}{% endfor %}"
    "{% endif %} answer :"
    "{% elif message['role'] == 'assistant' %} {{ message['content'] }}{{ eos_token }}"
    "{% endif %}{% endfor %}"
)


class VisionExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model.image_features(pixel_values)


class EmbedExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.tok = model.tok

    def forward(self, input_ids):
        return self.tok(input_ids)


class DecoderExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, inputs_embeds, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model.decode(inputs_embeds, attention_mask, position_ids, past)
        return (logits, *[t for kv in presents for t in kv])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def tokenizer_json(tok):
    def special(i, t):
        return {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(i, t) for i, t in enumerate(SPECIALS)],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {w: i for i, w in enumerate(tok.vocab)}},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "out/ckpt.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, ".."))
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint)
    cfg = VlmConfig(**ck["config"])
    model = Vlm(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    tok = WordTokenizer()
    assert len(tok.vocab) == cfg.vocab_size
    onnx_dir = os.path.join(args.out, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    L, H, hd, W = cfg.decoder_layers, cfg.heads, cfg.text_width // cfg.heads, cfg.text_width

    vis = os.path.join(onnx_dir, "vision_encoder.onnx")
    torch.onnx.export(VisionExport(model).eval(), (torch.zeros(2, 3, cfg.image_size, cfg.image_size),), vis, opset_version=OPSET,
                      input_names=["pixel_values"], output_names=["image_features"],
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "image_features": {0: "batch_size"}})
    emb = os.path.join(onnx_dir, "embed_tokens.onnx")
    torch.onnx.export(EmbedExport(model).eval(), (torch.tensor([[BOS, 5, 6]]),), emb, opset_version=OPSET,
                      input_names=["input_ids"], output_names=["inputs_embeds"],
                      dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                    "inputs_embeds": {0: "batch_size", 1: "sequence_length"}})
    past_names = [f"past_key_values.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    dynamic = {"inputs_embeds": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}}
    for n in past_names:
        dynamic[n] = {0: "batch_size", 2: "past_sequence_length"}
    for n in present_names:
        dynamic[n] = {0: "batch_size", 2: "total_sequence_length"}
    dec = os.path.join(onnx_dir, "decoder_model_merged.onnx")
    sample = (torch.randn(2, 2, W), torch.ones(2, 5, dtype=torch.long), torch.tensor([[3, 4], [3, 4]]),
              *[torch.randn(2, H, 3, hd) for _ in past_names])
    torch.onnx.export(DecoderExport(model).eval(), sample, dec, opset_version=OPSET,
                      input_names=["inputs_embeds", "attention_mask", "position_ids", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=dynamic)
    for path in (vis, emb, dec):
        onnx.checker.check_model(onnx.load(path))

    write_json(os.path.join(args.out, "config.json"), {
        "architectures": ["TesseraVlmForConditionalGeneration"],
        "model_type": "tessera_vlm",
        "image_token_id": IMAGE,
        "image_seq_len": IMAGE_TOKENS,
        "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD,
        "vision_config": {"model_type": "tessera_cnn_encoder", "image_size": cfg.image_size, "num_channels": 3,
                          "conv_channels": list(cfg.channels), "hidden_size": cfg.width, "projected_size": W, "num_hidden_layers": cfg.encoder_layers,
                          "num_attention_heads": H, "num_image_tokens": IMAGE_TOKENS},
        "text_config": {"model_type": "gpt2", "vocab_size": cfg.vocab_size, "n_embd": W, "n_layer": L, "n_head": H,
                        "n_positions": cfg.max_positions, "activation_function": "gelu",
                        "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD, "unk_token_id": UNK},
        "torch_dtype": "float32",
    })
    write_json(os.path.join(args.out, "generation_config.json"),
               {"bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD, "max_new_tokens": 12})
    write_json(os.path.join(args.out, "preprocessor_config.json"), {
        "image_processor_type": "ViTImageProcessor", "do_convert_rgb": True, "do_resize": True,
        "size": {"height": cfg.image_size, "width": cfg.image_size}, "resample": 2,
        "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": [MEAN] * 3, "image_std": [STD] * 3,
    })
    write_json(os.path.join(args.out, "tokenizer.json"), tokenizer_json(tok))
    write_json(os.path.join(args.out, "tokenizer_config.json"), {
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "[BOS]", "eos_token": "[EOS]",
        "pad_token": "[PAD]", "unk_token": "[UNK]", "model_max_length": cfg.max_positions,
        "padding_side": "left", "chat_template": CHAT_TEMPLATE,
    })
    write_json(os.path.join(args.out, "special_tokens_map.json"),
               {"bos_token": "[BOS]", "eos_token": "[EOS]", "pad_token": "[PAD]", "unk_token": "[UNK]"})
    files = {
        "vision_encoder": "onnx/vision_encoder.onnx",
        "embed_tokens": "onnx/embed_tokens.onnx",
        "decoder": "onnx/decoder_model_merged.onnx",
        "config": "config.json",
        "generation_config": "generation_config.json",
        "preprocessor": "preprocessor_config.json",
        "tokenizer": "tokenizer.json",
        "tokenizer_config": "tokenizer_config.json",
    }
    write_json(os.path.join(args.out, "model.json"), {
        "name": "tessera-vlm",
        "task": "IMAGE_TEXT_TO_TEXT",
        "description": "Small vision-language model trained here on synthetic shape scenes: answers questions about "
                       "colour, count, position and presence of shapes in short sentences",
        "inputModalities": ["IMAGE", "TEXT"],
        "outputModalities": ["TEXT"],
        "source": "trained here (models/tessera-vlm/recipe)",
        "license": "MIT",
        "preload": False,
        "files": {k: {"path": p, "sha256": sha256(os.path.join(args.out, p))} for k, p in files.items()},
        "batching": {"maxBatchSize": 8, "maxQueue": 64},
        "settings": {"maxImages": 1},
    })
    print("exported to", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
