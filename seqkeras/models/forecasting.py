"""Builders for time series: forecasters, baselines and sequence classifiers.

Every model reads a window `(batch, input_width, num_features)` of
normalised values. Forecasters return `(batch, horizon, num_targets)`;
classifiers return class probabilities `(batch, num_classes)`.

- Baselines (no training): `build_baseline_forecaster` ("persistence",
  "repeat").
- `build_linear_forecaster`: one dense layer over the whole window.
- `build_forecaster`: a recurrent encoder (SimpleRNN / GRU / LSTM, stacked,
  bidirectional) whose last state predicts all `horizon` steps at once
  ("direct"), or a cell that predicts one step and reads its own prediction
  back in ("autoregressive").
- `build_sequence_classifier`: many-to-one, a label for the whole window
  (tomorrow's weather from the last days), and `build_feedforward_classifier`,
  which has no memory of the steps before, for the course's comparison.
"""

import keras

from seqkeras._validation import (
    int_at_least,
    one_of,
    positive_float,
    positive_int,
    rate,
)
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.forecasting import BASELINES, Autoregressive, BaselineForecast
from seqkeras.models.recurrent import recurrent_stack

STRATEGIES = ("direct", "autoregressive")


def _window_input(input_width, num_features, mask_value=None):
    """The window input, masked where every feature equals `mask_value`."""
    positive_int("input_width", input_width)
    positive_int("num_features", num_features)
    window = keras.Input(shape=(input_width, num_features), name="window")
    x = window
    if mask_value is not None:
        # Steps where every feature equals mask_value are skipped: shorter
        # histories padded at the front read like the short history itself.
        x = keras.layers.Masking(mask_value, name="padding_mask")(x)
    return window, x


def _targets(target_indices, num_targets, num_features):
    if target_indices is None:
        return list(range(num_targets if num_targets else num_features))
    indices = [int(i) for i in target_indices]
    if not indices or min(indices) < 0 or max(indices) >= num_features:
        raise InvalidArgumentError(
            "Received an invalid value for argument `target_indices`, expected "
            f"positions in 0..{num_features - 1}, got {target_indices!r}"
        )
    return indices


def _compile(model, learning_rate, clipnorm, classifier=False):
    """Adam; MSE and MAE for forecasts, cross-entropy and accuracy for classes."""
    positive_float("learning_rate", learning_rate)
    if clipnorm is not None:
        positive_float("clipnorm", clipnorm)
    if classifier:
        loss = "sparse_categorical_crossentropy"
        metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    else:
        loss, metric = "mse", keras.metrics.MeanAbsoluteError(name="mae")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
        loss=loss,
        metrics=[metric],
    )
    return model


def build_baseline_forecaster(
    input_width,
    num_features,
    *,
    kind="persistence",
    horizon=1,
    target_indices=None,
    period=None,
    name=None,
):
    """A forecaster without weights: "persistence" or "repeat".

    Args:
        input_width: steps per window.
        num_features: features per step.
        kind: "persistence" (the last value, for every future step) or
            "repeat" (the last `period` steps, repeated).
        horizon: steps to forecast.
        target_indices: positions of the targets among the features
            (default: every feature).
        period: for "repeat", the repeated stretch; None means `horizon`.
        name: the model's name (default `f"{kind}_baseline"`).

    Returns:
        A compiled `keras.Model` (MSE loss, MAE metric) so that it evaluates
        like the trained models.

    Example:

    >>> model = build_baseline_forecaster(4, 1, kind="persistence", horizon=2)
    >>> model.predict(np.array([[[1.0], [2.0], [3.0], [5.0]]]), verbose=0)[0, :, 0]
    array([5., 5.], dtype=float32)
    """
    one_of("kind", kind, BASELINES)
    window, x = _window_input(input_width, num_features)
    indices = _targets(target_indices, None, num_features)
    outputs = BaselineForecast(
        kind, indices, positive_int("horizon", horizon), period, name=kind
    )(x)
    model = keras.Model(window, outputs, name=name or f"{kind}_baseline")
    return _compile(model, 1e-3, None)


def build_linear_forecaster(
    input_width,
    num_features,
    *,
    horizon=1,
    num_targets=1,
    learning_rate=1e-3,
    name="linear_forecaster",
):
    """A linear model of the whole window: every forecast step is a weighted
    sum of every input value (a linear autoregression) plus a bias.

    Returns:
        A compiled `keras.Model`, `(batch, input_width, num_features)` ->
        `(batch, horizon, num_targets)`.
    """
    window, x = _window_input(input_width, num_features)
    positive_int("horizon", horizon)
    positive_int("num_targets", num_targets)
    x = keras.layers.Flatten(name="flatten")(x)  # (batch, width * features)
    x = keras.layers.Dense(horizon * num_targets, name="linear")(x)
    outputs = keras.layers.Reshape((horizon, num_targets), name="forecast")(x)
    return _compile(keras.Model(window, outputs, name=name), learning_rate, None)


