"""The two towers of tessera-clip. Written with plain tensor ops (no nn.MultiheadAttention
fast paths) so the ONNX export is a simple, inspectable graph."""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ClipConfig:
    vocab_size: int = 64
    max_positions: int = 32
    text_width: int = 128
    text_layers: int = 2
    text_heads: int = 4
    image_size: int = 64
    vision_channels: tuple = (32, 64, 128)
    vision_hidden: int = 256
    projection_dim: int = 128
    logit_scale_init: float = math.log(1 / 0.07)

    def to_dict(self):
        d = asdict(self)
        d["vision_channels"] = list(self.vision_channels)
        return d


class TextBlock(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, key_bias):
        b, t, w = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(w, dim=2)
        q = q.reshape(b, t, h, w // h).transpose(1, 2)
        k = k.reshape(b, t, h, w // h).transpose(1, 2)
        v = v.reshape(b, t, h, w // h).transpose(1, 2)
        att = (q @ k.transpose(2, 3)) / math.sqrt(w // h) + key_bias
        y = att.softmax(-1) @ v
        x = x + self.out(y.transpose(1, 2).reshape(b, t, w))
        return x + self.mlp(self.ln2(x))


class TextTower(nn.Module):
    """Bidirectional transformer over word ids; padded positions are masked out of
    attention and out of the mean that pools the sequence."""

    def __init__(self, cfg: ClipConfig):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.text_width)
        self.pos = nn.Embedding(cfg.max_positions, cfg.text_width)
        self.blocks = nn.ModuleList([TextBlock(cfg.text_width, cfg.text_heads) for _ in range(cfg.text_layers)])
        self.ln = nn.LayerNorm(cfg.text_width)
        self.proj = nn.Linear(cfg.text_width, cfg.projection_dim, bias=False)

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        # Positions come from a cumsum over the ids so tracing freezes no length.
        positions = torch.ones_like(input_ids[0]).cumsum(0) - 1
        x = self.tok(input_ids) + self.pos(positions)[:t].unsqueeze(0)
        mask = attention_mask.to(x.dtype)
        key_bias = ((1.0 - mask) * -1e4).unsqueeze(1).unsqueeze(2)
        for blk in self.blocks:
            x = blk(x, key_bias)
        x = self.ln(x)
        pooled = (x * mask.unsqueeze(2)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        return self.proj(pooled)


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class VisionTower(nn.Module):
    """Small CNN. The last feature map is flattened rather than averaged, so where things
    are (top left, bottom right) survives into the embedding."""

    def __init__(self, cfg: ClipConfig):
        super().__init__()
        c1, c2, c3 = cfg.vision_channels
        self.features = nn.Sequential(
            conv_bn(3, c1, 2),          # 32x32
            conv_bn(c1, c1),
            nn.MaxPool2d(2),            # 16x16
            conv_bn(c1, c2),
            conv_bn(c2, c2),
            nn.MaxPool2d(2),            # 8x8
            conv_bn(c2, c3),
            nn.MaxPool2d(2),            # 4x4
        )
        side = cfg.image_size // 16
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c3 * side * side, cfg.vision_hidden), nn.ReLU(inplace=True))
        self.proj = nn.Linear(cfg.vision_hidden, cfg.projection_dim, bias=False)

    def forward(self, pixel_values):
        return self.proj(self.head(self.features(pixel_values)))


class Clip(nn.Module):
    def __init__(self, cfg: ClipConfig):
        super().__init__()
        self.cfg = cfg
        self.text = TextTower(cfg)
        self.vision = VisionTower(cfg)
        self.logit_scale = nn.Parameter(torch.tensor(cfg.logit_scale_init))

    def encode_text(self, input_ids, attention_mask):
        return F.normalize(self.text(input_ids, attention_mask), dim=-1)

    def encode_image(self, pixel_values):
        return F.normalize(self.vision(pixel_values), dim=-1)
