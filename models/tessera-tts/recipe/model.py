"""tessera-tts acoustic model: a non-autoregressive, duration-based phoneme-to-spectrogram net.

encoder:  phoneme ids → conv stack + BiGRU → per-phoneme hidden states and log(1 + frames)
decoder:  hidden states repeated to frames (done outside the graph, so speed is just a scale on
          durations) plus two position features per frame → dilated residual convs → log |STFT|

The vocoder is Griffin-Lim on the server, so the decoder predicts linear magnitudes.
"""
from __future__ import annotations

import torch
from torch import nn

HIDDEN = 128
DECODER = 96
POSITION_FEATURES = 2


class ConvBlock(nn.Module):
    def __init__(self, channels: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel, padding=dilation * (kernel // 2), dilation=dilation)
        self.norm = nn.LayerNorm(channels)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, T, C]
        y = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        return self.norm(x + self.drop(y))


class Encoder(nn.Module):
    def __init__(self, vocab: int, dropout: float = 0.1):
        super().__init__()
        self.embed = nn.Embedding(vocab, HIDDEN, padding_idx=0)
        self.convs = nn.Sequential(*[ConvBlock(HIDDEN, 5, 1, dropout) for _ in range(3)])
        self.gru = nn.GRU(HIDDEN, HIDDEN // 2, batch_first=True, bidirectional=True)
        self.duration = nn.Sequential(nn.Linear(HIDDEN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1))

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.convs(self.embed(ids))
        h = h + self.gru(h)[0]
        return h, self.duration(h).squeeze(-1)


class Decoder(nn.Module):
    def __init__(self, bins: int, dropout: float = 0.05):
        super().__init__()
        self.proj = nn.Linear(HIDDEN + POSITION_FEATURES, DECODER)
        self.convs = nn.Sequential(*[ConvBlock(DECODER, 5, d, dropout) for d in (1, 2, 4, 1)])
        self.out = nn.Linear(DECODER, bins)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.out(self.convs(self.proj(frames)))


def expand(hidden: torch.Tensor, durations: list[int]) -> torch.Tensor:
    """[N, H] + integer frames per phoneme → [T, H + 2] (hidden, position in phoneme, its length)."""
    rows = []
    for h, d in zip(hidden, durations):
        if d <= 0:
            continue
        pos = (torch.arange(d, dtype=torch.float32) + 0.5) / d
        size = torch.full((d,), float(torch.log1p(torch.tensor(float(d)))) / 4)
        rows.append(torch.cat([h.expand(d, -1), pos[:, None], size[:, None]], dim=1))
    return torch.cat(rows, dim=0)
