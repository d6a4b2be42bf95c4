"""tessera-captioner: a small CNN image encoder and a GPT-2 style decoder with
cross-attention, written with plain tensor ops so the ONNX export is a simple graph.

The decoder caches only its self-attention keys/values (like GPT-2 used as the decoder of
a Hugging Face VisionEncoderDecoderModel); cross-attention is recomputed from
encoder_hidden_states every step, which is cheap with 16 image tokens.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class CaptionerConfig:
    vocab_size: int = 48
    image_size: int = 64
    channels: tuple = (32, 64, 128)
    width: int = 128          # encoder output and decoder width
    encoder_layers: int = 1   # self-attention layers over the 16 image tokens
    decoder_layers: int = 2
    heads: int = 4
    max_positions: int = 32

    def to_dict(self):
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def split_heads(x, h):
    b, t, w = x.shape
    return x.reshape(b, t, h, w // h).transpose(1, 2)


def merge_heads(x):
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


class Mlp(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.fc = nn.Linear(w, 4 * w)
        self.proj = nn.Linear(4 * w, w)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x)))


class EncoderBlock(nn.Module):
    def __init__(self, w, h):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(w)
        self.qkv = nn.Linear(w, 3 * w)
        self.out = nn.Linear(w, w)
        self.ln2 = nn.LayerNorm(w)
        self.mlp = Mlp(w)

    def forward(self, x):
        w = x.shape[2]
        q, k, v = self.qkv(self.ln1(x)).split(w, dim=2)
        q, k, v = split_heads(q, self.h), split_heads(k, self.h), split_heads(v, self.h)
        att = (q @ k.transpose(2, 3)) / math.sqrt(w // self.h)
        x = x + self.out(merge_heads(att.softmax(-1) @ v))
        return x + self.mlp(self.ln2(x))


class Encoder(nn.Module):
    """64x64 image -> 4x4 feature map -> 16 tokens with learned positions, so the decoder
    can tell top left from bottom right."""

    def __init__(self, cfg: CaptionerConfig):
        super().__init__()
        c1, c2, c3 = cfg.channels
        self.features = nn.Sequential(
            conv_bn(3, c1, 2), conv_bn(c1, c1), nn.MaxPool2d(2),      # 16x16
            conv_bn(c1, c2), conv_bn(c2, c2), nn.MaxPool2d(2),        # 8x8
            conv_bn(c2, c3), nn.MaxPool2d(2),                         # 4x4
        )
        n = (cfg.image_size // 16) ** 2
        self.proj = nn.Linear(c3, cfg.width)
        self.pos = nn.Parameter(torch.randn(1, n, cfg.width) * 0.02)
        self.blocks = nn.ModuleList([EncoderBlock(cfg.width, cfg.heads) for _ in range(cfg.encoder_layers)])
        self.ln = nn.LayerNorm(cfg.width)

    def forward(self, pixel_values):
        f = self.features(pixel_values)                  # [b, c3, 4, 4]
        x = self.proj(f.flatten(2).transpose(1, 2)) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.ln(x)


class DecoderBlock(nn.Module):
    def __init__(self, w, h):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(w)
        self.qkv = nn.Linear(w, 3 * w)
        self.out = nn.Linear(w, w)
        self.ln2 = nn.LayerNorm(w)
        self.cq = nn.Linear(w, w)
        self.ckv = nn.Linear(w, 2 * w)
        self.cout = nn.Linear(w, w)
        self.ln3 = nn.LayerNorm(w)
        self.mlp = Mlp(w)

    def forward(self, x, enc, past_k, past_v, causal_bias):
        w = x.shape[2]
        d = w // self.h
        q, k, v = self.qkv(self.ln1(x)).split(w, dim=2)
        q = split_heads(q, self.h)
        k = torch.cat([past_k, split_heads(k, self.h)], dim=2)
        v = torch.cat([past_v, split_heads(v, self.h)], dim=2)
        att = (q @ k.transpose(2, 3)) / math.sqrt(d) + causal_bias
        x = x + self.out(merge_heads(att.softmax(-1) @ v))
        cq = split_heads(self.cq(self.ln2(x)), self.h)
        ck, cv = self.ckv(enc).split(w, dim=2)
        ck, cv = split_heads(ck, self.h), split_heads(cv, self.h)
        catt = (cq @ ck.transpose(2, 3)) / math.sqrt(d)
        x = x + self.cout(merge_heads(catt.softmax(-1) @ cv))
        return x + self.mlp(self.ln3(x)), k, v


class Decoder(nn.Module):
    def __init__(self, cfg: CaptionerConfig):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.width)
        self.pos = nn.Embedding(cfg.max_positions, cfg.width)
        self.blocks = nn.ModuleList([DecoderBlock(cfg.width, cfg.heads) for _ in range(cfg.decoder_layers)])
        self.ln = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, cfg.vocab_size, bias=False)

    def empty_past(self, batch):
        d = self.cfg.width // self.cfg.heads
        z = torch.zeros(batch, self.cfg.heads, 0, d)
        return [(z, z) for _ in self.blocks]

    def forward(self, input_ids, enc, past):
        """past: list of (key, value) [b, heads, past_len, head_dim]; returns logits and the
        new per-layer (key, value) including this call's tokens."""
        t = input_ids.shape[1]
        past_len = past[0][0].shape[2]
        # Positions and the causal mask come from shapes, so tracing freezes no length.
        qpos = torch.ones_like(input_ids[0]).cumsum(0) - 1 + past_len       # [t]
        past_k = past[0][0]
        kpos = torch.cat([torch.ones_like(past_k[0, 0, :, 0], dtype=torch.long),
                          torch.ones_like(input_ids[0])]).cumsum(0) - 1            # [past + t]
        causal = (kpos.unsqueeze(0) > qpos.unsqueeze(1)).float() * -1e9         # [t, past+t]
        x = self.tok(input_ids) + self.pos(qpos).unsqueeze(0)
        presents = []
        for blk, (pk, pv) in zip(self.blocks, past):
            x, k, v = blk(x, enc, pk, pv, causal)
            presents.append((k, v))
        return self.head(self.ln(x)), presents


class Captioner(nn.Module):
    def __init__(self, cfg: CaptionerConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def forward(self, pixel_values, input_ids):
        enc = self.encoder(pixel_values)
        logits, _ = self.decoder(input_ids, enc, self.decoder.empty_past(input_ids.shape[0]))
        return logits
