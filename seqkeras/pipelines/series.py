"""What the time-series pipelines share: scaling, windows, raw-window serving.

A `WindowPipeline` trains its Keras model on normalised windows: each
column minus its training mean, divided by its training standard deviation
(statistics from the training split only, so nothing leaks from the future).
For prediction and export the statistics move into the graph: the serving
function takes raw windows `(batch, input_width, features)` in the series'
own units, normalises them, runs the model and (for forecasts) turns the
output back into original units. The statistics are saved with the pipeline.
"""

import json

import keras
import numpy as np
import tensorflow as tf

from seqkeras._validation import positive_int
from seqkeras.datasets.series import TimeSeries
from seqkeras.errors import InvalidInputError
from seqkeras.pipelines.base import Pipeline
from seqkeras.pipelines.stages import Staged
from seqkeras.pipelines.windowing import WindowSpec, window_arrays, window_dataset

PREPROCESSING_FILE = "preprocessing.json"


class Standardizer:
    """Per-column mean and standard deviation, fitted on training values.

    Args:
        columns: column names.
        mean, std: one value per column (a constant column gets std 1).
    """

    def __init__(self, columns, mean, std):
        self.columns = tuple(columns)
        self.mean = np.asarray(mean, dtype="float32")
        self.std = np.asarray(std, dtype="float32")

    @classmethod
    def fit(cls, series, columns):
        values = series.values[:, series.column_indices(columns)]
        std = values.std(axis=0)
        return cls(columns, values.mean(axis=0), np.where(std > 0, std, 1.0))

    def select(self, columns):
        """The statistics of some of the columns, in that order."""
        index = [self.columns.index(c) for c in columns]
        return Standardizer(columns, self.mean[index], self.std[index])

    def transform(self, values):
        return (np.asarray(values, dtype="float32") - self.mean) / self.std

    def inverse(self, values):
        return np.asarray(values, dtype="float32") * self.std + self.mean

    def layer(self, invert=False, name=None):
        """A Keras `Normalization` layer holding these statistics."""
        return keras.layers.Normalization(
            mean=self.mean, variance=self.std**2, invert=invert, name=name
        )

    def get_config(self):
        return {
            "columns": list(self.columns),
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
        }


