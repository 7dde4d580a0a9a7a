"""Text files read as streams, for corpora larger than memory.

A pipeline given one of these instead of a list reads the file through
`tf.data` whenever it needs the data (a vocabulary pass, every epoch, an
evaluation), a line at a time: the examples are never held in Python, and
the memory a run takes does not grow with the file (a shuffle buffer of at
most `SHUFFLE_BUFFER` examples aside).

- `LabelledTextFile`: a tab-separated file with a header row; one text and
  one label per line (classification).
- `SentencePairFile`: tab-separated sentence pairs, no header, source and
  target in the first two columns (the Tatoeba / ManyThings format), for
  translation;
- `ConllFile`: CoNLL columns, a word per line and a blank line after each
  sentence, for tagging (read line by line in Python: a sentence spans
  lines, which `tf.data`'s line reader cannot group without holding them);
- `TextLinesFile`: plain text for a language model, a sentence per line
  (word level) or characters.

A line that cannot be an example (too few columns, an empty text, a label
that is not a class, bytes that are not UTF-8) is a bad line. The first
pass over a file (`scan`, which a pipeline runs once per file) counts them
and keeps the first `REPORTED_LINES` with their line numbers and reasons;
with `on_bad_line="skip"` (the default) they are left out and reported
(`LineReport`), with `on_bad_line="fail"` the first one raises
`InvalidInputError` naming the file, the line and what is wrong.

Example:

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.tsv"
>>> _ = path.write_bytes(b"text\\tlabel\\nGreat fun\\tpos\\nno label here\\n"
...                      b"Dull\\tneg\\nbad \\xff byte\\tneg\\n")
>>> reviews = LabelledTextFile(path, label_names=["neg", "pos"])
>>> len(reviews)
2
>>> print(reviews.report.summary().replace("; ", ";\\n"))
reviews.tsv: 2 examples from 4 lines;
2 bad lines left out: line 3 (1 column, 2 needed), line 5 (bytes that are not UTF-8)
"""

import copy
import itertools
import os
import pathlib

import numpy as np
import tensorflow as tf

from seqkeras._validation import one_of
from seqkeras.errors import InvalidInputError

# Examples held for shuffling (a file of at most this many is shuffled
# whole, in the same order as the same examples given as a list).
SHUFFLE_BUFFER = 100_000
# Bad lines whose numbers a report keeps.
REPORTED_LINES = 10
# Lines read and judged at a time.
READ_BATCH = 4096
ON_BAD_LINE = ("skip", "fail")

# Why a line is bad (a code per line, in the graph); BLANK lines are neither
# examples nor bad (the blank lines between a text file's sentences).
GOOD, COLUMNS, NOT_UTF8, EMPTY, UNKNOWN_LABEL, BLANK = range(6)


def as_stream(data, file_class, **options):
    """`data` as a `file_class` if it is one, or a path (a `str` or
    `os.PathLike`) to make one of with `options`; else None (a list)."""
    if isinstance(data, file_class):
        return data
    if isinstance(data, (str, os.PathLike)):
        return file_class(data, **options)
    if isinstance(data, TextFile):
        raise InvalidInputError(
            f"Expected a {file_class.__name__} (or a path), got a "
            f"{type(data).__name__}."
        )
    return None


