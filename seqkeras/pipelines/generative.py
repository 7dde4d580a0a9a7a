"""The shared base of the pipelines that write text one token at a time:
translation, captioning and language models.

Each of them reads its input once (a source sentence, an image, a prompt),
then runs its decoder one token at a time with `seqkeras.decoding`, and
turns the ids back into text: reading and writing in TensorFlow, the model
and the search in Keras, joined by `stages.Staged` (one `tf.function` on
TensorFlow, `jax.jit` between TensorFlow steps on JAX). `GenerativePipeline`
holds what they share:

- `predict(inputs, method=..., ...)` with the same decoding options
  everywhere: `method` ("greedy", "sample" or "beam"), `max_length`,
  `temperature`, `top_k` and `seed` (sampling), `beam_width` and
  `length_penalty` (beam search);
- `predict_details`, which adds the generated tokens, the score of each
  text and, where the model has them, the words of the input and the
  attention weights;
- `candidates`, the n-best list of beam search: every hypothesis of the
  final beam with its log-probability, to rerank with another model;
- `decoding_function`, the compiled function behind both and behind the
  export, made once per method and options and cached with the pipeline's
  other compiled functions; padding, `[START]` and `[UNK]` are never
  generated (`decoding.forbid_tokens`).

Sampling's `temperature` and `seed` and the `max_length` reach the graph as
tensors, so that trying many values traces the function only once; a
temperature of 0 (or below) gives the greedy text, which is how an exported
`generate` signature offers both.

A task fills in the hooks marked "Task hooks".
"""

import collections

import keras
import numpy as np
import tensorflow as tf

from seqkeras import decoding
from seqkeras._validation import (
    non_negative_float,
    non_negative_int,
    one_of,
    positive_int,
)
from seqkeras.errors import InvalidArgumentError
from seqkeras.pipelines import stages
from seqkeras.pipelines.base import Pipeline
from seqkeras.text.encoder import JOINER
from seqkeras.text.vocabulary import END, Vocabulary

METHODS = ("greedy", "sample", "beam")
# The decoding options of `predict`, `predict_details` and `evaluate`.
DECODING_OPTIONS = ("method", "max_length", "temperature", "top_k", "seed")
DECODING_OPTIONS += ("beam_width", "length_penalty")
# The options of each method; the others must be left out (None).
OPTIONS = {
    "greedy": (),
    "sample": ("temperature", "top_k", "seed"),
    "beam": ("beam_width", "length_penalty"),
}

Candidate = collections.namedtuple("Candidate", ["text", "score", "tokens"])
Candidate.__doc__ = """One hypothesis of beam search's n-best list: the `text`,
its `score` (the log-probability of its tokens) and its `tokens` (`[END]`
included when it was generated)."""


