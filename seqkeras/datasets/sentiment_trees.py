"""Generated sentiment trees: short reviews with a label at every node.

An embedded data set for the tree task (`seqkeras train tree-sentiment`), in
the treebank's form: binary trees, five classes (0 very negative .. 4 very
positive). The labels follow fixed rules, so that what a composition must
learn is known:

- an adjective carries its own sentiment: "awful" 0, "bad" 1, "good" 3,
  "great" 4; every other word is neutral (2);
- "very" strengthens: "very good" 4, "very bad" 0;
- "not" turns a phrase to the other side, weakly: "not good" and "not very
  good" 1, "not bad" and "not terrible" 3;
- a clause takes its predicate's label: "the plot was not bad" 3;
- "but" hands the sentence to the clause after it: "the acting was great but
  the plot was dull" 1, and so does the full stop.

The same words are positive or negative depending on the words around them,
which a model must read from the tree. Deterministic for a seed; public
domain (CC0), written by seqkeras.

Example:

>>> data = load_sentiment_trees(num_train=4, num_validation=1, num_test=1)
>>> tree = data.train[0]
>>> bool(tree.labels.max() <= 4) and tree.labelled
True
>>> str(sentiment_tree(["the", "plot"], ["not", "very", "good"]))
'(1 (1 (2 (2 the) (2 plot)) (1 (2 was) (1 (2 not) (4 (2 very) (3 good))))) (2 .))'
"""

import random

from seqkeras._validation import non_negative_int
from seqkeras.datasets.trees import SST5_LABELS, TreebankData, Trees, parse_tree

_ADJECTIVES = {
    0: ("awful", "terrible", "dreadful", "painful"),
    1: ("bad", "dull", "weak", "boring", "clumsy", "bland"),
    3: ("good", "nice", "funny", "clever", "charming", "fine"),
    4: ("great", "brilliant", "superb", "wonderful", "moving"),
}
_VALUES = {word: value for value, words in _ADJECTIVES.items() for word in words}
_NOUNS = ("plot", "acting", "film", "story", "ending", "music", "cast", "script")
SPLIT_SIZES = {"train": 3000, "validation": 300, "test": 300}


def _node(label, left, right):
    return f"({label} {left} {right})"


def _predicate(words):
    """`(label, bracketed)` of "[not] [very] ADJECTIVE"."""
    *modifiers, adjective = words
    label = _VALUES[adjective]
    text = f"({label} {adjective})"
    if "very" in modifiers:
        label = 4 if label > 2 else 0
        text = _node(label, "(2 very)", text)
    if "not" in modifiers:
        label = 1 if label > 2 else 3
        text = _node(label, "(2 not)", text)
    return label, text


def _clause(subject, predicate):
    label, adjective_phrase = _predicate(predicate)
    noun_phrase = _node(2, *(f"(2 {word})" for word in subject))
    return label, _node(label, noun_phrase, _node(label, "(2 was)", adjective_phrase))


def sentiment_tree(subject, predicate, contrast=None):
    """One labelled tree: "SUBJECT was PREDICATE [but SUBJECT was PREDICATE] ."

    Args:
        subject: two words ("the", "plot").
        predicate: "[not] [very] ADJECTIVE" as a list of words.
        contrast: None, or a `(subject, predicate)` for a clause after "but".
    """
    label, text = _clause(subject, predicate)
    if contrast is not None:
        label, second = _clause(*contrast)
        text = _node(label, text, _node(label, "(2 but)", second))
    return parse_tree(_node(label, text, "(2 .)"), labelled=True, num_classes=5)


def _random_clause(rng):
    subject = ["the", rng.choice(_NOUNS)]
    predicate = [rng.choice([w for ws in _ADJECTIVES.values() for w in ws])]
    if rng.random() < 0.35:
        predicate.insert(0, "very")
    if rng.random() < 0.4:
        predicate.insert(0, "not")
    return subject, predicate


def generate_sentiment_trees(count, seed=0):
    """`count` labelled trees drawn from the rules of the module docstring."""
    rng = random.Random(seed)
    trees = []
    for _ in range(non_negative_int("count", count)):
        first = _random_clause(rng)
        contrast = _random_clause(rng) if rng.random() < 0.3 else None
        trees.append(sentiment_tree(*first, contrast=contrast))
    return trees


def load_sentiment_trees(
    *,
    num_train=SPLIT_SIZES["train"],
    num_validation=SPLIT_SIZES["validation"],
    num_test=SPLIT_SIZES["test"],
    seed=0,
):
    """The generated trees as a `TreebankData` (five classes)."""
    sizes = (num_train, num_validation, num_test)
    trees = generate_sentiment_trees(sum(sizes), seed=seed)
    cuts = [0, sizes[0], sizes[0] + sizes[1], sum(sizes)]
    splits = [Trees(trees[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    return TreebankData(
        name="sentiment-trees",
        label_names=SST5_LABELS,
        train=splits[0],
        validation=splits[1],
        test=splits[2],
        description="generated reviews with a sentiment at every node: "
        "'very', 'not' and 'but' change it (embedded, no download)",
    )
