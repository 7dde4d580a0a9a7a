"""Language models from raw text: train with TBPTT, perplexity, scoring,
generation.

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
`generate` reads a prompt and continues it with `seqkeras.decoding` (greedy,
sampling with temperature and top-k, beam search), stopping at `[END]` for
word models.
"""

import keras
import numpy as np
import tensorflow as tf

from seqkeras import decoding
from seqkeras._validation import (
    builder_arguments,
    non_negative_int,
    one_of,
    positive_float,
    positive_int,
)
from seqkeras.datasets.language import LEVELS, TextStream
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.models.language import (
    CONFIGS,
    build_language_model,
    initial_states,
    reset_states,
    step_function,
)
from seqkeras.pipelines.base import (
    EncoderPreprocessing,
    Pipeline,
    register_pipeline,
    vocabulary_fingerprint,
)
from seqkeras.pipelines.tbptt import tbptt_windows
from seqkeras.text.encoder import as_text_batch
from seqkeras.text.vocabulary import END, START, UNK, Vocabulary
from seqkeras.text.words import WordEncoder

# Builder arguments the pipeline sets itself.
BUILDER_DECIDES = {"vocabulary_size", "batch_size", "compile", "seed"}
# Methods of `generate`: "top_k" is sampling restricted to the k likeliest.
METHODS = ("greedy", "sample", "top_k", "beam")


class _ResetStates(keras.callbacks.Callback):
    """Zeroes the carried state when an epoch and a validation pass begin."""

    def on_epoch_begin(self, epoch, logs=None):
        reset_states(self.model)

    def on_test_begin(self, logs=None):
        reset_states(self.model)


