"""Many-to-many sequence taggers: one tag for every word.

The course's word-labelling case ("I like red apples" -> pron verb adj noun):
a recurrent layer returns its state at every step (`return_sequences=True`)
and a dense softmax reads each state to tag its word. A bidirectional layer
lets each tag depend on the words after it as well as before ("Washington"
in "Washington said" vs "in Washington"). Optional character features give
unseen words a vector of their own, and an optional CRF output scores whole
tag sequences, so that a tag the previous one rules out (`O` then `I-PER`)
is never predicted.

Inputs are a dict: `token_ids` `(batch, time)` with 0 as padding, and with
character features `char_ids` `(batch, time, chars)`.
"""

import keras
from keras import ops

from seqkeras._validation import one_of, positive_float, positive_int, rate
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.crf import CRF, crf_decode, crf_nll
from seqkeras.layers.words import CHARACTER_ENCODERS, CharacterEncoder, WordDropout
from seqkeras.models.recurrent import recurrent_stack

# The model names of `seqkeras train tag --model NAME`.
PRESETS = {
    "bilstm": {},
    "bilstm-char": {"char_encoder": "cnn"},
    "bilstm-crf": {"crf": True},
    "bilstm-char-crf": {"char_encoder": "cnn", "crf": True},
    "lstm": {"bidirectional": False},
    "gru": {"cell": "gru", "bidirectional": False},
    "rnn": {"cell": "simple_rnn", "bidirectional": False},
}


def build_sequence_tagger(
    vocabulary_size,
    num_tags,
    *,
    cell="lstm",
    units=100,
    num_layers=1,
    bidirectional=True,
    embedding_dim=100,
    char_encoder=None,
    char_vocabulary_size=None,
    char_embedding_dim=25,
    char_units=50,
    char_kernel_size=3,
    crf=False,
    crf_constraints=None,
    dropout=0.5,
    word_dropout=0.0,
    recurrent_dropout=0.0,
    learning_rate=1e-3,
    clipnorm=5.0,
    compile=True,
    name="sequence_tagger",
):
    """Builds a tagger from word ids (and character ids) to one tag per word.

    Args:
        vocabulary_size: number of word ids, padding (0) and `[UNK]` (1)
            included.
        num_tags: number of tags.
        cell: a name in `seqkeras.models.CELLS` ("gru", "peephole_lstm",
            ...) or a cell class.
        units: hidden size per direction of each recurrent layer.
        num_layers: recurrent layers stacked.
        bidirectional: read the sentence in both directions.
        embedding_dim: size of the word vectors.
        char_encoder: None, "cnn" or "bilstm": character features per word,
            concatenated with the word vector.
        char_vocabulary_size: number of character ids (with `char_encoder`).
        char_embedding_dim: size of the character vectors.
        char_units: CNN filters or LSTM units per direction for characters.
        char_kernel_size: the character CNN's window.
        crf: end with a linear-chain CRF instead of a per-word softmax.
        crf_constraints: transitions the CRF may never take (see
            `seqkeras.tags.allowed_transitions` and the `CRF` layer's
            `allowed`); None learns every transition's score.
        dropout: dropout on the word features and between layers.
        word_dropout: probability of replacing a training word by `[UNK]`.
        recurrent_dropout: dropout on the recurrent connections.
        learning_rate: Adam's learning rate.
        clipnorm: clip each gradient to this norm (None: no clipping).
        compile: compile with Adam and the loss (softmax: cross-entropy and
            accuracy, masked; CRF: `crf_nll`).
        name: the model's name.

    Returns:
        A functional `keras.Model`. Softmax: `(batch, time, num_tags)` tag
        probabilities. CRF: `(batch, time, num_tags, num_tags)` potentials,
        read with `decode_tags`. Padding never reaches the loss or metrics.

    Example:

    >>> model = build_sequence_tagger(50, 5, units=8, embedding_dim=4)
    >>> tuple(model.predict({"token_ids": np.array([[5, 6, 7, 0]])}, verbose=0).shape)
    (1, 4, 5)
    >>> crf = build_sequence_tagger(50, 5, units=8, embedding_dim=4, crf=True,
    ...                             char_encoder="cnn", char_vocabulary_size=30)
    >>> outputs = crf.predict({"token_ids": np.array([[5, 6, 7, 0]]),
    ...                        "char_ids": np.ones((1, 4, 6), "int32")}, verbose=0)
    >>> tuple(decode_tags(outputs, np.array([[5, 6, 7, 0]]) > 0).shape)
    (1, 4)
    """
    positive_int("vocabulary_size", vocabulary_size)
    positive_int("num_tags", num_tags)
    positive_int("embedding_dim", embedding_dim)
    dropout = rate("dropout", dropout)
    word_dropout = rate("word_dropout", word_dropout)
    positive_float("learning_rate", learning_rate)
    if clipnorm is not None:
        positive_float("clipnorm", clipnorm)
    if char_encoder is not None:
        one_of("char_encoder", char_encoder, CHARACTER_ENCODERS)
        if char_vocabulary_size is None:
            raise InvalidArgumentError(
                f"char_encoder={char_encoder!r} needs `char_vocabulary_size`, the "
                "number of character ids (padding included)."
            )

    # === Layers and functional model ===
    inputs = {"token_ids": keras.Input((None,), dtype="int32", name="token_ids")}
    if char_encoder is not None:
        # (batch, time, chars)
        inputs["char_ids"] = keras.Input((None, None), dtype="int32", name="char_ids")
    chars = None
    if char_encoder is not None:
        chars = dict(
            kind=char_encoder,
            embedding_dim=char_embedding_dim,
            units=char_units,
            kernel_size=char_kernel_size,
        )
    x = _word_features(
        inputs,
        vocabulary_size,
        embedding_dim,
        word_dropout,
        char_vocabulary_size,
        chars,
    )  # (batch, time, features)
    if dropout:
        x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    x = recurrent_stack(
        x,
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        return_sequences=True,
        output_dropout=True,
    )  # (batch, time, units), or 2 * units if bidirectional
    if crf:
        emissions = keras.layers.Dense(num_tags, name="emissions")(x)
        outputs = CRF(num_tags, allowed=crf_constraints, name="crf")(
            emissions
        )  # (batch, time, K, K)
    else:
        outputs = keras.layers.Dense(num_tags, activation="softmax", name="tagger")(x)
    model = keras.Model(inputs, outputs, name=name)

    if compile:
        _compile_tagger(model, crf, learning_rate, clipnorm)
    return model


