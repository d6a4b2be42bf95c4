"""A small Chinese world beside tessera-lm's English one: short templated sentences about
people, places, weather, food and school, a few thousand documents, mixed with documents of
tessera-lm's own English generator (models/tessera-lm/recipe/gen_corpus.py, imported).
The source material's example, 这是一个中文文本, opens some documents.

usage: gen_zh.py --out out/data --zh-docs 4000 --en-docs 2000
"""
import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "..", "tessera-lm", "recipe"))
from gen_corpus import EOT, document  # noqa: E402

PEOPLE = ["小明", "小红", "老师", "妈妈", "爸爸", "我的朋友", "哥哥", "妹妹", "我们", "他们"]
PLACES = ["北京", "上海", "学校", "公园", "家里", "图书馆", "商店", "城市", "山上", "河边"]
FOODS = ["米饭", "面条", "苹果", "包子", "鱼", "水果", "饺子", "茶"]
WEATHER = ["今天天气很好", "今天下雨了", "外面很冷", "天气很热", "风很大", "天空很蓝"]
FEELINGS = ["很高兴", "很开心", "有点累", "很忙", "很安静"]
ACTIONS = ["学习中文", "看书", "写字", "唱歌", "跑步", "做饭", "画画", "听音乐"]
TEXT_LINES = ["这是一个中文文本", "这是一个简单的句子", "这是一本书", "这是我们的学校"]


def sentence(rng):
    p, q = rng.choice(PEOPLE), rng.choice(PEOPLE)
    return rng.choice([
        f"{p}在{rng.choice(PLACES)}{rng.choice(ACTIONS)}。",
        f"{p}喜欢吃{rng.choice(FOODS)}。",
        f"{rng.choice(WEATHER)}，{p}{rng.choice(FEELINGS)}。",
        f"{p}和{q}一起去{rng.choice(PLACES)}。",
        f"{p}今天{rng.choice(FEELINGS)}，因为{q}来了。",
        f"我们每天{rng.choice(ACTIONS)}。",
        f"{rng.choice(TEXT_LINES)}，它说{p}在{rng.choice(PLACES)}。",
    ])


def zh_document(rng):
    opening = rng.choice(TEXT_LINES) + "。" if rng.random() < 0.4 else ""
    return opening + "".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--zh-docs", type=int, default=4000)
    ap.add_argument("--en-docs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    docs = [zh_document(rng) for _ in range(args.zh_docs)] + [document(rng) for _ in range(args.en_docs)]
    rng.shuffle(docs)
    n_valid = len(docs) // 50
    os.makedirs(args.out, exist_ok=True)
    for name, part in (("valid.txt", docs[:n_valid]), ("train.txt", docs[n_valid:])):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(EOT.join(part) + EOT)
    print(f"wrote {len(docs) - n_valid} train and {n_valid} valid documents to {args.out}")


if __name__ == "__main__":
    main()
