"""Synthetic image/caption generator for tessera-clip.

Each scene is 1-4 copies of one shape (same colour and size) on a plain background with
pixel noise. A scene is described by a small dict of attributes; `caption()` turns it into
English, dropping attributes at random during training so short prompts ("a red circle",
"two shapes") are as familiar to the text tower as full descriptions.

HELD_OUT colour x shape pairs never appear in training images or captions; they are what
the zero-shot and retrieval evaluations are measured on.

usage: render.py --out out/samples --n 16   (writes PNGs and captions.txt to look at)
"""
import argparse
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw

SIZE = 64          # final image side
SCALE = 2          # drawn at SCALE x SIZE and box-filtered down, for smooth edges

SHAPES = ["circle", "square", "triangle", "star", "diamond", "cross"]
PLURAL = {"cross": "crosses"}
COLOURS = {
    "red": (220, 30, 30),
    "green": (30, 170, 50),
    "blue": (30, 70, 220),
    "yellow": (240, 210, 20),
    "purple": (140, 40, 170),
    "orange": (250, 130, 10),
}
BACKGROUNDS = {"white": (245, 245, 245), "black": (15, 15, 15), "gray": (128, 128, 128)}
SIZES = ["small", "large"]
POSITIONS = ["top left", "top right", "bottom left", "bottom right", "center"]
COUNT_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}

# One held-out shape per colour and one held-out colour per shape (a permutation), so
# every colour and every shape is still seen in training, only never in these pairings.
HELD_OUT = {("red", "star"), ("green", "triangle"), ("blue", "diamond"),
            ("yellow", "circle"), ("purple", "cross"), ("orange", "square")}

PREFIXES = ["", "", "a picture of ", "an image of ", "a photo of "]

# Every word caption() can write, so the vocabulary is closed and known up front.
EXTRA_WORDS = ["a", "an", "of", "picture", "image", "photo", "in", "the", "on", "background",
               "shape", "shapes", "top", "bottom", "left", "right", "center"]


def plural(shape):
    return PLURAL.get(shape, shape + "s")


def all_words():
    words = set(EXTRA_WORDS) | set(COLOURS) | set(BACKGROUNDS) | set(SIZES) | set(COUNT_WORDS.values())
    for s in SHAPES:
        words |= {s, plural(s)}
    return sorted(words)


def sample_scene(rng, split):
    """split 'train' draws only seen colour x shape pairs, 'heldout' only held-out ones,
    'all' any pair."""
    while True:
        colour = rng.choice(list(COLOURS))
        shape = rng.choice(SHAPES)
        held = (colour, shape) in HELD_OUT
        if split == "all" or (split == "heldout") == held:
            break
    count = rng.choice([1, 1, 2, 3, 4])
    size = rng.choice(SIZES) if count <= 2 else "small"
    bg = rng.choice(list(BACKGROUNDS))
    pos = rng.choice(POSITIONS) if count == 1 else None
    return {"shape": shape, "colour": colour, "count": count, "size": size, "bg": bg, "pos": pos,
            "seed": rng.randrange(1 << 30)}


