"""Pretrained word vectors: reading them, and starting an embedding from them.

Two kinds of file are read:

- text, one word and its numbers per line, as GloVe writes it
  (`the 0.418 0.24968 ...`) and as word2vec writes it with a first line that
  gives the number of words and the dimension (`400000 300`); a `.gz` file
  is read compressed;
- a NumPy `.npy` matrix `(words, dim)` with its words, one per line, in a
  text file beside it (`vectors.npy` with `vectors.vocab`, `vectors.txt` or
  `vectors.words`) or passed as `words=`.

`WordVectors.matrix_for(vocabulary)` gives the table an `Embedding` layer
starts from: the vector of each vocabulary word found, a small random vector
(of the vectors' own spread) for each word not found, zeros for padding.
Case is matched to the vectors: a word is looked up as it is, then lower
case (GloVe's common vectors are all lower case), and a lower-cased
vocabulary finds the vectors of capitalised words ("paris" -> "Paris").
`coverage` says how much of the vocabulary, and of the training tokens, has
a vector.

Example:

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "glove.txt"
>>> _ = path.write_text("the 0.1 0.2\\nParis 1.0 -1.0\\n")
>>> vectors = load_word_vectors(path)
>>> vectors.dim, vectors.vector("paris").tolist()
(2, [1.0, -1.0])
"""

import dataclasses
import gzip
import pathlib

import numpy as np

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.text.vocabulary import RESERVED, Vocabulary

WORD_FILE_SUFFIXES = (".vocab", ".txt", ".words")


@dataclasses.dataclass(frozen=True, eq=False)
class WordVectors:
    """Words and their vectors.

    Args:
        words: the words, in the file's order (most frequent first, usually).
        vectors: `(len(words), dim)` float32.
        source: the file they were read from (recorded in pipeline configs).
    """

    words: tuple
    vectors: np.ndarray
    source: str | None = None

    def __post_init__(self):
        vectors = np.asarray(self.vectors, dtype="float32")
        words = tuple(str(w) for w in self.words)
        if vectors.ndim != 2 or len(vectors) != len(words) or not len(words):
            raise InvalidInputError(
                f"Expected one vector per word, (words, dim), for {len(words)} "
                f"words, got an array of shape {vectors.shape}."
            )
        object.__setattr__(self, "vectors", vectors)
        object.__setattr__(self, "words", words)
        index, lower = {}, {}
        for i, word in enumerate(words):
            index.setdefault(word, i)  # the first of a repeated word
            lower.setdefault(word.lower(), i)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_lower", lower)

    def __len__(self):
        return len(self.words)

    @property
    def dim(self):
        return int(self.vectors.shape[1])

    def row(self, word):
        """The row of `word`: as written, else its lower case, else the
        first word whose lower case it is; None if there is none."""
        for key, table in ((word, self._index), (word.lower(), self._index)):
            if key in table:
                return table[key]
        return self._lower.get(word.lower())

    def vector(self, word):
        """The vector of `word` (see `row`), or None."""
        row = self.row(word)
        return None if row is None else self.vectors[row]

    def matrix_for(self, vocabulary, *, seed=0):
        """The starting table for an embedding of `vocabulary`.

        Returns:
            `(matrix, found)`: `(len(vocabulary), dim)` float32, and a boolean
            `(len(vocabulary),)` that says which rows came from a vector.
            Padding is zeros; the other reserved tokens and the words without
            a vector are drawn from a normal distribution with the vectors'
            own standard deviation.
        """
        if not isinstance(vocabulary, Vocabulary):
            raise InvalidArgumentError(
                f"Expected a seqkeras Vocabulary, got {type(vocabulary).__name__}."
            )
        rng = np.random.default_rng(seed)
        scale = float(self.vectors.std()) or 1.0
        matrix = rng.normal(0.0, scale, (len(vocabulary), self.dim)).astype("float32")
        matrix[Vocabulary.pad_id] = 0.0
        found = np.zeros(len(vocabulary), dtype=bool)
        for i, token in enumerate(vocabulary.tokens):
            if i < len(RESERVED):
                continue
            row = self.row(token)
            if row is not None:
                matrix[i], found[i] = self.vectors[row], True
        return matrix, found

    def coverage(self, vocabulary, token_counts=None):
        """How much has a vector: the share of the vocabulary's words, and,
        given the training tokens' counts (a dict), the share of training
        tokens (a token outside the vocabulary counts as not found).

        Returns:
            A dict: `vocabulary_found`, `vocabulary_size`, `vocabulary_share`,
            `found_by_case` (words found only under another case), and with
            counts `token_share`.
        """
        words = vocabulary.tokens[len(RESERVED) :]
        found = [w for w in words if self.row(w) is not None]
        by_case = sum(1 for w in found if w not in self._index)
        report = {
            "vocabulary_found": len(found),
            "vocabulary_size": len(words),
            "vocabulary_share": len(found) / max(len(words), 1),
            "found_by_case": by_case,
        }
        if token_counts is not None:
            known = set(found)
            total = sum(token_counts.values())
            hits = sum(n for w, n in token_counts.items() if w in known)
            report["token_share"] = hits / max(total, 1)
        return report


