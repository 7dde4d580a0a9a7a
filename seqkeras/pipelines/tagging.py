"""Sequence tagging from raw sentences: words in, one tag per word out."""

import keras
import numpy as np
import tensorflow as tf

from seqkeras._validation import (
    class_names,
    one_of,
    positive_int,
    positive_int_or_none,
)
from seqkeras.datasets.streams import ConllFile, encoded_rows
from seqkeras.datasets.tagging import TaggedSentences
from seqkeras.errors import (
    InvalidArgumentError,
    InvalidInputError,
    InvalidTagSequenceError,
)
from seqkeras.metrics import entity_scores, token_accuracy
from seqkeras.models.tagging import PRESETS, build_sequence_tagger, decode_tags
from seqkeras.pipelines.base import Pipeline, as_data
from seqkeras.pipelines.preprocessing import EncoderPreprocessing
from seqkeras.pipelines.pretrained import PretrainedEmbeddings
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.pipelines.stages import Staged
from seqkeras.tags import (
    SCHEMES,
    allowed_transitions,
    conlleval_spans,
    split_tag,
    validate_tags,
)
from seqkeras.text.encoder import as_text_batch
from seqkeras.text.words import WordEncoder, as_word_batch

# Builder arguments the pipeline sets itself; users may pass the others.
BUILDER_DECIDES = {
    "vocabulary_size",
    "num_tags",
    "char_vocabulary_size",
    "crf_constraints",
    "compile",
}
_WORDS_SPEC = tf.RaggedTensorSpec([None, None], tf.string, ragged_rank=1)


class _ValidationScores(keras.callbacks.Callback):
    """Adds `val_accuracy` (and `val_f1`) of the decoded tags to the logs.

    It runs before the callbacks that pick the best epoch, so that they can
    monitor entity F1, which Keras cannot compute itself.
    """

    def __init__(self, pipeline, validation):
        super().__init__()
        self.pipeline, self.validation = pipeline, validation

    def on_epoch_end(self, epoch, logs=None):
        scores = self.pipeline.evaluate(self.validation)
        logs["val_accuracy"] = scores["accuracy"]
        if "f1" in scores:
            logs["val_f1"] = scores["f1"]


