"""Word-tagged sentences: the CoNLL column format and CoNLL-2003.

A CoNLL file holds one word per line with its annotations in columns
separated by white space, and a blank line after each sentence. CoNLL-2003
English has four columns, `word POS chunk NER`:

    EU NNP B-NP B-ORG
    rejects VBZ B-VP O

Lines starting with `-DOCSTART-` separate documents (Reuters articles) and
are not sentences. `read_conll` reads any such file, choosing the token and
tag columns; `load_conll2003` gives the standard splits for named entities
(column 4, IOB2 tags in the mirrored file) or Penn Treebank part-of-speech
tags (column 2).
"""

import dataclasses
import pathlib

from seqkeras.datasets import registry
from seqkeras.datasets.splits import Examples, Splits
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.tags import validate_tags

DOCSTART = "-DOCSTART-"


@dataclasses.dataclass(frozen=True, eq=False)
class TaggedSentences(Examples):
    """Sentences as lists of words, with one tag per word.

    Args:
        tokens: one sequence of words per sentence.
        tags: one sequence of tags per sentence, as long as its words.

    Example:

    >>> data = TaggedSentences([["I", "like", "red", "apples"]],
    ...                        [["PRON", "VERB", "ADJ", "NOUN"]])
    >>> len(data), data.num_tokens
    (1, 4)
    """

    tokens: tuple
    tags: tuple

    def __post_init__(self):
        tokens = tuple(tuple(str(t) for t in sentence) for sentence in self.tokens)
        tags = tuple(tuple(str(t) for t in sentence) for sentence in self.tags)
        if len(tokens) != len(tags):
            raise InvalidInputError(
                f"Got {len(tokens)} sentences of words but {len(tags)} of tags; "
                "pass one tag sequence per sentence."
            )
        for i, (words, labels) in enumerate(zip(tokens, tags, strict=True)):
            if len(words) != len(labels):
                raise InvalidInputError(
                    f"Sentence {i} has {len(words)} words but {len(labels)} tags; "
                    "every word needs exactly one tag."
                )
            if not words:
                raise InvalidInputError(
                    f"Sentence {i} is empty: every sentence needs at least one word."
                )
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "tags", tags)

    @property
    def num_tokens(self):
        return sum(len(sentence) for sentence in self.tokens)

    def tag_set(self):
        """The distinct tags, sorted, with "O" first when present."""
        tags = {tag for sentence in self.tags for tag in sentence}
        return tuple(sorted(tags, key=lambda tag: (tag != "O", tag)))


@dataclasses.dataclass(frozen=True, eq=False)
class TaggingData(Splits):
    """A tagging data set with its standard splits.

    Args:
        name: the name `seqkeras.datasets.load` knows it by.
        tag_names: every tag of the training split ("O" first for entities).
        train, validation, test: the splits.
        scheme: "iob1", "iob2" or "iobes" for entity tags; None for tags
            without spans (parts of speech).
        description: where the data comes from.
    """

    name: str
    tag_names: tuple
    train: TaggedSentences
    validation: TaggedSentences
    test: TaggedSentences
    scheme: str | None = None
    description: str = ""

    def summary(self):
        """One line: name, split sizes and tags."""
        return (
            f"{self.name}: {self.split_sizes('sentences')}, {len(self.tag_names)} tags"
        )