def load_word_vectors(path, *, words=None, max_words=None, encoding="utf-8"):
    """Reads pretrained word vectors (see the module docstring for formats).

    Args:
        path: a GloVe or word2vec text file (`.txt`, `.vec`, `.gz`), or a
            `.npy` matrix.
        words: for a `.npy` file, the file of its words, one per line
            (default: beside it, with the same name and `.vocab`, `.txt` or
            `.words`).
        max_words: read only the first this many words (files list the most
            frequent first).
        encoding: the text files' encoding.

    Returns:
        `WordVectors`.

    Raises:
        InvalidInputError: a missing file, a line with the wrong number of
            numbers, or words and vectors of different counts; the message
            names the file and line.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such word-vectors file: {path}")
    if path.suffix == ".npy":
        return _load_npy(path, words, max_words, encoding)
    opener = gzip.open if path.suffix == ".gz" else open
    names, rows, dim = [], [], None
    with opener(path, "rt", encoding=encoding) as f:
        for number, line in enumerate(f, start=1):
            fields = line.rstrip("\r\n").lstrip("\ufeff").split(" ")
            if number == 1 and len(fields) == 2 and all(x.isdigit() for x in fields):
                dim = int(fields[1])  # word2vec's header: words and dimension
                continue
            if len(fields) < 2 or not line.strip():
                continue
            if dim is None:
                dim = len(fields) - 1
            # A word may hold a space (GloVe 840B): the numbers are the last `dim`.
            word, numbers = " ".join(fields[:-dim]), fields[-dim:]
            try:
                rows.append(np.asarray(numbers, dtype="float32"))
            except ValueError:
                rows = None
            if rows is None or not word or len(fields) <= dim:
                raise InvalidInputError(
                    f"{path}, line {number}: expected a word and {dim} numbers "
                    f"separated by spaces, got {line.strip()[:80]!r}."
                )
            names.append(word)
            if max_words is not None and len(names) >= max_words:
                break
    if not names:
        raise InvalidInputError(f"{path} holds no word vectors.")
    return WordVectors(names, np.stack(rows), source=str(path))


def _load_npy(path, words, max_words, encoding):
    if words is None:
        beside = [path.with_suffix(s) for s in WORD_FILE_SUFFIXES]
        words = next((p for p in beside if p.is_file()), None)
        if words is None:
            raise InvalidInputError(
                f"{path} is a matrix without its words: put them, one per line, "
                f"in {path.with_suffix('.vocab')} or pass words=PATH."
            )
    names = pathlib.Path(words).read_text(encoding=encoding).splitlines()
    vectors = np.load(path, mmap_mode="r")
    if len(names) != len(vectors):
        raise InvalidInputError(
            f"{words} lists {len(names)} words but {path} holds {len(vectors)} "
            "vectors: they must match line for row."
        )
    stop = len(names) if max_words is None else max_words
    return WordVectors(names[:stop], np.asarray(vectors[:stop]), source=str(path))