@register_pipeline
class TaggingPipeline(PretrainedEmbeddings, EncoderPreprocessing, Pipeline):
    """Raw sentences in, one tag per word (and entity spans) out.

    Sentences are split on white space, or passed already split as lists of
    words; the words come back unchanged with their tags. The word (and
    character) vocabularies are built from the training sentences on the
    first `fit`. The same `WordEncoder` prepares words for training, for
    `predict` and inside the exported SavedModel.

    Args:
        tag_names: every tag, indexed by tag id.
        architecture: "bilstm", "bilstm-char", "bilstm-crf",
            "bilstm-char-crf", "lstm", "gru" or "rnn" (see
            `seqkeras.models.tagging.PRESETS`).
        scheme: "iob1", "iob2" or "iobes" when the tags mark entities (then
            `evaluate` reports entity F1, `predict` entity spans, and the best
            epoch is the one with the best validation F1); None for tags
            without spans, such as parts of speech (best validation accuracy).
        max_vocabulary_size: the most words to keep, reserved ids included
            (None: every training word).
        min_count: words seen fewer times in training become `[UNK]`.
        lowercase: case-fold words before the lookup (characters keep case).
        digits_to_zero: write digits as 0 before the lookup.
        max_word_length: characters read per word by a character model.
        constrain_crf: with a scheme and a CRF, forbid the transitions the
            scheme rules out (`O` -> `I-PER` in IOB2), so that no predicted
            sequence is invalid; False lets the CRF learn every transition.
        bucketing: batch training sentences of similar length together.
        embeddings, embeddings_training, frozen_epochs: pretrained word
            vectors to start the word embedding from, and what training does
            to them (see `seqkeras.pipelines.pretrained`); None learns them.
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to `build_sequence_tagger` (`units`,
            `embedding_dim`, `dropout`, `char_encoder`, `crf`, ...),
            overriding the architecture's defaults.

    Example:

    >>> data = TaggedSentences(
    ...     [["I", "like", "red", "apples"], ["you", "like", "it"]] * 20,
    ...     [["PRON", "VERB", "ADJ", "NOUN"], ["PRON", "VERB", "PRON"]] * 20)
    >>> pipeline = TaggingPipeline(data.tag_set(), units=8, embedding_dim=8,
    ...                            dropout=0.0, learning_rate=0.01)
    >>> history = pipeline.fit(data, epochs=30, verbose=0)
    >>> pipeline.predict("you like red apples")["tags"]
    ['PRON', 'VERB', 'ADJ', 'NOUN']
    """

    task = "tagging"
    presets = PRESETS
    file_class = ConllFile
    builder = staticmethod(build_sequence_tagger)
    task_aliases = ("tag",)
    encoder_class = WordEncoder
    export_output = "tags"

    def __init__(
        self,
        tag_names,
        architecture="bilstm",
        *,
        scheme=None,
        max_vocabulary_size=None,
        min_count=1,
        lowercase=False,
        digits_to_zero=True,
        max_word_length=24,
        constrain_crf=True,
        bucketing=True,
        embeddings=None,
        embeddings_training="fine-tuned",
        frozen_epochs=1,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.tag_names = class_names("tag_names", tag_names)
        self.scheme = None if scheme is None else one_of("scheme", scheme, SCHEMES)
        if self.scheme is not None:
            for tag in self.tag_names:
                split_tag(tag)  # each tag must read as O or PREFIX-TYPE
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.max_vocabulary_size = positive_int_or_none(
            "max_vocabulary_size", max_vocabulary_size
        )
        self.min_count = positive_int("min_count", min_count)
        self.lowercase = bool(lowercase)
        self.digits_to_zero = bool(digits_to_zero)
        self.max_word_length = positive_int("max_word_length", max_word_length)
        self.constrain_crf = bool(constrain_crf)
        self.bucketing = bool(bucketing)
        self.model_kwargs = self._model_arguments(
            build_sequence_tagger, model_kwargs, BUILDER_DECIDES
        )
        self.monitor = ("val_f1", "max") if self.scheme else ("val_accuracy", "max")
        self.encoder = WordEncoder(
            lowercase=lowercase,
            digits_to_zero=digits_to_zero,
            max_word_length=max_word_length if self.uses_chars else None,
        )
        self._tag_ids = {tag: i for i, tag in enumerate(self.tag_names)}
        self._embedding_options(embeddings, embeddings_training, frozen_epochs)

    @property
    def num_tags(self):
        return len(self.tag_names)

    @property
    def model_arguments(self):
        """The builder's keyword arguments: the architecture's, then the user's."""
        return {**PRESETS[self.architecture], **self.model_kwargs}

    @property
    def uses_chars(self):
        return self.model_arguments.get("char_encoder") is not None

    # === Data ===

    def _tagged(self, data):
        """Accepts `TaggedSentences` or a `(sentences, tags)` pair; checks tags."""
        data = as_data(data, TaggedSentences, "(sentences, tags)")
        for i, tags in enumerate(data.tags):
            unknown = [tag for tag in tags if tag not in self._tag_ids]
            if unknown:
                raise InvalidInputError(
                    f"Sentence {i} has the tag {unknown[0]!r}, which is not among "
                    f"this pipeline's tags {list(self.tag_names)}."
                )
        return data

    def _encode_all(self, sentences, chunk=4096):
        """Word (and character) ids of all sentences, ragged over sentences."""
        words = as_word_batch(list(sentences))
        n = int(words.nrows())
        parts = [self.encoder.encode(words[i : i + chunk]) for i in range(0, n, chunk)]
        return {key: tf.concat([p[key] for p in parts], axis=0) for key in parts[0]}

    def _file_options(self):
        return {"tag_names": self.tag_names}

    def _stream_tag_ids(self, tags):
        """Tag names (ragged) -> ids, for a streamed file (whose sentences
        hold known tags only)."""
        table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(self.tag_names), tf.range(self.num_tags, dtype=tf.int32)
            ),
            default_value=-1,
        )
        return tf.ragged.map_flat_values(table.lookup, tags)

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        stream = self._stream(data)
        if stream is not None:
            rows = encoded_rows(
                stream,
                lambda words, tags: (
                    self.encoder.encode(words),
                    self._stream_tag_ids(tags),
                ),
            )
            dataset = self._stream_batches(
                rows,
                stream,
                labelled=True,
                per_token=True,
                label_padding=-1,
                batch_size=batch_size,
                training=training,
                whole_batches=whole_batches,
            )
            return dataset, len(stream)
        data = self._tagged(data)
        tag_ids = tf.ragged.constant(
            [[self._tag_ids[tag] for tag in tags] for tags in data.tags],
            dtype=tf.int32,
        )
        dataset = self._sequence_batches(
            self._encode_all(data.tokens),
            tag_ids,
            batch_size=batch_size,
            training=training,
            label_padding=-1,
            whole_batches=whole_batches,
        )
        return dataset, len(data)

    # === Task hooks ===

    def _sentences(self, data):
        """The sentences (lists of words) of `data`; for a streamed file, a
        dataset of them."""
        stream = self._stream(data)
        if stream is not None:
            return stream.examples().map(lambda words, tags: words)
        return self._tagged(data).tokens

    def _adapt(self, train):
        self._adapt_encoder(self.encoder, self._sentences(train))

    def _check_jit_compile(self, jit_compile):
        crf = {**PRESETS[self.architecture], **self.model_kwargs}.get("crf")
        if jit_compile and crf and keras.backend.backend() == "tensorflow":
            raise InvalidArgumentError(
                "TensorFlow's XLA cannot compile the CRF's training step (the "
                "gradient of its loop over the words has no fixed length): train "
                "without jit_compile (--jit-compile), or with Keras on JAX, whose "
                "XLA compiles it."
            )

    def _build_model(self):
        self.model_kwargs.update(
            self._embedding_size(self.model_arguments.get("embedding_dim"))
        )
        arguments = self.model_arguments
        if arguments.get("crf") and self.scheme and self.constrain_crf:
            arguments["crf_constraints"] = allowed_transitions(
                self.tag_names, self.scheme
            )
        return build_sequence_tagger(
            self.encoder.vocabulary_size,
            self.num_tags,
            char_vocabulary_size=self.encoder.char_vocabulary_size,
            **arguments,
        )

    def _fit_callbacks(self, validation):
        return [] if validation is None else [_ValidationScores(self, validation)]

    def _embedding_layer(self):
        return self.model.get_layer("token_embedding")

    def _embedding_tokens(self, train):
        sentences = self._sentences(train)
        if isinstance(sentences, tf.data.Dataset):
            batches = sentences.ragged_batch(4096)
        else:
            batches = (
                as_word_batch(sentences[start : start + 4096])
                for start in range(0, len(sentences), 4096)
            )
        for words in batches:
            for row in self.encoder.normalize(words).to_list():
                yield [t.decode("utf-8") for t in row]

    # === Inference ===

    def _batch_of(self, sentences):
        """A string is one sentence (split on white space); a list holds
        sentences, as strings or as lists of words."""
        if isinstance(sentences, str):
            return True, self.encoder.split(as_text_batch([sentences]))
        if isinstance(sentences, (list, tuple)) and all(
            isinstance(s, str) for s in sentences
        ):
            return False, self.encoder.split(as_text_batch(list(sentences)))
        return False, as_word_batch(sentences)

    def _predict_batch(self, words, *, batch_size, verbose):
        results = []
        for tokens, tags in self._tag(words, batch_size, verbose):
            result = {"tokens": tokens, "tags": tags}
            if self.scheme is not None:
                result["entities"] = [
                    {
                        "type": kind,
                        "start": start,
                        "end": end,
                        "text": " ".join(tokens[start:end]),
                    }
                    for kind, start, end in conlleval_spans(tags)
                ]
            results.append(result)
        return results

    def predict(self, sentences, *, batch_size=None, verbose=0):
        """Tags raw sentences.

        Runs the same graph function as the exported signatures.

        Args:
            sentences: one sentence (a string, split on white space), or a
                list of sentences, as strings or as lists of words (so one
                sentence already split is `[words]`). An empty sentence
                gives no words and no tags.
            batch_size: sentences per batch (default 256).
            verbose: 1 shows a progress bar.

        Returns:
            For each sentence a dict: `tokens` and `tags` (lists of strings),
            and with a scheme `entities`, a list of dicts with `type`,
            `start`, `end` (exclusive word indices) and `text`. One dict for
            one sentence, a list of them for a list.
        """
        return super().predict(sentences, batch_size=batch_size, verbose=verbose)

    def predict_tags(self, sentences, **kwargs):
        """The tags alone: a list of tag names for one sentence, a list of
        such lists for a list of sentences (arguments as `predict`)."""
        results = self.predict(sentences, **kwargs)
        if isinstance(results, dict):
            return results["tags"]
        return [result["tags"] for result in results]

    def _tag(self, words, batch_size, verbose):
        tag_words = self.serving_functions()["serve_words"]
        for batch in self._batches(words, batch_size, verbose):
            tags = tag_words(batch)["tags"].to_list()
            for row, row_tags in zip(batch.to_list(), tags, strict=True):
                yield (
                    [w.decode("utf-8") for w in row],
                    [t.decode("utf-8") for t in row_tags],
                )

    def evaluate(self, data, *, batch_size=None, verbose=0):
        """Token accuracy, and with a scheme entity scores, on tagged data.

        Returns:
            A dict: `accuracy` (token level), `num_sentences`, `num_tokens`;
            with a scheme also `precision`, `recall`, `f1`, `per_type` (see
            `seqkeras.metrics.entity_scores`) and `invalid_sequences`, the
            fraction of predicted sentences that break the scheme.
        """
        data = self._open(data)
        stream = self._stream(data)
        if stream is not None:
            # The sentences pass through once, a batch at a time; only the
            # gold and predicted tags stay (entity scores count over all).
            gold, predicted = [], []
            size = self._inference_batch_size(batch_size)
            for words, tags in stream.examples().ragged_batch(size):
                gold.extend([t.decode() for t in row] for row in tags.to_list())
                predicted.extend(tags for _, tags in self._tag(words, size, 0))
        else:
            data = self._tagged(data)
            gold = data.tags
            predicted = self.predict_tags(
                [list(s) for s in data.tokens], batch_size=batch_size, verbose=verbose
            )
        scores = {
            "accuracy": token_accuracy(gold, predicted),
            "num_sentences": len(gold),
            "num_tokens": sum(len(tags) for tags in gold),
        }
        if self.scheme is not None:
            entities = entity_scores(gold, predicted)
            scores.update(
                precision=entities["precision"],
                recall=entities["recall"],
                f1=entities["f1"],
                per_type=entities["per_type"],
                invalid_sequences=float(
                    np.mean([not self._valid(tags) for tags in predicted])
                ),
            )
        return scores

    def _valid(self, tags):
        try:
            validate_tags(tags, self.scheme)
        except InvalidTagSequenceError:
            return False
        return True

    # === Serving ===

    def serving_functions(self):
        """The functions behind `predict` and the exported signatures
        (`stages.Staged`, callable like `tf.function`s).

        `serve` takes a `(batch,)` `tf.string` tensor of sentences and splits
        them on white space; `serve_words` takes a ragged `(batch, None)`
        `tf.string` tensor of words. Both return a dict of ragged tensors:
        `tokens` (the words) and `tags`.
        """
        return self._compiled("serve", self._make_serving_functions)

    def _make_serving_functions(self):
        encoder, model = self.encoder, self.model
        names = tf.constant(self.tag_names)

        def prepare_words(words):
            features = encoder(words)  # token_ids (batch, time), char_ids
            lengths = words.row_lengths()
            mask = tf.sequence_mask(lengths, tf.shape(features["token_ids"])[1])
            return (features, mask), (words, lengths)

        def prepare_sentences(sentences):
            return prepare_words(encoder.split(sentences))

        def core(features, mask):
            return decode_tags(model(features, training=False), mask)

        def finish(context, ids):  # ids (batch, time)
            words, lengths = context
            ids = tf.RaggedTensor.from_tensor(ids, lengths=lengths)
            return {"tokens": words, "tags": tf.gather(names, ids)}

        # The words' and the characters' time axes are one.
        shapes = [{"token_ids": "(batch, time)"}, "(batch, time)"]
        if encoder.uses_chars:
            shapes[0]["char_ids"] = f"(batch, time, {encoder.max_word_length})"

        def staged(spec, prepare):
            return Staged(
                input_signature=[spec],
                prepare=prepare,
                core=core,
                finish=finish,
                layers=[model],
                core_shapes=shapes,
            )

        sentences = tf.TensorSpec([None], tf.string, name="sentences")
        return {
            "serve": staged(sentences, prepare_sentences),
            "serve_words": staged(_WORDS_SPEC, prepare_words),
        }

    def _endpoints(self):
        return self.serving_functions()