class GenerativePipeline(Pipeline):
    """Base of the pipelines that generate text with `seqkeras.decoding`.

    Subclasses set `default_method`, `text_output` (the name of the text in
    the compiled functions' outputs and in the exported signatures),
    `beam_width` (as an attribute) and implement the task hooks.
    """

    default_method = "greedy"
    text_output = "text"
    beam_width = 4

    @property
    def has_attention(self):
        """Whether the trained model attends (its outputs carry attention)."""
        return getattr(self.model, "attention", None) is not None

    # === Task hooks ===

    def _input_spec(self, variant):
        """The `tf.TensorSpec` of a batch of inputs of the compiled function."""
        raise NotImplementedError

    def _prepare(self, inputs, variant):
        """Reads a batch of raw inputs, in TensorFlow: returns the model's
        inputs (a tuple of dense tensors: ids, pixels) and a dict of outputs
        about the inputs (such as the source words)."""
        raise NotImplementedError

    def _begin(self, model_inputs, variant):
        """In Keras: the first token of each sequence `(batch,)` and the
        decoder's state, from the prepared model inputs."""
        raise NotImplementedError

    def _step_function(self):
        """The model's `(tokens, state) -> (logits, state[, extras])`."""
        return self.model.step_function()

    def _decoding_layers(self):
        """The Keras models whose weights `_begin` and the step read."""
        return [self.model]

    def _output_encoder(self):
        """The `TextEncoder` of the text written (its vocabulary numbers
        the generated tokens)."""
        return self.encoder

    @property
    def keep_spacing(self):
        """True when the written text keeps the spacing of the training text
        (joiner marks, any language); False when it is joined by English and
        Spanish rules (pipelines saved before the marks). See
        `seqkeras.text.encoder`."""
        return getattr(self._output_encoder(), "keep_spacing", False)

    def _token_names(self):
        """The target vocabulary's tokens, indexed by id."""
        return self._output_encoder().vocabulary.tokens

    def _text(self, ids):
        """Generated ids (ragged, `[END]` included) -> `(batch,)` strings."""
        return self._output_encoder().detokenize(ids)

    def _extra_outputs(self, extras):
        """Outputs made from the decoder's per-step extras (attention)."""
        return {}

    def _details(self, outputs, i, tokens):
        """What `predict_details` adds for input `i` of a batch's outputs."""
        return {}

    def _forbidden_ids(self):
        """Ids never generated: padding, `[START]`, `[UNK]`."""
        return [Vocabulary.pad_id, Vocabulary.start_id, Vocabulary.unk_id]

    def _default_max_length(self):
        return self.max_length

    # === Prediction ===

    def predict(
        self,
        inputs,
        *,
        method=None,
        max_length=None,
        temperature=None,
        top_k=None,
        seed=None,
        beam_width=None,
        length_penalty=None,
        batch_size=None,
        verbose=0,
    ):
        """Generates text for raw inputs: one text for one input, a list of
        texts for a list of inputs.

        Padding, `[START]` and `[UNK]` are never written
        (`decoding.forbid_tokens`).

        Args:
            inputs: one input or a batch of them (the task's type).
            method: "greedy" (the likeliest token at every step), "sample"
                (draw each token) or "beam" (beam search); default the
                pipeline's `default_method`.
            max_length: the most tokens to generate (default: the
                pipeline's).
            temperature: sampling only: below 1 sharper, above 1 flatter, 0
                greedy (default 1).
            top_k: sampling only: draw among the `top_k` likeliest tokens.
            seed: sampling only: the same seed gives the same text (default 0).
            beam_width: beam search only (default: the pipeline's).
            length_penalty: beam search only: scores are divided by
                `length ** length_penalty` (default 1; 0 ranks raw sums).
            batch_size: inputs decoded together (default 256).
            verbose: 1 shows a progress bar.
        """
        given = locals()
        options = {name: given[name] for name in DECODING_OPTIONS}
        return super().predict(
            inputs, batch_size=batch_size, verbose=verbose, **options
        )

    def _predict_batch(self, batch, *, batch_size, verbose, **options):
        return [
            text.decode("utf-8")
            for outputs in self._decode(batch, batch_size, verbose, options)
            for text in outputs[self.text_output].numpy()
        ]

    def predict_details(self, inputs, *, batch_size=None, **options):
        """Generated texts with what went into them, for plots and study.

        Takes the arguments of `predict`. Returns, per input, a dict: `text`,
        `tokens` (the generated tokens, `[END]` included when it was
        generated), `score` (the log-probability of the tokens) and what the
        task adds (`source_tokens`, `unknown_ratio` and `attention` for
        translation, `attention` for captioning). One dict for one input, a
        list for a list.
        """
        self._require_model()
        single, batch = self._batch_of(inputs)
        batch_size = self._inference_batch_size(batch_size)
        details = []
        for outputs in self._decode(batch, batch_size, 0, options):
            tokens = outputs["tokens"].to_list()
            for i, text in enumerate(outputs[self.text_output].numpy()):
                # Tokens to read: without the marks of joined punctuation.
                words = [t.decode("utf-8").replace(JOINER, "") for t in tokens[i]]
                details.append(
                    {
                        "text": text.decode("utf-8"),
                        "tokens": words,
                        "score": float(outputs["scores"][i]),
                        **self._details(outputs, i, words),
                    }
                )
        return details[0] if single else details

    def candidates(
        self,
        inputs,
        *,
        beam_width=None,
        length_penalty=None,
        max_length=None,
        batch_size=None,
    ):
        """The n-best list of beam search: the hypotheses of its final beam.

        Beam search keeps `beam_width` hypotheses to the end and `predict`
        returns the best; here they all come back, best first by the
        search's own ranking (`score / len(tokens) ** length_penalty`), so
        that another model can rerank them. The first is the text
        `predict(..., method="beam")` returns. Hypotheses that cannot be
        completed (fewer sequences than beams) are left out, and so are
        those the search left unfinished: it stops once none of them can
        overtake the best one any more.

        Args:
            inputs: one input or a batch of them (the task's type).
            beam_width, length_penalty, max_length: as `predict`'s.
            batch_size: inputs decoded together (default 256).

        Returns:
            For one input a list of `Candidate(text, score, tokens)` (at
            most `beam_width` of them), for a list of inputs a list of such
            lists.
        """
        self._require_model()
        single, batch = self._batch_of(inputs)
        options = dict(
            method="beam",
            beam_width=beam_width,
            length_penalty=length_penalty,
            max_length=max_length,
        )
        method, fixed, runtime = self._decoding_options(options)
        function = self.decoding_function(method, return_all=True, **fixed)
        width, longest = fixed["beam_width"], int(runtime[0])
        lists = []
        for chunk in self._batches(batch, self._inference_batch_size(batch_size), 0):
            outputs = function(chunk, *runtime)  # one row per hypothesis
            texts = outputs[self.text_output].numpy()
            tokens = outputs["tokens"].to_list()
            scores = outputs["scores"].numpy()
            for first in range(0, len(texts), width):
                hypotheses = []
                for i in range(first, first + width):
                    words = [t.decode("utf-8").replace(JOINER, "") for t in tokens[i]]
                    complete = words[-1:] == [END] or len(words) == longest
                    if np.isfinite(scores[i]) and (complete or i == first):
                        text = texts[i].decode("utf-8")
                        hypotheses.append(Candidate(text, float(scores[i]), words))
                lists.append(hypotheses)
        return lists[0] if single else lists

    def _decode(self, batch, batch_size, verbose, options):
        """Runs the compiled function over `batch`, a slice at a time."""
        method, fixed, runtime = self._decoding_options(options)
        function = self.decoding_function(method, **fixed)
        for chunk in self._batches(batch, batch_size, verbose):
            yield function(chunk, *runtime)

    def _decoding_options(self, options):
        """Checks the options of `predict`: returns the method, its options
        fixed in the graph, and the tensors the compiled function takes
        after the inputs (`max_length`, and for sampling `temperature` and
        `seed`)."""
        options = dict(options)
        method = options.pop("method", None) or self.default_method
        method = one_of("method", method, METHODS)
        max_length = options.pop("max_length", None)
        max_length = positive_int(
            "max_length", max_length or self._default_max_length()
        )
        given = {k: v for k, v in options.items() if v is not None}
        wrong = sorted(set(given) - set(OPTIONS[method]))
        if wrong:
            takes = ", ".join(OPTIONS[method]) or "no options"
            raise InvalidArgumentError(
                f"Received {wrong} for method={method!r}, which takes {takes}: "
                "leave them out or choose the method they belong to."
            )
        runtime = [tf.constant(max_length, tf.int32)]
        fixed = {}
        if method == "beam":
            fixed["beam_width"] = positive_int(
                "beam_width", given.get("beam_width", self.beam_width)
            )
            if "length_penalty" in given:
                fixed["length_penalty"] = non_negative_float(
                    "length_penalty", given["length_penalty"]
                )
        elif method == "sample":
            if "top_k" in given:
                fixed["top_k"] = positive_int("top_k", given["top_k"])
            temperature = non_negative_float(
                "temperature", given.get("temperature", 1.0)
            )
            seed = non_negative_int("seed", given.get("seed", 0))
            runtime += [
                tf.constant(temperature, tf.float32),
                tf.constant(seed, tf.int64),
            ]
        return method, fixed, runtime

    # === Compiled functions ===

    def decoding_function(self, method=None, *, variant=None, **options):
        """The function behind `predict`, `predict_details` and the
        exported signatures (a `stages.Staged`, called like a `tf.function`).

        It takes a batch of inputs (`_input_spec`) and `max_length` (int32),
        and for "sample" `temperature` (float32; 0 or below gives the
        greedy text) and `seed` (int64). It returns a dict: the text under
        `text_output` (`(batch,)` strings), `tokens` (ragged strings, the
        generated tokens), `scores` (the log-probability of each text),
        `lengths` (tokens generated) and what the task adds (the source
        words, the attention weights).

        Args:
            method: "greedy", "sample" or "beam" (default `default_method`).
            variant: the kind of input, where a task takes several (a
                captioner's pixels or encoded image bytes).
            **options: the options fixed in the graph: `top_k` for
                "sample", `beam_width`, `length_penalty` and `return_all`
                for "beam" (with `return_all=True` every hypothesis of the
                final beam comes back, one row each: `batch * beam_width`
                rows, those of one input adjacent and best first).
        """
        self._require_model()
        method = one_of("method", method or self.default_method, METHODS)
        decoding.check_options(method, options)
        key = ("decode", method, variant, tuple(sorted(options.items())))
        return self._compiled(
            key, lambda: self._make_decoding_function(method, variant, options)
        )

    def _make_decoding_function(self, method, variant, options, max_length=None):
        """A `stages.Staged`: the inputs read in TensorFlow (`_prepare`),
        the model and the search in Keras (`_begin`, `seqkeras.decoding`),
        the text written in TensorFlow. With `max_length` given, the
        function takes the inputs alone."""
        step = decoding.forbid_tokens(self._step_function(), self._forbidden_ids())
        token_names = tf.constant(self._token_names())
        sampling = method == "sample"
        specs = [self._input_spec(variant)]
        if max_length is None:
            specs.append(tf.TensorSpec([], tf.int32, name="max_length"))
        if sampling:
            specs += [
                tf.TensorSpec([], tf.float32, name="temperature"),
                tf.TensorSpec([], tf.int64, name="seed"),
            ]

        def prepare(inputs, *arguments):
            length = arguments[0] if max_length is None else max_length
            model_inputs, about = self._prepare(inputs, variant)
            # max_length travels as the length of an array: a backend that
            # compiles for fixed shapes (JAX) sizes the search's buffers
            # from it, and an export keeps it a dimension of its own.
            marker = tf.zeros([length], tf.int8)
            runtime = ()
            if sampling:
                temperature, seed = arguments[-2:]
                if stages.backend() != "tensorflow":  # 32-bit integers on JAX
                    seed = tf.cast(tf.math.floormod(seed, 2**31), tf.int32)
                runtime = (temperature, seed)
            return (model_inputs, marker, *runtime), about

        def core(model_inputs, marker, *runtime):
            start, state = self._begin(model_inputs, variant)
            kwargs = dict(options)
            if sampling:
                # A temperature of 0 or below takes the greedy token.
                kwargs.update(temperature=runtime[0], seed=runtime[1])
            result = decoding.decode(
                step,
                start,
                state,
                method=method,
                end_id=Vocabulary.end_id,
                max_length=keras.ops.shape(marker)[0],
                **kwargs,
            )
            if options.get("return_all"):
                # The whole beam, one row per hypothesis: (batch * beam, ...)
                result = result._replace(
                    **{
                        name: _flatten_beam(value)
                        for name, value in result._asdict().items()
                        if value is not None
                    }
                )
            return {k: v for k, v in result._asdict().items() if v is not None}

        def finish(about, result):
            lengths = result["lengths"]
            ids = tf.RaggedTensor.from_tensor(result["tokens"], lengths=lengths)
            outputs = {
                self.text_output: self._text(ids),
                "tokens": tf.gather(token_names, ids),
                "scores": result["scores"],
                "lengths": lengths,
                **about,
            }
            if "extras" in result:
                # The columns of the longest text (compiled searches return
                # all max_length of them).
                steps = tf.reduce_max(lengths)
                outputs.update(self._extra_outputs(result["extras"][:, :steps]))
            return outputs

        return stages.Staged(
            input_signature=specs,
            prepare=prepare,
            core=core,
            finish=finish,
            layers=self._decoding_layers(),
            # The model inputs as Keras guesses; the marker's length is not
            # the batch; sampling's temperature and seed are scalars.
            core_shapes=[None, "(steps)"] + ["()", "()"] * sampling,
        )

    def _fixed_length_function(self, method, *, variant=None, **options):
        """`decoding_function` with `max_length` fixed to the pipeline's:
        a signature that takes the inputs alone (for the export)."""
        self._require_model()
        decoding.check_options(method, options)
        key = ("fixed_length", method, variant, tuple(sorted(options.items())))
        return self._compiled(
            key,
            lambda: self._make_decoding_function(
                method, variant, options, max_length=self._default_max_length()
            ),
        )


def _flatten_beam(x):
    """`(batch, beam, ...)` -> `(batch * beam, ...)`, in Keras."""
    return keras.ops.reshape(x, (-1,) + tuple(keras.ops.shape(x)[2:]))
