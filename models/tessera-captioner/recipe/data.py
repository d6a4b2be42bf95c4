"""Scenes, target captions and caption parsing for tessera-captioner.

Scenes and images come from tessera-clip's generator (models/tessera-clip/recipe/render.py),
imported rather than copied, so both models see the same world. The target caption is the
full, deterministic description (no prefix, nothing dropped), e.g.
"a large red circle in the top left on a white background" or
"three small blue squares on a gray background"; exact match is therefore meaningful.
HELD_OUT colour x shape pairs never appear in training images.
"""
import os
import random
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "..", "tessera-clip", "recipe"))

from render import (BACKGROUNDS, COLOURS, COUNT_WORDS, HELD_OUT, POSITIONS, SHAPES, SIZES,  # noqa: E402
                    caption, plural, render, render_set, sample_scene)
from tokenizer import BOS, EOS, PAD, UNK, WordTokenizer  # noqa: E402  (tessera-clip's word-level tokenizer)

MEAN, STD = 0.5, 0.5
EVAL_SEED, SEEN_SEED = 777001, 777002


def target(scene):
    return caption(scene)


def pixels(images):
    return ((torch.from_numpy(images).float().permute(0, 3, 1, 2) / 255.0) - MEAN) / STD


def parse(text):
    """Attributes a caption states (None where it says nothing recognisable)."""
    words = text.split()
    out = {"count": None, "size": None, "colour": None, "shape": None, "pos": None, "bg": None}
    if words:
        first = {"a": 1, "an": 1, "one": 1}
        first.update({w: n for n, w in COUNT_WORDS.items()})
        out["count"] = first.get(words[0])
    shape_words = {s: s for s in SHAPES}
    shape_words.update({plural(s): s for s in SHAPES})
    for i, w in enumerate(words):
        if w in SIZES and out["size"] is None:
            out["size"] = w
        elif w in COLOURS and out["colour"] is None:
            out["colour"] = w
        elif w in shape_words and out["shape"] is None:
            out["shape"] = shape_words[w]
        elif w == "background" and i > 0 and words[i - 1] in BACKGROUNDS:
            out["bg"] = words[i - 1]
    if "in the" in text:
        rest = text.split("in the ", 1)[1]
        out["pos"] = next((p for p in POSITIONS if rest.startswith(p)), None)
    return out


def truth(scene):
    return {"count": scene["count"], "size": scene["size"], "colour": scene["colour"],
            "shape": scene["shape"], "pos": scene["pos"], "bg": scene["bg"]}


def score(scenes, texts):
    """Exact match and per-attribute accuracy of generated captions."""
    n = len(scenes)
    res = {"exact": sum(t == target(s) for s, t in zip(scenes, texts)) / n}
    for k in ("count", "size", "colour", "shape", "pos", "bg"):
        res[k] = sum(parse(t)[k] == truth(s)[k] for s, t in zip(scenes, texts)) / n
    res["colour_and_shape"] = sum(parse(t)["colour"] == s["colour"] and parse(t)["shape"] == s["shape"]
                                  for s, t in zip(scenes, texts)) / n
    return res


@torch.no_grad()
def greedy(model, tok, images, max_len=24, batch=200):
    """Greedy captions with the KV cache, the way the server decodes."""
    model.eval()
    texts = []
    for i in range(0, len(images), batch):
        px = pixels(images[i:i + batch])
        b = px.shape[0]
        enc = model.encoder(px)
        past = model.decoder.empty_past(b)
        ids = torch.full((b, 1), BOS, dtype=torch.long)
        out = [[] for _ in range(b)]
        done = torch.zeros(b, dtype=torch.bool)
        for _ in range(max_len):
            logits, past = model.decoder(ids, enc, past)
            nxt = logits[:, -1].argmax(-1)
            for j in range(b):
                if not done[j]:
                    if nxt[j].item() == EOS:
                        done[j] = True
                    else:
                        out[j].append(nxt[j].item())
            if done.all():
                break
            ids = nxt.unsqueeze(1)
        texts += [" ".join(tok.vocab[t] for t in o) for o in out]
    return texts