def encoded_rows(stream, encode):
    """A streamed file's examples as rows of ids: `encode` (a batch of
    examples' parts -> the batch encoded, ragged) runs on each batch of
    lines, several batches at once but in file order, and the batches are
    then cut into rows."""
    batches = stream.example_batches().map(
        encode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    return batches.unbatch()


def _unwrapped(*parts):
    """An example's parts, or its one part alone."""
    return parts[0] if len(parts) == 1 else parts


class LineReport:
    """What a pass over a file found: `lines` read (the header excluded),
    `examples` kept, and the bad lines (`bad`: how many; `first`: up to
    `REPORTED_LINES` `(line number, reason)` pairs, numbered from 1 as an
    editor numbers them)."""

    unit = "examples"

    def __init__(self, name, lines, examples, bad, first):
        self.name, self.lines, self.examples = name, lines, examples
        self.bad, self.first = bad, first

    def summary(self):
        text = f"{self.name}: {self.examples:,} {self.unit} from {self.lines:,} lines"
        if not self.bad:
            return text
        shown = ", ".join(f"line {line} ({reason})" for line, reason in self.first)
        more = "" if self.bad <= len(self.first) else ", ..."
        lines = "line" if self.bad == 1 else "lines"
        return f"{text}; {self.bad:,} bad {lines} left out: {shown}{more}"

    def __repr__(self):
        return f"LineReport({self.summary()!r})"


class TextFile:
    """Base class: a file of one example per tab-separated line.

    Subclasses set `columns_needed` and implement `_fields(columns)` (a
    batch of examples from a batch of lines' columns) and may check more
    (`_check`); both work on `READ_BATCH` lines at a time.

    Args:
        path: the file (UTF-8).
        on_bad_line: "skip" (leave bad lines out, count and report them) or
            "fail" (raise on the first).
    """

    header = False  # whether the first line names the columns
    columns_needed = 1
    unit = "examples"  # what an example is, in reports

    def __init__(self, path, *, on_bad_line="skip"):
        self.path = pathlib.Path(path).expanduser()
        if not self.path.is_file():
            raise InvalidInputError(f"No such file: {self.path}")
        self.on_bad_line = one_of("on_bad_line", on_bad_line, ON_BAD_LINE)
        self.limit = None  # read at most this many lines (`subset`)
        self._report = None
        self.reported = False  # whether a pipeline has printed the report

    # === Subclass hooks ===

    def _fields(self, columns):
        """The example (a tuple of tensors) from a line's columns."""
        raise NotImplementedError

    def _in_memory(self, parts):
        """The task's in-memory container (`Examples`) of examples given
        as Python lists of their parts (see `head`)."""
        raise NotImplementedError

    def _check(self, columns):
        """Reason codes (`GOOD` or another) for a batch of lines' columns (a
        `(lines, columns_needed)` string matrix), where the columns are
        there and valid UTF-8."""
        return tf.fill(tf.shape(columns)[:1], GOOD)

    def _reasons(self):
        """Reason code -> words."""
        return {
            COLUMNS: None,  # written with the line's column count
            NOT_UTF8: "bytes that are not UTF-8",
            EMPTY: "an empty field",
        }

    # === The stream ===

    def _numbered_lines(self):
        lines = tf.data.TextLineDataset(str(self.path))
        numbered = lines.enumerate(start=1)  # (line number, line)
        if self.header:
            numbered = numbered.skip(1)
        return numbered if self.limit is None else numbered.take(self.limit)

    def _split(self, lines):
        """A batch of lines -> their columns, ragged `(lines, None)`."""
        return tf.strings.split(lines, "\t")

    def _judged(self):
        """The file in batches of `READ_BATCH` lines, each judged at once:
        `(numbers, reasons, counts, columns)`, `columns` a `(lines,
        columns_needed)` string matrix ("" where a line has fewer)."""
        batches = self._numbered_lines().batch(READ_BATCH)
        return batches.map(self._judge, num_parallel_calls=tf.data.AUTOTUNE)

    def _judge(self, numbers, lines):
        lines = tf.strings.regex_replace(lines, "\r$", "")  # Windows line ends
        columns = self._split(lines)
        counts = tf.cast(columns.row_lengths(), tf.int32)
        utf8 = tf.equal(
            tf.strings.unicode_transcode(
                lines, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD
            ),
            lines,
        )
        padded = columns.to_tensor(default_value="", shape=[None, self.columns_needed])
        reasons = tf.where(
            counts < self.columns_needed,
            COLUMNS,
            tf.where(utf8, self._check(padded), NOT_UTF8),
        )
        return numbers, reasons, counts, padded

    def example_batches(self):
        """The good lines' examples in batches of up to `READ_BATCH` (fewer
        where bad lines were left out), in file order: each part of an
        example as a vector, or a ragged matrix for a list of tokens."""

        def good(numbers, reasons, counts, columns):
            keep = tf.equal(reasons, GOOD)
            return tuple(
                tf.ragged.boolean_mask(part, keep)
                if isinstance(part, tf.RaggedTensor)
                else tf.boolean_mask(part, keep)
                for part in self._fields(columns)
            )

        return self._judged().map(good, num_parallel_calls=tf.data.AUTOTUNE)

    def examples(self):
        """The good lines' examples, one at a time, in file order (a
        `tf.data.Dataset`). With `on_bad_line="fail"`, run `scan` first
        (the pipelines do)."""
        examples = self.example_batches().unbatch()
        if any(
            isinstance(spec, tf.RaggedTensorSpec)
            for spec in tf.nest.flatten(examples.element_spec)
        ):
            # Rows cut from a ragged batch come with ragged specs, which
            # `padded_batch` refuses; a function makes them tensors again.
            examples = examples.map(_unwrapped)
        return examples

    def scan(self):
        """Reads the whole file once; returns its `LineReport` (kept as
        `report`). With `on_bad_line="fail"`, raises on the first bad line."""
        judged = self._judged()
        zero = tf.constant(0, tf.int64)

        def tally(counts, batch):
            lines, bad, blank = counts
            _, reasons, _, _ = batch
            size = tf.size(reasons, out_type=tf.int64)
            is_blank = tf.reduce_sum(tf.cast(reasons == BLANK, tf.int64))
            is_good = tf.reduce_sum(tf.cast(reasons == GOOD, tf.int64))
            return lines + size, bad + size - is_blank - is_good, blank + is_blank

        counts = judged.reduce((zero, zero, zero), tally)
        lines, bad_count, blank = (int(n) for n in counts)
        first = []
        if bad_count:
            for batch in judged.as_numpy_iterator():
                numbers, reasons, widths = batch[:3]
                for number, reason, width in zip(numbers, reasons, widths, strict=True):
                    if reason not in (GOOD, BLANK):
                        first.append((int(number), self._reason(reason, width)))
                if len(first) >= REPORTED_LINES:
                    break
        first = first[:REPORTED_LINES]
        if self.on_bad_line == "fail" and first:
            line, reason = first[0]
            raise InvalidInputError(
                f"{self.path}, line {line}: {reason}. Fix the line, or leave such "
                "lines out, counted and reported (on_bad_line='skip'; "
                "--on-bad-line skip on the command line)."
            )
        self._report = LineReport(
            self.path.name, lines, lines - bad_count - blank, bad_count, first
        )
        self._report.unit = self.unit
        if not self._report.examples:
            raise InvalidInputError(
                f"{self.path} holds no usable example ({self._report.summary()})."
            )
        return self._report

    def subset(self, size, seed=0):
        """The same file read only up to its first `size` lines (the header
        aside): a quick run's slice (`Splits.subset`; the first lines, not
        a sample, so `seed` is not used)."""
        del seed
        if size is None:
            return self
        part = copy.copy(self)
        part.limit = int(size) if self.limit is None else min(self.limit, int(size))
        part._report, part.reported = None, False
        return part

    def head(self, size):
        """The first `size` examples, in the task's in-memory container
        (`LabelledTexts`, `SentencePairs`, `TaggedSentences`, `TextStream`),
        to show or to try a model on."""

        def value(part):
            part = part.numpy()
            if isinstance(part, bytes):
                return part.decode("utf-8")
            if isinstance(part, np.ndarray) and part.dtype == object:
                return [item.decode("utf-8") for item in part]
            return part.item()

        examples = self.examples()
        parts = [[] for _ in tf.nest.flatten(examples.element_spec)]
        for example in examples.take(size):
            for values, part in zip(parts, tf.nest.flatten(example), strict=True):
                values.append(value(part))
        return self._in_memory(parts)

    def _reason(self, code, count):
        if code == COLUMNS:
            plural = "column" if count == 1 else "columns"
            return f"{count} {plural}, {self.columns_needed} needed"
        return self._reasons()[code]

    @property
    def report(self):
        """The `LineReport` of the file (read once, on first use)."""
        if self._report is None:
            self.scan()
        return self._report

    def __len__(self):
        return self.report.examples

    def __repr__(self):
        return f"{type(self).__name__}({str(self.path)!r})"


class LabelledTextFile(TextFile):
    """One text and one label per line of a tab-separated file whose first
    line names the columns (as `read_labelled_texts` reads a `.tsv`).

    Args:
        path: the file.
        text_column, label_column: the columns' names in the header.
        label_names: the classes in id order; a line with another label is
            a bad line. None: the labels the file holds, sorted (numerically
            when all are numbers), found by one pass.
        on_bad_line: "skip" or "fail" (see the module docstring).
    """

    header = True

    def __init__(
        self,
        path,
        *,
        text_column="text",
        label_column="label",
        label_names=None,
        on_bad_line="skip",
    ):
        super().__init__(path, on_bad_line=on_bad_line)
        with open(self.path, "rb") as f:
            names = f.readline().decode("utf-8", "replace").rstrip("\r\n").split("\t")
        names = [name.lstrip("\ufeff") for name in names]
        missing = [c for c in (text_column, label_column) if c not in names]
        if missing:
            raise InvalidInputError(
                f"{self.path} has no column(s) {missing} in its header; its columns "
                f"are {names}. Name the columns to read (text_column=, "
                "label_column=)."
            )
        self.text_index = names.index(text_column)
        self.label_index = names.index(label_column)
        self.columns_needed = max(self.text_index, self.label_index) + 1
        if label_names is None:
            label_names = self._labels_in_file()
        self.label_names = tuple(str(name) for name in label_names)
        self._labels = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(self.label_names),
                tf.range(len(self.label_names), dtype=tf.int64),
            ),
            default_value=tf.constant(-1, tf.int64),
        )

    def _labels_in_file(self):
        import re

        distinct = set()
        for _, reasons, _, columns in self._judged().as_numpy_iterator():
            labels = columns[reasons == GOOD, self.label_index]
            distinct.update(label.decode("utf-8").strip() for label in set(labels))
        numeric = all(re.fullmatch(r"-?\d+", label) for label in distinct)
        return sorted(distinct, key=int if numeric else None)

    def _strip(self, text):
        return tf.strings.strip(text)

    def _check(self, columns):
        text = self._strip(columns[:, self.text_index])
        label = self._strip(columns[:, self.label_index])
        empty = tf.logical_or(tf.equal(text, ""), tf.equal(label, ""))
        if not hasattr(self, "_labels"):  # the pass that finds the labels
            return tf.where(empty, EMPTY, GOOD)
        known = self._labels.lookup(label) >= 0
        return tf.where(empty, EMPTY, tf.where(known, GOOD, UNKNOWN_LABEL))

    def _reasons(self):
        reasons = super()._reasons()
        reasons[UNKNOWN_LABEL] = f"a label that is not one of {list(self.label_names)}"
        return reasons

    def _in_memory(self, parts):
        from seqkeras.datasets.text import LabelledTexts

        return LabelledTexts(*parts)

    def _fields(self, columns):
        """`(texts, label ids)`."""
        labels = self._labels.lookup(self._strip(columns[:, self.label_index]))
        return columns[:, self.text_index], labels


