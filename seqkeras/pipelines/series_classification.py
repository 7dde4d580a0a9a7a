"""Sequence classification over time: a class for each window of steps.

The course's weather example: from the measurements of the last
`input_width` days, which weather will the day `shift` days later have
(`shift=1`: tomorrow; `shift=0`: the last day of the window itself)?
"""

import numpy as np
import tensorflow as tf

from seqkeras._validation import class_names, non_negative_int, one_of
from seqkeras.errors import InvalidInputError
from seqkeras.metrics import classification_scores
from seqkeras.models.forecasting import (
    build_feedforward_classifier,
    build_sequence_classifier,
)
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.pipelines.series import WindowPipeline
from seqkeras.pipelines.windowing import WindowSpec

# The architectures of `seqkeras train series-classification --architecture NAME`.
PRESETS = {
    "feedforward": {"feedforward": True},
    "rnn": {"cell": "simple_rnn"},
    "gru": {"cell": "gru"},
    "lstm": {"cell": "lstm"},
    "bilstm": {"cell": "lstm", "bidirectional": True},
}
# Builder arguments the pipeline sets itself; users may pass the others.
BUILDER_DECIDES = {
    "input_width",
    "num_features",
    "num_classes",
    "compile",
    "name",
}


@register_pipeline
class SequenceClassifierPipeline(WindowPipeline):
    """Classifies windows of a labelled series: raw window in, class out.

    Args:
        label_names: the class names, indexed by label id (a series'
            `label_names`).
        architecture: "feedforward" (sees only the last step of the window),
            "rnn", "gru", "lstm" or "bilstm".
        input_width: steps per window.
        shift: the labelled step is `shift` steps after the window's last
            (1: the next step; 0: the last step itself).
        feature_columns: columns the model reads (default: the series').
        stride: steps between training windows.
        seed: seeds initialisation and shuffling.
        **model_kwargs: passed to the builder (`units`, `num_layers`,
            `dropout`, `learning_rate`, ...).
    """

    task = "series-classification"
    presets = PRESETS
    builder = staticmethod(build_sequence_classifier)
    task_aliases = ("weather-classifier", "sequence-classification")
    monitor = ("val_accuracy", "max")
    export_output = "probabilities"

    def __init__(
        self,
        label_names,
        architecture="lstm",
        *,
        input_width=7,
        shift=1,
        feature_columns=None,
        stride=1,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(input_width, feature_columns, stride, seed)
        self.label_names = class_names("label_names", label_names, minimum=2)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.shift = non_negative_int("shift", shift)
        self.model_kwargs = self._model_arguments(
            build_sequence_classifier, model_kwargs, BUILDER_DECIDES
        )
        self.class_counts = None

    @property
    def num_classes(self):
        return len(self.label_names)

    # === Data ===

    def _series(self, data):
        series = super()._series(data)
        if series.labels is None:
            raise InvalidInputError(
                f"{series.name} has no labels: load it with a label column "
                "(load_csv_series(..., label_column=...))."
            )
        if tuple(series.label_names) != self.label_names:
            raise InvalidInputError(
                f"{series.name} has classes {list(series.label_names)}, but this "
                f"pipeline was made for {list(self.label_names)}."
            )
        return series

    def _spec(self, stride=None):
        return WindowSpec(self.input_width, 1, self.shift, stride or self.stride)

    def _targets(self, series):
        return series.labels

    _raw_targets = _targets

    def _adapt(self, train):
        super()._adapt(train)
        self.class_counts = np.bincount(
            self._series(train).labels, minlength=self.num_classes
        ).tolist()

    def _extra_preprocessing(self):
        return {
            "feature_columns": list(self.feature_columns),
            "class_counts": self.class_counts,
        }

    def _load_extra_preprocessing(self, info):
        self.feature_columns = tuple(info["feature_columns"])
        self.class_counts = info["class_counts"]

    # === Task hooks ===

    def _build_model(self):
        preset = PRESETS[self.architecture]
        shape = (self.input_width, self.num_features, self.num_classes)
        if preset.get("feedforward"):
            allowed = {"units", "num_layers", "dropout", "learning_rate"}
            kwargs = {k: v for k, v in self.model_kwargs.items() if k in allowed}
            return build_feedforward_classifier(*shape, **kwargs)
        return build_sequence_classifier(*shape, **{**preset, **self.model_kwargs})

    # === Inference ===

    def _serving_outputs(self, probabilities):
        names = tf.constant(self.label_names)
        return {
            "probabilities": probabilities,  # (batch, num_classes)
            "label": tf.gather(names, tf.argmax(probabilities, axis=-1)),
        }

    def _output_shape(self):
        return (self.num_classes,)

    def predict(self, windows, *, batch_size=None, verbose=0):
        """Class probabilities for raw windows: `(num_classes,)` for one
        window `(input_width, features)`, `(batch, num_classes)` for a batch
        `(batch, input_width, features)`."""
        return super().predict(windows, batch_size=batch_size, verbose=verbose)

    def evaluate(self, series, *, batch_size=None, verbose=0):
        """Accuracy, cross-entropy and confusion matrix over every window.

        Returns:
            A dict: `accuracy`, `loss`, `confusion_matrix` (rows: true class),
            `majority_accuracy` (always answering the most common training
            class) and `num_windows`.
        """
        inputs, labels = self.windows(series)
        if not len(inputs):
            raise InvalidInputError("The series has no complete window to evaluate.")
        labels = labels[:, 0]
        probabilities = self.predict(inputs, batch_size=batch_size, verbose=verbose)
        majority = int(np.argmax(self.class_counts))
        return {
            **classification_scores(probabilities, labels),
            "majority_class": self.label_names[majority],
            "majority_accuracy": float(np.mean(labels == majority)),
            "num_windows": int(len(labels)),
        }
