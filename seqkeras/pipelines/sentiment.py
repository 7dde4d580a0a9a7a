"""Sentiment classification from raw text: encoder + classifier + export."""

import keras
import numpy as np
import tensorflow as tf

from seqkeras._validation import builder_arguments, int_at_least, one_of, positive_int
from seqkeras.datasets.text import LabelledTexts
from seqkeras.errors import InvalidInputError
from seqkeras.models.sentiment import (
    PRESETS,
    build_sentiment_classifier,
    class_probabilities,
)
from seqkeras.pipelines.base import (
    EncoderPreprocessing,
    Pipeline,
    register_pipeline,
    vocabulary_fingerprint,
)
from seqkeras.pipelines.batching import sequence_dataset
from seqkeras.text import TextEncoder, as_text_batch

# Builder arguments the pipeline sets itself; users may pass the others.
BUILDER_DECIDES = {
    "vocabulary_size",
    "num_classes",
    "compile",
}


@register_pipeline
class SentimentPipeline(EncoderPreprocessing, Pipeline):
    """Raw text in, class probabilities out.

    The vocabulary is built from the training texts on the first `fit`.
    The same `TextEncoder` prepares text for training, for `predict` and
    inside the exported SavedModel.

    Args:
        label_names: the class names, indexed by label id.
        architecture: "dan", "rnn", "gru", "lstm" or "bilstm" (see
            `seqkeras.models.sentiment.PRESETS`).
        max_vocabulary_size: the most tokens to keep, reserved ones included.
        min_count: words seen fewer times in training become `[UNK]`.
        max_length: texts are truncated to this many tokens.
        lowercase: case-fold the text.
        bucketing: batch training sentences of similar length together.
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to `build_sentiment_classifier` (`units`,
            `embedding_dim`, `dropout`, `num_layers`, ...), overriding the
            architecture's defaults.

    Example:

    >>> from seqkeras.datasets import load
    >>> data = load("sentiment-sample").subset(train=200, test=50)
    >>> pipeline = SentimentPipeline(data.label_names, architecture="gru", units=8)
    >>> history = pipeline.fit(data.train, epochs=1, verbose=0)
    >>> pipeline.predict(["What a great film!"]).shape
    (1, 2)
    """

    task = "sentiment"
    encoder_class = TextEncoder
    monitor = ("val_accuracy", "max")

    def __init__(
        self,
        label_names=("negative", "positive"),
        *,
        architecture="lstm",
        max_vocabulary_size=20000,
        min_count=1,
        max_length=128,
        lowercase=True,
        bucketing=True,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.label_names = tuple(str(name) for name in label_names)
        if len(set(self.label_names)) != len(self.label_names):
            raise InvalidInputError(f"Label names must differ: {self.label_names}")
        int_at_least("len(label_names)", len(self.label_names), 2)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.max_vocabulary_size = positive_int(
            "max_vocabulary_size", max_vocabulary_size
        )
        self.min_count = positive_int("min_count", min_count)
        self.max_length = positive_int("max_length", max_length)
        self.lowercase = bool(lowercase)
        self.bucketing = bool(bucketing)
        self.model_kwargs = builder_arguments(
            build_sentiment_classifier, model_kwargs, exclude=BUILDER_DECIDES
        )
        self.encoder = TextEncoder(lowercase=lowercase, max_length=max_length)
        self._serve = self._serve_for = None

    @property
    def num_classes(self):
        return len(self.label_names)

    def get_config(self):
        return {
            "label_names": list(self.label_names),
            "architecture": self.architecture,
            "max_vocabulary_size": self.max_vocabulary_size,
            "min_count": self.min_count,
            "max_length": self.max_length,
            "lowercase": self.lowercase,
            "bucketing": self.bucketing,
            "seed": self.seed,
            **self.model_kwargs,
        }

    # === Data ===

    def _labelled(self, data):
        """Accepts `LabelledTexts` or a `(texts, labels)` pair; checks labels."""
        if not isinstance(data, LabelledTexts):
            if not (isinstance(data, (tuple, list)) and len(data) == 2):
                raise InvalidInputError(
                    "Expected LabelledTexts or a (texts, labels) pair, got "
                    f"{type(data).__name__}."
                )
            data = LabelledTexts(*data)
        if len(data) == 0:
            raise InvalidInputError("Got no examples: the data set is empty.")
        bad = (data.labels < 0) | (data.labels >= self.num_classes)
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInputError(
                f"Label {data.labels[i]} of example {i} is out of range: expected "
                f"0..{self.num_classes - 1} for classes {list(self.label_names)}."
            )
        return data

    def _encode_all(self, texts, chunk=8192):
        """Token ids of all `texts` as one ragged tensor."""
        texts = as_text_batch(texts)
        n = int(texts.shape[0])
        parts = [self.encoder.encode(texts[i : i + chunk]) for i in range(0, n, chunk)]
        return tf.concat(parts, axis=0)

    def _dataset(self, data, *, batch_size, training):
        data = self._labelled(data)
        dataset = sequence_dataset(
            self._encode_all(data.texts),
            data.labels,
            batch_size=batch_size,
            shuffle=training,
            bucketing=training and self.bucketing,
            seed=self.seed,
        )
        return dataset, len(data)

    # === Task hooks ===

    def _adapt(self, train):
        train = self._labelled(train)
        self.encoder.adapt(
            train.texts, max_size=self.max_vocabulary_size, min_count=self.min_count
        )

    def _is_adapted(self):
        return self.encoder.vocabulary is not None

    def _build_model(self):
        kwargs = {**PRESETS[self.architecture], **self.model_kwargs}
        return build_sentiment_classifier(
            self.encoder.vocabulary_size, num_classes=self.num_classes, **kwargs
        )

    def _fingerprint(self):
        return {
            **super()._fingerprint(),
            **vocabulary_fingerprint([self.encoder.vocabulary]),
        }

    # === Inference ===

    def predict(self, texts, *, batch_size=256, verbose=0):
        """Class probabilities for raw texts.

        Runs the same graph function as the exported `serve` signature, one
        batch at a time.

        Args:
            texts: a list of strings (a single string is a batch of one).
            batch_size: texts per batch.
            verbose: 1 shows a progress bar.

        Returns:
            A `(len(texts), num_classes)` float array; columns follow
            `label_names`.
        """
        if isinstance(texts, str):
            texts = [texts]
        if self.model is None:
            raise InvalidInputError("This pipeline is not trained: call `fit` first.")
        texts = as_text_batch(texts)
        n = int(texts.shape[0])
        serve = self.serving_function()
        progress = keras.utils.Progbar(n) if verbose and n else None
        outputs = [np.zeros((0, self.num_classes), dtype="float32")]
        for start in range(0, n, batch_size):
            outputs.append(
                serve(texts[start : start + batch_size])["probabilities"].numpy()
            )
            if progress:
                progress.update(min(start + batch_size, n))
        return np.concatenate(outputs)

    def predict_labels(self, texts, **kwargs):
        """The most probable label name for each text."""
        probabilities = self.predict(texts, **kwargs)
        return [self.label_names[i] for i in probabilities.argmax(axis=-1)]

    def evaluate(self, data, *, batch_size=256, verbose=0):
        """Accuracy, cross-entropy and confusion matrix on labelled data.

        Returns:
            A dict: `accuracy`, `loss`, `num_examples`, and `confusion_matrix`
            (rows: true class, columns: predicted class).
        """
        data = self._labelled(data)
        probabilities = self.predict(
            list(data.texts), batch_size=batch_size, verbose=verbose
        )
        predicted = probabilities.argmax(axis=-1)
        picked = probabilities[np.arange(len(data)), data.labels]
        confusion = np.zeros((self.num_classes, self.num_classes), dtype="int64")
        np.add.at(confusion, (data.labels, predicted), 1)
        return {
            "accuracy": float(np.mean(predicted == data.labels)),
            "loss": float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0)))),
            "num_examples": len(data),
            "confusion_matrix": confusion.tolist(),
        }

    # === Serving ===

    def serving_function(self):
        """The `tf.function` behind `predict` and the exported `serve` signature.

        Takes a `(batch,)` `tf.string` tensor of raw texts; returns a dict:
        `probabilities` `(batch, num_classes)`, `label` `(batch,)` and
        `label_names` `(batch, num_classes)`.
        """
        if self._serve is None or self._serve_for != (self.model, self.encoder):
            encoder, model = self.encoder, self.model
            names = tf.constant(self.label_names)

            @tf.function(
                input_signature=[tf.TensorSpec([None], tf.string, name="text")]
            )
            def serve(text):
                ids = encoder(text)  # (batch, time) int32, 0-padded
                probabilities = class_probabilities(model(ids, training=False))
                best = tf.argmax(probabilities, axis=-1)
                batch = tf.shape(text)[0]
                return {
                    "probabilities": probabilities,  # (batch, num_classes)
                    "label": tf.gather(names, best),  # (batch,)
                    "label_names": tf.tile(names[None, :], [batch, 1]),
                }

            self._serve, self._serve_for = serve, (model, encoder)
        return self._serve

    def _add_endpoints(self, archive):
        archive.track(self.encoder)
        archive.add_endpoint("serve", self.serving_function())
