"""Tessera CTC speech recogniser: waveform → log-mel (inside the graph) → conv → BiGRU → CTC logits.

The filterbank is part of the network (a fixed windowed-DFT convolution and a mel matrix) so the
exported ONNX graph takes raw 16 kHz samples like a Wav2Vec2ForCTC export does.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SAMPLE_RATE = 16000
N_FFT = 400          # 25 ms window
HOP = 160            # 10 ms hop
N_MELS = 64
SUBSAMPLE = 3        # conv stride: 30 ms per output frame
SAMPLES_PER_FRAME = HOP * SUBSAMPLE

VOCAB = ["<pad>", "<unk>", "|", "'"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
BLANK = 0


def hz_to_mel(f: float) -> float:
    return 2595.0 * math.log10(1.0 + f / 700.0)


def mel_to_hz(m: torch.Tensor) -> torch.Tensor:
    return 700.0 * (10 ** (m / 2595.0) - 1.0)


def mel_matrix(n_freqs: int, n_mels: int, sample_rate: int, f_min: float = 40.0, f_max: float = 7600.0) -> torch.Tensor:
    """Triangular HTK-scale filters, [n_freqs, n_mels]."""
    freqs = torch.linspace(0, sample_rate / 2, n_freqs)
    mels = torch.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2)
    edges = mel_to_hz(mels)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    up = (freqs[:, None] - lower[None, :]) / (centre - lower)[None, :]
    down = (upper[None, :] - freqs[:, None]) / (upper - centre)[None, :]
    return torch.clamp(torch.minimum(up, down), min=0.0)


class LogMel(nn.Module):
    """Power spectrum by a strided conv with cos/sin Hann-windowed kernels, then mel and log."""

    def __init__(self):
        super().__init__()
        n_freqs = N_FFT // 2 + 1
        n = torch.arange(N_FFT, dtype=torch.float64)
        k = torch.arange(n_freqs, dtype=torch.float64)
        window = 0.5 - 0.5 * torch.cos(2 * math.pi * n / N_FFT)
        angle = 2 * math.pi * k[:, None] * n[None, :] / N_FFT
        kernels = torch.cat([torch.cos(angle) * window, -torch.sin(angle) * window], 0).float()
        self.register_buffer("dft", kernels.unsqueeze(1), persistent=False)
        self.register_buffer("mel", mel_matrix(n_freqs, N_MELS, SAMPLE_RATE).t().contiguous(), persistent=False)
        self.n_freqs = n_freqs

    def forward(self, wave: torch.Tensor) -> torch.Tensor:  # [B, N] → [B, N_MELS, T]
        x = F.pad(wave.unsqueeze(1), (N_FFT // 2, N_FFT // 2))
        spec = F.conv1d(x, self.dft, stride=HOP)
        re, im = spec[:, : self.n_freqs], spec[:, self.n_freqs:]
        power = re * re + im * im
        mel = torch.matmul(self.mel, power)
        return torch.log(mel + 1e-6)


class SeparableBlock(nn.Module):
    def __init__(self, channels: int, kernel: int):
        super().__init__()
        self.depthwise = nn.Conv1d(channels, channels, kernel, padding=kernel // 2, groups=channels)
        self.pointwise = nn.Conv1d(channels, channels, 1)
        self.norm = nn.BatchNorm1d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + F.gelu(self.norm(self.pointwise(self.depthwise(x))))


class TesseraCtc(nn.Module):
    def __init__(self, channels: int = 256, blocks: int = 3, kernel: int = 11, hidden: int = 192,
                 layers: int = 2, vocab: int = len(VOCAB), dropout: float = 0.1):
        super().__init__()
        self.features = LogMel()
        self.input_norm = nn.BatchNorm1d(N_MELS)
        self.subsample = nn.Conv1d(N_MELS, channels, 5, stride=SUBSAMPLE, padding=2)
        self.subsample_norm = nn.BatchNorm1d(channels)
        self.blocks = nn.Sequential(*[SeparableBlock(channels, kernel) for _ in range(blocks)])
        self.rnn = nn.GRU(channels, hidden, num_layers=layers, batch_first=True, bidirectional=True,
                          dropout=dropout)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden, vocab)
        self.spec_augment = False

    def forward(self, wave: torch.Tensor) -> torch.Tensor:  # [B, N] → logits [B, T, V]
        feats = self.input_norm(self.features(wave))
        if self.training and self.spec_augment:
            feats = spec_augment(feats)
        x = F.gelu(self.subsample_norm(self.subsample(feats)))
        x = self.blocks(x)
        x, _ = self.rnn(x.transpose(1, 2))
        return self.head(self.dropout(x))


def output_frames(samples: torch.Tensor) -> torch.Tensor:
    mel_frames = samples // HOP + 1
    return (mel_frames + 2 * 2 - 5) // SUBSAMPLE + 1


def spec_augment(feats: torch.Tensor, freq_masks: int = 2, freq_width: int = 8, time_masks: int = 2,
                 time_width: int = 12) -> torch.Tensor:
    b, f, t = feats.shape
    mask = torch.zeros(b, f, t, dtype=torch.bool)
    for _ in range(freq_masks):
        w = torch.randint(0, freq_width + 1, (b,))
        s = (torch.rand(b) * (f - w)).long()
        idx = torch.arange(f)[None, :]
        mask |= ((idx >= s[:, None]) & (idx < (s + w)[:, None]))[:, :, None]
    for _ in range(time_masks):
        w = torch.randint(0, time_width + 1, (b,))
        s = (torch.rand(b) * (t - w).clamp(min=1)).long()
        idx = torch.arange(t)[None, :]
        mask |= ((idx >= s[:, None]) & (idx < (s + w)[:, None]))[:, None, :]
    return feats.masked_fill(mask, 0.0)


def encode_text(text: str) -> list[int]:
    ids = {t: i for i, t in enumerate(VOCAB)}
    return [ids["|"] if ch == " " else ids.get(ch, ids["<unk>"]) for ch in text]


def greedy_decode(ids: list[int]) -> str:
    out, prev = [], -1
    for i in ids:
        if i != prev and i != BLANK:
            out.append(VOCAB[i])
        prev = i
    return "".join(" " if t == "|" else ("" if t == "<unk>" else t) for t in out).strip()


if __name__ == "__main__":
    m = TesseraCtc()
    print(sum(p.numel() for p in m.parameters()), "parameters")
