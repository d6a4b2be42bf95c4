"""Contrastive (InfoNCE) training of tessera-clip on freshly rendered scenes.

Every step renders a new batch of training-split scenes (held-out colour x shape pairs
never appear) with randomly shortened captions. Because a short caption ("a red shape")
is true of several images in a batch, the targets are not the identity: caption i and
image j are a positive pair whenever the caption describes the scene, and each row's
target distribution spreads evenly over its positives.

usage: train.py --out out --time-budget-min 38
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from eval import evaluate, pixels, torch_encoders
from model import Clip, ClipConfig
from render import caption, describes, render, sample_scene
from tokenizer import WordTokenizer


def make_batch(rng, tok, n):
    scenes = [sample_scene(rng, "train") for _ in range(n)]
    images = np.stack([render(s) for s in scenes])
    caps = [caption(s, rng, drop=True, with_kept=True) for s in scenes]
    ids, mask = tok.batch([c for c, _ in caps])
    pos = torch.tensor([[describes(kept, s) for s in scenes] for _, kept in caps], dtype=torch.float32)
    return pixels(images), torch.tensor(ids), torch.tensor(mask), pos


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out")
    ap.add_argument("--time-budget-min", type=float, default=38)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--eval-every", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    tok = WordTokenizer()
    cfg = ClipConfig(vocab_size=len(tok.vocab))
    model = Clip(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    n_text = sum(p.numel() for p in model.text.parameters())
    n_vis = sum(p.numel() for p in model.vision.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98))
    log = open(os.path.join(args.out, "train.log"), "a")

    def say(msg):
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    say(f"params total {n_params} text {n_text} vision {n_vis}; config {json.dumps(cfg.to_dict())}")
    budget = args.time_budget_min * 60
    t0 = time.time()
    step, seen, ema = 0, 0, None

    def save(extra=None):
        torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "step": step, "seen": seen,
                    "elapsed_s": time.time() - t0, **(extra or {})}, os.path.join(args.out, "ckpt.pt"))

    while True:
        frac = (time.time() - t0) / budget
        if frac >= 1:
            break
        # Schedule by elapsed time, not steps, since the shared machine's speed varies.
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        px, ids, mask, pos = make_batch(rng, tok, args.batch)
        img = model.encode_image(px)
        txt = model.encode_text(ids, mask)
        scale = model.logit_scale.exp().clamp(max=100)
        logits = scale * txt @ img.T                 # [caption, image]
        t2i = F.cross_entropy(logits, pos / pos.sum(1, keepdim=True))
        i2t = F.cross_entropy(logits.T, pos.T / pos.T.sum(1, keepdim=True))
        loss = 0.5 * (t2i + i2t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        step += 1
        seen += args.batch
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 25 == 0:
            el = time.time() - t0
            say(f"step {step} seen {seen} loss {ema:.4f} scale {scale.item():.1f} lr {lr:.2e} "
                f"elapsed {el:.0f}s ({seen / el:.0f} img/s)")
        if step % args.eval_every == 0:
            model.eval()
            res = evaluate(*torch_encoders(model, tok), n_zs=300, n_ret=300)
            say(f"eval step {step}: " + json.dumps({k: round(v, 3) for k, v in res.items()}))
            save()
    model.eval()
    elapsed = time.time() - t0
    save()
    say(f"done: {step} steps, {seen} images, {elapsed:.0f}s")
    res = evaluate(*torch_encoders(model, tok))
    say("final eval: " + json.dumps(res))
    with open(os.path.join(args.out, "train-summary.json"), "w") as f:
        json.dump({"steps": step, "images_seen": seen, "batch": args.batch, "train_seconds": round(elapsed),
                   "params": n_params, "text_params": n_text, "vision_params": n_vis, "lr": args.lr,
                   "seed": args.seed, "config": cfg.to_dict(), "eval": res}, f, indent=2)


if __name__ == "__main__":
    main()
