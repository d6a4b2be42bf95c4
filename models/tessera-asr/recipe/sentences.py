"""English sentences for synthetic speech: templates over word lists plus dictionary word runs.

Text is already in the recogniser's alphabet (lower-case letters, apostrophe, single spaces),
so the transcript the synthesiser reads is exactly the CTC target. Numbers are spelled out
because the target has no digits.

Held-out words: a fixed hash-selected slice of the dictionary words never appears in training
sentences; evaluation sentences are drawn with their own seed and any sentence that also
occurs in the training set is dropped (done in synth.py, which sees both sets).
"""
from __future__ import annotations

import hashlib
import random
import re

ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth twentieth thirtieth last next".split()

COLOURS = """red green blue yellow orange purple pink brown black white grey gray silver golden violet
crimson scarlet maroon navy teal turquoise beige ivory amber olive lime coral indigo magenta tan cream""".split()

NAMES = """james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan
joseph jessica thomas sarah charles karen daniel nancy matthew lisa anthony betty mark margaret donald sandra
steven ashley paul kimberly andrew emily joshua donna kenneth michelle kevin carol brian amanda george melissa
edward deborah ronald stephanie timothy rebecca jason sharon jeffrey laura ryan cynthia jacob kathleen gary amy
nicholas shirley eric angela jonathan helen stephen anna larry brenda justin pamela scott nicole brandon emma
benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam henry nathan
douglas zachary peter kyle walter ethan jeremy harold keith christian roger noah gerald carl terry sean austin
arthur lawrence jesse dylan bryan joe jordan billy bruce albert willie gabriel logan alan juan wayne roy ralph
randy eugene vincent russell elijah louis bobby philip johnny olivia sophia isabella mia charlotte amelia
harper evelyn abigail ella scarlett grace chloe victoria riley aria lily aurora zoey nora hannah lucy rose
oliver lucas mason liam leo oscar hugo felix max theo arlo milo jasper silas ezra miles owen caleb""".split()

PLACES = """london paris berlin madrid rome vienna prague dublin lisbon oslo stockholm helsinki warsaw athens
cairo tokyo beijing delhi mumbai sydney melbourne toronto chicago boston denver seattle dallas houston
atlanta miami phoenix portland austin nashville detroit montreal vancouver geneva zurich munich hamburg
milan naples venice florence barcelona seville valencia amsterdam brussels copenhagen edinburgh glasgow
manchester liverpool bristol oxford cambridge york leeds cardiff belfast brighton kent devon cornwall
texas ohio florida georgia virginia oregon nevada utah kansas iowa maine vermont alaska hawaii canada mexico
brazil peru chile argentina spain france italy germany norway sweden finland poland greece egypt kenya
india china japan korea vietnam thailand australia ireland scotland wales england iceland portugal""".split()

NOUNS = """time year people way day man woman child world life hand part eye place work week case point number
group problem fact house home room door window table chair bed kitchen garden street road car bus train
plane boat ship bike station airport school teacher student class book page letter word story paper pen
pencil desk office company job money price bank shop market store food water coffee tea milk bread butter
cheese apple orange banana lemon grape cherry peach pear potato tomato onion carrot rice soup salad sandwich
pizza cake cookie sugar salt pepper egg chicken fish meat dinner lunch breakfast morning evening night
afternoon weekend holiday summer winter spring autumn weather rain snow wind sun moon star sky cloud storm
river lake sea ocean beach island mountain hill forest tree flower grass leaf stone rock field farm village
town city country island bridge tower castle church museum library hospital hotel restaurant park zoo
dog cat horse cow pig sheep goat bird duck rabbit mouse lion tiger bear wolf fox deer monkey elephant
snake frog bee spider whale dolphin shark turtle phone computer screen keyboard camera radio television
clock watch key lock box bag bottle cup glass plate bowl knife fork spoon shirt shoe hat coat dress jacket
sock glove ring picture music song guitar piano drum ball game team player match goal race ticket map
letter message email question answer idea plan reason result change problem mistake minute hour second
month friend family mother father sister brother uncle aunt cousin baby doctor nurse driver pilot farmer
artist writer singer police officer captain king queen prince princess neighbour stranger engine wheel
machine tool hammer nail rope wire light lamp candle fire smoke ice box basket blanket pillow towel soap
brush mirror wall floor roof stairs corner garage fence gate path lane mountain valley desert""".split()

