"""Labelled text data sets: containers and the Stanford Sentiment Treebank.

The treebank (Socher et al., 2013) labels every node of every parse tree with
a sentiment from 0 (very negative) to 4 (very positive). Standard practice,
followed here: train on every labelled phrase (each subtree) of the training
trees, validate and test on whole sentences. For the binary task (SST-2) the
neutral label 2 is dropped and 0-1 / 3-4 become negative / positive.
"""

import dataclasses
import pathlib
import re

import numpy as np

from seqkeras.datasets import registry
from seqkeras.datasets.splits import Examples, Splits
from seqkeras.errors import InvalidInputError

SST5_LABELS = ("very negative", "negative", "neutral", "positive", "very positive")
SST2_LABELS = ("negative", "positive")


@dataclasses.dataclass(frozen=True, eq=False)
class LabelledTexts(Examples):
    """Texts with one integer label each.

    Args:
        texts: the raw texts.
        labels: integer class ids, one per text.
    """

    texts: tuple
    labels: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "texts", tuple(self.texts))
        labels = np.asarray(self.labels, dtype="int64").reshape(-1)
        object.__setattr__(self, "labels", labels)
        if len(self.texts) != len(labels):
            raise InvalidInputError(
                f"Got {len(self.texts)} texts but {len(labels)} labels; "
                "pass one label per text."
            )


@dataclasses.dataclass(frozen=True, eq=False)
class TextClassificationData(Splits):
    """A text-classification data set with its standard splits.

    Args:
        name: the name `seqkeras.datasets.load` knows it by.
        label_names: class names, indexed by label id.
        train, validation, test: the splits.
        description: where the data comes from.
    """

    name: str
    label_names: tuple
    train: LabelledTexts
    validation: LabelledTexts
    test: LabelledTexts
    description: str = ""

    @property
    def num_classes(self):
        return len(self.label_names)

    def summary(self):
        """One line: name, split sizes and classes."""
        return f"{self.name}: {self.split_sizes()}, classes {list(self.label_names)}"


# Penn Treebank escapes, undone so that the texts read like raw text and
# tokenise like what users type.
_PTB_UNESCAPE = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "``": '"',
    "''": '"',
}
_TREE_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def _unescape(word):
    word = _PTB_UNESCAPE.get(word, word)
    return word.replace("\\/", "/").replace("\\*", "*")


def parse_sst_tree(line):
    """Parses one treebank line into `(label, text)` for every node, root first.

    Example:

    >>> parse_sst_tree("(3 (2 It) (4 (2 's) (4 great)))")
    [(3, "It 's great"), (2, 'It'), (4, "'s great"), (2, "'s"), (4, 'great')]
    """
    tokens = _TREE_TOKEN.findall(line)
    phrases = []
    stack = []  # open nodes: [label, words, index in phrases]
    i = 0
    try:
        while i < len(tokens):
            token = tokens[i]
            if token == "(":
                node = [int(tokens[i + 1]), [], len(phrases)]
                phrases.append(None)
                stack.append(node)
                i += 2
            elif token == ")":
                label, words, slot = stack.pop()
                phrases[slot] = (label, " ".join(words))
                if stack:
                    stack[-1][1].extend(words)
                i += 1
            else:
                stack[-1][1].append(_unescape(token))
                i += 1
    except (IndexError, ValueError):
        raise InvalidInputError(f"Malformed treebank line: {line[:80]!r}") from None
    if stack or not phrases or any(p is None for p in phrases):
        raise InvalidInputError(f"Malformed treebank line: {line[:80]!r}")
    if not 0 <= phrases[0][0] <= 4:
        raise InvalidInputError(f"Label out of range 0-4 in line: {line[:80]!r}")
    return phrases


def read_sst_split(path, *, phrases=False, binary=False):
    """Reads one treebank file into `LabelledTexts`.

    Args:
        path: a file of trees, one per line (`train.txt`, `dev.txt`, ...).
        phrases: False for whole sentences only; True for every labelled
            phrase (each distinct text once, in order of first appearance).
        binary: drop neutral phrases and map 0-1 to 0, 3-4 to 1.
    """
    texts, labels, seen = [], [], set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            nodes = parse_sst_tree(line)
            for label, text in nodes if phrases else nodes[:1]:
                if phrases:
                    if text in seen:
                        continue
                    seen.add(text)
                if binary:
                    if label == 2:
                        continue
                    label = int(label > 2)
                texts.append(text)
                labels.append(label)
    return LabelledTexts(texts, labels)


def load_sst(*, binary=True, train_phrases=True, cache_dir=None):
    """Loads the Stanford Sentiment Treebank with its standard splits.

    Args:
        binary: True for SST-2 (negative / positive, neutral dropped), False for
            the fine-grained five classes (SST-5).
        train_phrases: train on every labelled phrase of the training trees
            (standard); False trains on whole sentences only. Validation and
            test are always whole sentences.
        cache_dir: where to cache the download (see `registry.fetch`).

    Returns:
        A `TextClassificationData`. With `binary=True`: 6,920 / 872 / 1,821
        sentences (plus the training phrases).
    """
    folder = pathlib.Path(registry.fetch("sst", cache_dir=cache_dir)) / "trees"
    splits = {
        split: read_sst_split(
            folder / f"{file}.txt",
            phrases=train_phrases and split == "train",
            binary=binary,
        )
        for split, file in [("train", "train"), ("validation", "dev"), ("test", "test")]
    }
    return TextClassificationData(
        name="sst2" if binary else "sst5",
        label_names=SST2_LABELS if binary else SST5_LABELS,
        description="Stanford Sentiment Treebank (Socher et al., 2013), "
        + ("binary, neutral dropped" if binary else "five classes")
        + (", trained on all labelled phrases" if train_phrases else ""),
        **splits,
    )
