"""Training speech for tessera-tts: espeak-ng (libespeak-ng through ctypes, one voice) reads
generated sentences; its phoneme events give each phoneme's start sample, which become the
duration targets. The phoneme sequence itself is taken from `espeak-ng --ipa --sep=' '`, the same
command the server runs, so training and inference see identical tokens (stress marks included);
a sentence whose event phonemes do not line up with that output is skipped.

  python3 synth.py --out data/train-1.npz --count 1000 --seed 1   (seeds 1-3)
  python3 synth.py --out data/eval.npz --count 30 --seed 2 --exclude data/train-*.npz
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import subprocess
import sys

import numpy as np

sys.path.append(os.path.join(os.path.dirname(__file__), "../../tessera-asr/recipe"))
from sentences import SentenceGenerator, load_dictionary  # noqa: E402

VOICE = "en-us"
RATE_WPM = 165
HOP = 256
STRESS = "ˈˌ"
AUDIO_OUTPUT_SYNCHRONOUS = 2
INIT_PHONEME_EVENTS_IPA = 0x0003
EVENT_WORD, EVENT_PHONEME = 1, 7


class EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", EventId)]


Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(Event))


class Espeak:
    def __init__(self) -> None:
        self.lib = ctypes.CDLL("libespeak-ng.so.1")
        self.sample_rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, INIT_PHONEME_EVENTS_IPA)
        self._callback = Callback(self._collect)
        self.lib.espeak_SetSynthCallback(self._callback)
        self.lib.espeak_SetVoiceByName(VOICE.encode())
        self.lib.espeak_SetParameter(1, RATE_WPM, 0)  # espeakRATE

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self.audio.append(np.ctypeslib.as_array(wav, (count,)).copy())
        i = 0
        while events[i].type != 0:
            e = events[i]
            if e.type == EVENT_PHONEME:
                self.events.append((e.id.string.decode("utf-8", "replace"), e.sample))
            elif e.type == EVENT_WORD:
                self.events.append((" ", e.sample))
            i += 1
        return 0

    def speak(self, text: str) -> tuple[np.ndarray, list[tuple[str, int]]]:
        self.audio, self.events = [], []
        raw = text.encode()
        self.lib.espeak_Synth(raw, len(raw) + 1, 0, 1, 0, 1, None, None)
        self.lib.espeak_Synchronize()
        return np.concatenate(self.audio), self.events


def phonemize(text: str) -> list[str]:
    """The server's phonemizer: clauses on lines, words on double spaces, phonemes on spaces."""
    out = subprocess.run(["espeak-ng", "-q", "-v", VOICE, "--ipa", "--sep= ", text],
                         check=True, capture_output=True, text=True).stdout
    tokens: list[str] = []
    for line in (l.strip() for l in out.splitlines()):
        if not line:
            continue
        for w, word in enumerate(line.split("  ")):
            if w > 0:
                tokens.append(" ")
            for ph in word.split(" "):
                if ph and ph[0] in STRESS:
                    tokens.append(ph[0])
                    ph = ph[1:]
                ph = ph.replace("\u200d", "")
                if ph:
                    tokens.append(ph)
        tokens.append("_")
    return tokens


def align(tokens: list[str], events: list[tuple[str, int]], total: int) -> list[int] | None:
    """Start sample per token. Stress and word marks take no time; '_' (end of a clause) starts at
    the first pause event after the clause's last phoneme; pauses espeak-ng makes inside a clause
    stay with the phoneme before them."""
    spoken = [i for i, t in enumerate(tokens) if t not in (" ", *STRESS)]
    starts: dict[int, int] = {}
    j = 0
    for name, sample in events:
        if name == " ":
            continue
        name = name.replace("\u200d", "")
        if j < len(spoken) and tokens[spoken[j]] == ("_" if name == "" else name.replace("\u200d", "")):
            starts[spoken[j]] = sample
            j += 1
        elif name != "":
            return None
    if j != len(spoken):
        return None
    out, following = [0] * len(tokens), total
    for i in range(len(tokens) - 1, -1, -1):
        following = starts.get(i, following)
        out[i] = following
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--exclude", nargs="*", default=[])
    args = ap.parse_args()
    exclude = {t for path in args.exclude for t in json.loads(str(np.load(path)["meta"]))["texts"]}
    train_words, _ = load_dictionary()
    gen = SentenceGenerator(args.seed * 7919, train_words)
    rng = random.Random(args.seed)
    espeak = Espeak()
    texts, token_lists, durations, audio = [], [], [], []
    skipped = 0
    while len(texts) < args.count:
        words = gen.sentence().split(" ")
        if len(words) > 4 and rng.random() < 0.2:
            cut = rng.randint(2, len(words) - 2)
            words[cut - 1] += ","
        text = " ".join(words)
        if text in exclude or text in texts:
            continue
        wav, events = espeak.speak(text)
        tokens = phonemize(text)
        starts = align(tokens, events, len(wav))
        if starts is None:
            skipped += 1
            continue
        begin = starts[0]
        edges = [round((s - begin) / HOP) for s in starts] + [round((len(wav) - begin) / HOP)]
        durs = [max(0, b - a) for a, b in zip(edges, edges[1:])]
        if durs[-1] > 40:  # trailing silence beyond the clause pause
            durs[-1] = 40
        frames = sum(durs)
        texts.append(text)
        token_lists.append(tokens)
        durations.append(durs)
        audio.append(wav[begin: begin + frames * HOP])
    offsets = np.cumsum([0] + [len(a) for a in audio]).astype(np.int64)
    meta = {"texts": texts, "tokens": token_lists, "durations": durations, "sampleRate": espeak.sample_rate,
            "hop": HOP, "voice": VOICE, "rate": RATE_WPM}
    np.savez(args.out, audio=np.concatenate(audio), offsets=offsets, meta=np.array(json.dumps(meta)))
    print(f"wrote {args.out}: {len(texts)} sentences, {skipped} skipped, {offsets[-1] / espeak.sample_rate / 60:.1f} min")


if __name__ == "__main__":
    main()