class WindowPipeline(Pipeline):
    """Base of the forecasting and sequence-classification pipelines.

    Subclasses set `spec` (a `WindowSpec`) and implement `_targets(series)`,
    `_build_model()`, `_inference_outputs(x)` and `_serving_outputs(y)`.

    Args:
        input_width: steps per window.
        feature_columns: columns the model reads (default: the training
            series' `feature_columns`).
        stride: steps between training windows.
        seed: seeds initialisation and shuffling.
    """

    renamed_arguments = {"model": "architecture"}

    def __init__(self, input_width, feature_columns=None, stride=1, seed=0):
        super().__init__(seed=seed)
        self.input_width = positive_int("input_width", input_width)
        if feature_columns is not None:
            feature_columns = tuple(feature_columns)
        self.feature_columns = feature_columns
        self.stride = positive_int("stride", stride)
        self.scaler = None

    @property
    def num_features(self):
        return len(self.feature_columns)

    # === Data ===

    def _series(self, data):
        if not isinstance(data, TimeSeries):
            raise InvalidInputError(
                f"Expected a TimeSeries (seqkeras.datasets.load('seattle-temps'), "
                f"load_csv_series(...)), got {type(data).__name__}."
            )
        return data

    def _scaled_columns(self, series):
        """Columns whose statistics are kept (features, and targets if any)."""
        return self.feature_columns

    def _adapt(self, train):
        train = self._series(train)
        if self.feature_columns is None:
            self.feature_columns = tuple(train.feature_columns)
        self.scaler = Standardizer.fit(train, self._scaled_columns(train))

    def _is_adapted(self):
        return self.scaler is not None

    def _features(self, series):
        """Normalised feature values `(steps, features)`."""
        values = series.values[:, series.column_indices(self.feature_columns)]
        return self.scaler.select(self.feature_columns).transform(values)

    def _targets(self, series):
        raise NotImplementedError

    def _spec(self, stride=None):
        raise NotImplementedError

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        series = self._series(data)
        spec = self._spec(self.stride if training else 1)
        dataset = window_dataset(
            self._features(series),
            self._targets(series),
            spec,
            batch_size=batch_size,
            shuffle=training,
            seed=self.seed,
            drop_remainder=whole_batches,
        )
        return dataset, spec.num_windows(len(series))

    def windows(self, series):
        """Every window of `series` (stride 1), in original units.

        Returns:
            `(inputs, labels)`: raw inputs `(n, input_width, features)` and
            the labels (forecast targets in original units, or class ids).
        """
        series = self._series(series)
        values = series.values[:, series.column_indices(self.feature_columns)]
        return window_arrays(values, self._raw_targets(series), self._spec(1))

    def _raw_targets(self, series):
        raise NotImplementedError

    def _save_preprocessing(self, directory):
        info = {"scaler": self.scaler.get_config(), **self._extra_preprocessing()}
        (directory / PREPROCESSING_FILE).write_text(json.dumps(info, indent=1))

    def _load_preprocessing(self, directory):
        info = json.loads((directory / PREPROCESSING_FILE).read_text())
        self.scaler = Standardizer(**info.pop("scaler"))
        self._load_extra_preprocessing(info)

    def _extra_preprocessing(self):
        return {}

    def _load_extra_preprocessing(self, info):
        pass

    def _preprocessing_config(self):
        return {"scaler": self.scaler.get_config(), **self._extra_preprocessing()}

    def _load_preprocessing_from(self, other):
        self.scaler = other.scaler
        self.feature_columns = other.feature_columns
        self._load_extra_preprocessing(other._extra_preprocessing())

    def _fingerprint(self):
        return {**super()._fingerprint(), "scaler": self.scaler.get_config()}

    def _function_owners(self):
        return (self.model, self.scaler)

    # === Inference ===

    def inference_model(self):
        """A Keras model from raw windows to outputs in original units.

        It shares the trained model's layers and adds the normalisation
        (and, for forecasts, its inverse) around them.
        """
        if self.model is None:
            raise InvalidInputError("This pipeline is not trained: call `fit` first.")
        window = keras.Input((self.input_width, self.num_features), name="raw_window")
        x = self.scaler.select(self.feature_columns).layer(name="normalize")(window)
        outputs = self._inference_outputs(self.model(x))
        return keras.Model(window, outputs, name=f"{self.model.name}_raw")

    def _inference_outputs(self, outputs):
        return outputs

    def _serving_outputs(self, outputs):
        raise NotImplementedError

    def serving_function(self):
        """The function behind `predict` and the exported `serve` (a
        `stages.Staged`, callable like a `tf.function`).

        Takes raw windows `(batch, input_width, features)` float32; a window
        of the wrong length, the wrong number of features, or holding NaN is
        refused with a message that says what was expected.
        """
        return self._compiled("serve", self._make_serving_function)

    def _make_serving_function(self):
        model = self.inference_model()
        width, features = self.input_width, self.num_features
        names = ", ".join(self.feature_columns)

        def prepare(window):
            shape = tf.shape(window)
            checks = [
                tf.debugging.assert_equal(
                    shape[1:],
                    tf.constant([width, features]),
                    message=f"Expected windows of shape (batch, {width}, "
                    f"{features}): {width} steps of the features [{names}]; "
                    "got the shape printed below",
                ),
                tf.debugging.assert_all_finite(
                    window, "The window holds NaN or infinite values"
                ),
            ]
            with tf.control_dependencies(checks):
                window = tf.ensure_shape(window, [None, width, features])
            return (window,), ()

        def core(window):
            return model(window, training=False)

        def finish(context, outputs):
            return self._serving_outputs(outputs)

        return Staged(
            input_signature=[
                tf.TensorSpec([None, None, None], tf.float32, name="window")
            ],
            prepare=prepare,
            core=core,
            finish=finish,
            layers=[model],
        )

    def _batch_of(self, windows):
        """One window `(input_width, features)` or a batch of them."""
        expected = (self.input_width, self.num_features)
        shapes = (
            f"({expected[0]}, {expected[1]}) or (batch, {expected[0]}, {expected[1]})"
        )
        try:
            raw = np.asarray(windows)
        except ValueError:
            raise InvalidInputError(
                f"The windows' rows have different lengths: pass a float array "
                f"{shapes}."
            ) from None
        if raw.dtype.kind not in "iuf" and raw.size:
            what = {"U": "text", "S": "bytes", "b": "booleans"}.get(
                raw.dtype.kind, type(windows).__name__
            )
            first = raw.reshape(-1)[0]
            first = first.item() if isinstance(first, np.generic) else first
            raise InvalidInputError(
                f"Windows must hold numbers, got {what} (first item "
                f"{first!r:.40}). Pass a float array {shapes}."
            )
        windows = raw.astype("float32")
        single = windows.ndim == 2
        if single:
            windows = windows[None]
        if windows.ndim != 3 or windows.shape[1:] != expected:
            raise InvalidInputError(
                f"Expected windows of shape (batch, {expected[0]}, {expected[1]}) "
                f"or one window ({expected[0]}, {expected[1]}) ({expected[0]} "
                f"steps of {list(self.feature_columns)}), got {windows.shape}."
            )
        if not np.isfinite(windows).all():
            index = tuple(int(i) for i in np.argwhere(~np.isfinite(windows))[0])
            raise InvalidInputError(
                f"The windows hold NaN or infinite values (first at {index}): "
                "interpolate or drop them first."
            )
        return single, windows

    def _predict_batch(self, windows, *, batch_size, verbose):
        serve = self.serving_function()
        parts = [
            serve(tf.constant(batch))[self.export_output].numpy()
            for batch in self._batches(windows, batch_size, verbose)
        ]
        if not parts:
            return np.zeros((0, *self._output_shape()), dtype="float32")
        return np.concatenate(parts)

    def _output_shape(self):
        """The shape of one window's prediction."""
        raise NotImplementedError

    def _endpoints(self):
        return {"serve": self.serving_function()}


__all__ = ["Standardizer", "WindowPipeline", "WindowSpec"]
