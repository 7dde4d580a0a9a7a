"""Layers that turn words into vectors: one-hot vectors, word dropout and
character features.

`OneHot` is the course's first representation of a word: a vector as long as
the vocabulary with a single 1, the input a learned `Embedding` replaces.
`WordDropout` replaces random training words by `[UNK]`, so the `[UNK]`
vector learns to stand for words the model has not seen (Lample et al.
2016). `CharacterEncoder` reads each word's characters and gives it a vector
of its own, from a character CNN (Ma and Hovy 2016: convolution, then the
maximum over the word) or a character BiLSTM (Lample et al.: the last
forward and first backward states). Capital letters, digits and endings
("-ing", "-burg") then inform the tag even of a word never seen in training.
"""

import keras
from keras import ops

from seqkeras import _validation
from seqkeras._validation import one_of, positive_int

CHARACTER_ENCODERS = ("cnn", "bilstm")


@keras.saving.register_keras_serializable(package="seqkeras")
class OneHot(keras.layers.Layer):
    """Turns word ids into one-hot vectors, a drop-in for `Embedding`.

    Word `i` becomes a vector of `vocabulary_size` zeros with a 1 at position
    `i`. Padding (id 0) becomes all zeros and, with `mask_zero`, is masked,
    exactly as `Embedding(mask_zero=True)` masks it. The layer has no weights:
    the next layer's input weights (`W_X` of a recurrent layer) do the work an
    embedding table would, since `one_hot(i) @ E == E[i]`.

    Args:
        vocabulary_size: number of ids, padding (id 0) included.
        mask_zero: mask the padding steps.

    Example:

    >>> OneHot(4)(np.array([[2, 0]])).numpy().tolist()
    [[[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]
    """

    def __init__(self, vocabulary_size, *, mask_zero=True, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = positive_int("vocabulary_size", vocabulary_size)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = True

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        vectors = ops.one_hot(ids, self.vocabulary_size, dtype=self.compute_dtype)
        # Padding is not a word: its vector is all zeros, not "word 0".
        present = ops.cast(ids > 0, self.compute_dtype)[..., None]
        return vectors * present  # (batch, time, vocabulary_size)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.vocabulary_size)

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "mask_zero": self.mask_zero,
        }


@keras.saving.register_keras_serializable(package="seqkeras")
class ReversibleEmbedding(keras.layers.Embedding):
    """An embedding table that also scores vectors against every word.

    Called on ids it looks them up, like `keras.layers.Embedding`. Called on
    vectors with `reverse=True` it returns `vectors @ E^T (+ bias)`: one
    logit per word, from the same table. A language model that uses it at
    both ends ties its input and output embeddings (Press and Wolf 2017;
    Inan et al. 2017), which saves `vocabulary_size * dim` weights and often
    lowers perplexity.

    Args:
        input_dim: vocabulary size.
        output_dim: size of the word vectors.
        output_bias: add a learned bias per word to the reverse logits.
        **kwargs: passed to `keras.layers.Embedding`.

    Example:

    >>> layer = ReversibleEmbedding(5, 2, output_bias=False)
    >>> layer.build((None,))
    >>> layer.set_weights([np.arange(10, dtype="float32").reshape(5, 2)])
    >>> layer(np.array([[1.0, 0.0]]), reverse=True).numpy().tolist()
    [[0.0, 2.0, 4.0, 6.0, 8.0]]
    """

    def __init__(self, input_dim, output_dim, *, output_bias=True, **kwargs):
        super().__init__(input_dim, output_dim, **kwargs)
        self.output_bias = bool(output_bias)

    def build(self, input_shape=None):
        super().build(input_shape)
        if self.output_bias:
            self.reverse_bias = self.add_weight(
                shape=(self.input_dim,), initializer="zeros", name="reverse_bias"
            )

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        logits = ops.matmul(inputs, ops.transpose(self.embeddings))
        return logits + self.reverse_bias if self.output_bias else logits

    @property
    def variable_serialization_spec(self):
        # Embedding saves only its table; the output bias must be saved too.
        spec = dict(super().variable_serialization_spec)
        spec[None] = [*spec[None], "reverse_bias"]
        return spec

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*input_shape[:-1], self.input_dim)
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, reverse=False):
        shape = self.compute_output_shape(inputs.shape, reverse=reverse)
        dtype = self.compute_dtype
        return keras.KerasTensor(shape, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "output_bias": self.output_bias}


