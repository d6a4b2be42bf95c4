"""Writes the synthetic training corpus: short children's stories, plain facts and
"User:/Assistant:" exchanges, all produced by the grammar below from a fixed seed.
Everything here is our own text, so the corpus carries no third-party licence.

usage: gen_corpus.py --out DIR [--docs N] [--seed S]
Writes DIR/train.txt and DIR/valid.txt; documents are separated by <|endoftext|>.
"""
import argparse
import os
import random

EOT = "<|endoftext|>"

GIRLS = ["Lily", "Mia", "Emma", "Sara", "Anna", "Lucy", "Zoe", "Ella", "Nora", "Ruby", "Maya", "Amy", "Rosa", "Ivy", "Kate"]
BOYS = ["Tom", "Ben", "Max", "Sam", "Leo", "Jack", "Finn", "Noah", "Owen", "Eli", "Jake", "Tim", "Luke", "Dan", "Oscar"]
ANIMALS = {
    "cat": ("meow", "fish"), "dog": ("woof", "bones"), "bird": ("tweet", "seeds"), "cow": ("moo", "grass"),
    "duck": ("quack", "bread"), "frog": ("ribbit", "flies"), "horse": ("neigh", "hay"), "sheep": ("baa", "grass"),
    "mouse": ("squeak", "cheese"), "owl": ("hoot", "mice"), "pig": ("oink", "apples"), "lion": ("roar", "meat"),
    "bunny": ("squeak", "carrots"), "bear": ("growl", "honey"), "fox": ("yip", "berries"),
}
CREATURE_ADJ = ["little", "small", "brave", "happy", "shy", "curious", "kind", "sleepy", "funny", "young", "clever", "tiny"]
PLACES = [
    ("a small house", "near the woods"), ("a red barn", "on a big farm"), ("a quiet town", "next to the sea"),
    ("a green forest", "under the tall trees"), ("a cozy village", "at the foot of a hill"),
    ("a busy city", "close to the park"), ("a yellow cottage", "beside the lake"),
]
OBJECTS = [
    ("ball", "red"), ("kite", "blue"), ("box", "shiny"), ("book", "old"), ("hat", "green"), ("key", "golden"),
    ("shell", "pink"), ("stone", "smooth"), ("cup", "white"), ("toy car", "fast"), ("map", "strange"),
    ("flower", "pretty"), ("feather", "soft"), ("bell", "tiny"), ("boat", "wooden"), ("drum", "loud"),
]
FIND_SPOTS = ["in the garden", "under a bush", "near the pond", "behind the door", "in the grass", "on the beach",
              "by the old tree", "under the bed", "in the park", "next to the road"]
LIKES = ["play outside", "sing songs", "draw pictures", "read books", "run in the sun", "help mom",
         "look at the stars", "dance", "build towers", "splash in puddles", "climb trees", "bake cookies"]
FEELINGS = ["happy", "sad", "scared", "excited", "tired", "surprised", "proud", "angry", "calm", "worried"]
WEATHER = ["It was a sunny day.", "The sky was gray and it started to rain.", "It was a cold winter morning.",
           "The wind was blowing hard.", "It was a warm summer evening.", "Snow was falling softly."]
PROBLEMS = [
    ("the {obj} got stuck in a tree", "climbed up and got it down", "got the {obj} back"),
    ("the {obj} fell into the water", "used a long stick to pull it out", "got the {obj} back"),
    ("the {obj} was broken", "fixed it with some tape", "made the {obj} work again"),
    ("{friend} could not find the way home", "showed {friend} the path", "helped {friend} get home"),
    ("{friend} was sad and alone", "sat down and talked to {friend}", "made {friend} smile"),
    ("a big dog ran after the {obj}", "called for help", "kept the {obj} safe"),
]
MORALS = ["Sharing makes everyone happy.", "It is good to help your friends.", "Being kind is the best thing.",
          "It is okay to ask for help.", "Trying again is how we learn.", "Friends make hard things easy.",
          "Saying sorry can fix a lot.", "Being brave does not mean you are not scared."]
ENDINGS = ["From that day on, they were best friends.", "They laughed and played until the sun went down.",
           "That night, {name} went to bed with a big smile.", "It was the best day ever.",
           "And they lived happily ever after.", "Then they went home for dinner."]

COLORS = {"the sky": "blue", "grass": "green", "the sun": "yellow", "snow": "white", "a banana": "yellow",
          "an apple": "red", "the sea": "blue", "a carrot": "orange", "coal": "black", "a strawberry": "red",
          "a lemon": "yellow", "a leaf": "green", "milk": "white", "chocolate": "brown", "an orange": "orange"}
