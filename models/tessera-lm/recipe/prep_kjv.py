"""Dumps the King James Version text shipped by Debian's `bible-kjv` +
`bible-kjv-text` packages (public domain text) as plain prose, one chapter per
document, for training the tokenizer's merges on a broad English vocabulary.

usage: prep_kjv.py --out FILE     (needs: apt-get install bible-kjv)
"""
import argparse
import re
import subprocess

EOT = "<|endoftext|>"
VERSE = re.compile(r"^([1-3]?[A-Za-z]+)(\d+):(\d+) (.*)$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    raw = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True, text=True).stdout
    chapters, current, key = [], [], None
    for line in raw.splitlines():
        m = VERSE.match(line.strip())
        if not m:
            continue
        if (m.group(1), m.group(2)) != key and current:
            chapters.append(" ".join(current))
            current = []
        key = (m.group(1), m.group(2))
        current.append(m.group(4).strip())
    if current:
        chapters.append(" ".join(current))
    text = EOT.join(chapters) + EOT
    # The dump is ASCII; bpe.py's ASCII split rule relies on that.
    assert text.isascii(), "unexpected non-ASCII text in the KJV dump"
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {len(chapters)} chapters, {len(text)} characters to {args.out}")


if __name__ == "__main__":
    main()
