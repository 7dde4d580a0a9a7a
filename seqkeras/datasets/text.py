"""Labelled text data sets: containers, the user's files, and the Stanford
Sentiment Treebank.

`read_labelled_texts` reads one text and one label per line, from a CSV or
TSV file with a header row naming the columns, or from JSON lines (one
object per line); `load_labelled_texts` gives train / validation / test from
one file (cut at random) or from one file each.

The treebank (Socher et al., 2013) labels every node of every parse tree with
a sentiment from 0 (very negative) to 4 (very positive). Standard practice,
followed here: train on every labelled phrase (each subtree) of the training
trees, validate and test on whole sentences. For the binary task (SST-2) the
neutral label 2 is dropped and 0-1 / 3-4 become negative / positive.
"""

import csv
import dataclasses
import pathlib
import re

import numpy as np

from seqkeras.datasets import registry
from seqkeras.datasets.splits import Examples, Splits, from_files
from seqkeras.errors import InvalidArgumentError, InvalidInputError

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


# === The user's files ===

TABLE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv"}
TABLE_FORMATS |= {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl"}


def table_format(path, format=None):
    """ "csv", "tsv" or "jsonl": `format` if given, else from the suffix."""
    if format is not None:
        if format not in ("csv", "tsv", "jsonl"):
            raise InvalidArgumentError(
                "Received an invalid value for argument `format`, expected one of "
                f"'csv', 'tsv', 'jsonl', got {format!r}"
            )
        return format
    suffix = pathlib.Path(path).suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise InvalidInputError(
            f"Cannot tell the format of {path} from its suffix {suffix!r}: name it "
            ".csv, .tsv or .jsonl, or pass format='csv', 'tsv' or 'jsonl'."
        )
    return TABLE_FORMATS[suffix]


def read_table(path, columns, *, format=None, encoding="utf-8"):
    """Reads named text columns of a CSV / TSV file with a header row, or of
    JSON lines, every value as text (nothing is turned into a number or a
    missing value: `NA` stays the text "NA").

    Returns:
        One list of strings per column of `columns`.
    """
    import pandas as pd

    path = pathlib.Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {path}")
    format = table_format(path, format)
    try:
        if format == "jsonl":
            frame = pd.read_json(path, lines=True, dtype=False, encoding=encoding)
        else:
            frame = pd.read_csv(
                path,
                sep="," if format == "csv" else "\t",
                dtype=str,
                keep_default_na=False,
                # TSV texts keep their quotes as written.
                quoting=csv.QUOTE_MINIMAL if format == "csv" else csv.QUOTE_NONE,
                encoding=encoding,
            )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"{path} is not a readable {format} file: {e}") from e
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(
            f"{path} has no column(s) {missing}; its columns are "
            f"{list(frame.columns)}. Name the columns to read (text_column=, "
            "label_column= or --text-column, --label-column)."
        )
    result = []
    for column in columns:
        values = frame[column]
        empty = values.isna() | (values.astype(str).str.strip() == "")
        if empty.any():
            row = int(np.argmax(empty.to_numpy()))
            raise InvalidInputError(
                f"{path}: column {column!r} is empty in data row {row + 1}; every "
                "row needs a text and a label."
            )
        result.append(values.astype(str).tolist())
    return result


def read_labelled_texts(
    path,
    *,
    text_column="text",
    label_column="label",
    label_names=None,
    format=None,
    encoding="utf-8",
):
    """Reads one text and one label per line from a CSV, TSV or JSON-lines file.

    Args:
        path: the file; `.csv` and `.tsv` need a header row naming the
            columns, `.jsonl` holds one JSON object per line.
        text_column: the column (or JSON key) of the texts.
        label_column: the column of the labels, as names (`positive`) or
            numbers (`0`, `1`).
        label_names: the classes in id order; None takes them from the file,
            sorted (numerically when every label is a number).
        format: "csv", "tsv" or "jsonl"; None tells it from the suffix.
        encoding: the file's text encoding.

    Returns:
        `(LabelledTexts, label_names)`.

    Raises:
        InvalidInputError: a missing column, an empty text or label, or a
            label not among `label_names`; the message names file and row.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text('text,label\\n"Great, really",pos\\nDull,neg\\n')
    >>> texts, names = read_labelled_texts(path)
    >>> texts.texts, texts.labels.tolist(), names
    (('Great, really', 'Dull'), [1, 0], ('neg', 'pos'))
    """
    texts, labels = read_table(
        path, [text_column, label_column], format=format, encoding=encoding
    )
    if label_names is None:
        distinct = set(labels)
        numeric = all(re.fullmatch(r"-?\d+", label) for label in distinct)
        label_names = sorted(distinct, key=int if numeric else None)
    label_names = tuple(str(n) for n in label_names)
    index = {name: i for i, name in enumerate(label_names)}
    unknown = [(i, label) for i, label in enumerate(labels) if label not in index]
    if unknown:
        row, label = unknown[0]
        raise InvalidInputError(
            f"{path}: data row {row + 1} has the label {label!r}, which is not "
            f"among the classes {list(label_names)} (those of the training file); "
            f"{len(unknown)} row(s) in all."
        )
    return LabelledTexts(texts, [index[label] for label in labels]), label_names


def load_labelled_texts(
    train,
    validation=None,
    test=None,
    *,
    split=(0.8, 0.1),
    seed=0,
    label_names=None,
    name=None,
    **reader_options,
):
    """A text-classification data set from the user's files.

    Args:
        train: the training file (see `read_labelled_texts`).
        validation, test: their files, or None to cut them from `train` at
            random (see `seqkeras.datasets.splits.from_files`).
        split: `(train, validation)` fractions for the parts cut from
            `train`.
        seed: the seed of that cut.
        label_names: the classes in id order (default: the training file's).
        name: the data set's name (default: the training file's name).
        **reader_options: `text_column`, `label_column`, `format`,
            `encoding`, passed to `read_labelled_texts`.

    Returns:
        A `TextClassificationData`.
    """
    names = [label_names]

    def read(path):
        texts, names[0] = read_labelled_texts(
            path, label_names=names[0], **reader_options
        )
        return texts

    parts = from_files(read, train, validation, test, split=split, seed=seed)
    return TextClassificationData(
        name=name or pathlib.Path(train).name,
        label_names=names[0],
        train=parts[0],
        validation=parts[1],
        test=parts[2],
        description=f"the texts of {train}",
    )


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
