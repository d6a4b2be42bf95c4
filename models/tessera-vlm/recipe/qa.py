"""Scenes, questions and answers for tessera-vlm, and the word-level tokenizer.

Scenes and images come from tessera-clip's generator (models/tessera-clip/recipe/render.py),
imported rather than copied, so every house vision model sees the same world. Answers never
name the colour and the shape together ("it is red ."), so a held-out colour x shape pair is
not vetoed by a bigram the decoder never read; the answer has to come from the image.
"""
import os
import random
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "..", "tessera-clip", "recipe"))

from render import COLOURS, COUNT_WORDS, POSITIONS, SHAPES, all_words, plural, render, sample_scene  # noqa: E402

SPECIALS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]", "<image>"]
PAD, UNK, BOS, EOS, IMAGE = range(5)
IMAGE_TOKENS = 16
QA_WORDS = ["what", "colour", "color", "is", "are", "how", "many", "there", "where", "it", "they",
            "yes", "no", "question", "answer", "?", ".", ":", ",", "the", "a", "an", "in"]
SPLIT = re.compile(r"\w+|[^\w\s]+", re.ASCII)
MEAN, STD = 0.5, 0.5
KINDS = ["colour", "count", "where", "exists"]


def article(word):
    return "an" if word[0] in "aeiou" else "a"


def question(rng, scene, kind):
    """(question, answer) about `scene`."""
    n, shape, colour = scene["count"], scene["shape"], scene["colour"]
    if kind == "colour":
        if n == 1:
            return f"what {rng.choice(['colour', 'color'])} is the {shape} ?", f"it is {colour} ."
        return f"what {rng.choice(['colour', 'color'])} are the {plural(shape)} ?", f"they are {colour} ."
    if kind == "count":
        noun = shape if n == 1 else plural(shape)
        verb = "is" if n == 1 else "are"
        return "how many shapes are there ?", f"there {verb} {COUNT_WORDS[n]} {noun} ."
    if kind == "where":
        return f"where is the {colour} {shape} ?", f"it is in the {scene['pos']} ."
    asked = shape if rng.random() < 0.5 else rng.choice([s for s in SHAPES if s != shape])
    return f"is there {article(asked)} {asked} ?", ("yes ." if asked == shape else "no .")


def sample_qa(rng, split, kind=None):
    kind = kind or rng.choice(KINDS)
    scene = sample_scene(rng, split)
    if kind == "where" and scene["count"] != 1:
        scene = dict(scene, count=1, pos=rng.choice(POSITIONS))
    q, a = question(rng, scene, kind)
    return scene, kind, q, a


class WordTokenizer:
    def __init__(self):
        words = sorted(set(all_words()) | set(QA_WORDS))
        self.vocab = SPECIALS + words
        self.ids = {w: i for i, w in enumerate(self.vocab)}

    def words(self, text):
        return [self.ids.get(w, UNK) for w in SPLIT.findall(text.lower())]

    def prompt(self, q):
        """What the chat template renders for one image and one question, image expanded."""
        return [BOS] + [IMAGE] * IMAGE_TOKENS + self.words(q) + self.words("answer :")

    def decode(self, ids):
        return " ".join(self.vocab[i] for i in ids)


def pixels(images):
    return ((torch.from_numpy(np.asarray(images)).float().permute(0, 3, 1, 2) / 255.0) - MEAN) / STD


def valid_kinds(scene):
    return KINDS if scene["count"] == 1 else [k for k in KINDS if k != "where"]


def encode_qa(tok, items):
    """(ids, targets) for teacher forcing; loss only on answer tokens."""
    seqs, starts = [], []
    for q, a in items:
        p = tok.prompt(q)
        seqs.append(p + tok.words(a) + [EOS])
        starts.append(len(p))
    n, t = len(seqs), max(len(s) for s in seqs) - 1
    inp = torch.full((n, t), PAD, dtype=torch.long)
    tgt = torch.full((n, t), -100, dtype=torch.long)
    for i, (s, st) in enumerate(zip(seqs, starts)):
        inp[i, :len(s) - 1] = torch.tensor(s[:-1])
        tgt[i, st - 1:len(s) - 1] = torch.tensor(s[st:])
    return inp, tgt
