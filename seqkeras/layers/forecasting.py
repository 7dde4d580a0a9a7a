"""Layers for forecasting: baseline forecasts and autoregressive feedback.

All take a window `(batch, input_width, features)` and return forecasts
`(batch, horizon, targets)`, where `target_indices` says which feature
columns are the targets. Written with `keras.ops` only.
"""

import keras
from keras import ops

from seqkeras._validation import one_of, positive_int
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.cells import cell_config_name, get_cell_class

BASELINES = ("persistence", "repeat")


def _indices(target_indices):
    indices = [int(i) for i in target_indices]
    if not indices or min(indices) < 0:
        raise InvalidArgumentError(
            "Received an invalid value for argument `target_indices`, expected a "
            f"non-empty list of column positions, got {target_indices!r}"
        )
    return indices


@keras.saving.register_keras_serializable(package="seqkeras")
class BaselineForecast(keras.layers.Layer):
    """A forecast that needs no training, to measure models against.

    "persistence": every future step equals the last observed value.
    "repeat": the last `period` observed steps repeat into the future (with
    `period=24` on hourly data, tomorrow looks like today).

    Args:
        kind: "persistence" or "repeat".
        target_indices: the positions of the target columns among the features.
        horizon: how many steps to forecast.
        period: for "repeat", the length of the repeated stretch (at most the
            window's length); None means `horizon`.

    Example:

    >>> layer = BaselineForecast("repeat", [0], horizon=4, period=2)
    >>> window = np.arange(5.0).reshape(1, 5, 1)  # 0 1 2 3 4
    >>> keras.ops.convert_to_numpy(layer(window))[0, :, 0].tolist()
    [3.0, 4.0, 3.0, 4.0]
    """

    def __init__(self, kind, target_indices, horizon, period=None, **kwargs):
        super().__init__(**kwargs)
        self.kind = one_of("kind", kind, BASELINES)
        self.target_indices = _indices(target_indices)
        self.horizon = positive_int("horizon", horizon)
        self.period = None if period is None else positive_int("period", period)

    def call(self, inputs):
        width = inputs.shape[1]
        if self.kind == "persistence":
            steps = [width - 1] * self.horizon
        else:
            period = self.period or self.horizon
            if width is not None and period > width:
                raise InvalidArgumentError(
                    f"The repeat baseline needs period <= input_width, got period "
                    f"{period} with windows of {width} steps."
                )
            steps = [width - period + h % period for h in range(self.horizon)]
        window = ops.take(inputs, self.target_indices, axis=2)  # (batch, w, t)
        return ops.take(window, steps, axis=1)  # (batch, horizon, targets)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.horizon, len(self.target_indices))

    def get_config(self):
        return {
            **super().get_config(),
            "kind": self.kind,
            "target_indices": self.target_indices,
            "horizon": self.horizon,
            "period": self.period,
        }


@keras.saving.register_keras_serializable(package="seqkeras")
class Autoregressive(keras.layers.Layer):
    """Forecasts one step at a time, feeding each prediction back as input.

    A recurrent cell first reads the whole window (the warm-up); a dense
    layer turns its output into a prediction of every feature for the next
    step; that prediction is the next input of the cell, and so on for
    `horizon` steps. The targets are picked out of the predicted features at
    the end, so the targets must be among the features.

    Args:
        cell: a name in `seqkeras.layers.cells.CELL_CLASSES` ("gru",
            "peephole_lstm", ...), or a cell class built as `cell(units)` and
            registered with `keras.saving.register_keras_serializable`.
        units: size of each cell's state.
        num_layers: cells stacked per step.
        num_features: features per step (what is predicted and fed back).
        target_indices: the positions of the targets among the features.
        horizon: how many steps to forecast.
    """

    def __init__(
        self,
        cell,
        units,
        num_features,
        target_indices,
        horizon,
        num_layers=1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # A cell class is stored by its registered name ("package>Class"), so
        # the layer's config stays JSON and reloads the same class.
        cell_class = get_cell_class(cell)
        self.cell = cell_config_name(cell)
        self.units = positive_int("units", units)
        self.num_features = positive_int("num_features", num_features)
        self.target_indices = _indices(target_indices)
        if max(self.target_indices) >= self.num_features:
            raise InvalidArgumentError(
                f"target_indices {self.target_indices} point past the "
                f"{self.num_features} features: autoregressive targets must be "
                "among the features."
            )
        self.horizon = positive_int("horizon", horizon)
        self.num_layers = positive_int("num_layers", num_layers)

        # === Layers ===
        cells = [cell_class(units) for _ in range(num_layers)]
        self.step = cells[0] if num_layers == 1 else keras.layers.StackedRNNCells(cells)
        self.warmup = keras.layers.RNN(self.step, return_state=True, name="warmup")
        self.readout = keras.layers.Dense(num_features, name="readout")

    def build(self, input_shape):
        self.warmup.build(input_shape)
        self.readout.build((input_shape[0], self.units))

    def call(self, inputs, training=None):
        output, *states = self.warmup(inputs, training=training)
        # The RNN layer returns the states flat (one cell) or per cell
        # (stacked); the cell wants them nested as its `state_size`.
        states = keras.tree.pack_sequence_as(
            self.step.state_size, keras.tree.flatten(states)
        )
        prediction = self.readout(output)  # (batch, features)
        predictions = [prediction]
        for _ in range(self.horizon - 1):
            output, states = self.step(prediction, states, training=training)
            prediction = self.readout(output)
            predictions.append(prediction)
        forecast = ops.stack(predictions, axis=1)  # (batch, horizon, features)
        return ops.take(forecast, self.target_indices, axis=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.horizon, len(self.target_indices))

    def get_config(self):
        return {
            **super().get_config(),
            "cell": self.cell,
            "units": self.units,
            "num_features": self.num_features,
            "target_indices": self.target_indices,
            "horizon": self.horizon,
            "num_layers": self.num_layers,
        }
