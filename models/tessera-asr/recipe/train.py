"""Train the CTC recogniser on synthesised shards, on one CPU thread, within a wall-clock budget.

Shards are re-listed every epoch so training can start while synth.py is still writing them.
Augmentation happens here: random gain, leading/trailing silence or noise, white or pink noise
at a random SNR. The waveform is then normalised to zero mean / unit variance, as the
Wav2Vec2FeatureExtractor (do_normalize) does before the ONNX graph sees it.

  OMP_NUM_THREADS=1 nice -n 10 python3 train.py --data data/train --out ckpt --minutes 90
"""
from __future__ import annotations

import argparse
import copy
import glob
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from model import SAMPLE_RATE, TesseraCtc, encode_text, greedy_decode, output_frames
from wer import word_errors


class ShardSet:
    def __init__(self, pattern: str):
        self.pattern = pattern
        self.loaded: dict[str, tuple[np.ndarray, np.ndarray, list[dict]]] = {}

    def refresh(self) -> list[tuple[str, int]]:
        for path in sorted(glob.glob(self.pattern)):
            if path not in self.loaded and not path.endswith(".tmp.npz"):
                d = np.load(path)
                self.loaded[path] = (d["audio"], d["offsets"], json.loads(str(d["meta"])))
        return [(p, i) for p, (_, _, meta) in self.loaded.items() for i in range(len(meta))]

    def get(self, key: tuple[str, int]) -> tuple[np.ndarray, str]:
        audio, offsets, meta = self.loaded[key[0]]
        return audio[offsets[key[1]]:offsets[key[1] + 1]], meta[key[1]]["text"]

    def length(self, key: tuple[str, int]) -> int:
        _, offsets, _ = self.loaded[key[0]]
        return int(offsets[key[1] + 1] - offsets[key[1]])


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    return np.fft.irfft(spectrum, n)