VERBS = """see find take make bring buy sell carry move open close paint clean wash cook eat drink read write
draw watch hear call visit meet help need want like love hate keep hold push pull throw catch kick lift
drop fix build break cut fold pack send check count answer order choose follow leave lose miss pass
play teach learn study remember forget show tell ask try use wear start stop finish carry borrow lend
share grab touch hide feed walk drive ride""".split()

VERBS_PAST = """saw found took made brought bought sold carried moved opened closed painted cleaned washed cooked
ate drank read wrote drew watched heard called visited met helped needed wanted liked loved kept held
pushed pulled threw caught kicked lifted dropped fixed built broke cut folded packed sent checked counted
answered ordered chose followed left lost missed passed played taught learned studied remembered forgot
showed told asked tried used wore started stopped finished borrowed shared grabbed touched hid fed""".split()

INTRANSITIVE = """arrived left slept laughed smiled waited worked danced sang jumped swam ran walked talked
cried shouted whispered travelled stayed returned disappeared rested studied listened agreed""".split()

ADJECTIVES = """big small large little tall short long old new young good bad great happy sad quick slow fast
hot cold warm cool bright dark heavy light soft hard loud quiet clean dirty empty full rich poor strong
weak busy lazy early late easy difficult simple strange funny kind brave calm wild gentle proud clever
tired hungry thirsty sleepy angry nervous lucky famous beautiful ugly pretty fresh sweet sour bitter
spicy salty smooth rough wet dry deep shallow narrow wide round square flat sharp broken open closed
friendly lonely noisy cheap expensive modern ancient tiny huge""".split()

ADVERBS = """quickly slowly quietly loudly carefully happily sadly often never always sometimes usually
today yesterday tomorrow tonight soon later again early now here there together alone finally almost""".split()

PREPOSITIONS = "in on under near behind beside above below inside outside across through over into onto around between".split()

DETERMINERS = "the a my your his her our their this that one every some another no".split()

WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
MONTHS = "january february march april may june july august september october november december".split()

COMMON_EXTRA = """i you he she it we they me him us them what who where when why how which there here yes
no not and or but if because so than then very too also just only really please thank thanks sorry hello
goodbye okay maybe about after before during until while with without from to of for at by up down out
off back away all both each few many much more most other such own same can could will would shall should
may might must do does did have has had is are was were be been being get got go went gone come came say
said know knew think thought look looked give gave feel felt become became seem seemed let put set run
don't can't won't isn't wasn't didn't i'm you're it's that's there's let's we'll they've""".split()

CORE_WORDS = sorted(set(ONES + TENS + ORDINALS + COLOURS + NAMES + PLACES + NOUNS + VERBS + VERBS_PAST
                        + INTRANSITIVE + ADJECTIVES + ADVERBS + PREPOSITIONS + DETERMINERS + WEEKDAYS
                        + MONTHS + COMMON_EXTRA + ["hundred", "thousand", "million"]))

ALPHABET = set("abcdefghijklmnopqrstuvwxyz' ")


def _held_out(word: str) -> bool:
    """A fixed ~6% of dictionary words is reserved for evaluation (independent of any seed)."""
    return hashlib.sha1(word.encode()).digest()[0] < 16


def load_dictionary(path: str = "/usr/share/dict/words") -> tuple[list[str], list[str]]:
    """Lower-case alphabetic words from Debian wamerican, split into (train, held-out)."""
    core = set(CORE_WORDS)
    words = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            w = line.strip()
            if re.fullmatch(r"[a-z]{2,12}", w):
                words.append(w)
    train = [w for w in words if w in core or not _held_out(w)]
    held = [w for w in words if w not in core and _held_out(w)]
    return train, held


def number_words(n: int) -> str:
    if n < 20:
        return ONES[n]
    if n < 100:
        t, o = divmod(n, 10)
        return TENS[t - 2] + ("" if o == 0 else " " + ONES[o])
    if n < 1000:
        h, r = divmod(n, 100)
        return ONES[h] + " hundred" + ("" if r == 0 else " and " + number_words(r))
    th, r = divmod(n, 1000)
    return number_words(th) + " thousand" + ("" if r == 0 else " " + number_words(r))