OPPOSITES = {"hot": "cold", "big": "small", "fast": "slow", "up": "down", "happy": "sad", "day": "night",
             "light": "dark", "old": "new", "wet": "dry", "open": "closed", "loud": "quiet", "tall": "short",
             "full": "empty", "hard": "soft", "early": "late"}
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                "nineteen", "twenty"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SEASONS = {"winter": "cold and snowy", "spring": "warm and full of flowers", "summer": "hot and sunny",
           "autumn": "cool and the leaves fall"}


def a_or_an(word):
    return ("an " if word[0] in "aeiou" else "a ") + word


class Hero:
    def __init__(self, rng):
        kind = rng.random()
        self.girl = rng.random() < 0.5
        self.name = rng.choice(GIRLS if self.girl else BOYS)
        self.he, self.him, self.his = ("she", "her", "her") if self.girl else ("he", "him", "his")
        if kind < 0.5:
            self.what = rng.choice(["girl", "little girl"]) if self.girl else rng.choice(["boy", "little boy"])
            self.animal = None
        else:
            self.animal = rng.choice(list(ANIMALS))
            self.what = rng.choice(CREATURE_ADJ) + " " + self.animal


def cap(s):
    return s[0].upper() + s[1:]


def story(rng):
    h = Hero(rng)
    friend_hero = Hero(rng)
    while friend_hero.name == h.name:
        friend_hero = Hero(rng)
    friend = friend_hero.name
    obj, color = rng.choice(OBJECTS)
    home, near = rng.choice(PLACES)
    like = rng.choice(LIKES)
    out = []
    opening = rng.choice([
        f"Once upon a time, there was {a_or_an(h.what)} named {h.name}.",
        f"There once was {a_or_an(h.what)} called {h.name}.",
        f"{h.name} was {a_or_an(h.what)}.",
        f"One day, {a_or_an(h.what)} named {h.name} woke up early.",
    ])
    out.append(opening)
    out.append(f"{cap(h.he)} lived in {home} {near}.")
    out.append(rng.choice([f"{h.name} loved to {like}.", f"Every day, {h.name} liked to {like}.",
                           f"More than anything, {h.he} liked to {like}."]))
    if h.animal and rng.random() < 0.5:
        sound, food = ANIMALS[h.animal]
        out.append(f"{cap(h.he)} liked to eat {food} and say \"{sound}, {sound}!\"")
    out.append(rng.choice(WEATHER))
    spot = rng.choice(FIND_SPOTS)
    out.append(rng.choice([
        f"One day, {h.name} found a {color} {obj} {spot}.",
        f"While walking {spot}, {h.he} saw a {color} {obj}.",
        f"Then {h.name} saw something {spot}. It was a {color} {obj}!",
    ]))
    feel = rng.choice(["happy", "excited", "surprised", "curious"])
    out.append(rng.choice([f"{cap(h.he)} felt very {feel}.", f"{h.name} was so {feel}!",
                           f"\"Wow, look at this {obj}!\" {h.he} said."]))
    out.append(rng.choice([
        f"{cap(h.he)} ran to show it to {h.his} friend {friend}.",
        f"Just then, {h.his} friend {friend} came by.",
        f"{h.name} called {h.his} friend {friend} to come and see.",
    ]))
    out.append(rng.choice([
        f"\"Can I play with it too?\" asked {friend}.",
        f"\"That is a nice {obj},\" said {friend}.",
        f"{friend} smiled and said, \"Let's play together!\"",
    ]))
    if rng.random() < 0.5:
        out.append(rng.choice([
            f"At first, {h.name} did not want to share. But then {h.he} said, \"Yes, we can share it.\"",
            f"\"Of course!\" said {h.name}. They took turns with the {obj}.",
            f"{h.name} nodded, and they played with the {obj} all morning.",
        ]))
    problem, fix, result = rng.choice(PROBLEMS)
    problem, fix, result = (s.format(obj=obj, friend=friend) for s in (problem, fix, result))
    feel2 = rng.choice(["sad", "scared", "worried", "upset"])
    out.append(rng.choice([f"But then, {problem}.", f"Suddenly, {problem}.", f"Later, {problem}."]))
    out.append(rng.choice([f"{h.name} felt {feel2}.", f"Everyone was {feel2}.",
                           f"\"Oh no!\" cried {h.name}. \"What can we do?\""]))
    helper, helper_pron = rng.choice([
        (h.name, h.he), (friend, "she" if friend in GIRLS else "he"), (f"{h.name} and {friend}", "they"),
        (f"{h.his} mom", "she"), ("a kind old man", "he"),
    ])
    out.append(rng.choice([
        f"Then {helper} had an idea. {cap(helper_pron)} {fix}.",
        f"{cap(helper)} thought hard. Then {helper_pron} {fix}.",
    ]))
    out.append(rng.choice([f"In the end, they {result}.", f"Soon they {result}, and everyone cheered.",
                           f"They {result}, and {h.name} felt {rng.choice(['happy', 'proud', 'calm'])} again."]))
    if rng.random() < 0.5:
        out.append(rng.choice(MORALS))
    out.append(rng.choice(ENDINGS).format(name=h.name))
    return " ".join(out)


