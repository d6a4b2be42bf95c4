"""Train tessera-tts on synth.py output for a wall-clock budget on one CPU thread.

Targets: log |STFT| (n_fft 1024, hop 256, Hann) of espeak-ng's own audio, and log(1 + frames) per
phoneme from its phoneme events. Teacher-forced durations expand the encoder states; L1 on the
spectrogram, MSE on log durations. An EMA of the weights is what gets exported.

  python3 train.py --data data/train-*.npz --out ckpt --minutes 22
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import time

import numpy as np
import torch

from model import Decoder, Encoder, expand

N_FFT, HOP = 1024, 256
FLOOR = 1e-4


def load(path: str):
    z = np.load(path)
    meta = json.loads(str(z["meta"]))
    audio, offsets = z["audio"], z["offsets"]
    clips = [audio[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
    return meta, clips


def log_magnitude(wav: np.ndarray, frames: int) -> torch.Tensor:
    x = torch.from_numpy(wav.astype(np.float32) / 32768.0)
    spec = torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT), center=True, return_complex=True)
    mag = spec.abs().T[:frames]
    if mag.shape[0] < frames:
        mag = torch.cat([mag, torch.zeros(frames - mag.shape[0], mag.shape[1])])
    return torch.log(mag.clamp_min(FLOOR))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=22)
    ap.add_argument("--batch-frames", type=int, default=2400)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    random.seed(0)
    meta, clips = {"tokens": [], "durations": []}, []
    for path in args.data:
        part, part_clips = load(path)
        meta["tokens"] += part["tokens"]
        meta["durations"] += part["durations"]
        clips += part_clips
    symbols = sorted({t for tokens in meta["tokens"] for t in tokens})
    vocab = {s: i + 2 for i, s in enumerate(symbols)}  # 0 pad, 1 unknown
    items = []
    for tokens, durs, wav in zip(meta["tokens"], meta["durations"], clips):
        items.append((torch.tensor([vocab[t] for t in tokens]), durs, wav))
    items.sort(key=lambda it: sum(it[1]))
    batches, cur, frames = [], [], 0
    for it in items:
        if cur and frames + sum(it[1]) > args.batch_frames:
            batches.append(cur)
            cur, frames = [], 0
        cur.append(it)
        frames += sum(it[1])
    batches.append(cur)
    os.makedirs(args.out, exist_ok=True)
    encoder, decoder = Encoder(len(vocab) + 2), Decoder(N_FFT // 2 + 1)
    params = list(encoder.parameters()) + list(decoder.parameters())
    print(f"{len(items)} sentences, {len(batches)} batches, {sum(p.numel() for p in params)} parameters", flush=True)
    ema = [copy.deepcopy(encoder), copy.deepcopy(decoder)]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4)
    start, step, budget = time.time(), 0, args.minutes * 60
    log = open(os.path.join(args.out, "train.log"), "w")
    while time.time() - start < budget:
        random.shuffle(batches)
        for batch in batches:
            elapsed = time.time() - start
            if elapsed >= budget:
                break
            lr = args.lr * min(1.0, (step + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * elapsed / budget)))
            for g in opt.param_groups:
                g["lr"] = lr
            ids = torch.nn.utils.rnn.pad_sequence([b[0] for b in batch], batch_first=True)
            hidden, log_dur = encoder(ids)
            target_dur = torch.nn.utils.rnn.pad_sequence(
                [torch.log1p(torch.tensor(b[1], dtype=torch.float32)) for b in batch], batch_first=True)
            mask = ids != 0
            dur_loss = ((log_dur - target_dur) ** 2)[mask].mean()
            frames_in = [expand(hidden[i, :len(b[0])], b[1]) for i, b in enumerate(batch)]
            targets = [log_magnitude(b[2], sum(b[1])) for b in batch]
            x = torch.nn.utils.rnn.pad_sequence(frames_in, batch_first=True)
            y = torch.nn.utils.rnn.pad_sequence(targets, batch_first=True)
            fmask = torch.nn.utils.rnn.pad_sequence([torch.ones(len(t)) for t in targets], batch_first=True).bool()
            pred = decoder(x)
            spec_loss = (pred - y).abs()[fmask].mean()
            loss = spec_loss + dur_loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            decay = min(0.995, (1 + step) / (10 + step))
            with torch.no_grad():
                for live, avg in zip((encoder, decoder), ema):
                    for p, q in zip(live.parameters(), avg.parameters()):
                        q.mul_(decay).add_(p, alpha=1 - decay)
            step += 1
            if step % 20 == 0:
                line = f"step {step} t {elapsed / 60:.1f}m lr {lr:.2e} spec {spec_loss.item():.4f} dur {dur_loss.item():.4f}"
                print(line, flush=True)
                log.write(line + "\n")
                log.flush()
            if step % 200 == 0:
                save(args.out, ema, vocab, step)
    save(args.out, ema, vocab, step)
    with open(os.path.join(args.out, "train-summary.json"), "w") as fh:
        json.dump({"steps": step, "minutes": (time.time() - start) / 60, "sentences": len(items)}, fh, indent=2)


def save(out: str, ema, vocab: dict, step: int) -> None:
    torch.save({"encoder": ema[0].state_dict(), "decoder": ema[1].state_dict(), "vocab": vocab, "step": step},
               os.path.join(out, "ema.pt"))


if __name__ == "__main__":
    main()