class SentencePairFile(TextFile):
    """One sentence and its translation per line of a tab-separated file
    without a header (Tatoeba's and ManyThings' format: source, target, and
    any further columns, which are ignored).

    Args:
        path: the file.
        source_column, target_column: the columns' positions.
        on_bad_line: "skip" or "fail" (see the module docstring).
    """

    def __init__(self, path, *, source_column=0, target_column=1, on_bad_line="skip"):
        super().__init__(path, on_bad_line=on_bad_line)
        self.source_column, self.target_column = int(source_column), int(target_column)
        self.columns_needed = max(self.source_column, self.target_column) + 1

    def _check(self, columns):
        source = tf.strings.strip(columns[:, self.source_column])
        target = tf.strings.strip(columns[:, self.target_column])
        empty = tf.logical_or(tf.equal(source, ""), tf.equal(target, ""))
        return tf.where(empty, EMPTY, GOOD)

    def _in_memory(self, parts):
        from seqkeras.datasets.translation import SentencePairs

        return SentencePairs(*parts)

    def _fields(self, columns):
        """`(sources, targets)`."""
        return columns[:, self.source_column], columns[:, self.target_column]


class ConllFile(TextFile):
    """Tagged sentences in CoNLL columns (as `read_conll` reads them: white
    space between columns, a blank line after each sentence, `-DOCSTART-`
    lines and byte-order marks skipped), streamed sentence by sentence.

    A word line whose number of columns differs from the file's first word
    line, or with bytes that are not UTF-8, is a bad line; the sentence
    holding it is left out whole (a sentence with a word missing would teach
    the wrong context).

    Args:
        path: the file.
        token_column, tag_column: the columns of the word and of its tag
            (negative counts from the end).
        tag_names: the tags in id order; a sentence with another tag is left
            out (its lines reported). None: the tags the file holds, sorted
            with "O" first, found by one pass.
        on_bad_line: "skip" or "fail" (see the module docstring).
    """

    def __init__(
        self, path, *, token_column=0, tag_column=-1, tag_names=None, on_bad_line="skip"
    ):
        super().__init__(path, on_bad_line=on_bad_line)
        self.token_column, self.tag_column = int(token_column), int(tag_column)
        if tag_names is None:
            found = {tag for _, tags, _ in self._sentences() for tag in tags}
            tag_names = sorted(found, key=lambda tag: (tag != "O", tag))
        self.tag_names = tuple(tag_names)

    def _sentences(self, bad=None):
        """`(words, tags, first line number)` of each good sentence; the bad
        lines go to `bad` (a list of `(line number, reason)`), if given."""
        from seqkeras.datasets.tagging import BOM, DOCSTART

        known = set(getattr(self, "tag_names", ()))
        width, sentence, start, wrong = None, [], None, []
        with open(self.path, "rb") as f:
            # A blank line after the last one ends its sentence.
            lines = itertools.chain(itertools.islice(f, self.limit), [b""])
            for number, raw in enumerate(lines, start=1):
                try:
                    line = raw.decode("utf-8").lstrip(BOM)
                except UnicodeDecodeError:
                    line, problem = None, "bytes that are not UTF-8"
                columns = line.split() if line is not None else ["?"]
                if line is not None and (not columns or columns[0] == DOCSTART):
                    if sentence and not wrong:
                        words, tags = zip(*sentence, strict=True)
                        yield words, tags, start
                    elif wrong and bad is not None:
                        bad.extend(wrong)
                    sentence, start, wrong = [], None, []
                    continue
                if line is not None:
                    width = len(columns) if width is None else width
                    problem = None
                    if len(columns) != width:
                        problem = f"{len(columns)} columns, {width} like the first"
                    elif not -width <= self.tag_column < width:
                        problem = f"no tag column {self.tag_column}"
                    elif known and columns[self.tag_column] not in known:
                        problem = f"the tag {columns[self.tag_column]!r} is not known"
                start = number if start is None else start
                if problem is not None:
                    wrong.append((number, problem))
                    continue
                sentence.append((columns[self.token_column], columns[self.tag_column]))

    def _in_memory(self, parts):
        from seqkeras.datasets.tagging import TaggedSentences

        return TaggedSentences(*parts)

    def example_batches(self):
        """`examples` in ragged batches of `READ_BATCH` sentences."""
        return self.examples().ragged_batch(READ_BATCH)

    def examples(self):
        """`(words, tags)` of each good sentence, in file order: two 1-D
        string tensors."""
        spec = tf.TensorSpec([None], tf.string)

        def sentences():
            for words, tags, _ in self._sentences():
                yield list(words), list(tags)

        return tf.data.Dataset.from_generator(sentences, output_signature=(spec, spec))

    def scan(self):
        bad = []
        sentences = sum(1 for _ in self._sentences(bad))
        if self.on_bad_line == "fail" and bad:
            line, reason = bad[0]
            raise InvalidInputError(
                f"{self.path}, line {line}: {reason}. Fix the line, or leave its "
                "sentence out, counted and reported (on_bad_line='skip'; "
                "--on-bad-line skip on the command line)."
            )
        with open(self.path, "rb") as f:
            lines = sum(1 for _ in itertools.islice(f, self.limit))
        self._report = LineReport(
            self.path.name, lines, sentences, len(bad), bad[:REPORTED_LINES]
        )
        self._report.unit = "sentences"
        if not sentences:
            raise InvalidInputError(
                f"{self.path} holds no usable sentence ({self._report.summary()})."
            )
        return self._report


