"""Generated long-range agreement: "the cat ... was" or "the cats ... were".

The course's example of a long-range dependency, as a data set the project
writes itself. Each text is a subject, singular or plural, then a filler
that says nothing about the subject's number, and stops where the verb
would come; the label is the verb the subject needs, 0 for "was" and 1 for
"were":

    the cat that the dogs chased near the old houses on the hill    -> was
    the cats that the dog chased near the old house on the hills    -> were

The filler's own nouns are singular or plural at random, so the nearest
noun gives no clue: a model must carry the subject's number across the
whole filler, `distance` words or more. Some subjects have irregular
plurals (child / children, mouse / mice), so the number is a property of
the word, not of a final "s". Deterministic for a seed; public domain
(CC0), written by seqkeras.

Example:

>>> data = load_agreement(num_train=6, num_validation=2, num_test=2, seed=0)
>>> data.label_names
('was', 'were')
>>> text, label = data.train.texts[0], data.train.labels[0]
>>> complete(text, label).endswith(("was full.", "were full."))
True
"""

import random

from seqkeras._validation import int_at_least, non_negative_int, positive_int
from seqkeras.datasets.text import LabelledTexts, TextClassificationData
from seqkeras.errors import InvalidArgumentError

LABELS = ("was", "were")
# (singular, plural)
SUBJECTS = (
    ("cat", "cats"), ("dog", "dogs"), ("child", "children"), ("mouse", "mice"),
    ("man", "men"), ("woman", "women"), ("bird", "birds"), ("horse", "horses"),
    ("baby", "babies"), ("fox", "foxes"), ("goose", "geese"), ("sheep", "sheep"),
)  # fmt: skip
# "sheep" is both: only the subjects that differ are drawn as subjects.
_SUBJECTS = tuple(pair for pair in SUBJECTS if pair[0] != pair[1])
_THINGS = (
    ("house", "houses"), ("tree", "trees"), ("garden", "gardens"),
    ("hill", "hills"), ("river", "rivers"), ("box", "boxes"), ("mat", "mats"),
    ("farmer", "farmers"), ("neighbour", "neighbours"), ("boat", "boats"),
)  # fmt: skip
_ADJECTIVES = ("old", "big", "small", "red", "quiet", "green", "dark", "new")
_PREPOSITIONS = ("near", "behind", "beside", "under", "on", "by", "past")
_VERBS = ("chased", "saw", "liked", "fed", "followed", "watched", "found")
_TIMES = ("yesterday", "all morning", "after lunch", "last week", "every day")


def _noun_phrase(rng):
    singular, plural = rng.choice(_THINGS)
    noun = singular if rng.random() < 0.5 else plural
    adjective = f"{rng.choice(_ADJECTIVES)} " if rng.random() < 0.5 else ""
    return f"the {adjective}{noun}"


def _filler_phrase(rng):
    """A few words that do not depend on the subject's number."""
    kind = rng.random()
    if kind < 0.4:
        return f"{rng.choice(_PREPOSITIONS)} {_noun_phrase(rng)}"
    if kind < 0.75:
        return f"that {_noun_phrase(rng)} {rng.choice(_VERBS)}"
    if kind < 0.9:
        return f"with {_noun_phrase(rng)}"
    return rng.choice(_TIMES)


def make_sentence(rng, distance):
    """One text (up to the verb) and its label, with at least `distance`
    filler words between the subject and the verb."""
    label = int(rng.random() < 0.5)
    subject = rng.choice(_SUBJECTS)[label]
    words = []
    while len(words) < distance:
        words += _filler_phrase(rng).split()
    # A filler that ends in a noun ends in a distractor of random number.
    return " ".join(["the", subject, *words]), label


def complete(text, label):
    """The whole sentence: `text` with its verb, "the cats ... were full."."""
    return f"{text} {LABELS[int(label)]} full."


def load_agreement(
    *,
    num_train=4000,
    num_validation=500,
    num_test=500,
    min_distance=5,
    max_distance=15,
    seed=0,
):
    """Generates the agreement data set.

    Args:
        num_train, num_validation, num_test: texts per split.
        min_distance, max_distance: the filler's length in words is drawn
            uniformly from this range (phrases may add a word or two).
        seed: the texts depend on it only.

    Returns:
        A `TextClassificationData` with labels 0 ("was") and 1 ("were").
    """
    min_distance = non_negative_int("min_distance", min_distance)
    max_distance = non_negative_int("max_distance", max_distance)
    if max_distance < min_distance:
        raise InvalidArgumentError(
            "Received an invalid value for argument `max_distance`, expected at "
            f"least min_distance={min_distance}, got {max_distance}"
        )
    sizes = {
        "train": positive_int("num_train", num_train),
        "validation": int_at_least("num_validation", num_validation, 1),
        "test": int_at_least("num_test", num_test, 1),
    }
    rng = random.Random(seed)
    splits = {}
    for split, size in sizes.items():
        texts, labels = [], []
        for _ in range(size):
            distance = rng.randint(min_distance, max_distance)
            text, label = make_sentence(rng, distance)
            texts.append(text)
            labels.append(label)
        splits[split] = LabelledTexts(texts, labels)
    return TextClassificationData(
        name="agreement",
        label_names=LABELS,
        description=(
            "generated subject-verb agreement across "
            f"{min_distance}-{max_distance} filler words (embedded, no download)"
        ),
        **splits,
    )
