"""Held-out evaluation of tessera-captioner: greedy captions (KV cache, as the server
decodes) of scenes whose colour x shape pair never appeared in training, scored by exact
match with the full target caption and per attribute (count, size, colour, shape,
position, background, colour-and-shape together). Seen pairs are scored for contrast.

usage: eval.py --checkpoint out/ckpt.pt --json eval.json
"""
import argparse
import json

import torch

from data import EVAL_SEED, HELD_OUT, SEEN_SEED, greedy, render_set, score, target
from model import Captioner, CaptionerConfig
from tokenizer import WordTokenizer


def load(path):
    ck = torch.load(path)
    model = Captioner(CaptionerConfig(**ck["config"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="out/ckpt.pt")
    ap.add_argument("--json", default=None)
    ap.add_argument("--n", type=int, default=600)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, ck = load(args.checkpoint)
    tok = WordTokenizer()
    held_scenes, held_images = render_set(args.n, EVAL_SEED, "heldout")
    seen_scenes, seen_images = render_set(args.n // 2, SEEN_SEED, "train")
    held_texts = greedy(model, tok, held_images)
    seen_texts = greedy(model, tok, seen_images)
    res = {"heldout": score(held_scenes, held_texts), "seen": score(seen_scenes, seen_texts),
           "n_heldout": len(held_scenes), "n_seen": len(seen_scenes), "steps": ck["step"], "images_seen": ck["seen"]}
    per_pair = {}
    for colour, shape in sorted(HELD_OUT):
        idx = [i for i, s in enumerate(held_scenes) if (s["colour"], s["shape"]) == (colour, shape)]
        per_pair[f"{colour} {shape}"] = score([held_scenes[i] for i in idx], [held_texts[i] for i in idx])["colour_and_shape"]
    res["heldout_colour_and_shape_by_pair"] = per_pair
    res["examples"] = [{"target": target(s), "caption": t} for s, t in list(zip(held_scenes, held_texts))[:12]]
    print(json.dumps(res, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
