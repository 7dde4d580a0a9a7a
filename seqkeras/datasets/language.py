"""Text for language models: Penn Treebank, Tiny Shakespeare, any text file.

A language model reads one long stream of tokens. At word level the course
wraps every sentence in start and end tokens: the stream is
`[START] w1 ... wn [END] [START] ...`, where `[START]` is only ever given to
the model, never predicted (so perplexity counts the words and one `[END]`
per sentence, as Penn Treebank's `<eos>` convention does). At character level
the stream is the text itself, newlines included.

- `load_ptb`: Mikolov's Penn Treebank split (42,068 / 3,370 / 3,761
  sentences, a 10,000-word vocabulary with `<unk>`, which becomes `[UNK]`).
- `load_tinyshakespeare`: 1,115,394 characters; by default the last 10% is
  the validation text.
- `load_text(path)`: any UTF-8 text file, at word or character level, split
  into contiguous train / validation / test parts.
"""

import collections
import dataclasses
import pathlib

import numpy as np

from seqkeras._validation import one_of, positive_int
from seqkeras.datasets import registry
from seqkeras.datasets.splits import Splits, check_fractions, from_files
from seqkeras.errors import DatasetUnavailableError, InvalidArgumentError
from seqkeras.text.vocabulary import END, START, UNK, Vocabulary

LEVELS = ("word", "char")


@dataclasses.dataclass(frozen=True, eq=False)
class TextStream:
    """One split of a corpus, in reading order.

    Args:
        units: word level: one tuple of words per sentence; character level:
            one string per line of text (its newline included).
        level: "word" or "char".
    """

    units: tuple
    level: str = "word"

    def __post_init__(self):
        one_of("level", self.level, LEVELS)
        if self.level == "word":
            units = tuple(tuple(str(w) for w in sentence) for sentence in self.units)
        else:
            units = tuple(str(line) for line in self.units)
        object.__setattr__(self, "units", units)

    def __len__(self):
        return len(self.units)

    @property
    def num_tokens(self):
        """The tokens a model predicts: words plus one `[END]` per sentence,
        or characters."""
        if self.level == "word":
            return sum(len(s) + 1 for s in self.units)
        return sum(len(line) for line in self.units)

    def tokens(self):
        """The whole stream as one list of tokens (see the module docstring).

        Example:

        >>> TextStream([["a", "cat"], ["hi"]]).tokens()
        ['[START]', 'a', 'cat', '[END]', '[START]', 'hi', '[END]']
        >>> TextStream(["ab\\n", "c"], level="char").tokens()
        ['a', 'b', '\\n', 'c']
        """
        if self.level == "char":
            return [c for line in self.units for c in line]
        stream = []
        for sentence in self.units:
            stream.append(START)
            stream.extend(sentence)
            stream.append(END)
        return stream

    def subset(self, size, seed=0):
        """The first `size` sentences or lines (a stream stays contiguous, so
        the state a model carries across batches still means something)."""
        del seed  # the same prefix every time
        if size is None or size >= len(self):
            return self
        return TextStream(self.units[: positive_int("size", size)], self.level)

    def split(self, train=0.8, validation=0.1, *, seed=0):
        """Cuts the stream in reading order into `(train, validation, test)`:
        the first `train` share, then `validation`, then the rest, counted in
        sentences (word level) or characters (character level, cut at a line
        break). Contiguous, not random (`seed` is unused; every container
        takes it): a model carries its state along the text, and must not
        train on what follows its test."""
        del seed
        check_fractions(train, validation)
        return _split_contiguous(
            self.units, self.level, validation, 1.0 - train - validation
        )

    def _parts(self, fractions, seed):
        """The first `fractions[0]` of the stream, and the rest."""
        del seed
        first, rest, _ = _split_contiguous(self.units, self.level, 1 - fractions[0], 0)
        return first, rest


@dataclasses.dataclass(frozen=True, eq=False)
class LanguageModelData(Splits):
    """A language-modelling corpus.

    Args:
        name: the name `seqkeras.datasets.load` knows it by.
        level: "word" or "char".
        train, validation, test: `TextStream`s.
        description: where the text comes from.
    """

    name: str
    level: str
    train: TextStream
    validation: TextStream
    test: TextStream
    description: str = ""

    def build_vocabulary(self, *, max_size=None, min_count=1):
        """The vocabulary of the training text, most frequent first.

        Args:
            max_size: keep at most this many tokens, the reserved ones
                included; rarer ones become `[UNK]` (None: all).
            min_count: tokens seen fewer times become `[UNK]`.
        """
        counts = collections.Counter(self.train.tokens())
        for token in (START, END, UNK):
            counts.pop(token, None)
        return Vocabulary.from_counts(counts, max_size=max_size, min_count=min_count)

    def summary(self):
        unit = "sentences" if self.level == "word" else "lines"
        tokens = "words" if self.level == "word" else "characters"
        return (
            f"{self.name}: {self.split_sizes(unit)}; "
            f"{self.train.num_tokens:,} / {self.validation.num_tokens:,} / "
            f"{self.test.num_tokens:,} {tokens} to predict"
        )