class TextLinesFile(TextFile):
    """A plain UTF-8 text file for a language model, as `read_text_units`
    reads it: at word level a sentence per non-blank line, split on white
    space; at character level every line's characters and its newline (a
    last line without one gets one). A line with bytes that are not UTF-8
    is a bad line.

    Args:
        path: the file.
        level: "word" or "char".
        on_bad_line: "skip" or "fail" (see the module docstring).
    """

    def __init__(self, path, *, level="word", on_bad_line="skip"):
        from seqkeras.datasets.language import LEVELS

        super().__init__(path, on_bad_line=on_bad_line)
        self.level = one_of("level", level, LEVELS)
        self.unit = "sentences" if self.level == "word" else "lines"

    def _split(self, lines):
        return tf.RaggedTensor.from_tensor(lines[:, None])  # one column: the line

    def _check(self, columns):
        if self.level == "char":
            return super()._check(columns)
        blank = tf.equal(tf.strings.split(columns[:, 0]).row_lengths(), 0)
        return tf.where(blank, BLANK, GOOD)

    def _in_memory(self, parts):
        from seqkeras.datasets.language import TextStream

        (units,) = parts
        if self.level == "char":
            units = ["".join(characters) for characters in units]
        return TextStream(units, self.level)

    def _fields(self, columns):
        """The lines' tokens: ragged `(lines, None)` strings."""
        if self.level == "word":
            return (tf.strings.split(columns[:, 0]),)
        return (tf.strings.unicode_split(columns[:, 0] + "\n", "UTF-8"),)


