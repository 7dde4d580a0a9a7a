"""Sentiment classification from raw text: encoder + classifier + export."""

import numpy as np
import tensorflow as tf

from seqkeras._validation import class_names, one_of
from seqkeras.datasets.streams import LabelledTextFile, encoded_rows
from seqkeras.datasets.text import LabelledTexts
from seqkeras.errors import InvalidInputError
from seqkeras.metrics import classification_scores
from seqkeras.models.sentiment import (
    PRESETS,
    build_sentiment_classifier,
    class_probabilities,
)
from seqkeras.pipelines.base import Pipeline, as_data
from seqkeras.pipelines.batching import encode_texts
from seqkeras.pipelines.preprocessing import EncoderPreprocessing
from seqkeras.pipelines.pretrained import PretrainedEmbeddings, text_tokens
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.pipelines.stages import Staged
from seqkeras.text import TextEncoder, as_text_batch

# Builder arguments the pipeline sets itself; users may pass the others.
BUILDER_DECIDES = {
    "vocabulary_size",
    "num_classes",
    "compile",
}


@register_pipeline
class SentimentPipeline(PretrainedEmbeddings, EncoderPreprocessing, Pipeline):
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
        embeddings, embeddings_training, frozen_epochs: pretrained word
            vectors to start the word embedding from, and what training does
            to them (see `seqkeras.pipelines.pretrained`); None learns them.
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to `build_sentiment_classifier` (`units`,
            `embedding_dim`, `dropout`, `num_layers`, ...), overriding the
            architecture's defaults.

    Example:

    >>> from seqkeras.datasets import load
    >>> data = load("sentiment-sample").subset(train=200, test=50)
    >>> pipeline = SentimentPipeline(data.label_names, "gru", units=8)
    >>> history = pipeline.fit(data.train, epochs=1, verbose=0)
    >>> pipeline.predict("What a great film!").shape  # one text: its probabilities
    (2,)
    >>> pipeline.predict(["What a great film!", "Dull."]).shape  # a batch
    (2, 2)
    """

    task = "sentiment"
    presets = PRESETS
    file_class = LabelledTextFile
    builder = staticmethod(build_sentiment_classifier)
    encoder_class = TextEncoder
    monitor = ("val_accuracy", "max")
    export_output = "probabilities"

    def __init__(
        self,
        label_names=("negative", "positive"),
        architecture="lstm",
        *,
        max_vocabulary_size=20000,
        min_count=1,
        max_length=128,
        lowercase=True,
        bucketing=True,
        embeddings=None,
        embeddings_training="fine-tuned",
        frozen_epochs=1,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.label_names = class_names("label_names", label_names, minimum=2)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self._text_options(max_vocabulary_size, min_count, max_length, lowercase)
        self.bucketing = bool(bucketing)
        self.model_kwargs = self._model_arguments(
            build_sentiment_classifier, model_kwargs, BUILDER_DECIDES
        )
        self.encoder = TextEncoder(lowercase=lowercase, max_length=max_length)
        self._embedding_options(embeddings, embeddings_training, frozen_epochs)

    @property
    def num_classes(self):
        return len(self.label_names)

    # === Data ===

    def _labelled(self, data):
        """Accepts `LabelledTexts` or a `(texts, labels)` pair; checks labels."""
        data = as_data(data, LabelledTexts, "(texts, labels)")
        bad = (data.labels < 0) | (data.labels >= self.num_classes)
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInputError(
                f"Label {data.labels[i]} of example {i} is out of range: expected "
                f"0..{self.num_classes - 1} for classes {list(self.label_names)}."
            )
        return data

    def _file_options(self):
        return {"label_names": self.label_names}

    def _stream(self, data):
        stream = super()._stream(data)
        if stream is not None and tuple(stream.label_names) != self.label_names:
            raise InvalidInputError(
                f"{stream.path} was read with the classes {list(stream.label_names)}, "
                f"but this pipeline's are {list(self.label_names)}: pass "
                "label_names=pipeline.label_names to LabelledTextFile."
            )
        return stream

    def _stream_rows(self, stream):
        """The file's examples as `(ids, label)` rows."""
        return encoded_rows(
            stream, lambda texts, labels: (self.encoder.encode(texts), labels)
        )

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        stream = self._stream(data)
        if stream is not None:
            dataset = self._stream_batches(
                self._stream_rows(stream),
                stream,
                labelled=True,
                batch_size=batch_size,
                training=training,
                whole_batches=whole_batches,
            )
            return dataset, len(stream)
        data = self._labelled(data)
        ids = encode_texts(self.encoder, data.texts)
        dataset = self._sequence_batches(
            ids,
            data.labels,
            batch_size=batch_size,
            training=training,
            whole_batches=whole_batches,
        )
        return dataset, len(data)

    # === Task hooks ===

    def _texts(self, data):
        """The texts of `data`: a list, or a dataset for a streamed file."""
        stream = self._stream(data)
        if stream is None:
            return self._labelled(data).texts
        return stream.examples().map(lambda text, label: text)

    def _adapt(self, train):
        self._adapt_encoder(self.encoder, self._texts(train))

    def _build_model(self):
        self.model_kwargs.update(
            self._embedding_size(self.model_kwargs.get("embedding_dim"))
        )
        kwargs = {**PRESETS[self.architecture], **self.model_kwargs}
        return build_sentiment_classifier(
            self.encoder.vocabulary_size, num_classes=self.num_classes, **kwargs
        )

    def _embedding_layer(self):
        return self.model.get_layer("token_embedding")

    def _embedding_tokens(self, train):
        return text_tokens(self.encoder, self._texts(train))

    # === Inference ===

    def _batch_of(self, texts):
        single = isinstance(texts, str)
        return single, as_text_batch([texts] if single else texts)

    def _predict_batch(self, texts, *, batch_size, verbose):
        serve = self.serving_function()
        outputs = [np.zeros((0, self.num_classes), dtype="float32")]
        for batch in self._batches(texts, batch_size, verbose):
            outputs.append(serve(batch)["probabilities"].numpy())
        return np.concatenate(outputs)

    def predict(self, texts, *, batch_size=None, verbose=0):
        """Class probabilities for raw texts.

        Runs the same graph function as the exported `serve` signature.

        Args:
            texts: one string, or a list of strings.
            batch_size: texts per batch (default 256).
            verbose: 1 shows a progress bar.

        Returns:
            For one text, its `(num_classes,)` probabilities; for a list, a
            `(len(texts), num_classes)` array. Columns follow `label_names`.
        """
        return super().predict(texts, batch_size=batch_size, verbose=verbose)

    def predict_labels(self, texts, **kwargs):
        """The most probable label name: one for one text, a list for a list."""
        probabilities = self.predict(texts, **kwargs)
        if probabilities.ndim == 1:
            return self.label_names[int(probabilities.argmax())]
        return [self.label_names[i] for i in probabilities.argmax(axis=-1)]

    def evaluate(self, data, *, batch_size=None, verbose=0):
        """Accuracy, cross-entropy and confusion matrix on labelled data.

        Returns:
            A dict: `accuracy`, `loss`, `num_examples`, and `confusion_matrix`
            (rows: true class, columns: predicted class).
        """
        data = self._open(data)
        stream = self._stream(data)
        if stream is not None:
            # The file's texts pass through once, a batch at a time; only
            # the probabilities and labels stay.
            serve = self.serving_function()
            size = self._inference_batch_size(batch_size)
            parts = [
                (serve(texts)["probabilities"].numpy(), labels.numpy())
                for texts, labels in stream.examples().batch(size)
            ]
            probabilities = np.concatenate([p for p, _ in parts])
            labels = np.concatenate([y for _, y in parts])
        else:
            data = self._labelled(data)
            probabilities = self.predict(
                list(data.texts), batch_size=batch_size, verbose=verbose
            )
            labels = data.labels
        scores = classification_scores(probabilities, labels)
        return {**scores, "num_examples": len(labels)}

    # === Serving ===

    def serving_function(self):
        """The function behind `predict` and the exported `serve` signature
        (a `stages.Staged`, callable like a `tf.function`).

        Takes a `(batch,)` `tf.string` tensor of raw texts; returns a dict:
        `probabilities` `(batch, num_classes)`, `label` `(batch,)` and
        `label_names` `(batch, num_classes)`.
        """
        return self._compiled("serve", self._make_serving_function)

    def _make_serving_function(self):
        encoder, model = self.encoder, self.model
        names = tf.constant(self.label_names)

        def prepare(text):
            return (encoder(text),), tf.shape(text)[0]  # ids (batch, time), 0-padded

        def core(ids):
            return class_probabilities(model(ids, training=False))

        def finish(batch, probabilities):  # (batch, num_classes)
            best = tf.argmax(probabilities, axis=-1)
            return {
                "probabilities": probabilities,
                "label": tf.gather(names, best),  # (batch,)
                "label_names": tf.tile(names[None, :], [batch, 1]),
            }

        return Staged(
            input_signature=[tf.TensorSpec([None], tf.string, name="text")],
            prepare=prepare,
            core=core,
            finish=finish,
            layers=[model],
        )

    def _endpoints(self):
        return {"serve": self.serving_function()}