def _word_features(
    inputs, vocabulary_size, embedding_dim, word_dropout, char_vocabulary_size, chars
):
    """Each word's vector, joined with the features of a `CharacterEncoder`
    made with the arguments `chars` (None: no characters): `(batch, time,
    features)`."""
    ids = inputs["token_ids"]
    if word_dropout:
        ids = WordDropout(word_dropout, name="word_dropout")(ids)
    # mask_zero: padding is masked in the RNN, the loss and the metrics.
    x = keras.layers.Embedding(
        vocabulary_size, embedding_dim, mask_zero=True, name="token_embedding"
    )(ids)  # (batch, time, embedding_dim)
    if chars is None:
        return x
    # Made after the word embedding, as before this function existed, so that
    # a seed gives the same initial weights.
    encoder = CharacterEncoder(char_vocabulary_size, name="char_encoder", **chars)
    features = encoder(inputs["char_ids"])  # (batch, time, char features)
    return keras.layers.Concatenate(name="word_features")([x, features])


def _compile_tagger(model, crf, learning_rate, clipnorm):
    optimizer = keras.optimizers.Adam(learning_rate, clipnorm=clipnorm)
    if crf:
        model.compile(optimizer=optimizer, loss=crf_nll)
    else:
        model.compile(
            optimizer=optimizer,
            # Labels are padded with -1; the mask already hides them.
            loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=-1),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )


def decode_tags(outputs, mask=None):
    """Tag ids from a tagger's outputs: `(batch, time)` int32.

    Softmax outputs `(batch, time, K)` give each word its most probable tag;
    CRF potentials `(batch, time, K, K)` give the best sequence (Viterbi).
    Positions outside `mask` hold meaningless tags.
    """
    if len(outputs.shape) == 4:
        return crf_decode(outputs, mask)
    return ops.cast(ops.argmax(outputs, axis=-1), "int32")
