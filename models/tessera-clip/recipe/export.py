"""Exports a trained tessera-clip checkpoint in the dual-encoder ONNX layout of Hugging
Face CLIP exports, with config, preprocessor, tokenizer and our model.json manifest:

  onnx/text_model.onnx    input_ids int64 [batch, sequence], attention_mask int64 [batch, sequence]
                          -> text_embeds float32 [batch, projection_dim]
  onnx/vision_model.onnx  pixel_values float32 [batch, 3, 64, 64] -> image_embeds float32 [batch, projection_dim]

Both embeddings come out L2-normalized, so similarity is a dot product and the CLIP
logit is exp(logit_scale) * dot (logit_scale is written to config.json).

Also writes out/check/: held-out images, prompts, PyTorch ids/embeddings/accuracies, that
check_onnx.mjs compares the exported files against.

usage: export.py --checkpoint out/ckpt.pt --out ..
"""
import argparse
import hashlib
import json
import math
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from PIL import Image

from eval import MEAN, STD, ZS_SEED, evaluate, questions, torch_encoders
from model import Clip, ClipConfig
from render import render_set
from tokenizer import BOS, EOS, PAD, UNK, WordTokenizer, MAX_LEN

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 14


class TextExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model.encode_text(input_ids, attention_mask)


class VisionExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model.encode_image(pixel_values)


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