class SentenceGenerator:
    """Random English-like sentences; `extra_words` are dictionary words mixed into slots."""

    def __init__(self, seed: int, extra_words: list[str]):
        self.rng = random.Random(seed)
        self.extra = extra_words

    def _num(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return number_words(self.rng.randint(0, 20))
        if r < 0.85:
            return number_words(self.rng.randint(21, 999))
        return number_words(self.rng.randint(1000, 9999))

    def _noun(self) -> str:
        # a dictionary word in a noun slot: not always a noun, but it trains spelling of many words
        if self.rng.random() < 0.3:
            return self.rng.choice(self.extra)
        return self.rng.choice(NOUNS)

    def _np(self) -> str:
        c = self.rng
        parts = [c.choice(DETERMINERS)]
        if c.random() < 0.4:
            parts.append(c.choice(ADJECTIVES + COLOURS))
        parts.append(self._noun())
        return " ".join(parts)

    def _templates(self):
        c = self.rng
        return [
            lambda: f"{c.choice(NAMES)} {c.choice(VERBS_PAST)} {self._np()} {c.choice(PREPOSITIONS)} {self._np()}",
            lambda: f"{c.choice(NAMES)} {c.choice(INTRANSITIVE)} in {c.choice(PLACES)} on {c.choice(WEEKDAYS)}",
            lambda: f"please {c.choice(VERBS)} {self._np()} {c.choice(ADVERBS)}",
            lambda: f"there are {self._num()} {c.choice(COLOURS)} {self._noun()}s {c.choice(PREPOSITIONS)} {self._np()}",
            lambda: f"the {self._noun()} costs {self._num()} dollars and {self._num()} cents",
            lambda: f"call {c.choice(NAMES)} at {self._num()} {self._num()} {self._num()}",
            lambda: f"my {c.choice(['flight', 'train', 'meeting', 'class', 'appointment'])} is on {c.choice(MONTHS)} {c.choice(ORDINALS)} at {number_words(c.randint(1, 12))} {c.choice(['o clock', 'thirty', 'fifteen', 'forty five'])}",
            lambda: f"{c.choice(['do', 'did', 'can', 'will', 'would'])} you {c.choice(VERBS)} {self._np()} {c.choice(ADVERBS)}",
            lambda: f"{c.choice(['i', 'we', 'they', 'you'])} {c.choice(['want', 'need', 'like', 'hope'])} to {c.choice(VERBS)} {self._np()} in {c.choice(PLACES)}",
            lambda: f"{self._np()} is {c.choice(['very', 'quite', 'really', 'not', 'too'])} {c.choice(ADJECTIVES)}",
            lambda: f"{c.choice(NAMES)} and {c.choice(NAMES)} {c.choice(VERBS_PAST)} {self._num()} {self._noun()}s",
            lambda: f"the {c.choice(ADJECTIVES)} {self._noun()} {c.choice(INTRANSITIVE)} {c.choice(ADVERBS)}",
            lambda: f"it was {c.choice(ADJECTIVES)} in {c.choice(PLACES)} {c.choice(['yesterday', 'last week', 'this morning', 'in ' + c.choice(MONTHS)])}",
            lambda: f"{c.choice(['where', 'when', 'why', 'how'])} did {c.choice(NAMES)} {c.choice(VERBS)} {self._np()}",
            lambda: f"turn {c.choice(['left', 'right'])} after {self._num()} {c.choice(['metres', 'miles', 'blocks', 'minutes'])} near {self._np()}",
            lambda: f"set a timer for {self._num()} {c.choice(['seconds', 'minutes', 'hours'])}",
            lambda: f"the temperature in {c.choice(PLACES)} is {self._num()} degrees",
            lambda: f"add {self._num()} {self._noun()}s to the {c.choice(['list', 'cart', 'order', 'basket'])}",
            lambda: " ".join(c.choice(self.extra) for _ in range(c.randint(3, 8))),
            lambda: " ".join(c.choice(self.extra + CORE_WORDS) for _ in range(c.randint(4, 10))),
            lambda: " ".join(c.choice(COMMON_EXTRA + NOUNS + VERBS + ADJECTIVES) for _ in range(c.randint(4, 10))),
        ]

    def sentence(self) -> str:
        text = self.rng.choice(self._templates())()
        text = re.sub(r"\s+", " ", text).strip()
        # keep utterances short enough for CTC at 30 ms frames and quick to batch
        words = text.split(" ")[:14]
        return " ".join(words)


if __name__ == "__main__":
    train_words, held_words = load_dictionary()
    print(len(CORE_WORDS), "core words;", len(train_words), "train dictionary words;", len(held_words), "held-out words")
    g = SentenceGenerator(0, train_words)
    for _ in range(15):
        print(g.sentence())
