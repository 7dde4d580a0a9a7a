"""Many-to-one sentiment classifiers: a deep averaging network or an RNN.

Both read a padded batch of token ids `(batch, time)` where id 0 is padding.
The deep averaging network (DAN, Iyyer et al. 2015) averages the word vectors
and classifies the average, so it cannot tell "John enjoys eating the shark"
from "The shark enjoys eating John". A recurrent encoder reads the words in
order and keeps a hidden state `h_t = g(W_x x_t + W_h h_{t-1} + b)`; its
final state summarises the whole sentence.
"""

import keras

from seqkeras._validation import (
    int_at_least,
    one_of,
    positive_float,
    positive_int,
    rate,
)
from seqkeras.layers.words import OneHot
from seqkeras.models.recurrent import recurrent_stack

ENCODERS = ("dan", "rnn")

# The model names of `seqkeras train sentiment --model NAME`.
PRESETS = {
    "dan": {"encoder": "dan"},
    "rnn": {"encoder": "rnn", "cell": "simple_rnn"},
    "gru": {"encoder": "rnn", "cell": "gru"},
    "lstm": {"encoder": "rnn", "cell": "lstm"},
    "bilstm": {"encoder": "rnn", "cell": "lstm", "bidirectional": True},
}


def build_sentiment_classifier(
    vocabulary_size,
    *,
    num_classes=2,
    encoder="rnn",
    cell="lstm",
    units=64,
    num_layers=1,
    bidirectional=False,
    embedding_dim=128,
    dropout=0.0,
    recurrent_dropout=0.0,
    learning_rate=1e-3,
    clipnorm=None,
    compile=True,
    name="sentiment_classifier",
):
    """Builds a sentiment classifier over padded token ids.

    Args:
        vocabulary_size: number of token ids, padding (id 0) included.
        num_classes: 2 gives one sigmoid output (probability of class 1);
            more gives a softmax over the classes.
        encoder: "dan" (mean of the word vectors, then `num_layers` dense ReLU
            layers of `units`) or "rnn" (`num_layers` recurrent layers).
        cell: a name in `seqkeras.models.CELLS` or a cell class (see
            `seqkeras.models.recurrent.recurrent_layer`); RNN encoder only.
        units: hidden size of each recurrent or dense layer.
        num_layers: how many layers to stack.
        bidirectional: read the sentence both ways (RNN encoder only).
        embedding_dim: size of the learned word vectors, or None to feed
            one-hot vectors of `vocabulary_size` instead (layer
            "token_one_hot", no weights of its own).
        dropout: dropout rate on the word vectors, between layers and before
            the output.
        recurrent_dropout: dropout on the recurrent connections.
        learning_rate: Adam's learning rate.
        clipnorm: clip each gradient to this norm (None: no clipping).
        compile: compile with Adam, cross-entropy and accuracy. Call
            `model.compile(...)` again to override.
        name: the model's name.

    Returns:
        A functional `keras.Model` from `(batch, time)` int ids to
        `(batch, 1)` probabilities (binary) or `(batch, num_classes)`.

    Example:

    >>> model = build_sentiment_classifier(100, cell="gru", units=8, embedding_dim=4)
    >>> [layer.name for layer in model.layers]
    ['token_ids', 'token_embedding', 'encoder_gru_0', 'classifier']
    >>> model.predict(np.array([[5, 6, 7, 0]]), verbose=0).shape
    (1, 1)
    """
    positive_int("vocabulary_size", vocabulary_size)
    int_at_least("num_classes", num_classes, 2)
    one_of("encoder", encoder, ENCODERS)
    positive_int("units", units)
    positive_int("num_layers", num_layers)
    if embedding_dim is not None:
        positive_int("embedding_dim", embedding_dim)
    dropout = rate("dropout", dropout)
    positive_float("learning_rate", learning_rate)
    if clipnorm is not None:
        positive_float("clipnorm", clipnorm)

    # === Layers and functional model ===
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    # mask_zero: padding never reaches the average or the recurrent state.
    if embedding_dim is None:
        x = OneHot(vocabulary_size, name="token_one_hot")(token_ids)
    else:
        x = keras.layers.Embedding(
            vocabulary_size, embedding_dim, mask_zero=True, name="token_embedding"
        )(token_ids)  # (batch, time, embedding_dim or vocabulary_size)
    if dropout:
        x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    if encoder == "dan":
        x = keras.layers.GlobalAveragePooling1D(name="average")(x)  # (batch, dim)
        for i in range(num_layers):
            x = keras.layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
            if dropout:
                x = keras.layers.Dropout(dropout, name=f"dense_dropout_{i}")(x)
    else:
        x = recurrent_stack(
            x,
            cell=cell,
            units=units,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            output_dropout=True,
        )  # (batch, units), or (batch, 2 * units) if bidirectional
    binary = num_classes == 2
    outputs = keras.layers.Dense(
        1 if binary else num_classes,
        activation="sigmoid" if binary else "softmax",
        name="classifier",
    )(x)
    model = keras.Model(token_ids, outputs, name=name)

    # === Compile ===
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
            loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
            metrics=[
                keras.metrics.BinaryAccuracy(name="accuracy")
                if binary
                else keras.metrics.SparseCategoricalAccuracy(name="accuracy")
            ],
        )
    return model


def class_probabilities(outputs):
    """Turns a classifier's outputs into one probability per class.

    A binary model's `(batch, 1)` output p becomes `(batch, 2)`: `[1 - p, p]`.
    Works on NumPy arrays and on tensors of any backend.
    """
    if outputs.shape[-1] == 1:
        return keras.ops.concatenate([1.0 - outputs, outputs], axis=-1)
    return outputs
