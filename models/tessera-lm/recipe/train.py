"""Trains the tessera-lm decoder on the synthetic corpus, on CPU with one thread.

The learning-rate schedule runs on whichever comes first, the step budget or the
wall-clock budget, so a busy shared machine shortens training instead of
overrunning it; the log records how many steps were actually taken.

usage: OPENBLAS_NUM_THREADS=1 nice -n 10 python3 train.py --data out/data --tokenizer .. --out out
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from bpe import Encoder
from model import GPT, GPTConfig


def encode_file(enc, path, cache):
    if os.path.exists(cache):
        return np.load(cache)
    with open(path, encoding="utf-8") as f:
        ids = np.array(enc.encode(f.read()), dtype=np.uint16)
    np.save(cache, ids)
    return ids


def batch(data, rng, batch_size, ctx):
    starts = rng.integers(0, len(data) - ctx - 1, size=batch_size)
    chunk = np.stack([data[s:s + ctx + 1] for s in starts]).astype(np.int64)
    chunk = torch.from_numpy(chunk)
    return chunk[:, :-1], chunk[:, 1:]


@torch.no_grad()
def evaluate(model, data, ctx, batch_size, max_windows=None):
    """Mean next-token loss over non-overlapping windows of the held-out text."""
    model.eval()
    n = (len(data) - 1) // ctx
    if max_windows:
        n = min(n, max_windows)
    total, count = 0.0, 0
    for i in range(0, n, batch_size):
        rows = range(i, min(n, i + batch_size))
        chunk = torch.from_numpy(np.stack([data[r * ctx:r * ctx + ctx + 1] for r in rows]).astype(np.int64))
        logits, _ = model(chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), chunk[:, 1:].reshape(-1), reduction="sum")
        total += loss.item()
        count += chunk[:, 1:].numel()
    model.train()
    return total / count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--tokenizer", required=True, help="folder holding tokenizer.json")
    ap.add_argument("--out", required=True)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--max-steps", type=int, default=5000)
    ap.add_argument("--time-budget-min", type=float, default=40.0)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)

    enc = Encoder.load(os.path.join(args.tokenizer, "tokenizer.json"))
    t0 = time.time()
    train_ids = encode_file(enc, os.path.join(args.data, "train.txt"), os.path.join(args.out, "train_ids.npy"))
    valid_ids = encode_file(enc, os.path.join(args.data, "valid.txt"), os.path.join(args.out, "valid_ids.npy"))
    print(f"tokens: train {len(train_ids)}, valid {len(valid_ids)} (encoded in {time.time() - t0:.0f}s)", flush=True)

    cfg = GPTConfig(vocab_size=len(enc.tokens), n_positions=args.ctx, n_embd=args.n_embd,
                    n_layer=args.n_layer, n_head=args.n_head)
    model = GPT(cfg)
    print(f"params: {model.num_params()}", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "wpe" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "wpe" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))

    def save(step, extra):
        torch.save({"config": cfg.to_dict(), "model": model.state_dict(), "step": step, **extra},
                   os.path.join(args.out, "ckpt.pt"))

    start = time.time()
    budget = args.time_budget_min * 60
    step, seen, smooth = 0, 0, None
    history = []
    while True:
        progress = max(step / args.max_steps, (time.time() - start) / budget)
        if progress >= 1.0:
            break
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            lr = args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batch(train_ids, rng, args.batch_size, args.ctx)
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += x.numel()
        smooth = loss.item() if smooth is None else 0.98 * smooth + 0.02 * loss.item()
        if step % 20 == 0:
            el = time.time() - start
            print(f"step {step} loss {smooth:.3f} lr {lr:.2e} tokens {seen} elapsed {el:.0f}s "
                  f"({seen / el:.0f} tok/s)", flush=True)
        if step % args.eval_every == 0:
            vl = evaluate(model, valid_ids, args.ctx, 32, max_windows=128)
            history.append({"step": step, "valid_loss_subset": vl, "elapsed_s": time.time() - start})
            print(f"eval step {step} valid loss (subset) {vl:.3f} ppl {math.exp(vl):.2f}", flush=True)
            save(step, {})

    elapsed = time.time() - start
    vl = evaluate(model, valid_ids, args.ctx, 32)
    summary = {
        "steps": step, "tokens_seen": seen, "train_seconds": round(elapsed, 1),
        "final_train_loss_smoothed": smooth, "valid_loss": vl, "valid_ppl": math.exp(vl),
        "valid_tokens": int(len(valid_ids)), "train_tokens": int(len(train_ids)),
        "params": model.num_params(), "config": cfg.to_dict(), "args": vars(args), "history": history,
    }
    save(step, {"summary": summary})
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"done: {step} steps, {seen} tokens, {elapsed:.0f}s, valid loss {vl:.4f} ppl {math.exp(vl):.3f}", flush=True)


if __name__ == "__main__":
    main()
