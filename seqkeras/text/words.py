"""Words to word ids and character ids inside the TensorFlow graph.

A tagger labels the words it is given, so it must not split or merge them:
`WordEncoder` takes sentences already split into words (or splits raw
strings on white space) and keeps the words as they are for the output. Only
the lookup key is normalised: Unicode NFKC, case folding when `lowercase`,
and every digit written as 0 when `digits_to_zero` (so "1996" and "2003"
share a vector, as in Lample et al. 2016). Words not in the vocabulary get
`[UNK]`.

With `max_word_length`, each word is also spelt out as character ids (its
first `max_word_length` characters, NFKC-normalised but never lower-cased,
since capitals are what mark a name), padded with 0 to exactly that width.
A character model then gives every word a vector, even one never seen in
training.

Example:

>>> encoder = WordEncoder(lowercase=True, max_word_length=5)
>>> encoder.adapt([["Peter", "visited", "Paris", "in", "1996"]])
>>> words = encoder.split(["Peter visited Rome  in 2003"])
>>> words.to_list()
[[b'Peter', b'visited', b'Rome', b'in', b'2003']]
>>> features = encoder(words)
>>> features["token_ids"].numpy()
array([[7, 8, 1, 5, 4]], dtype=int32)
>>> features["char_ids"].shape
TensorShape([1, 5, 5])
"""

import collections
import json
import pathlib

import tensorflow as tf
import tensorflow_text as tf_text

from seqkeras._validation import positive_int
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.text.encoder import token_counts, valid_utf8
from seqkeras.text.vocabulary import RESERVED, Vocabulary


def as_word_batch(sentences, name="sentences"):
    """Checks a batch of pre-split sentences; returns a ragged `tf.string` tensor.

    Accepts a list of lists of strings (or a ragged string tensor). A word
    that is empty or holds white space is refused: it could not survive
    being written out and read back.
    """
    if isinstance(sentences, tf.RaggedTensor):
        return sentences
    if isinstance(sentences, (str, bytes)) or not isinstance(sentences, (list, tuple)):
        raise InvalidInputError(
            f"`{name}` must be a list of sentences, each a list of words; got "
            f"{type(sentences).__name__}."
        )
    rows = []
    for i, words in enumerate(sentences):
        if isinstance(words, (str, bytes)) or not isinstance(words, (list, tuple)):
            raise InvalidInputError(
                f"Sentence {i} of `{name}` must be a list of words, got "
                f"{type(words).__name__} ({words!r:.40})."
            )
        for word in words:
            text = word.decode("utf-8") if isinstance(word, bytes) else word
            if not isinstance(text, str) or not text or text != "".join(text.split()):
                raise InvalidInputError(
                    f"Sentence {i} of `{name}` has the word {word!r}: words must "
                    "be non-empty strings without white space."
                )
        rows.append(list(words))
    return tf.ragged.constant(rows, dtype=tf.string, ragged_rank=1, inner_shape=())


