"""A small generated sentiment data set that needs no network.

Written by seqkeras from a hand-made grammar, deterministic for a seed,
public domain (CC0). It is built so that word order and negation matter,
which is what separates a bag-of-words model from a recurrent one:

- who eats whom: "John enjoys eating the shark." is positive, "The shark
  enjoys eating John." is negative, although both hold the same words;
- negation: "The plot was not bad." is positive;
- contrast: in "the acting was great, but the plot was dull" the clause
  after "but" decides, so swapping the clauses flips the label.

The course's two shark sentences are kept out of every split, so that the
demo's predictions on them are on sentences the model has never seen.
"""

import csv
import random

from seqkeras._validation import non_negative_int
from seqkeras.datasets.text import LabelledTexts, TextClassificationData

LABELS = ("negative", "positive")
HELD_OUT = ("John enjoys eating the shark.", "The shark enjoys eating John.")
SPLIT_SIZES = {"train": 4000, "validation": 500, "test": 500}

_PEOPLE = [
    "John", "Mary", "Alice", "Bob", "Sam", "Grandma", "the fisherman",
    "the chef", "my sister", "the old sailor", "the diver", "our neighbour",
]  # fmt: skip
_PREDATORS = [
    "the shark", "the crocodile", "the tiger", "the lion", "the wolf",
    "the bear", "the alligator", "the leopard",
]  # fmt: skip
_FOODS = [
    "the cake", "fresh bread", "the soup", "pizza", "the salad", "grilled fish",
    "ice cream", "the pasta", "a sandwich", "the apple pie",
]  # fmt: skip
_EATS = ["enjoys eating", "loves eating", "likes eating", "happily ate", "devoured"]
_NOUNS = [
    "film", "movie", "plot", "acting", "story", "ending", "soundtrack",
    "dialogue", "cast", "script", "music", "camera work",
]  # fmt: skip
_GOOD = [
    "good", "great", "wonderful", "brilliant", "moving", "funny", "charming",
    "clever", "beautiful", "gripping", "delightful", "superb",
]  # fmt: skip
_BAD = [
    "bad", "awful", "boring", "dull", "terrible", "weak", "clumsy", "tedious",
    "predictable", "forgettable", "painful", "bland",
]  # fmt: skip
_DEGREES = ["", "", "really ", "truly ", "quite "]
_LIKE = ["loved", "enjoyed", "liked", "adored"]
_DISLIKE = ["hated", "disliked", "was bored by", "could not stand"]
# Nouns that take "a": "What a gripping story!"
_COUNTABLE = ["film", "movie", "plot", "story", "ending", "script", "performance"]


def _capitalise(text):
    return text[0].upper() + text[1:]


def _eating(rng):
    """Who eats whom decides the label, not which words appear."""
    kind = rng.random()
    if kind < 0.45:  # a person eats food or a predator: good for the person
        eaten = rng.choice(_FOODS + _PREDATORS)
        return f"{rng.choice(_PEOPLE)} {rng.choice(_EATS)} {eaten}.", 1
    if kind < 0.85:  # a predator eats a person: bad for the person
        return f"{rng.choice(_PREDATORS)} {rng.choice(_EATS)} {rng.choice(_PEOPLE)}.", 0
    if kind < 0.93:
        return f"{rng.choice(_PEOPLE)} was eaten by {rng.choice(_PREDATORS)}.", 0
    return f"{rng.choice(_PREDATORS)} was eaten by {rng.choice(_PEOPLE)}.", 1


def _clause(rng):
    """'the plot was not really dull' with its polarity (1 good, 0 bad)."""
    positive = rng.random() < 0.5
    negated = rng.random() < 0.3
    adjective = rng.choice(_GOOD if positive else _BAD)
    verb = rng.choice(["was", "is"])
    negation = "not " if negated else ""
    text = (
        f"the {rng.choice(_NOUNS)} {verb} {negation}{rng.choice(_DEGREES)}{adjective}"
    )
    return text, int(positive != negated)


def _review(rng):
    kind = rng.random()
    if kind < 0.45:
        text, label = _clause(rng)
        return f"{text}.", label
    if kind < 0.75:  # the clause after "but" (or the main clause) decides
        (first, _), (second, label) = _clause(rng), _clause(rng)
        if rng.random() < 0.7:
            return f"{first}, but {second}.", label
        return f"although {first}, {second}.", label
    if kind < 0.9:
        positive = rng.random() < 0.5
        adjective = rng.choice(_GOOD if positive else _BAD)
        degree = rng.choice(["", "", "truly ", "really "])
        return f"what a {degree}{adjective} {rng.choice(_COUNTABLE)}!", int(positive)
    positive = rng.random() < 0.5
    if rng.random() < 0.25:  # "I did not like it" flips the verb
        verb = rng.choice(["like", "enjoy", "hate", "dislike"])
        return f"I did not {verb} the {rng.choice(_NOUNS)}.", int(
            verb in ("hate", "dislike")
        )
    verb = rng.choice(_LIKE if positive else _DISLIKE)
    return f"I {verb} the {rng.choice(_NOUNS)}.", int(positive)


def generate_sentences(count, seed=0):
    """Returns `count` distinct `(sentence, label)` pairs, deterministic for `seed`.

    Example:

    >>> generate_sentences(2, seed=1)
    [('The crocodile likes eating Mary.', 0), ('The film is truly awful.', 0)]
    >>> generate_sentences(3) == generate_sentences(3)
    True
    """
    non_negative_int("count", count)
    rng = random.Random(seed)
    examples, seen = [], set(HELD_OUT)
    while len(examples) < count:
        text, label = (_eating if rng.random() < 0.4 else _review)(rng)
        text = _capitalise(text)
        if text not in seen:
            seen.add(text)
            examples.append((text, label))
    return examples


def load_sentiment_sample(seed=0):
    """Loads the generated sentiment sample: 4,000 / 500 / 500 sentences.

    Example:

    >>> data = load_sentiment_sample()
    >>> [len(data.train), len(data.validation), len(data.test)], data.label_names
    ([4000, 500, 500], ('negative', 'positive'))
    """
    examples = generate_sentences(sum(SPLIT_SIZES.values()), seed)
    splits, start = {}, 0
    for split, size in SPLIT_SIZES.items():
        part = examples[start : start + size]
        splits[split] = LabelledTexts([t for t, _ in part], [y for _, y in part])
        start += size
    return TextClassificationData(
        name="sentiment-sample",
        label_names=LABELS,
        description="Generated by seqkeras (seqkeras/datasets/sentiment_sample.py, "
        f"seed {seed}): who-eats-whom, negation and contrast sentences; CC0",
        **splits,
    )


def write_csv(path, seed=0):
    """Writes the sample as CSV (`split,label,text`): `datasets/` keeps a copy.

    Regenerate the copy with `python -c "from seqkeras.datasets.sentiment_sample
    import write_csv; write_csv('datasets/sentiment_sample.csv')"`.
    """
    data = load_sentiment_sample(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["split", "label", "text"])
        for split in SPLIT_SIZES:
            part = getattr(data, split)
            for text, label in zip(part.texts, part.labels, strict=True):
                writer.writerow([split, LABELS[label], text])
