"""Language models from raw text: train with TBPTT, perplexity, scoring,
generation.

One concept in one module, although it is long: the language-model
pipeline, whose training (a stateful model over one stream), evaluation
(exact perplexity with a carried state) and scoring belong together.

The corpus becomes one stream of ids (`seqkeras.datasets.language`), cut
into windows for truncated backpropagation through time
(`seqkeras.pipelines.tbptt`); the training model is stateful, so each batch
starts where the previous one ended, and its state is zeroed at the start of
every epoch and of every validation pass. `evaluate` reads a whole split as
a single stream with the state carried from its first token to its last
(batch 1, as perplexities are reported) and returns the exact perplexity.

For scoring and generation the pipeline runs a stateless copy of the model
with the same weights: `score` gives each sentence's log-probability
`log P(its words and [END] | [END] [START])` and its per-token perplexity;
`predict` (or its alias `generate`) reads a prompt and continues it with
`seqkeras.decoding` (greedy, sampling with temperature and top-k, beam
search; the shared `GenerativePipeline`), stopping at `[END]` for word
models.
"""

import collections
import os
import tempfile
import weakref

import keras
import numpy as np
import tensorflow as tf

from seqkeras._validation import (
    one_of,
    positive_float,
    positive_int,
    positive_int_or_none,
)
from seqkeras.datasets.language import LEVELS, TextStream
from seqkeras.datasets.streams import TextLinesFile
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.models.language import (
    PRESETS,
    build_language_model,
    initial_states,
    reset_states,
    step_function,
)
from seqkeras.pipelines.generative import GenerativePipeline
from seqkeras.pipelines.preprocessing import (
    EncoderPreprocessing,
    vocabulary_fingerprint,
)
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.pipelines.stages import Staged
from seqkeras.pipelines.tbptt import tbptt_dataset, tbptt_windows
from seqkeras.text.encoder import as_text_batch
from seqkeras.text.vocabulary import END, START, UNK, Vocabulary
from seqkeras.text.words import WordEncoder

# Builder arguments the pipeline sets itself.
BUILDER_DECIDES = {"vocabulary_size", "batch_size", "compile", "seed"}


class _ResetStates(keras.callbacks.Callback):
    """Zeroes the carried state when an epoch and a validation pass begin."""

    def on_epoch_begin(self, epoch, logs=None):
        reset_states(self.model)

    def on_test_begin(self, logs=None):
        reset_states(self.model)


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


