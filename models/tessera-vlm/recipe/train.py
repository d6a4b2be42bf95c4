"""Teacher-forced training of tessera-vlm on freshly rendered training-split scenes, one
question per image, loss on the answer only; cosine schedule on this process's CPU clock
(the shared machine's wall clock buys a varying amount of training).

usage: train.py --out out --cpu-budget-min 20   (or --wall-budget-min 24)
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F

from qa import encode_qa, question, render, sample_scene, pixels, valid_kinds, WordTokenizer
from vlm_model import Vlm, VlmConfig
from evaluate import evaluate
from from_captioner import load_encoder_weights


def pick_kind(rng, scene, exists_weight):
    kinds = valid_kinds(scene)
    return rng.choices(kinds, weights=[exists_weight if k == "exists" else 1.0 for k in kinds])[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out")
    ap.add_argument("--cpu-budget-min", type=float, default=20)
    ap.add_argument("--wall-budget-min", type=float, default=None, help="stop on the wall clock instead")
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--pool", type=int, default=6000, help="training scenes rendered and encoded once, asked fresh questions each step")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--exists-weight", type=float, default=1.0,
                    help="how much more often presence questions are asked (the one kind that needs the question's words)")
    ap.add_argument("--resume", default=None, help="checkpoint to continue from, with a fresh schedule")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    tok = WordTokenizer()
    cfg = VlmConfig(vocab_size=len(tok.vocab))
    model = Vlm(cfg)
    # The vision tower is tessera-captioner's trained encoder, frozen; the projector and
    # the decoder learn (two CPU cores shared by many could not train a CNN in the budget).
    load_encoder_weights(model.encoder)
    first = 0
    if args.resume:
        ck = torch.load(args.resume)
        model.load_state_dict(ck["model"])
        first = ck["step"]
        rng = random.Random(args.seed + first)
    n_params = sum(p.numel() for p in model.parameters())
    trained = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trained if p.dim() >= 2]
    no_decay = [p for p in trained if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98))
    log = open(os.path.join(args.out, "train.log"), "a")

    def say(msg):
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    # The frozen encoder's output for a pool of training scenes, computed once: the expensive
    # part of a step on a shared CPU, and the same for every question about the scene.
    pool = [sample_scene(rng, "train") for _ in range(args.pool)]
    with torch.no_grad():
        encoded = torch.cat([model.encoder(pixels([render(s) for s in pool[i:i + 200]])) for i in range(0, len(pool), 200)])
    say(f"params {n_params}; config {json.dumps(cfg.to_dict())}; args {json.dumps(vars(args))}")
    budget = (args.wall_budget_min or args.cpu_budget_min) * 60
    c0, w0 = time.process_time(), time.time()
    step, ema = first, None

    def save():
        torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "step": step,
                    "cpu_s": time.process_time() - c0}, os.path.join(args.out, "ckpt.pt"))

    while True:
        frac = (time.time() - w0) / budget if args.wall_budget_min else (time.process_time() - c0) / budget
        if frac >= 1:
            break
        lr = args.lr * min(1.0, (step - first + 1) / args.warmup) * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        model.encoder.eval()
        pick = [rng.randrange(len(pool)) for _ in range(args.batch)]
        inp, tgt = encode_qa(tok, [question(rng, pool[i], pick_kind(rng, pool[i], args.exists_weight)) for i in pick])
        logits = model(None, inp, encoded=encoded[pick])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 50 == 0:
            say(f"step {step} loss {ema:.4f} lr {lr:.2e} cpu {time.process_time() - c0:.0f}s wall {time.time() - w0:.0f}s")
        if step % args.eval_every == 0:
            say(f"eval step {step}: " + json.dumps(evaluate(model, tok, 40, seed=99)))
            save()
    save()
    say(f"done: {step} steps, cpu {time.process_time() - c0:.0f}s, wall {time.time() - w0:.0f}s")
    with open(os.path.join(args.out, "train-summary.json"), "w") as f:
        json.dump({"steps": step, "questions_seen": step * args.batch, "batch": args.batch, "pool": args.pool,
                   "cpu_seconds": round(time.process_time() - c0), "wall_seconds": round(time.time() - w0),
                   "params": n_params, "trained_params": sum(p.numel() for p in trained), "encoder": "tessera-captioner (frozen)", "lr": args.lr, "seed": args.seed, "config": cfg.to_dict()}, f, indent=2)


if __name__ == "__main__":
    main()
