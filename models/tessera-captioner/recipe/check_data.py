"""Writes out/check/: held-out and seen scenes as PNGs with PyTorch's greedy captions, for
check_onnx.ts to compare the exported graphs (run through the server's engine) against.

usage: check_data.py --checkpoint out/ckpt.pt [--n 64]
"""
import argparse
import json
import os

import torch
from PIL import Image

from data import greedy, render_set
from eval import load
from tokenizer import WordTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "out/ckpt.pt"))
    ap.add_argument("--n", type=int, default=64)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, _ = load(args.checkpoint)
    out = os.path.join(HERE, "out", "check")
    os.makedirs(out, exist_ok=True)
    items = []
    for split, seed in (("heldout", 31337), ("train", 31338)):
        _, images = render_set(args.n // 2, seed, split)
        for i, (img, text) in enumerate(zip(images, greedy(model, WordTokenizer(), images))):
            name = f"{split}-{i:03d}.png"
            Image.fromarray(img).save(os.path.join(out, name))
            items.append({"file": name, "torch": text})
    with open(os.path.join(out, "captions.json"), "w") as f:
        json.dump(items, f, indent=1)
    print(f"wrote {len(items)} images to {out}")


if __name__ == "__main__":
    main()
