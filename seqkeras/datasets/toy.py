"""Two small generated data sets that train in seconds and need no download:
people and places to tag, and a tiny language whose probabilities are known.

They are what the notebooks use to show an idea before the real data, and
what `--quick` runs and the tests use where the real data set needs a
download (CoNLL-2003, Penn Treebank).

- `load_toy_ner`: sentences made from five templates, such as "Anna said
  hello" and "we met in Oslo", with IOB2 tags for people (`B-PER`, `I-PER`)
  and places (`B-LOC`). Some names are both ("Paris said hello", "we met in
  Paris"), so only the words around a name tell which it is.
- `load_toy_language`: sentences drawn from `toy_language()`, a language of
  38 sentences whose probabilities are known (a third each for fruit salads,
  pairs of clothes and fruit trees), so the best perplexity any model can
  reach can be worked out (notebook 07 does).

Example:

>>> data = load_toy_ner(num_train=20, num_validation=5, num_test=5)
>>> data.tag_names
('O', 'B-LOC', 'B-PER', 'I-PER')
>>> corpus = load_toy_language(num_train=10, num_validation=5, num_test=5)
>>> len(toy_language()), round(sum(toy_language().values()), 12)
(38, 1.0)
"""

import itertools

import numpy as np

from seqkeras._validation import non_negative_int, positive_int
from seqkeras.datasets.language import LanguageModelData, TextStream
from seqkeras.datasets.tagging import TaggedSentences, TaggingData

NAMES = (
    "Anna",
    "Boris",
    "Carla",
    "Dmitri",
    "Elena",
    "Farid",
    "Paris",
    "Lima",
    "Oslo",
    "Kyiv",
    "Quito",
    "Rome",
    "Seoul",
    "Tunis",
)
TEMPLATES = (
    (("{a}", "said", "hello"), ("B-PER", "O", "O")),
    (("we", "met", "in", "{a}"), ("O", "O", "O", "B-LOC")),
    (("{a}", "{b}", "said", "no"), ("B-PER", "I-PER", "O", "O")),
    (("{a}", "is", "far"), ("B-LOC", "O", "O")),
    (
        ("in", "{a}", "we", "met", "{b}", "today"),
        ("O", "B-LOC", "O", "O", "B-PER", "O"),
    ),
)
FRUITS = ("apple", "pear", "plum", "peach")


def people_and_places(count, *, seed=0):
    """`count` generated sentences with their IOB2 tags.

    Each sentence is one of `TEMPLATES`, its name slots filled with two
    different `NAMES`, all drawn uniformly with NumPy's generator seeded
    with `seed`.
    """
    rng = np.random.default_rng(non_negative_int("seed", seed))
    tokens, tags = [], []
    for _ in range(non_negative_int("count", count)):
        words, labels = TEMPLATES[rng.integers(len(TEMPLATES))]
        a, b = rng.choice(NAMES, 2, replace=False)
        tokens.append([w.format(a=a, b=b) for w in words])
        tags.append(list(labels))
    return TaggedSentences(tokens, tags)


def load_toy_ner(*, num_train=600, num_validation=100, num_test=200, seed=0):
    """People and places with IOB2 tags; each split from its own seed
    (`seed`, `seed + 2` and `seed + 1`), so a split does not change when
    another one grows."""
    positive_int("num_train", num_train)
    return TaggingData(
        name="toy-ner",
        tag_names=("O", "B-LOC", "B-PER", "I-PER"),
        train=people_and_places(num_train, seed=seed),
        validation=people_and_places(num_validation, seed=seed + 2),
        test=people_and_places(num_test, seed=seed + 1),
        scheme="iob2",
        description="generated sentences with people and places (seqkeras)",
    )


def toy_language():
    """Every sentence of the toy language with its probability: a third each
    for salads, pairs and trees, then uniform choices."""
    sentences = []
    for a, b in itertools.permutations(FRUITS, 2):
        for adjective in ("good", "fresh"):
            sentences.append(
                (f"the {a} and the {b} salad is {adjective}", 1 / 3 / 12 / 2)
            )
    clothes = itertools.product(("bought", "lost"), ("shoes", "socks", "gloves"))
    for verb, thing in clothes:
        sentences.append((f"i {verb} a pair of {thing}", 1 / 3 / 6))
    for fruit, adjective in itertools.product(FRUITS, ("tall", "old")):
        sentences.append((f"the {fruit} tree is {adjective}", 1 / 3 / 8))
    return dict(sentences)


def draw_sentences(count, *, seed=0):
    """`count` sentences drawn from `toy_language()`, as a word `TextStream`."""
    language = toy_language()
    texts = list(language)
    rng = np.random.default_rng(non_negative_int("seed", seed))
    chosen = rng.choice(len(texts), size=count, p=list(language.values()))
    return TextStream([texts[i].split() for i in chosen])


def load_toy_language(*, num_train=3000, num_validation=300, num_test=1000, seed=0):
    """Sentences of the toy language; each split from its own seed (`seed`,
    `seed + 1` and `seed + 2`)."""
    positive_int("num_train", num_train)
    return LanguageModelData(
        name="toy-language",
        level="word",
        train=draw_sentences(num_train, seed=seed),
        validation=draw_sentences(num_validation, seed=seed + 1),
        test=draw_sentences(num_test, seed=seed + 2),
        description="sentences of a generated language with known probabilities "
        "(seqkeras)",
    )