@register_pipeline
class LanguageModelPipeline(EncoderPreprocessing, Pipeline):
    """A word- or character-level RNN language model for raw text.

    Args:
        level: "word" (sentences of words split on white space, each wrapped
            in `[START]` ... `[END]`) or "char" (the text's characters).
        config: None, or a name in `seqkeras.models.language.CONFIGS`
            ("small": Zaremba et al.'s PTB set-up; "course": the course's
            model), which sets the model, `num_steps`, `batch_size` and the
            learning-rate decay; explicit arguments override it.
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

    task = "language"
    encoder_class = WordEncoder
    monitor = ("val_perplexity", "min")

    def __init__(
        self,
        *,
        level="word",
        config=None,
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
        preset = CONFIGS[one_of("config", config, CONFIGS)] if config else {}
        self.config = config
        self.num_steps = positive_int(
            "num_steps", num_steps or preset.get("num_steps", 20)
        )
        self.batch_size = positive_int(
            "batch_size", batch_size or preset.get("batch_size", 20)
        )
        self.max_vocabulary_size = (
            None
            if max_vocabulary_size is None
            else positive_int("max_vocabulary_size", max_vocabulary_size)
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
        self.model_kwargs = builder_arguments(
            build_language_model,
            {**preset.get("model", {}), **model_kwargs},
            exclude=BUILDER_DECIDES,
        )
        self.encoder = WordEncoder(lowercase=lowercase, digits_to_zero=False)
        self._inference = None

    # === Task hooks ===

    def get_config(self):
        return {
            "level": self.level,
            "config": self.config,
            "num_steps": self.num_steps,
            "batch_size": self.batch_size,
            "max_vocabulary_size": self.max_vocabulary_size,
            "min_count": self.min_count,
            "lowercase": self.lowercase,
            "decay_after": self.decay_after,
            "decay": self.decay,
            "seed": self.seed,
            **self.model_kwargs,
        }

    def _check_stream(self, data, name="data"):
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
        tokens = self.encoder.normalize(tf.constant(self._raw_tokens(train)))
        counts = {}
        for token in tokens.numpy():
            token = token.decode("utf-8")
            counts[token] = counts.get(token, 0) + 1
        for reserved in (START, END, UNK):
            counts.pop(reserved, None)
        self.encoder.set_vocabulary(
            Vocabulary.from_counts(
                counts, max_size=self.max_vocabulary_size, min_count=self.min_count
            )
        )

    def _raw_tokens(self, stream):
        """The stream's tokens without `[START]` / `[END]`."""
        if self.level == "char":
            return stream.tokens()
        return [word for sentence in stream.units for word in sentence]

    def _is_adapted(self):
        return self.encoder.vocabulary is not None

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

    def _fingerprint(self):
        return {**super()._fingerprint(), **vocabulary_fingerprint([self.vocabulary])}

    def stream_ids(self, stream):
        """The ids of a whole `TextStream`, `[START]` / `[END]` included."""
        self._check_stream(stream)
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

    def _windows(self, data, batch_size, training):
        ids = self.stream_ids(data)
        return tbptt_windows(
            ids,
            batch_size=batch_size,
            num_steps=self.num_steps,
            drop_remainder=training,
            unpredicted_ids=(0, Vocabulary.start_id),
        )

    def _dataset(self, data, *, batch_size, training):
        x, y, w = self._windows(data, batch_size, training)
        dataset = tf.data.Dataset.from_tensor_slices((x, y, w)).batch(batch_size)
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
        self._check_stream(train, "train")
        if validation is not None:
            self._check_stream(validation, "validation")
        return super().fit(
            train, validation, epochs=epochs, batch_size=self.batch_size, **kwargs
        )

    # === Models with other batch sizes ===

    def _require_model(self):
        if self.model is None:
            raise InvalidInputError("The pipeline is not trained: call `fit` first.")

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

    def evaluate(self, data, *, batch_size=1, verbose=0):
        """Perplexity of a split, the state carried through it.

        Args:
            data: a `TextStream` (for example `corpus.test`).
            batch_size: streams read side by side; 1 (the default) reads the
                split from its first token to its last with one carried
                state, as published perplexities are computed.
            verbose: Keras' verbosity.

        Returns:
            A dict: `perplexity`, `cross_entropy` (nats per predicted token),
            `bits_per_token` and `tokens` (how many were predicted).
        """
        model = self._twin(positive_int("batch_size", batch_size))
        x, y, w = self._windows(data, batch_size, training=False)
        reset_states(model)
        result = model.evaluate(
            x,
            y,
            sample_weight=w,
            batch_size=batch_size,
            verbose=verbose,
            return_dict=True,
        )
        cross_entropy = float(np.log(result["perplexity"]))
        return {
            "perplexity": float(result["perplexity"]),
            "cross_entropy": cross_entropy,
            "bits_per_token": cross_entropy / float(np.log(2.0)),
            "tokens": int(w.sum()),
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

    def _functions_for_model(self):
        """The cache of traced functions, emptied when the model changes."""
        model = self.inference_model()
        if getattr(self, "_functions_owner", None) is not model:
            self._functions, self._functions_owner = {}, model
        return model, self._functions

    def score_function(self):
        """The `tf.function` behind `score` and the exported `score`
        signature: `(batch,)` strings -> dict of `log_probability`,
        `tokens` and `perplexity`, each `(batch,)`."""
        model, functions = self._functions_for_model()
        if "score" in functions:
            return functions["score"]
        context_ids, word_level = self._context_ids(), self.level == "word"
        skip = len(context_ids) - 1  # outputs before the first predicted token

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
        def score(texts):
            targets = self._encode(texts)  # (batch, None)
            if word_level:  # a sentence ends with [END]
                ends = tf.fill([targets.nrows(), 1], Vocabulary.end_id)
                targets = tf.concat([targets, ends], axis=1)
            lengths = tf.cast(targets.row_lengths(), tf.int32)  # (batch,)
            steps = tf.maximum(tf.reduce_max(lengths), 1)
            dense = targets.to_tensor(shape=[None, None])
            dense = tf.pad(dense, [[0, 0], [0, steps - tf.shape(dense)[1]]])
            context = tf.tile([context_ids], [tf.shape(dense)[0], 1])
            inputs = tf.concat([context, dense[:, :-1]], axis=1)
            logits = model(inputs, training=False)[:, skip:]  # (batch, steps, vocab)
            log_p = tf.nn.log_softmax(logits)
            picked = tf.gather(log_p, dense, batch_dims=2)  # (batch, steps)
            mask = tf.sequence_mask(lengths, steps, tf.float32)
            log_probability = tf.reduce_sum(picked * mask, axis=1)
            counted = tf.cast(tf.maximum(lengths, 1), tf.float32)
            return {
                "log_probability": log_probability,
                "tokens": lengths,
                "perplexity": tf.exp(-log_probability / counted),
            }

        functions["score"] = score
        return score

    def score(self, texts, *, batch_size=64):
        """How probable the model finds each text.

        At word level a text is a sentence: its words and `[END]`, read after
        `[END] [START]` (as if a sentence had just ended, which is how the
        model met sentences in training). At character level it is its
        characters, read after a newline (the start of a line).

        Args:
            texts: raw strings.
            batch_size: texts scored at a time.

        Returns:
            A dict of NumPy arrays, one entry per text: `log_probability`
            (natural log of the text's probability), `tokens` (how many
            were predicted) and `perplexity` (exp of minus the mean
            log-probability per token).
        """
        self._require_model()
        texts = as_text_batch(texts)
        function = self.score_function()
        parts = [
            function(texts[start : start + batch_size])
            for start in range(0, int(texts.shape[0]), batch_size)
        ]
        return {
            key: np.concatenate([part[key].numpy() for part in parts])
            for key in ("log_probability", "tokens", "perplexity")
        }

    def _prime(self, model, step, texts):
        """Reads the prompts; returns the last token of each and the states
        after the tokens before it (prompts are left-padded to one length,
        and a padded step leaves the state unchanged)."""
        ids = self._encode(texts)
        context = tf.tile([self._context_ids()], [ids.nrows(), 1])
        ids = tf.concat([context, ids], axis=1)
        width = tf.cast(tf.reduce_max(ids.row_lengths()), tf.int32)
        padded = tf.reverse(ids[:, ::-1].to_tensor(), axis=[1])  # (batch, width)
        states = initial_states(model, tf.shape(texts)[0])

        def body(t, states):
            tokens = padded[:, t]
            _, new_states = step(tokens, states)
            real = (tokens > 0)[:, None]
            states = tf.nest.map_structure(
                lambda new, old: tf.where(real, new, old), new_states, states
            )
            return t + 1, states

        _, states = tf.while_loop(lambda t, _: t < width - 1, body, (0, states))
        return padded[:, -1], states

    def generation_function(self, method="sample", **options):
        """The `tf.function` behind `generate` (and, for "sample", the
        exported `generate` signature).

        It takes `(batch,)` prompt strings, `max_length` (int32), and for
        "sample" `temperature` (float32; 0 or below means greedy) and `seed`
        (int64); returns a dict: `text` `(batch,)` strings (the continuation
        without the prompt), `scores` (its log-probability) and `lengths`.

        Args:
            method: "greedy", "sample" or "beam".
            **options: fixed options of the search (`top_k`, `beam_width`,
                `length_penalty`).
        """
        model, functions = self._functions_for_model()
        decoding.check_options(method, options)
        key = (method, tuple(sorted(options.items())))
        if key in functions:
            return functions[key]
        step = decoding.forbid_tokens(step_function(model), self._forbidden_ids())
        vocabulary = tf.constant(self.vocabulary.tokens)
        word_level = self.level == "word"
        separator = " " if word_level else ""

        def finish(decoded):
            tokens, lengths = decoded.tokens, decoded.lengths
            if word_level:  # [END] is not part of the text
                last = tf.gather(tokens, tf.maximum(lengths - 1, 0), batch_dims=1)
                lengths = lengths - tf.cast(tf.equal(last, Vocabulary.end_id), tf.int32)
            words = tf.gather(
                vocabulary, tf.RaggedTensor.from_tensor(tokens, lengths=lengths)
            )
            return {
                "text": tf.strings.reduce_join(words, axis=1, separator=separator),
                "scores": decoded.scores,
                "lengths": lengths,
            }

        def search(name, start, states, max_length, **sampling):
            # The fixed options belong to `method`; the greedy branch of
            # "sample" (temperature 0) takes none.
            fixed = options if name == method else {}
            return decoding.decode(
                step,
                start,
                states,
                method=name,
                end_id=Vocabulary.end_id,
                max_length=max_length,
                **fixed,
                **sampling,
            )

        prompts_spec = tf.TensorSpec([None], tf.string, name="prompts")
        length_spec = tf.TensorSpec([], tf.int32, name="max_length")
        if method == "sample":

            @tf.function(
                input_signature=[
                    prompts_spec,
                    length_spec,
                    tf.TensorSpec([], tf.float32, name="temperature"),
                    tf.TensorSpec([], tf.int64, name="seed"),
                ]
            )
            def generate(prompts, max_length, temperature, seed):
                start, states = self._prime(model, step, prompts)

                def sampled():
                    return finish(
                        search(
                            "sample",
                            start,
                            states,
                            max_length,
                            temperature=tf.maximum(temperature, 1e-6),
                            seed=seed,
                        )
                    )

                def greedy():
                    return finish(search("greedy", start, states, max_length))

                # Only the chosen search runs.
                return tf.cond(temperature > 0, sampled, greedy)

        else:

            @tf.function(input_signature=[prompts_spec, length_spec])
            def generate(prompts, max_length):
                start, states = self._prime(model, step, prompts)
                return finish(search(method, start, states, max_length))

        functions[key] = generate
        return generate

    def _forbidden_ids(self):
        """Never generated: padding, [START], [UNK]; and [END] at character
        level, where a text does not end by itself (the search writes
        `max_length` characters)."""
        forbidden = [Vocabulary.pad_id, Vocabulary.start_id, Vocabulary.unk_id]
        return forbidden + ([Vocabulary.end_id] if self.level == "char" else [])

    def generate(
        self,
        prompt="",
        *,
        max_length=50,
        method="sample",
        temperature=1.0,
        top_k=None,
        beam_width=4,
        seed=0,
    ):
        """Continues `prompt` (a string, or a list of strings).

        Args:
            prompt: the text to continue; "" starts a new sentence (word
                level) or a new line (character level).
            max_length: the most tokens to generate.
            method: "greedy", "sample", "top_k" (sampling among the `top_k`
                likeliest) or "beam".
            temperature: sampling temperature: below 1 sharper, above 1
                flatter.
            top_k: for "top_k" (default 10) or "sample".
            beam_width: for "beam".
            seed: the same seed gives the same text.

        Returns:
            The continuation (without the prompt) as a string, or a list of
            strings for a list of prompts. Word models stop at `[END]`;
            padding, `[START]` and `[UNK]` are never written.
        """
        self._require_model()
        one_of("method", method, METHODS)
        max_length = tf.constant(positive_int("max_length", max_length), tf.int32)
        single = isinstance(prompt, str)
        prompts = as_text_batch([prompt] if single else prompt, name="prompt")
        if method in ("sample", "top_k"):
            options = {}
            if method == "top_k" or top_k is not None:
                options["top_k"] = positive_int("top_k", top_k or 10)
            temperature = positive_float("temperature", temperature)
            outputs = self.generation_function("sample", **options)(
                prompts,
                max_length,
                tf.constant(temperature, tf.float32),
                tf.constant(non_negative_int("seed", seed), tf.int64),
            )
        elif method == "beam":
            beam = {"beam_width": positive_int("beam_width", beam_width)}
            outputs = self.generation_function("beam", **beam)(prompts, max_length)
        else:
            outputs = self.generation_function("greedy")(prompts, max_length)
        texts = [text.decode("utf-8") for text in outputs["text"].numpy()]
        return texts[0] if single else texts

    # === Export ===

    def _exported_model(self):
        return self.inference_model()

    def _add_endpoints(self, archive):
        archive.track(self.encoder)
        archive.add_endpoint("generate", self.generation_function("sample"))
        archive.add_endpoint("score", self.score_function())
