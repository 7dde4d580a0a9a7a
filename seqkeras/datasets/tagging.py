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

CoNLL-U, the format of the Universal Dependencies treebanks, has ten
tab-separated columns (`ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC`),
`#` comment lines, and two kinds of lines that are not words of the sentence:
multi-word token ranges (`1-2 du`, whose words `de le` follow on lines 1
and 2) and empty nodes (`8.1`). `read_conllu` skips all three and picks the
tag column by name (`upos`, `xpos`, or any other).

A byte-order mark (U+FEFF), which some editors write at the start of a file
and which then lands mid-file when files are joined, is dropped wherever a
line starts with one; a line holding only a mark counts as blank.
"""

import dataclasses
import pathlib

from seqkeras.datasets import registry
from seqkeras.datasets.splits import Examples, Splits, from_files
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.tags import validate_tags

DOCSTART = "-DOCSTART-"
BOM = "\ufeff"
CONLLU_COLUMNS = (
    "id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc",
)  # fmt: skip


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

    A byte-order mark at the start of any line is dropped (see the module
    docstring).

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
    return _sentences(
        _conll_words(lines, token_column, tag_column, source),
        f"{source} holds no sentences: expected lines of columns with a blank "
        "line after each sentence.",
    )


def _sentences(words, empty_message):
    """`TaggedSentences` from `(word, tag)` pairs with None between sentences."""
    tokens, tags = [], []
    sentence = []
    for item in [*words, None]:
        if item is not None:
            sentence.append(item)
        elif sentence:
            tokens.append(tuple(w for w, _ in sentence))
            tags.append(tuple(t for _, t in sentence))
            sentence = []
    if not tokens:
        raise InvalidInputError(empty_message)
    return TaggedSentences(tokens, tags)


def _conll_words(lines, token_column, tag_column, source):
    """The `(word, tag)` pairs of CoNLL lines, None at each sentence break."""
    width = None  # the number of columns of the first word line
    for number, line in enumerate(lines, start=1):
        line = line.lstrip(BOM)
        columns = line.split()
        if not columns or columns[0] == DOCSTART:
            yield None
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
            hint = (
                " It looks like a CoNLL-U comment: read the file with `read_conllu`."
                if line.startswith("#")
                else ""
            )
            raise InvalidInputError(
                f"{where}: expected {width} columns like the first word line, got "
                f"{len(columns)}: {line.strip()!r}. Every word line needs the same "
                f"columns (a tag may be missing here).{hint}"
            )
        yield columns[token_column], columns[tag_column]


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
    path = _existing(path, "CoNLL")
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


def _column_index(column, name):
    """A CoNLL-U column given by name ("upos") or position (3)."""
    if isinstance(column, str):
        key = column.lower()
        if key not in CONLLU_COLUMNS:
            raise InvalidArgumentError(
                f"Received an invalid value for argument `{name}`, expected a "
                f"CoNLL-U column ({', '.join(CONLLU_COLUMNS)}) or its position "
                f"0-9, got {column!r}"
            )
        return CONLLU_COLUMNS.index(key)
    if not isinstance(column, int) or not 0 <= column < len(CONLLU_COLUMNS):
        raise InvalidArgumentError(
            f"Received an invalid value for argument `{name}`, expected a CoNLL-U "
            f"column name or a position 0-9, got {column!r}"
        )
    return column


def parse_conllu(lines, *, token_column="form", tag_column="upos", source="<text>"):
    """Reads CoNLL-U lines (Universal Dependencies) into `TaggedSentences`.

    Comment lines (`# sent_id = ...`), multi-word token ranges (`1-2`) and
    empty nodes (`8.1`) are skipped, so each sentence holds its syntactic
    words, one tag each. Columns are separated by tabs (a word may hold a
    space); a byte-order mark at the start of a line is dropped.

    Args:
        lines: the lines of a file (an iterable of strings).
        token_column: the column of the words: a name of `CONLLU_COLUMNS`
            ("form", "lemma") or a position.
        tag_column: the column of the tags: "upos" (universal parts of
            speech), "xpos" (the treebank's own), "deprel", ... or a position.
        source: the file name used in error messages.

    Raises:
        InvalidInputError: a word line without ten tab-separated columns, a
            word whose ID is not a number, a missing tag (`_`) in the tag
            column, or no sentences; the message names the file and line.

    Example:

    >>> data = parse_conllu([
    ...     "# sent_id = 1", "# text = Il va au marché.",
    ...     "1\\tIl\\til\\tPRON\\tCLS\\t_\\t2\\tnsubj\\t_\\t_",
    ...     "2\\tva\\taller\\tVERB\\tV\\t_\\t0\\troot\\t_\\t_",
    ...     "3-4\\tau\\t_\\t_\\t_\\t_\\t_\\t_\\t_\\t_",
    ...     "3\\tà\\tà\\tADP\\tP\\t_\\t5\\tcase\\t_\\t_",
    ...     "4\\tle\\tle\\tDET\\tDET\\t_\\t5\\tdet\\t_\\t_",
    ...     "4.1\\tmême\\tmême\\tADV\\tADV\\t_\\t_\\t_\\t5:advmod\\t_",
    ...     "5\\tmarché\\tmarché\\tNOUN\\tNC\\t_\\t2\\tobl\\t_\\t_", ""])
    >>> data.tokens, data.tags
    ((('Il', 'va', 'à', 'le', 'marché'),), (('PRON', 'VERB', 'ADP', 'DET', 'NOUN'),))
    """
    token_index = _column_index(token_column, "token_column")
    tag_index = _column_index(tag_column, "tag_column")
    return _sentences(
        _conllu_words(lines, token_index, tag_index, source),
        f"{source} holds no CoNLL-U sentences: expected word lines of ten "
        "tab-separated columns with a blank line after each sentence.",
    )


def _conllu_words(lines, token_index, tag_index, source):
    """The `(word, tag)` pairs of CoNLL-U lines, None at each sentence break."""
    for number, line in enumerate(lines, start=1):
        line = line.lstrip(BOM).rstrip("\r\n")
        if not line.strip():
            yield None
            continue
        if line.startswith("#"):
            continue
        where = f"{source}, line {number}"
        columns = line.split("\t")
        if len(columns) != len(CONLLU_COLUMNS):
            raise InvalidInputError(
                f"{where}: a CoNLL-U word line has 10 tab-separated columns "
                f"({' '.join(c.upper() for c in CONLLU_COLUMNS)}), got "
                f"{len(columns)}: {line[:80]!r}. For white-space separated "
                "columns, use `read_conll`."
            )
        word_id = columns[0]
        if "-" in word_id or "." in word_id:
            continue  # a multi-word token range or an empty node
        if not word_id.isdigit():
            raise InvalidInputError(
                f"{where}: the ID column holds {word_id!r}, expected a word number "
                "(1, 2, ...), a range (1-2) or an empty node (8.1)."
            )
        tag = columns[tag_index]
        if tag == "_":
            raise InvalidInputError(
                f"{where}: the word {columns[1]!r} has no "
                f"{CONLLU_COLUMNS[tag_index].upper()} tag ('_'). Choose another "
                "`tag_column` (upos, xpos, ...) or fill in the tags."
            )
        yield columns[token_index], tag


def read_conllu(path, *, token_column="form", tag_column="upos", encoding="utf-8"):
    """Reads a CoNLL-U file (a Universal Dependencies treebank).

    Args:
        path: the file (`en_ewt-ud-train.conllu`, ...).
        token_column, tag_column: see `parse_conllu`; by default the word
            forms with their universal part-of-speech tags.
        encoding: the file's text encoding.
    """
    path = _existing(path, "CoNLL-U")
    with open(path, encoding=encoding) as f:
        return parse_conllu(
            f, token_column=token_column, tag_column=tag_column, source=str(path)
        )


def _existing(path, what):
    path = pathlib.Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such {what} file: {path}")
    return path


def load_tagged_sentences(
    train,
    validation=None,
    test=None,
    *,
    format=None,
    token_column=None,
    tag_column=None,
    scheme=None,
    split=(0.8, 0.1),
    seed=0,
    name=None,
    encoding="utf-8",
):
    """A tagging data set from the user's CoNLL or CoNLL-U files.

    Args:
        train: the training file.
        validation, test: their files, or None to cut them from `train` at
            random, whole sentences (see `seqkeras.datasets.splits.from_files`).
        format: "conll" or "conllu"; None: "conllu" for a `.conllu` file,
            "conll" otherwise.
        token_column, tag_column: the columns (default: the first and the
            last for CoNLL; "form" and "upos" for CoNLL-U).
        scheme: "iob1", "iob2" or "iobes" for entity tags, checked in every
            sentence; None for tags without spans (parts of speech).
        split: `(train, validation)` fractions for the parts cut from `train`.
        seed: the seed of that cut.
        name: the data set's name (default: the training file's name).
        encoding: the files' text encoding.

    Returns:
        A `TaggingData`, its tags those of the training part.
    """
    if format is None:
        conllu = pathlib.Path(train).suffix.lower() == ".conllu"
        format = "conllu" if conllu else "conll"
    if format not in ("conll", "conllu"):
        raise InvalidArgumentError(
            "Received an invalid value for argument `format`, expected 'conll' or "
            f"'conllu', got {format!r}"
        )
    columns = {}
    if token_column is not None:
        columns["token_column"] = token_column
    if tag_column is not None:
        columns["tag_column"] = tag_column

    def read(path):
        if format == "conllu":
            return read_conllu(path, encoding=encoding, **columns)
        return read_conll(path, scheme=scheme, encoding=encoding, **columns)

    parts = from_files(read, train, validation, test, split=split, seed=seed)
    return TaggingData(
        name=name or pathlib.Path(train).name,
        tag_names=parts[0].tag_set(),
        train=parts[0],
        validation=parts[1],
        test=parts[2],
        scheme=scheme,
        description=f"the {'CoNLL-U' if format == 'conllu' else 'CoNLL'} "
        f"sentences of {train}",
    )


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
