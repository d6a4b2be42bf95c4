"""Word-level tokenizer for tessera-clip, and its tokenizer.json.

The vocabulary is closed (every word the caption generator can write) plus four specials.
tokenizer.json expresses it as a WordPiece model with no '##' continuation pieces: a word
is either in the vocabulary whole or becomes [UNK], exactly the word-level rule, in a model
type that @huggingface/tokenizers (JS) and transformers both load.
Encoding: lowercase, split with the `Whitespace` rule (\\w+|[^\\w\\s]+, ASCII \\w), look up,
then wrap as [BOS] ... [EOS]. Padding id is 0 ([PAD]); pad on the right with mask 0.
"""
import json
import re

from render import all_words

SPECIALS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
PAD, UNK, BOS, EOS = range(4)
SPLIT = re.compile(r"\w+|[^\w\s]+", re.ASCII)
MAX_LEN = 32


class WordTokenizer:
    def __init__(self, words=None):
        self.vocab = SPECIALS + (words if words is not None else all_words())
        self.ids = {w: i for i, w in enumerate(self.vocab)}

    def encode(self, text):
        words = SPLIT.findall(text.lower())
        ids = [BOS] + [self.ids.get(w, UNK) for w in words] + [EOS]
        return ids[:MAX_LEN - 1] + [EOS] if len(ids) > MAX_LEN else ids

    def batch(self, texts):
        """(input_ids, attention_mask) as lists of equal-length rows, right padded."""
        enc = [self.encode(t) for t in texts]
        n = max(len(e) for e in enc)
        return [e + [PAD] * (n - len(e)) for e in enc], [[1] * len(e) + [0] * (n - len(e)) for e in enc]

    def tokenizer_json(self):
        def special(i, tok):
            return {"id": i, "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
                    "normalized": False, "special": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [special(i, t) for i, t in enumerate(SPECIALS)],
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[EOS]", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "[EOS]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                         {"SpecialToken": {"id": "[EOS]", "type_id": 1}}],
                "special_tokens": {
                    "[BOS]": {"id": "[BOS]", "ids": [BOS], "tokens": ["[BOS]"]},
                    "[EOS]": {"id": "[EOS]", "ids": [EOS], "tokens": ["[EOS]"]},
                },
            },
            "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
            "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": 100, "vocab": self.ids},
        }

    def tokenizer_config(self):
        return {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": MAX_LEN,
            "bos_token": "[BOS]", "eos_token": "[EOS]", "pad_token": "[PAD]", "unk_token": "[UNK]",
            "padding_side": "right", "truncation_side": "right",
            "clean_up_tokenization_spaces": True,
            "do_lower_case": True,
        }

    def save(self, out_dir):
        import os
        with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
            json.dump(self.tokenizer_json(), f, indent=1)
        with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
            json.dump(self.tokenizer_config(), f, indent=2)