def _polygon(kind, cx, cy, r, rot):
    if kind == "square":
        pts = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
        pts = [(x * 0.82, y * 0.82) for x, y in pts]
    elif kind == "diamond":
        pts = [(0, -1), (0.75, 0), (0, 1), (-0.75, 0)]
    elif kind == "triangle":
        pts = [(math.cos(a), math.sin(a)) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
        pts = [(x, y + 0.15) for x, y in pts]
    elif kind == "star":
        pts = []
        for i in range(10):
            a = -math.pi / 2 + i * math.pi / 5
            rr = 1.0 if i % 2 == 0 else 0.42
            pts.append((rr * math.cos(a), rr * math.sin(a)))
    elif kind == "cross":
        w = 0.33
        pts = [(-w, -1), (w, -1), (w, -w), (1, -w), (1, w), (w, w), (w, 1), (-w, 1), (-w, w),
               (-1, w), (-1, -w), (-w, -w)]
    else:
        raise ValueError(kind)
    c, s = math.cos(rot), math.sin(rot)
    return [(cx + r * (x * c - y * s), cy + r * (x * s + y * c)) for x, y in pts]


def _centres(rng, scene, r):
    """Object centres in final-image pixels; one object goes in its named region."""
    lo, hi = r + 1, SIZE - r - 1
    if scene["count"] == 1:
        pos = scene["pos"]
        if pos == "center":
            return [(SIZE / 2 + rng.uniform(-4, 4), SIZE / 2 + rng.uniform(-4, 4))]
        mid = SIZE / 2
        xs = (lo, max(lo, mid - r - 2)) if "left" in pos else (min(hi, mid + r + 2), hi)
        ys = (lo, max(lo, mid - r - 2)) if "top" in pos else (min(hi, mid + r + 2), hi)
        return [(rng.uniform(*xs), rng.uniform(*ys))]
    for _ in range(200):
        pts = []
        for _ in range(scene["count"]):
            for _ in range(100):
                p = (rng.uniform(lo, hi), rng.uniform(lo, hi))
                if all(math.hypot(p[0] - q[0], p[1] - q[1]) > 2 * r + 2 for q in pts):
                    pts.append(p)
                    break
        if len(pts) == scene["count"]:
            return pts
    raise RuntimeError("could not place objects")


def render(scene):
    """Returns an HxWx3 uint8 array. Deterministic given the scene (its seed)."""
    rng = random.Random(scene["seed"])
    bg = np.array(BACKGROUNDS[scene["bg"]]) + rng.randint(-12, 12)
    img = Image.new("RGB", (SIZE * SCALE, SIZE * SCALE), tuple(int(v) for v in np.clip(bg, 0, 255)))
    draw = ImageDraw.Draw(img)
    base = scene["size"] == "large"
    r = rng.uniform(12, 15) if base else rng.uniform(5.5, 7.5)
    if scene["count"] == 2 and base:
        r = rng.uniform(11, 13)
    col = tuple(int(np.clip(v + rng.randint(-22, 22), 0, 255)) for v in COLOURS[scene["colour"]])
    for cx, cy in _centres(rng, scene, r):
        rr = r * rng.uniform(0.92, 1.08)
        X, Y, R = cx * SCALE, cy * SCALE, rr * SCALE
        if scene["shape"] == "circle":
            draw.ellipse([X - R, Y - R, X + R, Y + R], fill=col)
        else:
            rot = 0.0 if scene["shape"] in ("square", "diamond", "cross") else rng.uniform(-0.25, 0.25)
            draw.polygon(_polygon(scene["shape"], X, Y, R, rot), fill=col)
    arr = np.asarray(img.reduce(SCALE), dtype=np.float32)
    sigma = rng.uniform(0, 14)
    if sigma > 0:
        nrng = np.random.default_rng(scene["seed"])
        arr = arr + nrng.normal(0, sigma, arr.shape)
    return np.clip(arr, 0, 255).astype(np.uint8)


def _article(next_word):
    return "an" if next_word[0] in "aeiou" else "a"


def caption(scene, rng=None, drop=False, prefix=True, with_kept=False):
    """English description; with drop=True attributes are left out at random.
    with_kept=True also returns the attributes the text states, for matching it
    against other scenes (see `describes`)."""
    keep = (lambda p: rng.random() >= p) if drop else (lambda p: True)
    n = scene["count"]
    kept = {"count": n}
    words = []
    if keep(0.35):
        words.append(scene["size"])
        kept["size"] = scene["size"]
    if keep(0.2):
        words.append(scene["colour"])
        kept["colour"] = scene["colour"]
    if keep(0.15):
        noun = scene["shape"]
        kept["shape"] = noun
        words.append(noun if n == 1 else plural(noun))
    else:
        words.append("shape" if n == 1 else "shapes")
    if n == 1:
        count = "one" if (rng is not None and rng.random() < 0.3) else _article(words[0])
    else:
        count = COUNT_WORDS[n]
    text = count + " " + " ".join(words)
    if scene["pos"] and keep(0.4):
        text += " in the " + scene["pos"]
        kept["pos"] = scene["pos"]
    if keep(0.5):
        text += " on " + _article(scene["bg"]) + " " + scene["bg"] + " background"
        kept["bg"] = scene["bg"]
    if prefix and rng is not None:
        text = rng.choice(PREFIXES) + text
    return (text, kept) if with_kept else text


def describes(kept, scene):
    """True when a caption stating `kept` is a correct description of `scene`."""
    return all(scene.get(k) == v for k, v in kept.items())


def render_set(n, seed, split):
    rng = random.Random(seed)
    scenes = [sample_scene(rng, split) for _ in range(n)]
    images = np.stack([render(s) for s in scenes])
    return scenes, images


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out/samples")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--split", default="all")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    scenes, images = render_set(args.n, 7, args.split)
    rng = random.Random(0)
    with open(os.path.join(args.out, "captions.txt"), "w") as f:
        for i, (s, im) in enumerate(zip(scenes, images)):
            Image.fromarray(im).save(os.path.join(args.out, f"{i:03d}.png"))
            f.write(f"{i:03d}\t{caption(s)}\t{caption(s, rng, drop=True)}\n")
    # One contact sheet, easier to eyeball than many files.
    cols = 8
    rows = (len(images) + cols - 1) // cols
    sheet = np.zeros((rows * SIZE, cols * SIZE, 3), np.uint8)
    for i, im in enumerate(images):
        sheet[(i // cols) * SIZE:(i // cols + 1) * SIZE, (i % cols) * SIZE:(i % cols + 1) * SIZE] = im
    Image.fromarray(sheet).resize((cols * SIZE * 2, rows * SIZE * 2), Image.NEAREST).save(
        os.path.join(args.out, "sheet.png"))


if __name__ == "__main__":
    main()
