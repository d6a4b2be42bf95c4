"""tessera-vlm: the captioner's CNN image encoder feeding a GPT-2 style decoder-only LM
through a linear projector; image features replace the <image> placeholder embeddings,
as in LLaVA / SmolVLM, so the ONNX export splits into vision encoder, token embedding and
decoder graphs the way transformers.js and optimum lay decoder VLMs out.
"""
import importlib.util
import math
import os
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

# Loaded by path: tessera-clip's recipe (on sys.path for the renderer) has a model.py too.
_spec = importlib.util.spec_from_file_location(
    "captioner_model", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tessera-captioner", "recipe", "model.py"))
_captioner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_captioner)
CaptionerConfig, Encoder, Mlp, merge_heads, split_heads = (
    _captioner.CaptionerConfig, _captioner.Encoder, _captioner.Mlp, _captioner.merge_heads, _captioner.split_heads)


@dataclass
class VlmConfig:
    vocab_size: int = 64
    image_size: int = 64
    channels: tuple = (32, 64, 128)
    width: int = 128          # the vision encoder's width (tessera-captioner's)
    text_width: int = 64      # the decoder's width; the projector maps one to the other
    encoder_layers: int = 1
    decoder_layers: int = 2
    heads: int = 4
    max_positions: int = 48
    image_token_id: int = 4

    def to_dict(self):
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


class Block(nn.Module):
    def __init__(self, w, h):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(w)
        self.qkv = nn.Linear(w, 3 * w)
        self.out = nn.Linear(w, w)
        self.ln2 = nn.LayerNorm(w)
        self.mlp = Mlp(w)

    def forward(self, x, past_k, past_v, bias):
        w = x.shape[2]
        q, k, v = self.qkv(self.ln1(x)).split(w, dim=2)
        q = split_heads(q, self.h)
        k = torch.cat([past_k, split_heads(k, self.h)], dim=2)
        v = torch.cat([past_v, split_heads(v, self.h)], dim=2)
        att = (q @ k.transpose(2, 3)) / math.sqrt(w // self.h) + bias
        x = x + self.out(merge_heads(att.softmax(-1) @ v))
        return x + self.mlp(self.ln2(x)), k, v


class Vlm(nn.Module):
    def __init__(self, cfg: VlmConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(CaptionerConfig(image_size=cfg.image_size, channels=cfg.channels, width=cfg.width,
                                               encoder_layers=cfg.encoder_layers, heads=cfg.heads))
        w = cfg.text_width
        self.projector = nn.Sequential(nn.Linear(cfg.width, w), nn.GELU(), nn.Linear(w, w))
        self.tok = nn.Embedding(cfg.vocab_size, w)
        self.pos = nn.Embedding(cfg.max_positions, w)
        self.blocks = nn.ModuleList([Block(w, cfg.heads) for _ in range(cfg.decoder_layers)])
        self.ln = nn.LayerNorm(w)
        self.head = nn.Linear(w, cfg.vocab_size, bias=False)

    def image_features(self, pixel_values):
        return self.projector(self.encoder(pixel_values))

    def empty_past(self, batch):
        z = torch.zeros(batch, self.cfg.heads, 0, self.cfg.text_width // self.cfg.heads)
        return [(z, z) for _ in self.blocks]

    def decode(self, inputs_embeds, attention_mask, position_ids, past):
        """attention_mask [b, past + t] (0 = left padding); returns logits and presents."""
        t = inputs_embeds.shape[1]
        total = attention_mask.shape[1]
        qi = torch.ones_like(attention_mask[0, :t]).cumsum(0) - 1 + (total - t)
        ki = torch.ones_like(attention_mask[0]).cumsum(0) - 1
        causal = (ki.unsqueeze(0) > qi.unsqueeze(1)).float() * -1e9                    # [t, total]
        pad = (1.0 - attention_mask.float()).unsqueeze(1).unsqueeze(1) * -1e9           # [b, 1, 1, total]
        bias = causal.unsqueeze(0).unsqueeze(0) + pad
        x = inputs_embeds + self.pos(position_ids)
        presents = []
        for blk, (pk, pv) in zip(self.blocks, past):
            x, k, v = blk(x, pk, pv, bias)
            presents.append((k, v))
        return self.head(self.ln(x)), presents

    def splice(self, input_ids, features):
        """Token embeddings with the <image> positions replaced, in order, by image features."""
        emb = self.tok(input_ids)
        mask = input_ids == self.cfg.image_token_id
        emb = emb.clone()
        emb[mask] = features.reshape(-1, features.shape[-1]).to(emb.dtype)
        return emb

    def forward(self, pixel_values, input_ids, encoded=None):
        """`encoded`: the frozen encoder's output for these images, when the caller cached it."""
        enc = encoded if encoded is not None else self.encoder(pixel_values)
        emb = self.splice(input_ids, self.projector(enc))
        b, t = input_ids.shape
        mask = torch.ones(b, t, dtype=torch.long)
        pos = torch.arange(t).unsqueeze(0).expand(b, t)
        logits, _ = self.decode(emb, mask, pos, self.empty_past(b))
        return logits