def build_forecaster(
    input_width,
    num_features,
    *,
    horizon=1,
    num_targets=None,
    target_indices=None,
    strategy="direct",
    cell="lstm",
    units=32,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    mask_value=None,
    learning_rate=1e-3,
    clipnorm=None,
    compile=True,
    name="forecaster",
):
    """A recurrent forecaster: single-step, multi-step direct or autoregressive.

    Args:
        input_width: steps per window.
        num_features: features per step.
        horizon: steps to forecast (1: single-step).
        num_targets: how many target columns ("direct"; default 1, or the
            length of `target_indices`).
        target_indices: positions of the targets among the features; needed
            by "autoregressive", which predicts every feature and feeds them
            back (default: every feature).
        strategy: "direct" (the encoder's last state predicts all `horizon`
            steps at once) or "autoregressive" (one step at a time, each
            prediction fed back as the next input).
        cell: a name in `seqkeras.models.CELLS` ("gru", "peephole_lstm",
            ...) or a cell class.
        units: hidden size, or one size per layer ("direct").
        num_layers: recurrent layers to stack.
        bidirectional: read the window both ways ("direct" only).
        dropout: dropout between layers and before the output ("direct").
        mask_value: skip steps where every feature equals this value
            ("direct"; for windows padded at the front).
        learning_rate: Adam's learning rate.
        clipnorm: clip each gradient to this norm.
        compile: compile with Adam, MSE loss and an MAE metric.
        name: the model's name.

    Returns:
        A `keras.Model`, `(batch, input_width, num_features)` ->
        `(batch, horizon, num_targets)`.

    Example:

    >>> model = build_forecaster(24, 3, horizon=6, num_targets=1, cell="gru")
    >>> [layer.name for layer in model.layers]
    ['window', 'encoder_gru_0', 'forecast_dense', 'forecast']
    >>> model.output_shape
    (None, 6, 1)
    """
    one_of("strategy", strategy, STRATEGIES)
    positive_int("horizon", horizon)
    dropout = rate("dropout", dropout)
    window, x = _window_input(input_width, num_features, mask_value)
    if strategy == "autoregressive":
        if bidirectional:
            raise InvalidArgumentError(
                "An autoregressive forecaster reads time forwards only: pass "
                "bidirectional=False, or strategy='direct'."
            )
        if mask_value is not None:
            raise InvalidArgumentError("mask_value works with strategy='direct' only.")
        indices = _targets(target_indices, None, num_features)
        outputs = Autoregressive(
            cell,
            positive_int("units", units),
            num_features,
            indices,
            horizon,
            num_layers=positive_int("num_layers", num_layers),
            name="autoregressive",
        )(x)
    else:
        if num_targets is None:
            num_targets = len(target_indices) if target_indices is not None else 1
        positive_int("num_targets", num_targets)
        x = recurrent_stack(
            x,
            cell=cell,
            units=units,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            output_dropout=True,
        )  # (batch, units), or (batch, 2 * units) if bidirectional
        x = keras.layers.Dense(horizon * num_targets, name="forecast_dense")(x)
        outputs = keras.layers.Reshape((horizon, num_targets), name="forecast")(x)
    model = keras.Model(window, outputs, name=name)
    return _compile(model, learning_rate, clipnorm) if compile else model


def build_sequence_classifier(
    input_width,
    num_features,
    num_classes,
    *,
    cell="lstm",
    units=32,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    mask_value=None,
    learning_rate=1e-3,
    clipnorm=None,
    compile=True,
    name="sequence_classifier",
):
    """Many-to-one: one class for a window of steps, read by an RNN.

    The recurrent state carries what it saw on earlier days to the last
    one, so the prediction can depend on the whole window (a sunny spell,
    a run of rain).

    Returns:
        A `keras.Model`, `(batch, input_width, num_features)` ->
        `(batch, num_classes)` probabilities.

    Example:

    >>> model = build_sequence_classifier(7, 4, 5, cell="gru", units=8)
    >>> model.output_shape
    (None, 5)
    """
    int_at_least("num_classes", num_classes, 2)
    dropout = rate("dropout", dropout)
    window, x = _window_input(input_width, num_features, mask_value)
    x = recurrent_stack(
        x,
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        output_dropout=True,
    )
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(
        x
    )
    model = keras.Model(window, outputs, name=name)
    return _compile(model, learning_rate, clipnorm, True) if compile else model


def build_feedforward_classifier(
    input_width,
    num_features,
    num_classes,
    *,
    units=32,
    num_layers=1,
    dropout=0.0,
    learning_rate=1e-3,
    compile=True,
    name="feedforward_classifier",
):
    """A feedforward network over the last step of a window only.

    This is the course's network without memory: it sees one day at a time,
    so days before the last cannot influence its answer, whatever the
    window's width.

    Returns:
        A `keras.Model`, `(batch, input_width, num_features)` ->
        `(batch, num_classes)` probabilities.
    """
    int_at_least("num_classes", num_classes, 2)
    positive_int("units", units)
    positive_int("num_layers", num_layers)
    dropout = rate("dropout", dropout)
    window, x = _window_input(input_width, num_features)
    x = keras.layers.Cropping1D((input_width - 1, 0), name="last_step")(x)
    x = keras.layers.Flatten(name="flatten")(x)  # (batch, num_features)
    for i in range(num_layers):
        x = keras.layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dense_dropout_{i}")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(
        x
    )
    model = keras.Model(window, outputs, name=name)
    return _compile(model, learning_rate, None, True) if compile else model