def augment(clean: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """strength in [0, 1] ramps noise up during training: clean, easy speech first."""
    x = clean.astype(np.float32) / 32768.0
    x *= 10 ** rng.uniform(-1.0, 0.5)
    lead, trail = rng.integers(0, SAMPLE_RATE // 2, size=2)
    x = np.concatenate([np.zeros(lead, np.float32), x, np.zeros(trail, np.float32)])
    if rng.random() < 0.2 + 0.6 * strength:
        noise = rng.standard_normal(len(x)) if rng.random() < 0.5 else pink_noise(len(x), rng)
        snr_db = rng.uniform(25 - 25 * strength, 40)
        signal_power = float(np.mean(x ** 2)) + 1e-12
        noise *= math.sqrt(signal_power / (10 ** (snr_db / 10)) / (np.mean(noise ** 2) + 1e-12))
        x = x + noise.astype(np.float32)
    return normalise(x)


def normalise(x: np.ndarray) -> np.ndarray:
    return ((x - x.mean()) / math.sqrt(x.var() + 1e-7)).astype(np.float32)


def collate(waves: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(w) for w in waves])
    batch = torch.zeros(len(waves), int(lengths.max()))
    for i, w in enumerate(waves):
        batch[i, : len(w)] = torch.from_numpy(w)
    return batch, lengths


def batches(keys, shards: ShardSet, seconds_per_batch: float, rng: random.Random):
    """Length-bucketed batches (little padding) in random order."""
    keys = sorted(keys, key=shards.length)
    out, cur, total = [], [], 0
    for k in keys:
        n = shards.length(k)
        if cur and (total + n) / SAMPLE_RATE > seconds_per_batch:
            out.append(cur)
            cur, total = [], 0
        cur.append(k)
        total += n
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


@torch.no_grad()
def evaluate(model: TesseraCtc, path: str, limit: int = 120) -> dict:
    d = np.load(path)
    audio, offsets, meta = d["audio"], d["offsets"], json.loads(str(d["meta"]))
    model.eval()
    errors = words = 0
    for i in range(min(limit, len(meta))):
        wave = normalise(audio[offsets[i]:offsets[i + 1]].astype(np.float32) / 32768.0)
        logits = model(torch.from_numpy(wave)[None])
        hyp = greedy_decode(logits[0].argmax(-1).tolist())
        e, n = word_errors(meta[i]["text"], hyp)
        errors += e
        words += n
    model.train()
    return {"wer": errors / max(words, 1), "utterances": min(limit, len(meta))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/train")
    ap.add_argument("--eval", default="data/eval-early")
    ap.add_argument("--out", default="ckpt")
    ap.add_argument("--minutes", type=float, default=90, help="length of the learning-rate schedule")
    ap.add_argument("--stop-minutes", type=float, help="stop earlier than --minutes (a stage cut short)")
    ap.add_argument("--batch-seconds", type=float, default=80)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--checkpoint-minutes", type=float, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", help="start from these weights (e.g. an earlier run's ema.pt)")
    ap.add_argument("--ramp-minutes", type=float, default=20, help="noise and SpecAugment reach full strength after this")
    ap.add_argument("--max-strength", type=float, default=1.0, help="cap on the noise strength (0.4: SNR >= 15 dB)")
    ap.add_argument("--spec-augment", type=int, default=1)
    ap.add_argument("--dropout", type=float, default=0.1)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    nrng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)

    model = TesseraCtc(dropout=args.dropout)
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu")["model"])
    ema = copy.deepcopy(model)
    ema.spec_augment = False
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    shards = ShardSet(os.path.join(args.data, "shard-*.npz"))

    budget = args.minutes * 60
    start = time.time()
    last_ckpt = start
    step = 0
    skipped = 0
    epoch = 0
    log = open(os.path.join(args.out, "train.log"), "a")
    summary: dict = {"evals": []}
    done = False
    while not done:
        keys = shards.refresh()
        epoch += 1
        for batch_keys in batches(keys, shards, args.batch_seconds, rng):
            elapsed = time.time() - start
            if elapsed > min(budget, 60 * (args.stop_minutes or args.minutes)):
                done = True
                break
            frac = elapsed / budget
            lr = args.lr * min(1.0, (step + 1) / args.warmup) * max(0.03, 0.5 * (1 + math.cos(math.pi * frac)))
            for g in opt.param_groups:
                g["lr"] = lr
            strength = min(args.max_strength, elapsed / 60 / args.ramp_minutes)
            model.spec_augment = bool(args.spec_augment) and strength >= 0.5
            items = [shards.get(k) for k in batch_keys]
            waves, lengths = collate([augment(a, nrng, strength) for a, _ in items])
            targets = [torch.tensor(encode_text(t)) for _, t in items]
            logits = model(waves)
            log_probs = F.log_softmax(logits, -1).transpose(0, 1)
            in_lens = output_frames(lengths).clamp(max=log_probs.shape[0])
            loss = F.ctc_loss(log_probs, torch.cat(targets), in_lens, torch.tensor([len(t) for t in targets]),
                              blank=0, zero_infinity=True)
            opt.zero_grad()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            if not (torch.isfinite(loss) and torch.isfinite(norm)):
                # An overflowing batch would turn every weight into NaN through the clipping.
                skipped += 1
                continue
            opt.step()
            step += 1
            decay = min(0.999, (1 + step) / (10 + step))
            with torch.no_grad():
                for pe, pm in zip(ema.state_dict().values(), model.state_dict().values()):
                    if pe.dtype.is_floating_point:
                        pe.mul_(decay).add_(pm, alpha=1 - decay)
                    else:
                        pe.copy_(pm)
            if step % 25 == 0:
                line = (f"step {step} epoch {epoch} utts {len(keys)} loss {loss.item():.3f} lr {lr:.2e} "
                        f"min {elapsed / 60:.1f} skipped {skipped}")
                print(line, flush=True)
                log.write(line + "\n")
                log.flush()
            if time.time() - last_ckpt > args.checkpoint_minutes * 60:
                last_ckpt = time.time()
                result = evaluate(ema, os.path.join(args.eval, "unseen-voices.npz"), limit=40)
                result.update(step=step, minutes=round(elapsed / 60, 1))
                summary["evals"].append(result)
                line = f"eval {json.dumps(result)}"
                print(line, flush=True)
                log.write(line + "\n")
                torch.save({"model": ema.state_dict(), "step": step}, os.path.join(args.out, "ema.pt"))
    torch.save({"model": ema.state_dict(), "step": step}, os.path.join(args.out, "ema.pt"))
    summary.update(steps=step, skipped_batches=skipped, epochs=epoch, minutes=round((time.time() - start) / 60, 1),
                   utterances=len(shards.refresh()), batch_seconds=args.batch_seconds, lr=args.lr,
                   parameters=sum(p.numel() for p in model.parameters()))
    with open(os.path.join(args.out, "train-summary.json"), "w") as fh:
        json.dump(summary, fh, indent=2)


if __name__ == "__main__":
    main()
