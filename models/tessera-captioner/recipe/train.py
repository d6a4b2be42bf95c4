"""Teacher-forced training of tessera-captioner on freshly rendered training-split scenes.

Every step renders a new batch (held-out colour x shape pairs never appear). The decoder
would otherwise learn that "red" is never followed by "star" (that bigram is held out) and
veto the held-out pairs whatever the image shows; so in half the sequences the colour word
the decoder READS (its input, never its target) is swapped for a random colour, which
teaches it to take the shape from the image rather than from the colour word before it.

The learning-rate schedule (warmup, cosine) runs on a clock: wall time by default, or this
process's CPU time with --cpu-budget-min (on a shared machine a wall-clock budget buys a
varying amount of training). --resume continues from a checkpoint with a fresh schedule.

usage: train.py --out out --time-budget-min 18
       train.py --out out --resume out/ckpt-phase1.pt --cpu-budget-min 6 --lr 1e-3
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

from data import COLOURS, EVAL_SEED, PAD, greedy, pixels, render, render_set, sample_scene, score, target
from model import Captioner, CaptionerConfig  # this folder comes first on sys.path
from tokenizer import WordTokenizer


def make_batch(rng, tok, n, colour_ids, swap_p):
    scenes = [sample_scene(rng, "train") for _ in range(n)]
    images = np.stack([render(s) for s in scenes])
    enc = [tok.encode(target(s)) for s in scenes]       # [BOS] words [EOS]
    t = max(len(e) for e in enc) - 1
    inp = torch.full((n, t), PAD, dtype=torch.long)
    tgt = torch.full((n, t), -100, dtype=torch.long)
    for i, e in enumerate(enc):
        x = list(e[:-1])
        if rng.random() < swap_p:
            x = [rng.choice(colour_ids) if w in colour_ids else w for w in x]
        inp[i, :len(x)] = torch.tensor(x)
        tgt[i, :len(x)] = torch.tensor(e[1:])
    return pixels(images), inp, tgt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out")
    ap.add_argument("--time-budget-min", type=float, default=18)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--swap-p", type=float, default=0.5)
    ap.add_argument("--eval-every", type=int, default=400)
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--cpu-budget-min", type=float, default=None, help="budget in CPU minutes instead of wall minutes")
    ap.add_argument("--resume", default=None, help="checkpoint to continue from")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    tok = WordTokenizer()
    colour_ids = [tok.ids[c] for c in COLOURS]
    cfg = CaptionerConfig(vocab_size=len(tok.vocab))
    model = Captioner(cfg)
    previous = {"step": 0, "seen": 0, "cpu_s": 0.0}
    if args.resume:
        ck = torch.load(args.resume)
        model.load_state_dict(ck["model"])
        previous = {"step": ck["step"], "seen": ck["seen"], "cpu_s": ck.get("cpu_s", 0.0)}
        rng = random.Random(args.seed + ck["step"])
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98))
    log = open(os.path.join(args.out, "train.log"), "a")

    def say(msg):
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    say(f"params {n_params}; config {json.dumps(cfg.to_dict())}; args {json.dumps(vars(args))}")
    val_scenes, val_images = render_set(120, EVAL_SEED + 1, "heldout")
    clock = time.process_time if args.cpu_budget_min else time.time
    budget = (args.cpu_budget_min or args.time_budget_min) * 60
    t0 = clock()
    c0 = time.process_time()
    step, seen, ema = previous["step"], previous["seen"], None
    first = step

    def save():
        torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "step": step, "seen": seen,
                    "elapsed_s": clock() - t0, "cpu_s": previous["cpu_s"] + time.process_time() - c0},
                   os.path.join(args.out, "ckpt.pt"))

    while True:
        frac = (clock() - t0) / budget
        if frac >= 1:
            break
        # Schedule by elapsed time, not steps, since the shared machine's speed varies.
        lr = args.lr * min(1.0, (step - first + 1) / args.warmup) * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        px, inp, tgt = make_batch(rng, tok, args.batch, colour_ids, args.swap_p)
        logits = model(px, inp)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += args.batch
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 50 == 0:
            el = clock() - t0
            say(f"step {step} seen {seen} loss {ema:.4f} lr {lr:.2e} elapsed {el:.0f}s ({(seen - previous['seen']) / el:.0f} img/s)")
        if step % args.eval_every == 0:
            res = score(val_scenes, greedy(model, tok, val_images))
            say(f"eval step {step} (120 held-out): " + json.dumps({k: round(v, 3) for k, v in res.items()}))
            save()
    elapsed = clock() - t0
    save()
    say(f"done: {step} steps, {seen} images, {elapsed:.0f}s")
    with open(os.path.join(args.out, "train-summary.json"), "w") as f:
        json.dump({"steps": step, "images_seen": seen, "batch": args.batch, "train_seconds": round(elapsed),
                   "cpu_seconds_total": round(previous["cpu_s"] + time.process_time() - c0),
                   "resumed_from_step": previous["step"] if args.resume else None,
                   "params": n_params, "lr": args.lr, "swap_p": args.swap_p, "seed": args.seed,
                   "config": cfg.to_dict()}, f, indent=2)


if __name__ == "__main__":
    main()