def write_check_data(model, tok, out_dir, n=600):
    """Held-out images and prompts with PyTorch's answers, for check_onnx.mjs."""
    os.makedirs(os.path.join(out_dir, "png"), exist_ok=True)
    scenes, images = render_set(n, ZS_SEED, "heldout")
    qs = [questions(s) for s in scenes]
    texts = sorted({t for q in qs for c, _ in q.values() for t in c})
    extra = ["A Photo of TWO red circles, on a gray background!", "a purple elephant", "", "circle",
             "a  large\tblue   diamond in the top left", "yellow circle yellow circle " * 8]
    enc_text, enc_image = torch_encoders(model, tok)
    index = {t: i for i, t in enumerate(texts)}
    with open(os.path.join(out_dir, "images.u8"), "wb") as f:
        f.write(images.tobytes())
    enc_image(images).astype(np.float32).tofile(os.path.join(out_dir, "image_embeds.f32"))
    enc_text(texts).astype(np.float32).tofile(os.path.join(out_dir, "text_embeds.f32"))
    # A few images as 256x256 PNGs, to exercise a real decode + resize path in Node.
    for i in range(48):
        Image.fromarray(images[i]).resize((256, 256), Image.NEAREST).save(os.path.join(out_dir, "png", f"{i:03d}.png"))
    res = evaluate(enc_text, enc_image, n_zs=n, n_ret=10)
    write_json(os.path.join(out_dir, "check.json"), {
        "n": n, "size": images.shape[1], "texts": texts,
        "ids": {t: tok.encode(t) for t in texts + extra},
        "questions": [{k: [[index[t] for t in c], g] for k, (c, g) in q.items()} for q in qs],
        "torch": {k: v for k, v in res.items() if k.startswith("zeroshot_")},
    })


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "out/ckpt.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, ".."))
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint)
    cfg = ClipConfig(**ck["config"])
    model = Clip(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    tok = WordTokenizer()
    assert len(tok.vocab) == cfg.vocab_size
    onnx_dir = os.path.join(args.out, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)

    ids, mask = tok.batch(["a red circle", "two small blue squares on a white background"])
    torch.onnx.export(TextExport(model).eval(), (torch.tensor(ids), torch.tensor(mask)),
                      os.path.join(onnx_dir, "text_model.onnx"), opset_version=OPSET,
                      input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
                      dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                    "attention_mask": {0: "batch_size", 1: "sequence_length"},
                                    "text_embeds": {0: "batch_size"}})
    px = torch.zeros(2, 3, cfg.image_size, cfg.image_size)
    torch.onnx.export(VisionExport(model).eval(), (px,), os.path.join(onnx_dir, "vision_model.onnx"),
                      opset_version=OPSET, input_names=["pixel_values"], output_names=["image_embeds"],
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})

    # The L2 normalization leaves the embedding axis symbolic in the traced graph; state it.
    for name in ("text_model.onnx", "vision_model.onnx"):
        path = os.path.join(onnx_dir, name)
        g = onnx.load(path)
        g.graph.output[0].type.tensor_type.shape.dim[1].dim_value = cfg.projection_dim
        onnx.checker.check_model(g)
        onnx.save(g, path)

    c1, c2, c3 = cfg.vision_channels
    write_json(os.path.join(args.out, "config.json"), {
        "architectures": ["TesseraClipModel"],
        "model_type": "clip",
        "projection_dim": cfg.projection_dim,
        "logit_scale_init_value": cfg.logit_scale_init,
        "logit_scale": float(model.logit_scale.item()),
        "embeds_normalized": True,
        "text_config": {
            "model_type": "clip_text_model",
            "vocab_size": cfg.vocab_size,
            "hidden_size": cfg.text_width,
            "intermediate_size": 4 * cfg.text_width,
            "num_hidden_layers": cfg.text_layers,
            "num_attention_heads": cfg.text_heads,
            "max_position_embeddings": cfg.max_positions,
            "hidden_act": "gelu",
            "pooling": "masked_mean",
            "projection_dim": cfg.projection_dim,
            "pad_token_id": PAD, "bos_token_id": BOS, "eos_token_id": EOS, "unk_token_id": UNK,
        },
        "vision_config": {
            "model_type": "tessera_cnn_vision_model",
            "image_size": cfg.image_size,
            "num_channels": 3,
            "conv_channels": [c1, c1, c2, c2, c3],
            "hidden_size": cfg.vision_hidden,
            "projection_dim": cfg.projection_dim,
        },
        "torch_dtype": "float32",
    })
    write_json(os.path.join(args.out, "preprocessor_config.json"), {
        "image_processor_type": "CLIPImageProcessor",
        "do_convert_rgb": True,
        "do_resize": True,
        "size": {"shortest_edge": cfg.image_size},
        "resample": 3,
        "do_center_crop": True,
        "crop_size": {"height": cfg.image_size, "width": cfg.image_size},
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": [MEAN] * 3,
        "image_std": [STD] * 3,
    })
    tok.save(args.out)
    write_json(os.path.join(args.out, "special_tokens_map.json"),
               {"bos_token": "[BOS]", "eos_token": "[EOS]", "pad_token": "[PAD]", "unk_token": "[UNK]"})
    write_json(os.path.join(args.out, "model.json"), {
        "name": "tessera-clip",
        "task": "TENSOR",
        "description": "Small CLIP-style image/text dual encoder trained here on synthetic shape scenes "
                       "(zero-shot shape, colour and count; image/text embeddings and search)",
        "inputModalities": ["IMAGE", "TEXT"],
        "outputModalities": ["EMBEDDING"],
        "source": "trained here (models/tessera-clip/recipe)",
        "license": "MIT",
        "preload": False,
        "files": {
            "text": {"path": "onnx/text_model.onnx", "sha256": sha256(os.path.join(onnx_dir, "text_model.onnx"))},
            "vision": {"path": "onnx/vision_model.onnx", "sha256": sha256(os.path.join(onnx_dir, "vision_model.onnx"))},
        },
        "signature": {
            "text": {
                "inputs": [{"name": "input_ids", "type": "int64", "rank": 2, "dims": [None, None]},
                           {"name": "attention_mask", "type": "int64", "rank": 2, "dims": [None, None]}],
                "outputs": [{"name": "text_embeds", "type": "float32", "rank": 2, "dims": [None, cfg.projection_dim]}],
            },
            "vision": {
                "inputs": [{"name": "pixel_values", "type": "float32", "rank": 4,
                            "dims": [None, 3, cfg.image_size, cfg.image_size]}],
                "outputs": [{"name": "image_embeds", "type": "float32", "rank": 2, "dims": [None, cfg.projection_dim]}],
            },
        },
        "warmup": {
            "text": {"input_ids": {"dims": [1, 4], "fill": BOS}, "attention_mask": {"dims": [1, 4], "fill": 1}},
            "vision": {"pixel_values": {"dims": [1, 3, cfg.image_size, cfg.image_size]}},
        },
        "settings": {
            "logitScale": round(math.exp(model.logit_scale.item()), 4),
            "maxTextLength": MAX_LEN,
            "imageSize": cfg.image_size,
            "embeddingsNormalized": True,
            "promptTemplate": "a photo of {}",
        },
    })
    # torch.onnx.export puts a module back in the mode it found it in, and the wrappers
    # are born in training mode, which flips the towers' BatchNorm to batch statistics.
    model.eval()
    write_check_data(model, tok, os.path.join(HERE, "out", "check"))
    print("exported to", os.path.abspath(args.out), "logit_scale", math.exp(model.logit_scale.item()))


if __name__ == "__main__":
    main()
