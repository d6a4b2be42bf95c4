"""Zero-shot and retrieval evaluation of tessera-clip on held-out colour x shape pairs.

Questions, each asked of every image of a held-out gallery by ranking candidate prompts:
  shape   "a circle" / "two circles" ... (6 shapes, chance 1/6; the prompt carries the true count)
  colour  "a red shape" / "two red shapes" ... (6 colours, chance 1/6; true count in prompt)
  count   "one shape" ... "four shapes" (chance 1/4; most frequent answer, one, is 40%)
  pair    "a red circle" ... over all 36 colour x shape pairs (chance 1/36); 30 of the 36
          prompts name pairs seen in training, so this asks whether an unseen combination
          of known words beats every seen one.
  shape_ensemble / colour_ensemble  the same 36 pair prompts, read as a shape (or colour)
          answer by taking each shape's best score over the colour words (chance 1/6).
The same questions are asked of images of seen pairs (seen_zeroshot_*) for contrast.
Retrieval: each image's full caption (no prefix) queries the gallery. recall@k counts the
exact image; "@1 correct" counts a top image the caption truly describes (galleries hold
several scenes with identical captions, since position and noise differ).

usage: eval.py --checkpoint out/ckpt.pt [--json out/eval.json]
"""
import argparse
import json

import numpy as np
import torch

from render import COLOURS, COUNT_WORDS, SHAPES, HELD_OUT, caption, describes, plural, render_set
from tokenizer import WordTokenizer

ZS_SEED, RET_SEED = 424242, 515151
MEAN, STD = 0.5, 0.5


def phrase(n, colour=None, shape=None):
    noun = (shape if n == 1 else plural(shape)) if shape else ("shape" if n == 1 else "shapes")
    words = ([colour] if colour else []) + [noun]
    count = ("an" if words[0][0] in "aeiou" else "a") if n == 1 else COUNT_WORDS[n]
    return count + " " + " ".join(words)


def questions(scene):
    """{question: (candidate texts, index of the right one)}"""
    n = scene["count"]
    pairs = [(c, s) for c in COLOURS for s in SHAPES]
    return {
        "shape": ([phrase(n, shape=s) for s in SHAPES], SHAPES.index(scene["shape"])),
        "colour": ([phrase(n, colour=c) for c in COLOURS], list(COLOURS).index(scene["colour"])),
        "count": ([phrase(k) if k > 1 else "one shape" for k in COUNT_WORDS], n - 1),
        "pair": ([phrase(n, c, s) for c, s in pairs], pairs.index((scene["colour"], scene["shape"]))),
    }


def pixels(images):
    return ((torch.from_numpy(images).float().permute(0, 3, 1, 2) / 255.0) - MEAN) / STD


def zero_shot(scenes, img, temb, prefix):
    out = {}
    qs = [questions(s) for s in scenes]
    sims = {name: [np.stack([temb[t] for t in q[name][0]]) @ img[i] for i, q in enumerate(qs)]
            for name in ("shape", "colour", "count", "pair")}
    for name in ("shape", "colour", "count", "pair"):
        out[f"{prefix}{name}"] = float(np.mean([np.argmax(s) == q[name][1] for s, q in zip(sims[name], qs)]))
    # Prompt ensembles: a shape's score is its best score over the six colour words (and a
    # colour's over the six shape words), so the answer never rests on a bare, colourless
    # prompt whose text embedding was only ever trained against the seen colours.
    pairs = [(c, s) for c in COLOURS for s in SHAPES]
    ens_shape = ens_colour = held = 0
    for s, sc in zip(sims["pair"], scenes):
        grid = s.reshape(len(COLOURS), len(SHAPES))
        ens_shape += SHAPES[int(np.argmax(grid.max(0)))] == sc["shape"]
        ens_colour += list(COLOURS)[int(np.argmax(grid.max(1)))] == sc["colour"]
        held += pairs[int(np.argmax(s))] in HELD_OUT
    out[f"{prefix}shape_ensemble"] = ens_shape / len(scenes)
    out[f"{prefix}colour_ensemble"] = ens_colour / len(scenes)
    out[f"{prefix}pair_predicted_a_heldout_pair"] = held / len(scenes)
    return out


def evaluate(encode_text, encode_image, n_zs=600, n_ret=500):
    """encode_text(list[str]) -> [n, d] normalized np array; encode_image(uint8 NHWC) -> same.
    zeroshot_* keys: held-out pairs; seen_zeroshot_*: fresh images of training pairs."""
    out = {}
    sets = {"zeroshot_": render_set(n_zs, ZS_SEED, "heldout"), "seen_zeroshot_": render_set(n_zs, ZS_SEED + 1, "train")}
    texts = sorted({t for sc, _ in sets.values() for s in sc for c, _ in questions(s).values() for t in c})
    temb = dict(zip(texts, encode_text(texts)))
    for prefix, (scenes, images) in sets.items():
        out.update(zero_shot(scenes, encode_image(images), temb, prefix))

    scenes, images = render_set(n_ret, RET_SEED, "heldout")
    img = encode_image(images)
    caps = [caption(s, with_kept=True) for s in scenes]
    txt = encode_text([c for c, _ in caps])
    sims = txt @ img.T
    rank = np.argsort(-sims, axis=1)
    gold = np.arange(n_ret)
    out["t2i_recall@1"] = float(np.mean(rank[:, 0] == gold))
    out["t2i_recall@5"] = float(np.mean([(rank[i, :5] == i).any() for i in gold]))
    out["t2i_top1_correct"] = float(np.mean([describes(caps[i][1], scenes[rank[i, 0]]) for i in gold]))
    irank = np.argsort(-sims.T, axis=1)
    out["i2t_recall@1"] = float(np.mean(irank[:, 0] == gold))
    out["i2t_recall@5"] = float(np.mean([(irank[i, :5] == i).any() for i in gold]))
    out["n_zeroshot_images"], out["n_gallery"] = n_zs, n_ret
    return out


def torch_encoders(model, tok, batch=256):
    def enc_text(texts):
        res = []
        with torch.no_grad():
            for i in range(0, len(texts), batch):
                ids, mask = tok.batch(texts[i:i + batch])
                res.append(model.encode_text(torch.tensor(ids), torch.tensor(mask)).numpy())
        return np.concatenate(res)

    def enc_image(images):
        res = []
        with torch.no_grad():
            for i in range(0, len(images), batch):
                res.append(model.encode_image(pixels(images[i:i + batch])).numpy())
        return np.concatenate(res)
    return enc_text, enc_image


def main():
    from model import Clip, ClipConfig
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="out/ckpt.pt")
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint)
    cfg = ClipConfig(**ck["config"])
    model = Clip(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    res = evaluate(*torch_encoders(model, WordTokenizer()))
    print(json.dumps(res, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