class StreamedData:
    """A training, a validation and a test file read as streams, in the
    place of a task's in-memory data set (what `seqkeras train --stream`
    trains on): `name`, `train`, `validation`, `test`, `summary()` and
    `subset()` as there, and the task's facts about the data (`label_names`,
    `tag_names`, `scheme`, `level`, ...) as attributes.

    Args:
        train, validation, test: `TextFile`s of one class.
        **facts: attributes to keep.
    """

    def __init__(self, train, validation, test, **facts):
        self.name = train.path.name
        self.train, self.validation, self.test = train, validation, test
        self.facts = facts
        for name, value in facts.items():
            setattr(self, name, value)

    @property
    def splits(self):
        return {"train": self.train, "validation": self.validation, "test": self.test}

    def summary(self):
        """A line per file: what its first pass found (see `LineReport`)."""
        lines = []
        for name, split in self.splits.items():
            lines.append(f"{name} (streamed): {split.report.summary()}")
            split.reported = True  # the bad lines are shown here
        return "\n".join(lines)

    def subset(self, train=None, validation=None, test=None, seed=0):
        """The files read up to their first lines (`TextFile.subset`)."""
        sizes = {"train": train, "validation": validation, "test": test}
        parts = {name: split.subset(sizes[name]) for name, split in self.splits.items()}
        return StreamedData(**parts, **self.facts)


def head(split, size):
    """The first `size` examples of a streamed file (`TextFile.head`), or an
    in-memory split as it is."""
    return split.head(size) if isinstance(split, TextFile) else split
