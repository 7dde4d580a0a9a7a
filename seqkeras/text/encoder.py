"""Text to token ids inside the TensorFlow graph, with tensorflow-text.

The same `TextEncoder` runs in the training input pipeline, in a pipeline's
`predict`, and inside every exported SavedModel, so a sentence is split and
numbered identically everywhere.

Normalisation, in order:

1. invalid UTF-8 is replaced by U+FFFD (never an error);
2. Unicode NFKC, and case folding when `lowercase` (so "Café" == "café");
3. curly quotes become straight ones;
4. split on white space and, when `split_punctuation`, around every
   punctuation mark, with English contractions split as the Penn Treebank
   does ("doesn't" -> "does", "n't"; "John's" -> "john", "'s"). The Stanford
   Sentiment Treebank is tokenised that way, so raw text typed by a user
   meets the same tokens the model was trained on.

With `keep_spacing` (the encoders of text that a model writes: translations,
captions) the text's own spacing is kept in the tokens instead: a
punctuation mark or contraction written against its neighbour carries a
joiner, U+FFED, on that side ("j'ai" -> "j", "￭'￭", "ai"; "Qué?" ->
"qué", "￭?"; "« Oui »" -> "«", "oui", "»"), the way OpenNMT's tokenizer
marks joins. `detokenize` then joins exactly what was joined, in any
language: French elisions and hyphens, German quotes and Spanish marks come
back as they were written, with no rules per language. Quotes are then kept
as written too (no curly-to-straight), Unicode is composed (NFC) but not
simplified ("H₂O" stays, where NFKC writes "H2O"), and `lowercase` lowers
case without folding it ("weiß" stays "weiß", where case folding writes
"weiss"), so that references match.

Ids are looked up in a `Vocabulary`; unknown words become `[UNK]`. A text
longer than `max_length` tokens is truncated (its first `max_length` tokens
are kept). A text with no tokens at all (empty, or only white space) is
encoded as a single `[UNK]`, so that every model sees at least one token and
averages never divide by zero.
"""

import collections
import json
import pathlib

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from seqkeras._validation import positive_int
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.text.vocabulary import RESERVED, Vocabulary

_CONTRACTION = r"(?i:n't)\b|'(?i:s|re|ve|ll|d|m)\b"
_PUNCTUATION = r"[^\pL\pN\pM\s\p{Z}]"
_SPACE = r"[\s\p{Z}]+"
_WORD = r"[\pL\pN\pM]+"
JOINER = "\uffed"  # marks the side on which a token was written joined
# (pattern, rewrite) pairs that take out the spaces `tokenize` added, for
# encoders without `keep_spacing` (English and Spanish conventions).
_DETOKENIZE = (
    (r"(\d) ([-/.:]) (\d)", r"\1\2\3"),  # first: "10 : 30" is a time
    (r" ([.,!?;:%)\]}»]|(?i:n't)\b|'(?i:s|re|ve|ll|d|m)\b)", r"\1"),
    (r"([¿¡(\[{«]) ", r"\1"),
)


def as_text_batch(texts, name="texts"):
    """Checks that `texts` is a batch of strings; returns a 1-D `tf.string` tensor.

    Accepts a list or tuple of `str` / `bytes`, a NumPy array of strings, or a
    string tensor. Anything else raises an `InvalidInputError` naming the
    first bad item.
    """
    if isinstance(texts, tf.Tensor):
        if texts.dtype != tf.string:
            raise InvalidInputError(
                f"`{name}` must hold strings, got a {texts.dtype.name} tensor."
            )
        return texts
    if isinstance(texts, (str, bytes)):
        raise InvalidInputError(
            f"`{name}` must be a list of strings, got a single string. "
            f"Wrap it in a list: [{texts!r:.40}]."
        )
    if isinstance(texts, np.ndarray):
        texts = texts.tolist()
    if not isinstance(texts, (list, tuple)):
        raise InvalidInputError(
            f"`{name}` must be a list of strings, got {type(texts).__name__}."
        )
    for i, text in enumerate(texts):
        if not isinstance(text, (str, bytes)):
            raise InvalidInputError(
                f"`{name}` must be a list of strings, but item {i} is "
                f"{type(text).__name__} ({text!r:.40})."
            )
    return tf.constant(list(texts), dtype=tf.string, shape=[len(texts)])


