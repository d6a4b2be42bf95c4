"""Synthesise transcribed 16 kHz speech with Debian espeak-ng (+ sox for resampling) into shards.

Each shard is an .npz with the int16 samples of all its utterances concatenated, their offsets,
transcripts and the voice/prosody used. Noise, gain and padding are added at training time
(train.py), so shards hold clean speech.

Voices are an accent (espeak-ng language voice) plus a variant (espeak-ng-data/voices/!v).
Held-out accents and variants are never used for training shards; the evaluation split
"unseen" combines a held-out accent with a held-out variant.

  python3 synth.py train --out data/train --shards 40 --per-shard 500 --seed 1
  python3 synth.py eval --out data/eval
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np

from sentences import SentenceGenerator, load_dictionary

TRAIN_ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-us-nyc"]
HELD_ACCENTS = ["en-gb-x-gbcwmd", "en-029"]
TRAIN_VARIANTS = ["", "m1", "m2", "m4", "m5", "m6", "m7", "m8", "f1", "f3", "f4", "f5", "klatt", "klatt3",
                  "klatt4", "adam", "Alex", "Andy", "Annie", "anika", "antonio", "aunty", "benjamin", "boris",
                  "caleb", "david", "ed", "edward", "Gene", "Hugo", "iven", "iven2", "Jacky", "Lee", "linda",
                  "Marco", "max", "Michael", "Mike", "michel", "miguel", "norbert", "paul", "pedro", "quincy",
                  "rob", "robert", "shelby", "travis", "victor", "zac"]
HELD_VARIANTS = ["m3", "f2", "klatt2", "john", "steph", "belinda", "iven3", "Denis"]

SAMPLE_RATE = 16000
EVAL_SENTENCE_SEED = 1_000_003


def voice_name(accent: str, variant: str) -> str:
    return accent if not variant else f"{accent}+{variant}"


def synthesise(text: str, voice: str, speed: int, pitch: int, amplitude: int, gap: int) -> np.ndarray:
    """espeak-ng WAV (22.05 kHz) → sox → raw 16 kHz int16 mono."""
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-v", voice, "-s", str(speed), "-p", str(pitch), "-a", str(amplitude),
         "-g", str(gap), text],
        check=True, capture_output=True).stdout
    raw = subprocess.run(
        ["sox", "-t", "wav", "-", "-t", "raw", "-r", str(SAMPLE_RATE), "-e", "signed", "-b", "16", "-c", "1", "-"],
        input=wav, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.int16)


def prosody(rng: random.Random) -> dict:
    return {"speed": rng.randint(120, 200), "pitch": rng.randint(30, 70), "amplitude": rng.randint(60, 180),
            "gap": rng.choice([0, 0, 0, 1, 2, 4])}


def write_shard(path: str, items: list[dict], audio: list[np.ndarray]) -> None:
    offsets = np.cumsum([0] + [len(a) for a in audio]).astype(np.int64)
    tmp = path + ".tmp.npz"
    np.savez(tmp, audio=np.concatenate(audio), offsets=offsets, meta=np.array(json.dumps(items)))
    os.replace(tmp, path)  # the trainer picks shards up while synthesis is still running


def eval_sentences(count: int, exclude: set[str]) -> list[str]:
    _, held_words = load_dictionary()
    gen = SentenceGenerator(EVAL_SENTENCE_SEED, held_words)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        s = gen.sentence()
        if s in exclude or s in seen:
            continue
        seen.add(s)
        out.append(s)
    return out


def make_train(args) -> None:
    train_words, _ = load_dictionary()
    held = set(eval_sentences(args.eval_count, set()))
    os.makedirs(args.out, exist_ok=True)
    for shard in range(args.first_shard, args.first_shard + args.shards):
        path = os.path.join(args.out, f"shard-{shard:04d}.npz")
        if os.path.exists(path):
            continue
        rng = random.Random(args.seed * 100_003 + shard)
        gen = SentenceGenerator(args.seed * 100_003 + shard, train_words)
        items, audio = [], []
        while len(items) < args.per_shard:
            text = gen.sentence()
            if text in held:
                continue
            voice = voice_name(rng.choice(TRAIN_ACCENTS), rng.choice(TRAIN_VARIANTS))
            p = prosody(rng)
            a = synthesise(text, voice, **p)
            if len(a) < 1600:
                continue
            items.append({"text": text, "voice": voice, **p})
            audio.append(a)
        write_shard(path, items, audio)
        print(f"wrote {path} ({len(items)} utterances)", flush=True)


def make_eval(args) -> None:
    """Two splits over the same unseen sentences: unseen voices and seen voices."""
    sentences = eval_sentences(args.eval_count, set())
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(7)
    for split, accents, variants in (("unseen-voices", HELD_ACCENTS, HELD_VARIANTS),
                                     ("seen-voices", TRAIN_ACCENTS, TRAIN_VARIANTS)):
        items, audio = [], []
        for text in sentences:
            voice = voice_name(rng.choice(accents), rng.choice(variants))
            p = {"speed": rng.randint(130, 190), "pitch": rng.randint(35, 65), "amplitude": 100, "gap": 0}
            items.append({"text": text, "voice": voice, **p})
            audio.append(synthesise(text, voice, **p))
        write_shard(os.path.join(args.out, f"{split}.npz"), items, audio)
        print(f"wrote {split} ({len(items)} utterances)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("split", choices=["train", "eval"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--shards", type=int, default=40)
    ap.add_argument("--first-shard", type=int, default=0)
    ap.add_argument("--per-shard", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--eval-count", type=int, default=300)
    args = ap.parse_args()
    (make_train if args.split == "train" else make_eval)(args)


if __name__ == "__main__":
    sys.exit(main())
