"""Byte-level BPE: training, encoding, and writing a Hugging Face `tokenizer.json`.

The pre-tokenizer is GPT-2's split rule. Python's `re` has no \\p{L}/\\p{N}, so the
classes are spelled for ASCII letters and digits; the corpus is ASCII, and the
written tokenizer.json declares the standard ByteLevel pre-tokenizer, so the
runtime (Unicode-aware) and this trainer split ASCII text identically. The Node
check script verifies that claim on the validation text.

usage: bpe.py train --corpus train.txt [more.txt ...] --vocab-size 4096 --out DIR
       bpe.py encode --tokenizer tokenizer.json < texts.json > ids.json
"""
import argparse
import collections
import json
import os
import re

EOT = "<|endoftext|>"
SPLIT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def byte_alphabet():
    """Maps each byte to a printable character so tokens are readable strings:
    visible Latin-1 bytes stand for themselves, the rest are shifted past 255."""
    visible = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in visible:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_TO_CHAR = byte_alphabet()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def pieces(text):
    return [("".join(BYTE_TO_CHAR[b] for b in w.encode("utf-8"))) for w in SPLIT.findall(text)]


def train(text_chunks, vocab_size):
    counts = collections.Counter()
    for chunk in text_chunks:
        counts.update(pieces(chunk))
    words = [[list(w), n] for w, n in counts.items()]
    vocab = [EOT] + [BYTE_TO_CHAR[b] for b in range(256)]
    merges = []
    while len(vocab) < vocab_size:
        pairs = collections.Counter()
        for syms, n in words:
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        # Ties broken by the pair itself so that training is deterministic.
        (a, b), n = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        if n < 2:
            break
        merged = a + b
        merges.append((a, b))
        vocab.append(merged)
        for w in words:
            syms = w[0]
            if len(syms) < 2:
                continue
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                    out.append(merged)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            w[0] = out
    return vocab, merges


class Encoder:
    def __init__(self, vocab, merges):
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.tokens = vocab
        self.rank = {pair: r for r, pair in enumerate(merges)}
        self.cache = {}

    def encode_piece(self, piece):
        hit = self.cache.get(piece)
        if hit is not None:
            return hit
        syms = list(piece)
        while len(syms) > 1:
            best = min(range(len(syms) - 1), key=lambda i: self.rank.get((syms[i], syms[i + 1]), 1 << 30))
            if (syms[best], syms[best + 1]) not in self.rank:
                break
            a, b = syms[best], syms[best + 1]
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            syms = out
        ids = [self.ids[s] for s in syms]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        """Encodes text in which EOT may appear literally as a special token."""
        ids = []
        for n, part in enumerate(text.split(EOT)):
            if n:
                ids.append(self.ids[EOT])
            for p in pieces(part):
                ids.extend(self.encode_piece(p))
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            t = self.tokens[i]
            if t == EOT:
                out.extend(t.encode("utf-8"))
            else:
                out.extend(CHAR_TO_BYTE[c] for c in t)
        return out.decode("utf-8", errors="replace")

    @staticmethod
    def load(tokenizer_json):
        with open(tokenizer_json, encoding="utf-8") as f:
            tj = json.load(f)
        vocab = [None] * (max(tj["model"]["vocab"].values()) + 1)
        for t, i in tj["model"]["vocab"].items():
            vocab[i] = t
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in tj["model"]["merges"]]
        return Encoder(vocab, merges)


CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ message['content'] }}\n"
    "{% elif message['role'] == 'user' %}User: {{ message['content'] }}\n"
    "{% elif message['role'] == 'assistant' %}Assistant: {{ message['content'] }}\n"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)


def write_hf(out_dir, vocab, merges, model_max_length):
    os.makedirs(out_dir, exist_ok=True)
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    tj = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": 0, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": dict(byte_level, trim_offsets=False),
        "decoder": byte_level,
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": {t: i for i, t in enumerate(vocab)},
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, indent=1)
    tc = {
        "tokenizer_class": "GPT2Tokenizer",
        "bos_token": EOT,
        "eos_token": EOT,
        "unk_token": EOT,
        "pad_token": EOT,
        "add_bos_token": False,
        "add_prefix_space": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": model_max_length,
        "padding_side": "left",
        "chat_template": CHAT_TEMPLATE,
    }
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tc, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": EOT, "eos_token": EOT, "unk_token": EOT, "pad_token": EOT}, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--corpus", required=True, nargs="+")
    t.add_argument("--vocab-size", type=int, default=4096)
    t.add_argument("--model-max-length", type=int, default=128)
    t.add_argument("--out", required=True)
    e = sub.add_parser("encode", help="JSON list of strings on stdin -> JSON list of id lists on stdout")
    e.add_argument("--tokenizer", required=True, help="path of tokenizer.json")
    args = ap.parse_args()
    if args.cmd == "encode":
        import sys
        enc = Encoder.load(args.tokenizer)
        json.dump([enc.encode(t) for t in json.load(sys.stdin)], sys.stdout)
        return
    chunks = []
    for path in args.corpus:
        with open(path, encoding="utf-8") as f:
            chunks.extend(f.read().split(EOT))
    vocab, merges = train(chunks, args.vocab_size)
    write_hf(args.out, vocab, merges, args.model_max_length)
    print(f"vocab {len(vocab)} ({len(merges)} merges) -> {args.out}")


if __name__ == "__main__":
    main()