def token_counts(batches):
    """How often each token occurs in batches of tokens (1-D string
    tensors): counted in the graph a batch at a time (`unique_with_counts`),
    so that Python sees each distinct token of a batch once."""
    counts = collections.Counter()
    for tokens in batches:
        unique, _, n = tf.unique_with_counts(tokens)
        words = (t.decode("utf-8") for t in unique.numpy())
        counts.update(dict(zip(words, n.numpy().tolist(), strict=True)))
    return counts


def valid_utf8(texts):
    """A batch of strings (see `as_text_batch`) in which every invalid UTF-8
    byte became U+FFFD, so that the text ops downstream never fail on one."""
    return tf.strings.unicode_transcode(
        as_text_batch(texts),
        "UTF-8",
        "UTF-8",
        errors="replace",
        replacement_char=0xFFFD,
    )


def _mark_joins(tokens, starts, ends):
    """Puts a `JOINER` on each side where a punctuation mark or contraction
    touches its neighbour in the text (ragged tokens with their byte offsets).
    Words never touch words (they are split only at spaces and marks), so
    marking the marks says where every join was."""
    words = tokens.flat_values  # (tokens,), all rows one after the other
    mark = tf.logical_or(
        tf.logical_not(tf.strings.regex_full_match(words, _WORD)),
        tf.strings.regex_full_match(words, _CONTRACTION),
    )
    starts, ends = starts.flat_values, ends.flat_values
    row = tokens.value_rowids()
    first = tf.not_equal(row, tf.concat([[-1], row[:-1]], axis=0))
    last = tf.not_equal(row, tf.concat([row[1:], [-1]], axis=0))
    none = tf.constant([-1], starts.dtype)
    # Where the previous token of the same text ends, the next one starts.
    previous_end = tf.where(first, none, tf.concat([none, ends[:-1]], axis=0))
    next_start = tf.where(last, none, tf.concat([starts[1:], none], axis=0))
    left = tf.logical_and(mark, tf.equal(starts, previous_end))
    right = tf.logical_and(mark, tf.equal(ends, next_start))
    words = tf.where(left, JOINER + words, words)
    return tokens.with_flat_values(tf.where(right, words + JOINER, words))