def _split_contiguous(units, level, validation, test):
    """Train from the start, then validation, then test from the end.

    The fractions count sentences at word level and characters at character
    level (cut at the nearest line break).
    """
    for name, fraction in (("validation", validation), ("test", test)):
        if not 0.0 <= fraction < 1.0:
            raise InvalidArgumentError(
                f"Received an invalid value for argument `{name}`, expected a "
                f"fraction in [0, 1), got {fraction}"
            )
    n = len(units)
    if level == "char":
        # Where each line ends, in characters, as a fraction of the text.
        ends = np.cumsum([len(line) for line in units]) / sum(map(len, units))
        end_train = int(np.argmin(np.abs(ends - (1.0 - validation - test)))) + 1
        start_test = int(np.argmin(np.abs(ends - (1.0 - test)))) + 1 if test else n
    else:
        start_test = n - int(round(n * test))
        end_train = start_test - int(round(n * validation))
    if end_train < 1 or end_train >= n and validation:
        raise InvalidArgumentError(
            f"Splitting {n} {'sentences' if level == 'word' else 'lines'} "
            f"{validation:.0%} / {test:.0%} leaves a split empty: use a "
            "longer text or other fractions."
        )
    return (
        TextStream(units[:end_train], level),
        TextStream(units[end_train:start_test], level),
        TextStream(units[start_test:], level),
    )


def read_text_units(path, level="word", *, lowercase=False):
    """Reads a UTF-8 text file as sentences of words (one per non-empty line,
    split on white space) or as lines of characters (every line, newline
    kept)."""
    one_of("level", level, LEVELS)
    path = pathlib.Path(path)
    if not path.is_file():
        raise DatasetUnavailableError(
            f"No text file at {path}: pass the path of a UTF-8 text file."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DatasetUnavailableError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); "
            "convert it, for example with `iconv -t utf-8`."
        ) from None
    if lowercase:
        text = text.lower()
    if level == "char":
        units = text.splitlines(keepends=True)
    else:
        units = [line.split() for line in text.splitlines() if line.split()]
    if not units:
        raise DatasetUnavailableError(f"{path} holds no text.")
    return units


def load_text_files(
    train,
    validation=None,
    test=None,
    *,
    level="word",
    split=(0.8, 0.1),
    lowercase=False,
    name=None,
):
    """A language-modelling corpus from the user's text files.

    Args:
        train: a UTF-8 text file (see `read_text_units` for what a sentence
            and a line are).
        validation, test: their files, or None to cut them from the end of
            `train`, in reading order (see `TextStream.split`).
        level: "word" or "char".
        split: `(train, validation)` fractions for the parts cut from `train`.
        lowercase: case-fold the text first.
        name: the corpus' name (default: the training file's name).

    Returns:
        A `LanguageModelData`.
    """

    def read(path):
        return TextStream(read_text_units(path, level, lowercase=lowercase), level)

    parts = from_files(
        read,
        train,
        validation,
        test,
        split=split,
    )
    return LanguageModelData(
        name=name or pathlib.Path(train).name,
        level=level,
        train=parts[0],
        validation=parts[1],
        test=parts[2],
        description=f"the text of {train}",
    )


def load_text(path, *, level="word", validation=0.1, test=0.1, lowercase=False):
    """Any text file as a language-modelling corpus.

    The file is cut in reading order: the first part for training, then
    validation, then test (fractions of its sentences or lines).

    Args:
        path: a UTF-8 text file.
        level: "word" (one sentence per non-empty line, words split on white
            space) or "char".
        validation, test: fractions of the lines for each split.
        lowercase: case-fold the text first.

    Returns:
        A `LanguageModelData`.
    """
    units = read_text_units(path, level, lowercase=lowercase)
    train, valid, held_out = _split_contiguous(units, level, validation, test)
    return LanguageModelData(
        name=pathlib.Path(path).name,
        level=level,
        train=train,
        validation=valid,
        test=held_out,
        description=f"the text of {path}",
    )


def load_ptb(*, cache_dir=None):
    """Penn Treebank for word-level language modelling (Mikolov's split).

    Every line is a sentence of lower-case words, numbers written as `N`
    and rare words already replaced by `<unk>` (here `[UNK]`), 10,000 word
    types in all. Report perplexity on the test split.

    Returns:
        A word-level `LanguageModelData`.
    """
    folder = pathlib.Path(registry.fetch("ptb", cache_dir=cache_dir)) / "ptb"
    splits = {}
    for split, filename in [
        ("train", "ptb.train.txt"),
        ("validation", "ptb.valid.txt"),
        ("test", "ptb.test.txt"),
    ]:
        sentences = read_text_units(folder / filename, "word")
        splits[split] = TextStream(
            [[UNK if w == "<unk>" else w for w in s] for s in sentences], "word"
        )
    return LanguageModelData(
        name="ptb",
        level="word",
        description="Penn Treebank, Mikolov's language-modelling split",
        **splits,
    )


def load_tinyshakespeare(*, validation=0.1, test=0.0, cache_dir=None):
    """Tiny Shakespeare (1,115,394 characters) for character-level models.

    Args:
        validation: the fraction of lines at the end held out for validation
            (10%: the split the char-rnn results use).
        test: a further fraction held out at the very end; 0 (the default)
            makes the test split the validation text.

    Returns:
        A character-level `LanguageModelData`.
    """
    path = registry.fetch("tinyshakespeare", cache_dir=cache_dir)
    units = read_text_units(path, "char")
    train, valid, held_out = _split_contiguous(units, "char", validation, test)
    return LanguageModelData(
        name="tinyshakespeare",
        level="char",
        train=train,
        validation=valid,
        test=held_out if test else valid,
        description="Tiny Shakespeare (Karpathy's char-rnn), the last "
        f"{validation:.0%} of its lines for validation"
        + ("" if test else " (and as the test split)"),
    )
