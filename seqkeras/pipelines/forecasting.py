"""Forecasting: raw windows of a series in, forecasts in original units out."""

import numpy as np

from seqkeras._validation import one_of, positive_int
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.models.forecasting import (
    build_baseline_forecaster,
    build_forecaster,
    build_linear_forecaster,
)
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.pipelines.series import WindowPipeline
from seqkeras.pipelines.windowing import WindowSpec

# The architectures of `seqkeras train forecasting --architecture NAME`.
PRESETS = {
    "persistence": {"baseline": "persistence"},
    "baseline": {"baseline": "persistence"},
    "repeat": {"baseline": "repeat"},
    "linear": {"linear": True},
    "rnn": {"cell": "simple_rnn"},
    "gru": {"cell": "gru"},
    "lstm": {"cell": "lstm"},
    "bilstm": {"cell": "lstm", "bidirectional": True},
    "autoregressive": {"cell": "lstm", "strategy": "autoregressive"},
}
# Builder arguments the pipeline sets itself; users may pass the others.
BUILDER_DECIDES = {
    "input_width",
    "num_features",
    "horizon",
    "num_targets",
    "target_indices",
    "compile",
    "name",
}


@register_pipeline
class ForecastingPipeline(WindowPipeline):
    """Forecasts the next `horizon` steps of the target columns.

    Windows of `input_width` steps of the feature columns are the inputs; the
    `horizon` steps right after them are the labels. Statistics for the
    normalisation come from the training series; `predict` and the export
    take raw windows and return forecasts in original units.

    Args:
        architecture: "persistence" (alias "baseline") and "repeat" (no training),
            "linear", "rnn", "gru", "lstm", "bilstm" (direct multi-step) or
            "autoregressive" (an LSTM fed its own predictions).
        input_width: steps per window.
        horizon: steps to forecast.
        feature_columns: columns the model reads (default: the series').
        target_columns: columns to forecast (default: the series').
        stride: steps between training windows.
        period: for "repeat", the repeated stretch (default: `horizon`).
        seed: seeds initialisation and shuffling.
        **model_kwargs: passed to `build_forecaster` (`units`, `num_layers`,
            `dropout`, `cell`, `learning_rate`, ...).

    Example:

    >>> from seqkeras.datasets import load
    >>> train, validation, test = load("seattle-temps").split(0.7, 0.2)
    >>> pipeline = ForecastingPipeline("gru", input_width=24, horizon=6, units=8)
    >>> _ = pipeline.fit(train[:2000], epochs=1, verbose=0)
    >>> window = test.values[:24]  # (24 hours, 1 feature) in degrees F
    >>> pipeline.predict(window).shape  # one window: (horizon, targets)
    (6, 1)
    >>> pipeline.predict(test.values[None, :24]).shape  # a batch of windows
    (1, 6, 1)
    """

    task = "forecasting"
    presets = PRESETS
    builder = staticmethod(build_forecaster)
    task_aliases = ("forecast",)
    export_output = "forecast"

    def __init__(
        self,
        architecture="lstm",
        *,
        input_width=24,
        horizon=1,
        feature_columns=None,
        target_columns=None,
        stride=1,
        period=None,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(input_width, feature_columns, stride, seed)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.horizon = positive_int("horizon", horizon)
        self.target_columns = None if target_columns is None else tuple(target_columns)
        self.period = None if period is None else positive_int("period", period)
        self.model_kwargs = self._model_arguments(
            build_forecaster, model_kwargs, BUILDER_DECIDES
        )

    @property
    def is_baseline(self):
        return "baseline" in PRESETS[self.architecture]

    # === Data ===

    def _spec(self, stride=None):
        return WindowSpec(
            self.input_width, self.horizon, self.horizon, stride or self.stride
        )

    def _scaled_columns(self, series):
        if self.target_columns is None:
            self.target_columns = tuple(series.target_columns)
        return tuple(dict.fromkeys(self.feature_columns + self.target_columns))

    def _targets(self, series):
        values = series.values[:, series.column_indices(self.target_columns)]
        return self.scaler.select(self.target_columns).transform(values)

    def _raw_targets(self, series):
        return series.values[:, series.column_indices(self.target_columns)]

    def _target_indices(self):
        missing = [c for c in self.target_columns if c not in self.feature_columns]
        if missing:
            raise InvalidArgumentError(
                f"The {self.architecture} model predicts from the targets' own past, "
                f"but target(s) {missing} are not among the features "
                f"{list(self.feature_columns)}: add them to feature_columns."
            )
        return [self.feature_columns.index(c) for c in self.target_columns]

    # === Task hooks ===

    def _build_model(self):
        preset = PRESETS[self.architecture]
        shape = (self.input_width, self.num_features)
        if self.is_baseline:
            return build_baseline_forecaster(
                *shape,
                kind=preset["baseline"],
                horizon=self.horizon,
                target_indices=self._target_indices(),
                period=self.period,
            )
        if preset.get("linear"):
            kwargs = {
                k: v for k, v in self.model_kwargs.items() if k == "learning_rate"
            }
            return build_linear_forecaster(
                *shape,
                horizon=self.horizon,
                num_targets=len(self.target_columns),
                **kwargs,
            )
        kwargs = {**preset, **self.model_kwargs}
        if kwargs.get("strategy") == "autoregressive":
            kwargs["target_indices"] = self._target_indices()
        else:
            kwargs["num_targets"] = len(self.target_columns)
        return build_forecaster(*shape, horizon=self.horizon, **kwargs)

    def _extra_preprocessing(self):
        return {
            "feature_columns": list(self.feature_columns),
            "target_columns": list(self.target_columns),
        }

    def _load_extra_preprocessing(self, info):
        self.feature_columns = tuple(info["feature_columns"])
        self.target_columns = tuple(info["target_columns"])

    def fit(self, train, validation=None, **kwargs):
        """Trains the model (see `Pipeline.fit`); baselines only adapt."""
        if self.is_baseline:
            if not self._is_adapted():
                self._adapt(train)
            self.model = self.model or self._build_model()
            return self.history
        return super().fit(train, validation, **kwargs)

    # === Inference ===

    def _inference_outputs(self, outputs):
        targets = self.scaler.select(self.target_columns)
        return targets.layer(invert=True, name="to_original_units")(outputs)

    def _serving_outputs(self, outputs):
        return {"forecast": outputs}  # (batch, horizon, targets), original units

    def _output_shape(self):
        return (self.horizon, len(self.target_columns))

    def predict(self, windows, *, batch_size=None, verbose=0):
        """Forecasts for raw windows.

        Args:
            windows: one window `(input_width, features)`, or a batch
                `(batch, input_width, features)`, in the series' units.
            batch_size: windows per batch (default 256).
            verbose: 1 shows a progress bar.

        Returns:
            `(horizon, targets)` for one window, `(batch, horizon, targets)`
            for a batch, in original units.
        """
        return super().predict(windows, batch_size=batch_size, verbose=verbose)

    def evaluate(self, series, *, batch_size=None, verbose=0):
        """Errors in original units over every window of `series`.

        Returns:
            A dict: `mae`, `rmse` (all steps and targets), `mae_per_horizon`
            and `rmse_per_horizon` (one value per forecast step),
            `mae_per_target` (by column name) and `num_windows`.
        """
        inputs, labels = self.windows(series)
        if not len(inputs):
            raise InvalidInputError("The series has no complete window to evaluate.")
        forecasts = self.predict(inputs, batch_size=batch_size, verbose=verbose)
        errors = forecasts - labels
        absolute, squared = np.abs(errors), errors**2
        return {
            "mae": float(absolute.mean()),
            "rmse": float(np.sqrt(squared.mean())),
            "mae_per_horizon": absolute.mean(axis=(0, 2)).tolist(),
            "rmse_per_horizon": np.sqrt(squared.mean(axis=(0, 2))).tolist(),
            "mae_per_target": {
                name: float(value)
                for name, value in zip(
                    self.target_columns, absolute.mean(axis=(0, 1)), strict=True
                )
            },
            "num_windows": int(len(errors)),
        }