class TextEncoder(tf.Module):
    """Splits raw strings into tokens and maps them to vocabulary ids.

    Args:
        vocabulary: a `Vocabulary`, or None to build one later with `adapt`.
        lowercase: case-fold the text.
        split_punctuation: split punctuation and contractions off words;
            False splits on white space only.
        max_length: keep at most this many tokens per text (None: all).
        add_start_end: wrap every text in `[START]` ... `[END]` (for models
            that generate text); they count towards `max_length`.
        keep_spacing: mark the punctuation written against a word with a
            joiner, so that `detokenize` restores the text's spacing exactly
            (see the module docstring); False joins by English and Spanish
            rules instead.

    Example:

    >>> encoder = TextEncoder(max_length=6)
    >>> encoder.adapt(["I like red apples.", "I don't like pears!"])
    >>> encoder.tokenize(["John's pet doesn't bite."]).to_list()
    [[b'john', b"'s", b'pet', b'does', b"n't", b'bite', b'.']]
    >>> encoder(["I like green apples", ""]).numpy()
    array([[4, 5, 1, 8],
           [1, 0, 0, 0]], dtype=int32)
    """

    def __init__(
        self,
        vocabulary=None,
        *,
        lowercase=True,
        split_punctuation=True,
        max_length=None,
        add_start_end=False,
        keep_spacing=False,
        name="text_encoder",
    ):
        super().__init__(name=name)
        self.lowercase = bool(lowercase)
        self.split_punctuation = bool(split_punctuation)
        self.keep_spacing = bool(keep_spacing)
        self.max_length = (
            None if max_length is None else positive_int("max_length", max_length)
        )
        self.add_start_end = bool(add_start_end)
        if self.add_start_end and self.max_length is not None and self.max_length < 3:
            raise InvalidArgumentError(
                "Received an invalid value for argument `max_length`, expected at "
                f"least 3 with add_start_end=True, got {max_length}"
            )
        self.vocabulary = None
        self._table = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # === Vocabulary ===

    def set_vocabulary(self, vocabulary):
        """Uses `vocabulary` (a `Vocabulary`) from now on."""
        if not isinstance(vocabulary, Vocabulary):
            raise InvalidArgumentError(
                f"Expected a seqkeras Vocabulary, got {type(vocabulary).__name__}."
            )
        if len(vocabulary) == len(RESERVED):
            raise InvalidInputError(
                "The vocabulary has no words besides the reserved tokens: the "
                "training texts are empty (or every word is rarer than "
                "`min_count`). Pass texts with words in them."
            )
        self.vocabulary = vocabulary
        keys = tf.constant(vocabulary.tokens[len(RESERVED) :], tf.string)
        values = tf.range(len(RESERVED), len(vocabulary), dtype=tf.int64)
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(keys, values),
            default_value=tf.constant(Vocabulary.unk_id, tf.int64),
        )

    def adapt(self, texts, *, max_size=None, min_count=1, batch_size=8192):
        """Builds the vocabulary from training texts (only ever training texts).

        Args:
            texts: a list of strings, or a `tf.data.Dataset` of strings (a
                stream, read once).
            max_size: the most tokens to keep, reserved ones included.
            min_count: words seen fewer times become `[UNK]`.
            batch_size: texts tokenised at a time.
        """
        if isinstance(texts, tf.data.Dataset):
            batches = texts.batch(batch_size)
        else:
            texts = as_text_batch(texts)
            batches = (
                texts[start : start + batch_size]
                for start in range(0, int(texts.shape[0]), batch_size)
            )
        self.set_vocabulary(
            Vocabulary.from_counts(
                token_counts(self.tokenize(batch).flat_values for batch in batches),
                max_size=max_size,
                min_count=min_count,
            )
        )

    @property
    def vocabulary_size(self):
        self._require_vocabulary()
        return len(self.vocabulary)

    def _require_vocabulary(self):
        if self.vocabulary is None:
            raise InvalidInputError(
                "This TextEncoder has no vocabulary yet: call `adapt(train_texts)` "
                "or pass `vocabulary=`."
            )

    # === Graph functions ===

    def tokenize(self, texts):
        """Normalises and splits a batch of strings; returns ragged `tf.string`."""
        texts = valid_utf8(texts)
        if self.keep_spacing:
            # Canonical composition only: "H₂O", "5ª" and "3 ºC" stay as written.
            texts = tf_text.normalize_utf8(texts, "NFC")
            if self.lowercase:  # lower case only: "weiß" stays, not "weiss"
                texts = tf.strings.lower(texts, encoding="utf-8")
        elif self.lowercase:
            texts = tf_text.case_fold_utf8(texts)  # NFKC + case folding
        else:
            texts = tf_text.normalize_utf8(texts, "NFKC")
        if not self.keep_spacing:
            texts = tf.strings.regex_replace(texts, "[\u2018\u2019\u201b\u00b4]", "'")
            texts = tf.strings.regex_replace(texts, "[\u201c\u201d\u201f]", '"')
        if not self.split_punctuation:
            return tf_text.WhitespaceTokenizer().tokenize(texts)
        tokens, starts, ends = tf_text.regex_split_with_offsets(
            texts,
            delim_regex_pattern=f"{_SPACE}|{_CONTRACTION}|{_PUNCTUATION}",
            keep_delim_regex_pattern=f"{_CONTRACTION}|{_PUNCTUATION}",
        )
        if not self.keep_spacing:
            return tokens
        return _mark_joins(tokens, starts, ends)

    def encode(self, texts):
        """Returns the ids of a batch of strings as a ragged `int32` tensor."""
        self._require_vocabulary()
        ids = tf.cast(self._table.lookup(self.tokenize(texts)), tf.int32)
        if self.add_start_end:
            limit = None if self.max_length is None else self.max_length - 2
            ids = ids[:, :limit]
            batch = ids.nrows()
            start = tf.fill([batch, 1], Vocabulary.start_id)
            end = tf.fill([batch, 1], Vocabulary.end_id)
            return tf.concat([start, ids, end], axis=1)
        if self.max_length is not None:
            ids = ids[:, : self.max_length]
        # A text without tokens becomes one [UNK], never an empty row.
        lengths = ids.row_lengths()
        dense = ids.to_tensor(default_value=Vocabulary.pad_id)
        dense = tf.pad(dense, [[0, 0], [0, 1]])  # at least one column
        first = tf.where(lengths == 0, Vocabulary.unk_id, dense[:, 0])
        dense = tf.concat([first[:, None], dense[:, 1:]], axis=1)
        return tf.RaggedTensor.from_tensor(dense, lengths=tf.maximum(lengths, 1))

    def detokenize(self, ids):
        """Turns token ids back into text: a `(batch,)` `tf.string` tensor.

        The inverse of `tokenize` as far as it can be: padding and the
        reserved tokens are dropped, tokens are joined by spaces, and the
        spaces the tokenizer added are taken out again: before closing
        punctuation and English contractions ("pet ?" -> "pet?", "does n't"
        -> "doesn't"), after opening marks ("¿ tienes" -> "¿tienes"), and
        around a dash, slash, dot or colon between digits ("2011 - 03 - 25"
        -> "2011-03-25"). Case folding cannot be undone.

        Args:
            ids: `(batch, time)` int ids, dense (0 as padding) or ragged.
        """
        self._require_vocabulary()
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(ids))
        ids = tf.ragged.boolean_mask(ids, ids >= len(RESERVED))
        tokens = tf.gather(tf.constant(self.vocabulary.tokens), ids)
        text = tf.strings.reduce_join(tokens, axis=-1, separator=" ")
        if self.keep_spacing:
            return tf.strings.regex_replace(text, f" ?{JOINER} ?", "")
        for pattern, rewrite in _DETOKENIZE:
            text = tf.strings.regex_replace(text, pattern, rewrite)
        return text

    def __call__(self, texts):
        """Returns ids padded with 0 to the longest text: `(batch, length)` int32.

        The length is at least 1, even for an empty batch, so that a
        recurrent layer always has a step to run.
        """
        dense = self.encode(texts).to_tensor(default_value=Vocabulary.pad_id)
        return tf.pad(dense, [[0, 0], [0, tf.maximum(0, 1 - tf.shape(dense)[1])]])

    # === Config ===

    def get_config(self):
        self._require_vocabulary()
        return {
            "lowercase": self.lowercase,
            "split_punctuation": self.split_punctuation,
            "max_length": self.max_length,
            "add_start_end": self.add_start_end,
            "keep_spacing": self.keep_spacing,
            "vocabulary": self.vocabulary.get_config(),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        vocabulary = Vocabulary.from_config(config.pop("vocabulary"))
        return cls(vocabulary, **config)

    def save(self, path):
        """Writes the encoder's config and vocabulary as JSON."""
        pathlib.Path(path).write_text(json.dumps(self.get_config(), ensure_ascii=False))

    @classmethod
    def load(cls, path):
        return cls.from_config(json.loads(pathlib.Path(path).read_text()))