def fact(rng):
    kind = rng.randrange(7)
    if kind == 0:
        thing = rng.choice(list(COLORS))
        return f"{cap(thing)} is {COLORS[thing]}."
    if kind == 1:
        a = rng.choice(list(ANIMALS))
        sound, food = ANIMALS[a]
        return rng.choice([f"A {a} says {sound}.", f"A {a} likes to eat {food}.",
                           f"The {a} says {sound} and eats {food}."])
    if kind == 2:
        w = rng.choice(list(OPPOSITES))
        return f"The opposite of {w} is {OPPOSITES[w]}."
    if kind == 3:
        x, y = rng.randrange(0, 11), rng.randrange(0, 10)
        return f"{cap(NUMBER_WORDS[x])} plus {NUMBER_WORDS[y]} is {NUMBER_WORDS[x + y]}. {x} + {y} = {x + y}."
    if kind == 4:
        i = rng.randrange(7)
        return f"The day after {DAYS[i]} is {DAYS[(i + 1) % 7]}."
    if kind == 5:
        s = rng.choice(list(SEASONS))
        return f"In {s}, it is {SEASONS[s]}."
    n = rng.randrange(1, 10)
    return f"After {NUMBER_WORDS[n]} comes {NUMBER_WORDS[n + 1]}."


def answer(rng):
    """One User/Assistant turn pair; answers are short and grounded in the fact tables."""
    kind = rng.randrange(9)
    if kind == 0:
        thing = rng.choice(list(COLORS))
        return f"What color is {thing}?", f"{cap(thing)} is {COLORS[thing]}."
    if kind == 1:
        a = rng.choice(list(ANIMALS))
        return f"What does a {a} say?", f"A {a} says {ANIMALS[a][0]}."
    if kind == 2:
        a = rng.choice(list(ANIMALS))
        return f"What does a {a} eat?", f"A {a} likes to eat {ANIMALS[a][1]}."
    if kind == 3:
        w = rng.choice(list(OPPOSITES))
        return f"What is the opposite of {w}?", f"The opposite of {w} is {OPPOSITES[w]}."
    if kind == 4:
        x, y = rng.randrange(0, 11), rng.randrange(0, 10)
        q = rng.choice([f"What is {x} plus {y}?", f"What is {x} + {y}?", f"What is {NUMBER_WORDS[x]} plus {NUMBER_WORDS[y]}?"])
        return q, f"{x} plus {y} is {x + y}."
    if kind == 5:
        i = rng.randrange(7)
        return f"What day comes after {DAYS[i]}?", f"The day after {DAYS[i]} is {DAYS[(i + 1) % 7]}."
    if kind == 6:
        g = rng.choice(["Hello!", "Hi!", "Hello there.", "Good morning!", "Hi, how are you?"])
        return g, rng.choice(["Hello! How can I help you today?", "Hi! I am happy to help.",
                              "I am fine, thank you. What would you like to know?"])
    if kind == 7:
        topic = rng.choice(["a cat", "a dog", "a bird", "a girl", "a boy", "a bear", "a duck", "a fox"])
        return f"Tell me a story about {topic}.", None
    s = rng.choice(list(SEASONS))
    return f"What is {s} like?", f"In {s}, it is {SEASONS[s]}."


def chat(rng):
    lines = []
    for _ in range(rng.randrange(1, 4)):
        q, a = answer(rng)
        if a is None:
            # A story request is answered by a story whose hero matches the request.
            animal = q.rstrip(".").split()[-1]
            for _ in range(50):
                a = story(rng)
                if f" {animal} " in a.split(".")[0] + " ":
                    break
        lines.append(f"User: {q}\nAssistant: {a}")
    return "\n".join(lines)


def document(rng):
    r = rng.random()
    if r < 0.6:
        return story(rng)
    if r < 0.75:
        return " ".join(fact(rng) for _ in range(rng.randrange(3, 8)))
    return chat(rng)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--docs", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--valid-frac", type=float, default=0.02)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    docs = [document(rng) for _ in range(args.docs)]
    n_valid = int(len(docs) * args.valid_frac)
    os.makedirs(args.out, exist_ok=True)
    for name, part in (("valid.txt", docs[:n_valid]), ("train.txt", docs[n_valid:])):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(EOT.join(part) + EOT)
    print(f"wrote {len(docs) - n_valid} train and {n_valid} valid documents to {args.out}")


if __name__ == "__main__":
    main()
