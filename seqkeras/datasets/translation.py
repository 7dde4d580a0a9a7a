"""Sentence pairs for translation: English-Spanish (Tatoeba) and generated dates.

`load_spa_eng` reads the 118,964 English-Spanish pairs of the Tatoeba
archive (`spa-eng/spa.txt`, one `english<TAB>spanish` pair per line). Many
English sentences have several translations ("Go." -> "Ve.", "Vete.",
"Vaya."), so the split is made per English sentence, from a hash of its
text: all translations of a sentence land in the same split, no test source
is seen in training, and the split does not depend on the file's order.

`load_dates` needs no download: see `seqkeras.datasets.dates`.
"""

import dataclasses
import hashlib
import pathlib

from seqkeras._validation import positive_int
from seqkeras.datasets import registry
from seqkeras.datasets.splits import Examples, Splits, from_files
from seqkeras.errors import InvalidArgumentError, InvalidInputError


@dataclasses.dataclass(frozen=True, eq=False)
class SentencePairs(Examples):
    """Source texts with one target text each.

    Args:
        sources: the texts to translate.
        targets: their translations, aligned with `sources`.
    """

    sources: tuple
    targets: tuple

    def __post_init__(self):
        object.__setattr__(self, "sources", tuple(str(s) for s in self.sources))
        object.__setattr__(self, "targets", tuple(str(t) for t in self.targets))
        if len(self.sources) != len(self.targets):
            raise InvalidInputError(
                f"Got {len(self.sources)} sources but {len(self.targets)} targets; "
                "pass one translation per source text."
            )

    def _groups(self):
        # Every translation of a source goes to the same part of a split, so
        # that no test sentence is seen in training under another translation.
        return self.sources

    def grouped(self):
        """`(sources, references)`: each distinct source once, in order of
        first appearance, with the list of all its targets, the way BLEU
        counts a translation right if it matches any of them.

        Example:

        >>> pairs = SentencePairs(["Go.", "Go.", "Hi."], ["Ve.", "Vete.", "Hola."])
        >>> pairs.grouped()
        (['Go.', 'Hi.'], [['Ve.', 'Vete.'], ['Hola.']])
        """
        references = {}
        for source, target in zip(self.sources, self.targets, strict=True):
            references.setdefault(source, []).append(target)
        return list(references), list(references.values())


@dataclasses.dataclass(frozen=True, eq=False)
class TranslationData(Splits):
    """A translation data set with its splits.

    Args:
        name: the name `seqkeras.datasets.load` knows it by.
        train, validation, test: `SentencePairs`.
        source_language, target_language: names, for summaries and plots.
        description: where the data comes from.
    """

    name: str
    train: SentencePairs
    validation: SentencePairs
    test: SentencePairs
    source_language: str = "source"
    target_language: str = "target"
    description: str = ""

    def summary(self):
        """One line: name, languages and split sizes."""
        return (
            f"{self.name}: {self.source_language} -> {self.target_language}, "
            f"{self.split_sizes('pairs')}"
        )


def read_tab_pairs(path, *, encoding="utf-8"):
    """Reads `source<TAB>target` lines (extra tab-separated columns ignored).

    Raises:
        InvalidInputError: a non-empty line without a tab, or an empty side;
            the message names the file and line.
    """
    if not pathlib.Path(path).is_file():
        raise InvalidInputError(f"No such file of sentence pairs: {path}")
    sources, targets = [], []
    with open(path, encoding=encoding) as f:
        for number, line in enumerate(f, start=1):
            line = line.lstrip("\ufeff").rstrip("\r\n")
            if not line.strip():
                continue
            columns = line.split("\t")
            if len(columns) < 2 or not columns[0].strip() or not columns[1].strip():
                raise InvalidInputError(
                    f"{path}, line {number}: expected 'source<TAB>target' with "
                    f"text on both sides, got {line[:80]!r}."
                )
            sources.append(columns[0].strip())
            targets.append(columns[1].strip())
    if not sources:
        raise InvalidInputError(f"{path} holds no sentence pairs.")
    return SentencePairs(sources, targets)