@keras.saving.register_keras_serializable(package="seqkeras")
class WordDropout(keras.layers.Layer):
    """During training, replaces each word id by `unk_id` with probability `rate`.

    Padding (id 0) stays padding; at inference the ids pass unchanged.

    Args:
        rate: the probability of replacing a word.
        unk_id: the id of `[UNK]`.
        seed: seeds the random choice.
    """

    def __init__(self, rate, *, unk_id=1, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _validation.rate("rate", rate)
        self.unk_id = int(unk_id)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, ids, training=False):
        if not training or self.rate == 0.0:
            return ids
        drop = keras.random.uniform(ops.shape(ids), seed=self.seed_generator)
        replace = ops.logical_and(drop < self.rate, ids > 0)
        return ops.where(replace, ops.cast(self.unk_id, ids.dtype), ids)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "unk_id": self.unk_id,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="seqkeras")
class CharacterEncoder(keras.layers.Layer):
    """One vector per word from its character ids.

    Args:
        vocabulary_size: number of character ids, padding (0) included.
        kind: "cnn" or "bilstm".
        embedding_dim: size of the character vectors.
        units: CNN filters, or LSTM units per direction (the output has
            `units`, or `2 * units` for the BiLSTM).
        kernel_size: the CNN's window, in characters.
        dropout: dropout on the character vectors.

    Call arguments:
        char_ids: `(batch, time, chars)` int ids, 0-padded.

    Returns:
        `(batch, time, units)` (CNN) or `(batch, time, 2 * units)`; a word
        that is all padding gets zeros and is masked.

    Example:

    >>> encoder = CharacterEncoder(30, kind="cnn", units=4)
    >>> tuple(encoder(np.ones((2, 3, 6), "int32")).shape)
    (2, 3, 4)
    """

    def __init__(
        self,
        vocabulary_size,
        *,
        kind="cnn",
        embedding_dim=25,
        units=50,
        kernel_size=3,
        dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = positive_int("vocabulary_size", vocabulary_size)
        self.kind = one_of("kind", kind, CHARACTER_ENCODERS)
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        self.units = positive_int("units", units)
        self.kernel_size = positive_int("kernel_size", kernel_size)
        self.dropout = _validation.rate("dropout", dropout)
        # === Layers ===
        self.embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, mask_zero=True, name="char_embedding"
        )
        self.embedding_dropout = keras.layers.Dropout(dropout, name="char_dropout")
        if kind == "cnn":
            self.convolution = keras.layers.Conv1D(
                units, kernel_size, padding="same", activation="tanh", name="char_cnn"
            )
        else:
            self.recurrent = keras.layers.Bidirectional(
                keras.layers.LSTM(units), name="char_bilstm"
            )

    def build(self, input_shape):
        chars = input_shape[-1]
        self.embedding.build((None, chars))
        if self.kind == "cnn":
            self.convolution.build((None, chars, self.embedding_dim))
        else:
            self.recurrent.build((None, chars, self.embedding_dim))

    def call(self, char_ids, training=False):
        shape = ops.shape(char_ids)
        batch, time, chars = shape[0], shape[1], shape[2]
        flat = ops.reshape(char_ids, (-1, chars))  # (batch * time, chars)
        present = ops.cast(flat > 0, self.compute_dtype)[:, :, None]
        x = self.embedding(flat)  # (words, chars, embedding_dim)
        # Zero the padding positions so that a word's vector does not depend
        # on how far it was padded.
        x = self.embedding_dropout(x * present, training=training)
        if self.kind == "cnn":
            x = self.convolution(x)  # (words, chars, units)
            # The maximum over real characters; an all-padding word gives 0.
            x = ops.max(x * present - 2.0 * (1.0 - present), axis=1)
            x = x * ops.max(present, axis=1)
        else:
            x = self.recurrent(x, mask=flat > 0)  # (words, 2 * units)
        return ops.reshape(x, (batch, time, ops.shape(x)[-1]))

    def compute_output_shape(self, input_shape):
        width = self.units if self.kind == "cnn" else 2 * self.units
        return (*input_shape[:2], width)

    def compute_mask(self, inputs, mask=None):
        # A word is present if it has a character. Keras' Concatenate keeps a
        # step if any input keeps it, so this mask must match the words'.
        return ops.any(inputs > 0, axis=-1)  # (batch, time)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "kind": self.kind,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "kernel_size": self.kernel_size,
            "dropout": self.dropout,
        }
