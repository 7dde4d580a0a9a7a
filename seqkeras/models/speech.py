"""Speech models over feature frames: a spoken-digit classifier
(many-to-one) and a CTC recogniser (many-to-many, unaligned).

Both read zero-padded feature frames `(batch, steps, num_features)` (from
`seqkeras.audio.AudioFeatures`), mask the padding steps (`Masking`: a step
whose features are all exactly zero), standardise each feature with the
training set's mean and variance (a `Normalization` layer whose statistics
are saved with the model), and run the recurrent stack every builder
shares (`seqkeras.models.recurrent`), so `cell=`, `bidirectional=` and
`num_layers=` mean what they mean everywhere.

- `build_speech_classifier` keeps the stack's last state and puts a softmax
  over the classes on it: one digit per clip.
- `build_ctc_recognizer` keeps every step and puts a softmax over the
  symbols and the blank on each (`seqkeras.layers.ctc`): a digit string
  per clip, however many digits it holds, trained with the CTC loss.
"""

import keras
import numpy as np

from seqkeras._validation import int_at_least, positive_float, positive_int, rate
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.ctc import CTCLoss, MaskedBlanks
from seqkeras.models.recurrent import recurrent_stack

# The model names of `seqkeras train speech --model NAME`; the "ctc" ones
# transcribe strings of digits, the others classify one digit.
PRESETS = {
    "gru": {"cell": "gru"},
    "lstm": {"cell": "lstm"},
    "bigru": {"cell": "gru", "bidirectional": True},
    "bilstm": {"cell": "lstm", "bidirectional": True},
    "ctc": {"ctc": True, "cell": "gru", "bidirectional": True, "num_layers": 2},
    "ctc-lstm": {"ctc": True, "cell": "lstm", "bidirectional": True, "num_layers": 2},
}


def _frames(num_features, feature_mean, feature_variance, dropout):
    """The input, its mask and the standardised frames."""
    frames = keras.Input(shape=(None, num_features), name="features")
    # Padding steps are exactly zero in every feature (AudioFeatures pads
    # them so); real frames never are.
    x = keras.layers.Masking(0.0, name="padding_mask")(frames)
    mean = np.zeros(num_features) if feature_mean is None else feature_mean
    variance = np.ones(num_features) if feature_variance is None else feature_variance
    mean, variance = np.asarray(mean, "float32"), np.asarray(variance, "float32")
    if mean.shape != (num_features,) or variance.shape != (num_features,):
        raise InvalidArgumentError(
            f"feature_mean and feature_variance need one value per feature "
            f"({num_features}), got shapes {mean.shape} and {variance.shape}."
        )
    x = keras.layers.Normalization(
        mean=mean.tolist(), variance=variance.tolist(), name="feature_normalization"
    )(x)  # (batch, steps, num_features), each feature mean 0, variance 1
    if dropout:
        x = keras.layers.Dropout(dropout, name="feature_dropout")(x)
    return frames, x


def _check(num_features, units, num_layers, dropout, learning_rate, clipnorm):
    positive_int("num_features", num_features)
    positive_int("units", units)
    positive_int("num_layers", num_layers)
    positive_float("learning_rate", learning_rate)
    if clipnorm is not None:
        positive_float("clipnorm", clipnorm)
    return rate("dropout", dropout)


def build_speech_classifier(
    num_features,
    num_classes=10,
    *,
    cell="gru",
    units=128,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    feature_mean=None,
    feature_variance=None,
    learning_rate=1e-3,
    clipnorm=None,
    compile=True,
    name="speech_classifier",
):
    """Builds a classifier of whole clips (a spoken digit) from feature frames.

    Args:
        num_features: features per step (`AudioFeatures.num_features`).
        num_classes: the classes (10 digits).
        cell: a name in `seqkeras.models.CELLS` or a cell class.
        units: hidden size of each recurrent layer.
        num_layers: recurrent layers stacked.
        bidirectional: read the clip both ways.
        dropout: dropout on the frames, between layers and before the output.
        feature_mean, feature_variance: the training frames' statistics
            `(num_features,)` the model standardises with (None: 0 and 1).
        learning_rate: Adam's learning rate.
        clipnorm: clip each gradient to this norm (None: no clipping).
        compile: compile with Adam, cross-entropy and accuracy.
        name: the model's name.

    Returns:
        A functional `keras.Model` from `(batch, steps, num_features)` frames
        to `(batch, num_classes)` probabilities.

    Example:

    >>> model = build_speech_classifier(13, units=8)
    >>> [layer.name for layer in model.layers][1:]
    ['padding_mask', 'feature_normalization', 'encoder_gru_0', 'classifier']
    >>> model.predict(np.ones((2, 30, 13)), verbose=0).shape
    (2, 10)
    """
    dropout = _check(num_features, units, num_layers, dropout, learning_rate, clipnorm)
    int_at_least("num_classes", num_classes, 2)
    frames, x = _frames(num_features, feature_mean, feature_variance, dropout)
    x = recurrent_stack(
        x,
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        output_dropout=True,
    )  # (batch, units): the state after each clip's last real step
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(
        x
    )
    model = keras.Model(frames, outputs, name=name)
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
            loss="sparse_categorical_crossentropy",
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )
    return model


def build_ctc_recognizer(
    num_features,
    num_symbols=10,
    *,
    cell="gru",
    units=128,
    num_layers=2,
    bidirectional=True,
    dropout=0.0,
    feature_mean=None,
    feature_variance=None,
    learning_rate=1e-3,
    clipnorm=None,
    compile=True,
    name="ctc_recognizer",
):
    """Builds a CTC acoustic model: a distribution over the symbols and the
    blank at every step (see `seqkeras.layers.ctc`).

    Args:
        num_features: features per step (`AudioFeatures.num_features`).
        num_symbols: the symbols of the transcripts (10 digits); the model
            has one more output, the blank, at index 0 (symbol `i` is
            output `i + 1`).
        clipnorm: clip each gradient to this norm; CTC's early gradients
            are large, so clipping often helps.
        The other arguments are `build_speech_classifier`'s.

    Returns:
        A functional `keras.Model` from `(batch, steps, num_features)` frames
        to logits `(batch, steps, num_symbols + 1)`; padding steps give a
        certain blank. Compiled with `CTCLoss` (targets: symbol ids + 1,
        0-padded).

    Example:

    >>> model = build_ctc_recognizer(13, units=8, num_layers=1)
    >>> model.predict(np.ones((2, 30, 13)), verbose=0).shape
    (2, 30, 11)
    """
    dropout = _check(num_features, units, num_layers, dropout, learning_rate, clipnorm)
    positive_int("num_symbols", num_symbols)
    frames, x = _frames(num_features, feature_mean, feature_variance, dropout)
    x = recurrent_stack(
        x,
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        return_sequences=True,
        output_dropout=True,
    )  # (batch, steps, units)
    logits = keras.layers.Dense(num_symbols + 1, name="symbol_logits")(x)
    logits = MaskedBlanks(name="padding_blanks")(logits)  # (batch, steps, symbols + 1)
    model = keras.Model(frames, logits, name=name)
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
            loss=CTCLoss(),
        )
    return model