def parse_conll(lines, *, token_column=0, tag_column=-1, source="<text>"):
    """Reads CoNLL column lines into `TaggedSentences`.

    Args:
        lines: the lines of a file (an iterable of strings).
        token_column: which column holds the word (0 is the first).
        tag_column: which column holds the tag; negative counts from the
            end (-1 is the last).
        source: the file name used in error messages.

    Raises:
        InvalidInputError: a line has a different number of columns from the
            file's first line, the tag or token column does not exist, or
            there are no sentences; the message names the file and line.

    Example:

    >>> data = parse_conll(["-DOCSTART- -X- O", "", "EU NNP B-ORG",
    ...                     "rejects VBZ O", "", "Peter NNP B-PER"])
    >>> data.tokens, data.tags
    ((('EU', 'rejects'), ('Peter',)), (('B-ORG', 'O'), ('B-PER',)))
    """
    tokens, tags = [], []
    words, labels = [], []
    width = None  # the number of columns of the first word line

    def close_sentence():
        if words:
            tokens.append(tuple(words))
            tags.append(tuple(labels))
            words.clear()
            labels.clear()

    for number, line in enumerate(lines, start=1):
        columns = line.split()
        if not columns:
            close_sentence()
            continue
        if columns[0] == DOCSTART:
            close_sentence()
            continue
        where = f"{source}, line {number}"
        if width is None:
            width = len(columns)
            for name, index in (("token", token_column), ("tag", tag_column)):
                if not -width <= index < width:
                    raise InvalidInputError(
                        f"{where}: there is no {name} column {index}; the line has "
                        f"{width} column(s): {line.strip()!r}. Choose "
                        f"`{name}_column` between {-width} and {width - 1}."
                    )
        elif len(columns) != width:
            raise InvalidInputError(
                f"{where}: expected {width} columns like the first word line, got "
                f"{len(columns)}: {line.strip()!r}. Every word line needs the same "
                "columns (a tag may be missing here)."
            )
        words.append(columns[token_column])
        labels.append(columns[tag_column])
    close_sentence()
    if not tokens:
        raise InvalidInputError(
            f"{source} holds no sentences: expected lines of columns with a blank "
            "line after each sentence."
        )
    return TaggedSentences(tokens, tags)


def read_conll(path, *, token_column=0, tag_column=-1, scheme=None, encoding="utf-8"):
    """Reads a CoNLL column file into `TaggedSentences`.

    Args:
        path: the file.
        token_column: which column holds the word.
        tag_column: which column holds the tag (-1: the last).
        scheme: "iob1", "iob2" or "iobes" to check every sentence's tags
            against that scheme; None checks nothing.
        encoding: the file's text encoding.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such CoNLL file: {path}")
    with open(path, encoding=encoding) as f:
        data = parse_conll(
            f, token_column=token_column, tag_column=tag_column, source=str(path)
        )
    if scheme is not None:
        for i, sentence in enumerate(data.tags):
            try:
                validate_tags(sentence, scheme)
            except InvalidInputError as e:
                raise type(e)(f"{path}, sentence {i + 1}: {e}") from None
    return data


CONLL2003_COLUMNS = {"ner": 3, "pos": 1}


def load_conll2003(*, tags="ner", cache_dir=None):
    """Loads CoNLL-2003 English with its standard splits.

    Args:
        tags: "ner" for named entities (PER, LOC, ORG, MISC in IOB2) or
            "pos" for Penn Treebank part-of-speech tags.
        cache_dir: where to cache the download (see `registry.fetch`).

    Returns:
        A `TaggingData` of 14,041 / 3,250 / 3,453 sentences.
    """
    if tags not in CONLL2003_COLUMNS:
        raise InvalidArgumentError(
            "Received an invalid value for argument `tags`, expected one of "
            f"{', '.join(map(repr, CONLL2003_COLUMNS))}, got {tags!r}"
        )
    folder = pathlib.Path(registry.fetch("conll2003", cache_dir=cache_dir))
    scheme = "iob2" if tags == "ner" else None
    splits = {
        split: read_conll(
            folder / f"{file}.txt", tag_column=CONLL2003_COLUMNS[tags], scheme=scheme
        )
        for split, file in [
            ("train", "train"),
            ("validation", "valid"),
            ("test", "test"),
        ]
    }
    return TaggingData(
        name=f"conll2003-{tags}",
        tag_names=splits["train"].tag_set(),
        scheme=scheme,
        description="CoNLL-2003 English (Reuters, Tjong Kim Sang and De Meulder "
        "2003), "
        + ("named entities, IOB2" if tags == "ner" else "Penn Treebank POS tags"),
        **splits,
    )