@register_pipeline
class LanguageModelPipeline(EncoderPreprocessing, GenerativePipeline):
    """A word- or character-level RNN language model for raw text.

    `predict(prompt)` continues a prompt (one string -> one string, a list
    -> a list), sampling by default; `generate` is the same under the
    task's own verb.

    Args:
        architecture: a cell with the builder's default sizes ("lstm",
            "gru", "rnn", "peephole-lstm", "simplified-gru"), or a set-up
            from `seqkeras.models.language.CONFIGS` ("small": Zaremba et
            al.'s PTB set-up; "course": the course's model), which also sets
            `num_steps`, `batch_size` and the learning-rate decay; explicit
            arguments override it.
        level: "word" (sentences of words split on white space, each wrapped
            in `[START]` ... `[END]`) or "char" (the text's characters).
        num_steps: the TBPTT window, in tokens.
        batch_size: streams read side by side (fixed: the model is stateful).
        max_vocabulary_size: the most tokens to keep, reserved ones included.
        min_count: tokens seen fewer times in training become `[UNK]`.
        lowercase: case-fold the text.
        decay_after: from this epoch on, multiply the learning rate by
            `decay` every epoch (None: constant).
        decay: see `decay_after`.
        seed: seeds initialisation and dropout.
        **model_kwargs: passed to `build_language_model` (`cell`, `units`,
            `embedding_dim`, `dropout`, `tie_embeddings`, `optimizer`,
            `learning_rate`, `clipnorm`, ...).
    """

    task = "language-model"
    presets = PRESETS
    file_class = TextLinesFile
    builder = staticmethod(build_language_model)
    task_aliases = ("lm", "language")
    encoder_class = WordEncoder
    monitor = ("val_perplexity", "min")
    default_method = "sample"
    export_signature = "generate"
    export_output = "text"
    renamed_arguments = {"config": "architecture"}
    max_length = 50  # tokens generated unless told otherwise

    def __init__(
        self,
        architecture="lstm",
        *,
        level="word",
        num_steps=None,
        batch_size=None,
        max_vocabulary_size=None,
        min_count=1,
        lowercase=False,
        decay_after=None,
        decay=None,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.level = one_of("level", level, LEVELS)
        # The class's presets: a subclass (the melody model) brings its own.
        self.architecture = one_of("architecture", architecture, self.presets)
        preset = self.presets[architecture]
        self.num_steps = positive_int(
            "num_steps", num_steps or preset.get("num_steps", 20)
        )
        self.batch_size = positive_int(
            "batch_size", batch_size or preset.get("batch_size", 20)
        )
        self.max_vocabulary_size = positive_int_or_none(
            "max_vocabulary_size", max_vocabulary_size
        )
        self.min_count = positive_int("min_count", min_count)
        self.lowercase = bool(lowercase)
        decay_after = (
            decay_after if decay_after is not None else preset.get("decay_after")
        )
        self.decay_after = (
            None if decay_after is None else positive_int("decay_after", decay_after)
        )
        self.decay = positive_float(
            "decay", decay if decay is not None else preset.get("decay", 0.5)
        )
        self.model_kwargs = self._model_arguments(
            build_language_model,
            {**preset.get("model", {}), **model_kwargs},
            BUILDER_DECIDES,
        )
        self.encoder = WordEncoder(lowercase=lowercase, digits_to_zero=False)
        self._inference = None
        self._id_files = {}  # (file, vocabulary) -> its encoded ids' file

    @classmethod
    def _current_config(cls, config):
        config = super()._current_config(config)
        if config.get("architecture") is None:  # saved without a config
            config["architecture"] = "lstm"
        return config

    # === Task hooks ===

    def _file_options(self):
        return {"level": self.level}

    def _check_stream(self, data, name="data"):
        if isinstance(data, TextLinesFile):
            if data.level != self.level:
                raise InvalidInputError(
                    f"`{name}` is read as {data.level}-level text but this pipeline "
                    f"models {self.level}s: pass level={self.level!r}."
                )
            return data
        if not isinstance(data, TextStream):
            raise InvalidInputError(
                f"`{name}` must be a TextStream (a split of a LanguageModelData, "
                f"from seqkeras.datasets.load('ptb') or load_text(path)); got "
                f"{type(data).__name__}."
            )
        if data.level != self.level:
            raise InvalidInputError(
                f"`{name}` is {data.level}-level text but this pipeline models "
                f"{self.level}s: load the data with level={self.level!r}."
            )
        if data.num_tokens == 0:
            raise InvalidInputError(f"`{name}` holds no text.")
        return data

    def _adapt(self, train):
        self._check_stream(train, "train")
        counts = collections.Counter()
        for tokens in self._raw_token_batches(train):
            normalized = self.encoder.normalize(tokens).numpy()
            counts.update(t.decode("utf-8") for t in normalized)
        for reserved in (START, END, UNK):
            counts.pop(reserved, None)
        self.encoder.set_vocabulary(
            Vocabulary.from_counts(
                counts, max_size=self.max_vocabulary_size, min_count=self.min_count
            )
        )

    def _raw_token_batches(self, stream, lines=4096):
        """The stream's tokens without `[START]` / `[END]`, as 1-D string
        tensors of `lines` sentences' or lines' tokens each."""
        if isinstance(stream, TextLinesFile):
            for (batch,) in stream.example_batches():
                yield batch.flat_values
            return
        for start in range(0, len(stream.units), lines):
            part = TextStream(stream.units[start : start + lines], stream.level)
            if self.level == "char":
                tokens = part.tokens()
            else:
                tokens = [word for sentence in part.units for word in sentence]
            if tokens:
                yield tf.constant(tokens)

    @property
    def vocabulary(self):
        return self.encoder.vocabulary

    def _build_model(self):
        return build_language_model(
            len(self.vocabulary),
            batch_size=self.batch_size,
            seed=self.seed,
            **self.model_kwargs,
        )

    def _evaluation_callbacks(self):
        return [_ResetStates()]

    def _replica_model(self, replicas):
        # The stateful model carries one state row per stream. JAX runs one
        # program over the whole batch, so its copy is this model; under
        # MirroredStrategy each device runs its own copy of the model on its
        # share of the streams (the same rows every batch), so each copy is
        # built for that share and carries those streams' state.
        if keras.backend.backend() != "tensorflow":
            return self._build_model()
        return build_language_model(
            len(self.vocabulary),
            batch_size=self.batch_size // replicas.replicas,
            seed=self.seed,
            **self.model_kwargs,
        )

    def _fit_callbacks(self, validation):
        callbacks = [_ResetStates()]
        if self.decay_after is not None:
            rate = self.model.optimizer.learning_rate
            base = float(keras.ops.convert_to_numpy(rate))
            after, decay = self.decay_after, self.decay

            def schedule(epoch, _):
                # Epochs count from 0: the rate first falls in epoch
                # `decay_after + 1` (Zaremba: "after epoch 4").
                return base * decay ** max(epoch + 1 - after, 0)

            callbacks.append(keras.callbacks.LearningRateScheduler(schedule))
        return callbacks

    def stream_ids(self, stream):
        """The ids of a whole `TextStream`, `[START]` / `[END]` included; of a
        `TextLinesFile`, a `numpy.memmap` of them (see `_file_ids`)."""
        self._check_stream(stream)
        if isinstance(stream, TextLinesFile):
            return self._file_ids(stream)
        if self.level == "char":
            # One ragged row of characters (spaces and newlines are tokens
            # here, which the word-list checks would refuse).
            chars = tf.constant(stream.tokens())
            row = tf.RaggedTensor.from_row_lengths(chars, [tf.size(chars)])
            return self.encoder.encode(row)["token_ids"].flat_values.numpy()
        sentences = [list(s) for s in stream.units if s]
        ids = self.encoder.encode(sentences)["token_ids"]  # ragged (n, words)
        n = ids.nrows()
        start = tf.fill([n, 1], Vocabulary.start_id)
        end = tf.fill([n, 1], Vocabulary.end_id)
        return tf.concat([start, ids, end], axis=1).flat_values.numpy()

    def _file_ids(self, stream):
        """A streamed file's ids, encoded once per vocabulary into a
        temporary file (8 bytes a token, deleted with the pipeline) and
        mapped into memory, so that TBPTT reads each window from disk."""
        vocabulary = vocabulary_fingerprint([self.vocabulary])["vocabulary_sha256"]
        key = (str(stream.path), vocabulary)
        cached = self._id_files.get(key)
        if cached is not None:
            return np.memmap(cached, dtype=np.int64, mode="r")
        handle, path = tempfile.mkstemp(prefix="seqkeras-ids-", suffix=".bin")
        weakref.finalize(self, _remove, path)
        with os.fdopen(handle, "wb") as f:
            for (batch,) in stream.example_batches():
                ids = self.encoder.encode(batch)["token_ids"]  # (lines, None)
                if self.level == "char":
                    ids = ids.flat_values  # one stream of characters
                else:
                    n = ids.nrows()
                    start = tf.fill([n, 1], tf.cast(Vocabulary.start_id, ids.dtype))
                    end = tf.fill([n, 1], tf.cast(Vocabulary.end_id, ids.dtype))
                    ids = tf.concat([start, ids, end], axis=1).flat_values
                f.write(ids.numpy().astype(np.int64).tobytes())
        self._id_files[key] = path
        return np.memmap(path, dtype=np.int64, mode="r")

    def _windows(self, data, batch_size, training):
        ids = self.stream_ids(data)
        return tbptt_windows(
            ids,
            batch_size=batch_size,
            num_steps=self.num_steps,
            drop_remainder=training,
            unpredicted_ids=(0, Vocabulary.start_id),
        )

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        # Training windows fill every batch (`tbptt_windows` drops the rest).
        if isinstance(data, TextLinesFile):
            return tbptt_dataset(
                self.stream_ids(data),
                batch_size=batch_size,
                num_steps=self.num_steps,
                drop_remainder=training,
                unpredicted_ids=(0, Vocabulary.start_id),
            )
        x, y, w = self._windows(data, batch_size, training)
        # Every batch is full (the windows are `batch_size` rows each); a
        # static batch size is what the stateful model was built for.
        dataset = tf.data.Dataset.from_tensor_slices((x, y, w))
        dataset = dataset.batch(batch_size, drop_remainder=True)
        return dataset.prefetch(tf.data.AUTOTUNE), int(w.sum())

    def fit(self, train, validation=None, *, epochs=5, batch_size=None, **kwargs):
        """Trains with truncated backpropagation through time.

        Like `Pipeline.fit`; the batch size is the pipeline's (the stateful
        model was built for it). Throughput (`examples_per_second`) counts
        predicted tokens.
        """
        if batch_size is not None and batch_size != self.batch_size:
            raise InvalidArgumentError(
                f"This pipeline trains with batch_size={self.batch_size} (its "
                "stateful model is built for it); set batch_size when you create "
                "the pipeline."
            )
        self._inference = None
        train, validation = self._open(train), self._open(validation)
        self._check_stream(train, "train")
        if validation is not None:
            self._check_stream(validation, "validation")
        return super().fit(
            train, validation, epochs=epochs, batch_size=self.batch_size, **kwargs
        )

    # === Models with other batch sizes ===

    def _twin(self, batch_size):
        """A model with the trained weights: stateful for `batch_size` rows,
        or stateless for None."""
        self._require_model()
        kwargs = dict(self.model_kwargs, compile=True)
        model = build_language_model(
            len(self.vocabulary), batch_size=batch_size, **kwargs
        )
        model.set_weights(self.model.get_weights())
        return model

    def inference_model(self):
        """A stateless model (any batch size) with the current weights."""
        if self._inference is None or self._inference[0] is not self.model:
            self._inference = (self.model, self._twin(None))
        else:
            self._inference[1].set_weights(self.model.get_weights())
        return self._inference[1]

    # === Evaluation ===

    def evaluate(self, data, *, streams=1, verbose=0):
        """Perplexity of a split, the state carried through it.

        Args:
            data: a `TextStream` (for example `corpus.test`).
            streams: pieces the split is cut into and read side by side
                (each from a zero state, so this changes the result, unlike
                a batch size); 1, the default, reads the split from its
                first token to its last with one carried state, as published
                perplexities are computed.
            verbose: Keras' verbosity.

        Returns:
            A dict: `perplexity`, `cross_entropy` (nats per predicted token),
            `bits_per_token` and `tokens` (how many were predicted).
        """
        model = self._twin(positive_int("streams", streams))
        data = self._check_stream(self._open(data))
        windows, tokens = self._dataset(data, batch_size=streams, training=False)
        reset_states(model)
        result = model.evaluate(windows, verbose=verbose, return_dict=True)
        cross_entropy = float(np.log(result["perplexity"]))
        return {
            "perplexity": float(result["perplexity"]),
            "cross_entropy": cross_entropy,
            "bits_per_token": cross_entropy / float(np.log(2.0)),
            "tokens": tokens,
        }

    # === Graph functions: scoring and generation ===

    def _encode(self, texts):
        """Raw strings (a `(batch,)` tensor) -> ragged ids, no [START] / [END].
        Graph-safe: the same code runs in `score`, `generate` and the export."""
        if self.level == "char":
            pieces = tf.strings.unicode_split(texts, "UTF-8")
        else:
            pieces = self.encoder.split(texts)
        return self.encoder.encode(pieces)["token_ids"]  # (batch, None)

    def _context_ids(self):
        """What a text is read after. Word level: `[END] [START]`, as every
        sentence but the first is in training, so that the state is the one
        the model learned to start sentences from (reading `[START]` from a
        zero state instead raised the per-sentence perplexity of notebook
        07's model from 1.64 to 1.90). Character level: a newline."""
        if self.level == "word":
            return [Vocabulary.end_id, Vocabulary.start_id]
        return [self.vocabulary.token_to_id("\n")]

    def _function_owners(self):
        # The compiled functions read a stateless twin of the model, given
        # the current weights on every call.
        return (self.inference_model(), self.encoder)

    def score_function(self):
        """The function behind `score` and the exported `score` signature
        (a `stages.Staged`, called like a `tf.function`): `(batch,)`
        strings -> dict of `log_probability`, `tokens` and `perplexity`,
        each `(batch,)`."""
        self._require_model()
        return self._compiled("score", self._make_score_function)

    def _make_score_function(self):
        model = self._inference[1]
        context_ids, word_level = self._context_ids(), self.level == "word"
        skip = len(context_ids) - 1  # outputs before the first predicted token

        def prepare(texts):
            targets = self._encode(texts)  # (batch, None)
            if word_level:  # a sentence ends with [END]
                ends = tf.fill([targets.nrows(), 1], Vocabulary.end_id)
                targets = tf.concat([targets, ends], axis=1)
            lengths = tf.cast(targets.row_lengths(), tf.int32)  # (batch,)
            steps = tf.maximum(tf.reduce_max(lengths), 1)
            dense = targets.to_tensor(shape=[None, None])
            dense = tf.pad(dense, [[0, 0], [0, steps - tf.shape(dense)[1]]])
            context = tf.tile([context_ids], [tf.shape(dense)[0], 1])
            return (tf.concat([context, dense], axis=1),), lengths

        def core(ids):  # (batch, context + steps)
            ops = keras.ops
            inputs, targets = ids[:, :-1], ids[:, skip + 1 :]
            logits = model(inputs, training=False)[:, skip:]  # (batch, steps, vocab)
            log_p = ops.log_softmax(logits, axis=-1)
            picked = ops.take_along_axis(log_p, ops.expand_dims(targets, -1), axis=-1)
            return picked[:, :, 0]  # (batch, steps)

        def finish(lengths, picked):
            mask = tf.sequence_mask(lengths, tf.shape(picked)[1], tf.float32)
            log_probability = tf.reduce_sum(picked * mask, axis=1)
            counted = tf.cast(tf.maximum(lengths, 1), tf.float32)
            return {
                "log_probability": log_probability,
                "tokens": lengths,
                "perplexity": tf.exp(-log_probability / counted),
            }

        return Staged(
            input_signature=[tf.TensorSpec([None], tf.string, name="texts")],
            prepare=prepare,
            core=core,
            finish=finish,
            layers=[model],
            # The context's tokens, then at least one target.
            core_shapes=[f"(batch, steps + {skip + 1})"],
        )

    def score(self, texts, *, batch_size=None):
        """How probable the model finds each text.

        At word level a text is a sentence: its words and `[END]`, read after
        `[END] [START]` (as if a sentence had just ended, which is how the
        model met sentences in training). At character level it is its
        characters, read after a newline (the start of a line).

        Args:
            texts: one string, or a list of strings.
            batch_size: texts scored at a time (default 256).

        Returns:
            A dict: `log_probability` (natural log of the text's
            probability), `tokens` (how many were predicted) and
            `perplexity` (exp of minus the mean log-probability per token);
            numbers for one text, NumPy arrays with one entry per text for a
            list.
        """
        self._require_model()
        single, texts = self._batch_of(texts)
        function = self.score_function()
        parts = [
            function(batch)
            for batch in self._batches(texts, self._inference_batch_size(batch_size))
        ]
        keys = ("log_probability", "tokens", "perplexity")
        scores = {
            key: np.concatenate([part[key].numpy() for part in parts] or [[]])
            for key in keys
        }
        return (
            {key: value[0].item() for key, value in scores.items()}
            if single
            else scores
        )

    def _prompt_ids(self, texts):
        """The prompts' ids after the context, left-padded to one length:
        `(batch, width)` (TensorFlow)."""
        ids = self._encode(texts)
        context = tf.tile([self._context_ids()], [ids.nrows(), 1])
        ids = tf.concat([context, ids], axis=1)
        return tf.reverse(ids[:, ::-1].to_tensor(), axis=[1])  # (batch, width)

    @staticmethod
    def _prime(model, step, padded, start=None):
        """Reads left-padded prompt ids `(batch, width)` (Keras); returns the
        last token of each and the states after the tokens before it (a
        padded step leaves the state unchanged). The states begin at zero,
        or at `start` (laid out as `initial_states`, one row each)."""
        ops = keras.ops
        width = ops.shape(padded)[1]
        states = initial_states(model, ops.shape(padded)[0])
        if start is not None:
            states = keras.tree.map_structure(
                lambda zero, row: zero + ops.convert_to_tensor(row), states, start
            )

        def body(t, states):
            tokens = ops.take(padded, t, axis=1)  # (batch,)
            _, new_states = step(tokens, states)
            real = ops.expand_dims(tokens > 0, 1)
            return t + 1, keras.tree.map_structure(
                lambda new, old: ops.where(real, new, old), new_states, states
            )

        start = ops.convert_to_tensor(0, "int32")
        _, states = ops.while_loop(lambda t, _: t < width - 1, body, (start, states))
        return padded[:, -1], states

    def _forbidden_ids(self):
        """Never generated: padding, [START], [UNK]; and [END] at character
        level, where a text does not end by itself (the search writes
        `max_length` characters)."""
        forbidden = [Vocabulary.pad_id, Vocabulary.start_id, Vocabulary.unk_id]
        return forbidden + ([Vocabulary.end_id] if self.level == "char" else [])

    # === Generation hooks ===

    def _batch_of(self, prompts):
        single = isinstance(prompts, str)
        return single, as_text_batch([prompts] if single else prompts, name="prompt")

    def _input_spec(self, variant):
        return tf.TensorSpec([None], tf.string, name="prompts")

    def _prepare(self, prompts, variant):
        return (self._prompt_ids(prompts),), {}

    def _begin(self, model_inputs, variant):
        model = self._inference[1]
        (padded,) = model_inputs
        return self._prime(
            model, step_function(model), padded, self._generation_start()
        )

    def _generation_start(self):
        """The states generation begins from before the context: None for
        zeros (a task may keep better ones, as the melody model does)."""
        return None

    def _decoding_layers(self):
        return [self._inference[1]]

    def _step_function(self):
        return step_function(self._inference[1])

    def _token_names(self):
        return self.vocabulary.tokens

    def _text(self, ids):
        words = tf.gather(
            tf.constant(self.vocabulary.tokens),
            tf.ragged.boolean_mask(ids, ids != Vocabulary.end_id),  # not [END]
        )
        separator = " " if self.level == "word" else ""
        return tf.strings.reduce_join(words, axis=1, separator=separator)

    def generate(self, prompt="", **options):
        """`predict` under the task's own verb: continues `prompt` (a
        string, "" to start a new sentence or line; or a list of strings).

        Takes the options of `predict` (`method`, default "sample";
        `max_length`, default 50; `temperature`, `top_k`, `seed`,
        `beam_width`, `length_penalty`). Word models stop at `[END]`;
        padding, `[START]` and `[UNK]` are never written.
        """
        return self.predict(prompt, **options)

    def export_arguments(self):
        return {"max_length": self.max_length, "temperature": 1.0, "seed": 0}

    # === Export ===

    def _exported_model(self):
        return self.inference_model()

    def _endpoints(self):
        return {
            "generate": self.decoding_function("sample"),
            "score": self.score_function(),
        }
