"""Greedy answers with the KV cache (the way the server decodes) and exact-match accuracy
per question kind on held-out colour x shape scenes.

usage: evaluate.py --checkpoint out/ckpt.pt --n 600 --json eval.json
"""
import argparse
import json
import random

import numpy as np
import torch

from qa import EOS, KINDS, WordTokenizer, pixels, render, sample_qa


@torch.no_grad()
def answer(model, tok, images, questions, max_new=12):
    model.eval()
    feats = model.image_features(pixels(images))
    out = []
    for f, q in zip(feats, questions):
        ids = torch.tensor([tok.prompt(q)])
        emb = model.splice(ids, f.unsqueeze(0))
        t = ids.shape[1]
        past, got = model.empty_past(1), []
        mask = torch.ones(1, t, dtype=torch.long)
        pos = torch.arange(t).unsqueeze(0)
        for _ in range(max_new):
            logits, past = model.decode(emb, mask, pos, past)
            nxt = logits[0, -1].argmax().item()
            if nxt == EOS:
                break
            got.append(nxt)
            emb = model.tok(torch.tensor([[nxt]]))
            pos = torch.tensor([[mask.shape[1]]])
            mask = torch.ones(1, mask.shape[1] + 1, dtype=torch.long)
        out.append(tok.decode(got))
    return out


def evaluate(model, tok, per_kind, seed, split="heldout"):
    rng = random.Random(seed)
    res = {}
    for kind in KINDS:
        items = [sample_qa(rng, split, kind) for _ in range(per_kind)]
        got = answer(model, tok, np.stack([render(s) for s, _, _, _ in items]), [q for _, _, q, _ in items])
        res[kind] = round(sum(g == a for g, (_, _, _, a) in zip(got, items)) / per_kind, 3)
    res["all"] = round(sum(res[k] for k in KINDS) / len(KINDS), 3)
    return res


def main():
    from vlm_model import Vlm, VlmConfig
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="out/ckpt.pt")
    ap.add_argument("--n", type=int, default=150, help="questions per kind")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint)
    model = Vlm(VlmConfig(**ck["config"]))
    model.load_state_dict(ck["model"])
    tok = WordTokenizer()
    report = {"heldout": evaluate(model, tok, args.n, seed=424242, split="heldout"),
              "seen": evaluate(model, tok, args.n, seed=434343, split="train"), "per_kind": args.n}
    print(json.dumps(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