class WordEncoder(tf.Module):
    """Looks words up in a vocabulary and spells them out as characters.

    Args:
        vocabulary: the word `Vocabulary`, or None to build it with `adapt`.
        char_vocabulary: the character `Vocabulary` (None: no characters).
        lowercase: case-fold words before the lookup.
        digits_to_zero: write every digit as 0 before the lookup.
        max_word_length: characters kept per word; None gives no character
            ids at all.
    """

    def __init__(
        self,
        vocabulary=None,
        char_vocabulary=None,
        *,
        lowercase=False,
        digits_to_zero=True,
        max_word_length=None,
        name="word_encoder",
    ):
        super().__init__(name=name)
        self.lowercase = bool(lowercase)
        self.digits_to_zero = bool(digits_to_zero)
        self.max_word_length = (
            None
            if max_word_length is None
            else positive_int("max_word_length", max_word_length)
        )
        self.vocabulary = self.char_vocabulary = None
        self._table = self._char_table = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, char_vocabulary)

    @property
    def uses_chars(self):
        return self.max_word_length is not None

    # === Vocabulary ===

    @staticmethod
    def _table_for(vocabulary):
        keys = tf.constant(vocabulary.tokens[len(RESERVED) :], tf.string)
        values = tf.range(len(RESERVED), len(vocabulary), dtype=tf.int64)
        return tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(keys, values),
            default_value=tf.constant(Vocabulary.unk_id, tf.int64),
        )

    def set_vocabulary(self, vocabulary, char_vocabulary=None):
        """Uses these vocabularies from now on."""
        for name, value in (("vocabulary", vocabulary), ("chars", char_vocabulary)):
            if value is not None and not isinstance(value, Vocabulary):
                raise InvalidArgumentError(
                    f"Expected a seqkeras Vocabulary for {name}, got "
                    f"{type(value).__name__}."
                )
        if self.uses_chars and char_vocabulary is None:
            raise InvalidArgumentError(
                "This encoder spells words out (max_word_length is set), so it "
                "needs `char_vocabulary` too."
            )
        self.vocabulary = vocabulary
        self._table = self._table_for(vocabulary)
        self.char_vocabulary = char_vocabulary if self.uses_chars else None
        if self.uses_chars:
            self._char_table = self._table_for(char_vocabulary)

    def adapt(self, sentences, *, max_size=None, min_count=1, batch_size=4096):
        """Builds the vocabularies from training sentences (lists of words).

        Args:
            sentences: a list of lists of words, or a `tf.data.Dataset` of
                sentences (1-D string tensors: a stream, read once).
            max_size: the most words to keep, reserved ids included.
            min_count: words seen fewer times become `[UNK]` (characters are
                all kept).
            batch_size: sentences normalised at a time.
        """
        if isinstance(sentences, tf.data.Dataset):
            batches = sentences.ragged_batch(batch_size)
        else:
            words = as_word_batch(sentences)
            batches = (
                words[start : start + batch_size]
                for start in range(0, int(words.nrows()), batch_size)
            )
        keys, chars = collections.Counter(), collections.Counter()
        for batch in batches:
            part = batch.flat_values
            keys.update(token_counts([self.normalize(part)]))
            if self.uses_chars:
                spelt = tf.strings.unicode_split(self._char_form(part), "UTF-8")
                chars.update(token_counts([spelt.flat_values]))
        self.set_vocabulary(
            Vocabulary.from_counts(keys, max_size=max_size, min_count=min_count),
            Vocabulary.from_counts(chars) if self.uses_chars else None,
        )

    def _require_vocabulary(self):
        if self.vocabulary is None:
            raise InvalidInputError(
                "This WordEncoder has no vocabulary yet: call "
                "`adapt(train_sentences)` or pass `vocabulary=`."
            )

    # === Graph functions ===

    def split(self, texts):
        """Splits raw strings on white space: ragged `tf.string` words."""
        return tf_text.WhitespaceTokenizer().tokenize(valid_utf8(texts))

    def normalize(self, words):
        """The lookup key of each word (a string tensor of any shape)."""
        words = tf_text.normalize_utf8(words, "NFKC")
        if self.lowercase:
            words = tf_text.case_fold_utf8(words)
        if self.digits_to_zero:
            words = tf.strings.regex_replace(words, r"\d", "0")
        return words

    def _char_form(self, words):
        return tf_text.normalize_utf8(words, "NFKC")

    def __call__(self, words):
        """Ids for a ragged batch of words, padded to the longest sentence.

        Returns:
            A dict: `token_ids` `(batch, time)` int32 (0 is padding), and with
            characters `char_ids` `(batch, time, max_word_length)` int32. The
            time axis has at least one step.
        """
        encoded = self.encode(words)
        token_ids = encoded["token_ids"].to_tensor(default_value=0)
        steps = tf.maximum(tf.shape(token_ids)[1], 1)
        batch = tf.shape(token_ids)[0]
        features = {"token_ids": encoded["token_ids"].to_tensor(shape=[batch, steps])}
        if self.uses_chars:
            features["char_ids"] = encoded["char_ids"].to_tensor(
                shape=[batch, steps, self.max_word_length]
            )
        return features

    def encode(self, words):
        """Like `__call__` but ragged over sentences: `token_ids` `(batch, None)`
        and `char_ids` `(batch, None, max_word_length)`."""
        self._require_vocabulary()
        words = as_word_batch(words)
        flat = words.flat_values
        ids = tf.cast(self._table.lookup(self.normalize(flat)), tf.int32)
        encoded = {"token_ids": words.with_flat_values(ids)}
        if self.uses_chars:
            spelt = tf.strings.unicode_split(self._char_form(flat), "UTF-8")
            spelt = spelt[:, : self.max_word_length]
            char_ids = tf.cast(self._char_table.lookup(spelt), tf.int32)
            dense = char_ids.to_tensor(shape=[None, self.max_word_length])
            encoded["char_ids"] = words.with_flat_values(dense)
        return encoded

    # === Config ===

    @property
    def vocabulary_size(self):
        self._require_vocabulary()
        return len(self.vocabulary)

    @property
    def char_vocabulary_size(self):
        self._require_vocabulary()
        return len(self.char_vocabulary) if self.uses_chars else None

    def get_config(self):
        self._require_vocabulary()
        return {
            "lowercase": self.lowercase,
            "digits_to_zero": self.digits_to_zero,
            "max_word_length": self.max_word_length,
            "vocabulary": self.vocabulary.get_config(),
            "char_vocabulary": (
                self.char_vocabulary.get_config() if self.uses_chars else None
            ),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        vocabulary = Vocabulary.from_config(config.pop("vocabulary"))
        chars = config.pop("char_vocabulary")
        chars = Vocabulary.from_config(chars) if chars else None
        return cls(vocabulary, chars, **config)

    def save(self, path):
        """Writes the encoder's config and vocabularies as JSON."""
        pathlib.Path(path).write_text(json.dumps(self.get_config(), ensure_ascii=False))

    @classmethod
    def load(cls, path):
        return cls.from_config(json.loads(pathlib.Path(path).read_text()))