def load_sentence_pairs(
    train,
    validation=None,
    test=None,
    *,
    split=(0.8, 0.1),
    seed=0,
    source_language="source",
    target_language="target",
    name=None,
    encoding="utf-8",
):
    """A translation data set from the user's `source<TAB>target` files.

    Args:
        train: the training file (see `read_tab_pairs`).
        validation, test: their files, or None to cut them from `train` at
            random, every translation of a source sentence in the same part.
        split: `(train, validation)` fractions of the distinct sources.
        seed: the seed of that cut.
        source_language, target_language: names for summaries; the target
            language also chooses how translations are detokenised (see
            `seqkeras.text.detokenize`).
        name: the data set's name (default: the training file's name).
        encoding: the files' text encoding.

    Returns:
        A `TranslationData`.
    """
    parts = from_files(
        lambda path: read_tab_pairs(path, encoding=encoding),
        train,
        validation,
        test,
        split=split,
        seed=seed,
    )
    return TranslationData(
        name=name or pathlib.Path(train).name,
        train=parts[0],
        validation=parts[1],
        test=parts[2],
        source_language=source_language,
        target_language=target_language,
        description=f"the sentence pairs of {train}",
    )


def split_by_source(pairs, *, validation=0.1, test=0.1, salt="seqkeras"):
    """Splits pairs into train / validation / test by a hash of the source.

    Every pair with the same source text goes to the same split, so a test
    sentence is never seen in training under another translation. The
    split is deterministic: the same text always lands in the same split.

    Returns:
        `(train, validation, test)` `SentencePairs`, each in file order.
    """
    for name, value in (("validation", validation), ("test", test)):
        if not 0.0 <= value < 1.0:
            raise InvalidArgumentError(
                f"Received an invalid value for argument `{name}`, expected a "
                f"fraction in [0, 1), got {value!r}"
            )
    if validation + test >= 1.0:
        raise InvalidArgumentError(
            f"validation + test must leave data for training, got {validation} + "
            f"{test}."
        )
    buckets = ([], [], [])
    for source, target in zip(pairs.sources, pairs.targets, strict=True):
        digest = hashlib.sha256(f"{salt}\0{source}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
        which = 2 if u < test else 1 if u < test + validation else 0
        buckets[which].append((source, target))
    return tuple(SentencePairs([s for s, _ in b], [t for _, t in b]) for b in buckets)


def load_spa_eng(*, max_length=None, validation=0.1, test=0.1, cache_dir=None):
    """Loads the Tatoeba English-Spanish pairs, split by English sentence.

    Args:
        max_length: drop pairs where either side has more than this many
            words (split on white space); None keeps all.
        validation, test: fractions of the distinct English sentences.
        cache_dir: where to cache the download (see `registry.fetch`).

    Returns:
        A `TranslationData`, English to Spanish.
    """
    folder = pathlib.Path(registry.fetch("spa-eng", cache_dir=cache_dir))
    pairs = read_tab_pairs(folder / "spa-eng" / "spa.txt")
    if max_length is not None:
        positive_int("max_length", max_length)
        kept = [
            (s, t)
            for s, t in zip(pairs.sources, pairs.targets, strict=True)
            if len(s.split()) <= max_length and len(t.split()) <= max_length
        ]
        pairs = SentencePairs([s for s, _ in kept], [t for _, t in kept])
    train, valid, held_out = split_by_source(pairs, validation=validation, test=test)
    return TranslationData(
        name="spa-eng",
        train=train,
        validation=valid,
        test=held_out,
        source_language="English",
        target_language="Spanish",
        description="Tatoeba English-Spanish pairs (manythings.org, 2018-05), "
        "split by English sentence"
        + ("" if max_length is None else f", at most {max_length} words a side"),
    )
