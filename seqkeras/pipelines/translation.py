"""Translation from raw text to raw text: encoders, translator, decoding, export.

Two `TextEncoder`s prepare the data: one for the source language, one for the
target language that wraps every sentence in `[START]` ... `[END]`. Both
normalise Unicode (NFKC) and fold case, and split punctuation off words, so
"¿Tienes una mascota?" becomes `¿ tienes una mascota ?`. In training the
decoder reads the target shifted by one (teacher forcing). To translate, the
encoder reads the source once and `seqkeras.decoding` runs the decoder one
word at a time (greedy, sampling or beam search) inside one `tf.function`;
the target encoder's `detokenize` turns the words back into text. The same
function is exported, so the SavedModel translates raw strings by itself.
"""

import keras
import numpy as np
import tensorflow as tf

from seqkeras import decoding
from seqkeras._validation import (
    builder_arguments,
    one_of,
    positive_int,
)
from seqkeras.datasets.translation import SentencePairs
from seqkeras.errors import InvalidInputError
from seqkeras.metrics import corpus_bleu, corpus_chrf, exact_match
from seqkeras.models.translation import PRESETS, build_translator
from seqkeras.pipelines.base import (
    DecodingFunctions,
    Pipeline,
    decoding_tf_function,
    register_pipeline,
    vocabulary_fingerprint,
)
from seqkeras.pipelines.batching import sequence_dataset
from seqkeras.text import TextEncoder, as_text_batch
from seqkeras.text.vocabulary import Vocabulary

SOURCE_FILE = "source_preprocessing.json"
TARGET_FILE = "target_preprocessing.json"
BUILDER_DECIDES = {"source_vocabulary_size", "target_vocabulary_size", "compile"}
_TEXTS_SPEC = tf.TensorSpec([None], tf.string, name="texts")


@register_pipeline
class TranslationPipeline(DecodingFunctions, Pipeline):
    """Raw sentences in one language in, raw sentences in another out.

    Args:
        architecture: "seq2seq" (the plain encoder-decoder),
            "seq2seq-attention" (additive attention) or
            "seq2seq-dot-attention" (see `seqkeras.models.translation.PRESETS`).
        max_vocabulary_size: the most tokens to keep on each side, reserved
            ones included.
        min_count: words seen fewer times in training become `[UNK]`.
        max_length: the most tokens of a source sentence, and of a target
            sentence with `[START]` and `[END]`; also the longest
            translation produced.
        lowercase: case-fold both languages.
        bucketing: batch training sentences of similar length together.
        beam_width: the beam of the exported `translate_beam` signature.
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to `build_translator` (`cell`, `units`,
            `num_layers`, `bidirectional`, `embedding_dim`, `dropout`, ...).

    Example:

    >>> from seqkeras.datasets import load
    >>> data = load("dates").subset(train=200, validation=20, test=20)
    >>> pipeline = TranslationPipeline(units=16, embedding_dim=8)
    >>> history = pipeline.fit(data.train, epochs=1, verbose=0)
    >>> len(pipeline.translate(["25 March 2011", "July 4, 1976"]))
    2
    """

    task = "translation"
    monitor = ("val_loss", "min")

    def __init__(
        self,
        *,
        architecture="seq2seq-attention",
        max_vocabulary_size=20000,
        min_count=1,
        max_length=40,
        lowercase=True,
        bucketing=True,
        beam_width=4,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.max_vocabulary_size = positive_int(
            "max_vocabulary_size", max_vocabulary_size
        )
        self.min_count = positive_int("min_count", min_count)
        self.max_length = positive_int("max_length", max_length)
        self.lowercase = bool(lowercase)
        self.bucketing = bool(bucketing)
        self.beam_width = positive_int("beam_width", beam_width)
        self.model_kwargs = builder_arguments(
            build_translator, model_kwargs, exclude=BUILDER_DECIDES
        )
        self.source_encoder = TextEncoder(
            lowercase=lowercase, max_length=max_length, name="source_encoder"
        )
        self.target_encoder = TextEncoder(
            lowercase=lowercase,
            max_length=max_length,
            add_start_end=True,
            name="target_encoder",
        )
        self._functions = {}
        self._functions_for = None

    def get_config(self):
        return {
            "architecture": self.architecture,
            "max_vocabulary_size": self.max_vocabulary_size,
            "min_count": self.min_count,
            "max_length": self.max_length,
            "lowercase": self.lowercase,
            "bucketing": self.bucketing,
            "beam_width": self.beam_width,
            "seed": self.seed,
            **self.model_kwargs,
        }

    # === Data ===

    def _pairs(self, data):
        """Accepts `SentencePairs` or a `(sources, targets)` pair."""
        if not isinstance(data, SentencePairs):
            if not (isinstance(data, (tuple, list)) and len(data) == 2):
                raise InvalidInputError(
                    "Expected SentencePairs or a (sources, targets) pair, got "
                    f"{type(data).__name__}."
                )
            data = SentencePairs(*data)
        if len(data) == 0:
            raise InvalidInputError("Got no sentence pairs: the data set is empty.")
        return data

    @staticmethod
    def _encode_all(encoder, texts, chunk=8192):
        texts = as_text_batch(list(texts))
        n = int(texts.shape[0])
        parts = [encoder.encode(texts[i : i + chunk]) for i in range(0, n, chunk)]
        return tf.concat(parts, axis=0)

    def _dataset(self, data, *, batch_size, training):
        data = self._pairs(data)
        ids = {
            "source": self._encode_all(self.source_encoder, data.sources),
            "target": self._encode_all(self.target_encoder, data.targets),
        }
        dataset = sequence_dataset(
            ids,
            batch_size=batch_size,
            shuffle=training,
            bucketing=training and self.bucketing,
            seed=self.seed,
        )

        def teacher_forcing(batch):
            target = batch["target"]  # (batch, time): [START] y1 ... yn [END] 0 ...
            inputs = {"source": batch["source"], "target_in": target[:, :-1]}
            return inputs, target[:, 1:]

        dataset = dataset.map(teacher_forcing, num_parallel_calls=tf.data.AUTOTUNE)
        return dataset, len(data)

    # === Task hooks ===

    def _adapt(self, train):
        train = self._pairs(train)
        for encoder, texts in (
            (self.source_encoder, train.sources),
            (self.target_encoder, train.targets),
        ):
            encoder.adapt(
                list(texts), max_size=self.max_vocabulary_size, min_count=self.min_count
            )

    def _is_adapted(self):
        return self.source_encoder.vocabulary is not None

    def _build_model(self):
        kwargs = {**PRESETS[self.architecture], **self.model_kwargs}
        return build_translator(
            self.source_encoder.vocabulary_size,
            self.target_encoder.vocabulary_size,
            **kwargs,
        )

    def _fingerprint(self):
        return {
            **super()._fingerprint(),
            **vocabulary_fingerprint(
                [self.source_encoder.vocabulary, self.target_encoder.vocabulary]
            ),
        }

    def _save_preprocessing(self, directory):
        self.source_encoder.save(directory / SOURCE_FILE)
        self.target_encoder.save(directory / TARGET_FILE)

    def _load_preprocessing(self, directory):
        self.source_encoder = TextEncoder.load(directory / SOURCE_FILE)
        self.target_encoder = TextEncoder.load(directory / TARGET_FILE)

    def _preprocessing_config(self):
        return [self.source_encoder.get_config(), self.target_encoder.get_config()]

    def _load_preprocessing_from(self, other):
        self.source_encoder = other.source_encoder
        self.target_encoder = other.target_encoder

    # === Translation ===

    def translation_function(self, method="greedy", **options):
        """The `tf.function` behind `translate` and the exported signatures.

        It takes a `(batch,)` `tf.string` tensor and returns a dict:
        `translation` (`(batch,)` strings), `target_tokens` (ragged strings,
        the generated words, `[END]` included), `source_tokens` (ragged
        strings, as the encoder split them), `scores` (the log-probability
        of each translation) and, when the model has attention, `attention`
        (`(batch, steps, source_len)`).

        Sampling's `temperature` and `seed` reach the graph as tensors, so
        that trying many of them traces the function only once.

        Args:
            method: "greedy", "sample" or "beam".
            **options: passed to `seqkeras.decoding.decode` (`beam_width`,
                `length_penalty`, `temperature`, `top_k`, `seed`).
        """
        owners = (self.model, self.source_encoder, self.target_encoder)
        return self._decoding_function(
            owners, method, options, lambda fixed: self._make_function(method, fixed)
        )

    def _make_function(self, method, options):
        model, source_encoder = self.model, self.source_encoder
        target_encoder, max_length = self.target_encoder, self.max_length
        target_tokens = tf.constant(target_encoder.vocabulary.tokens)
        # Never padding, [START] or [UNK] (see `decoding.forbid_tokens`).
        step = decoding.forbid_tokens(
            model.step_function(),
            [Vocabulary.pad_id, Vocabulary.start_id, Vocabulary.unk_id],
        )
        attention = model.attention is not None

        def run(texts, **sampling):
            source = source_encoder(texts)  # (batch, source_len)
            state = model.initial_decoder_state(source)
            start = tf.fill(tf.shape(texts), Vocabulary.start_id)  # (batch,)
            result = decoding.decode(
                step,
                start,
                state,
                method=method,
                end_id=Vocabulary.end_id,
                max_length=max_length,
                **options,
                **sampling,
            )
            generated = tf.RaggedTensor.from_tensor(
                result.tokens, lengths=result.lengths
            )
            outputs = {
                "translation": target_encoder.detokenize(generated),
                "target_tokens": tf.gather(target_tokens, generated),
                "source_tokens": source_encoder.tokenize(texts)[:, :max_length],
                "scores": result.scores,
            }
            if attention:
                outputs["attention"] = result.extras  # (batch, steps, source_len)
            return outputs

        return decoding_tf_function(run, _TEXTS_SPEC, method)

    def _run(self, texts, method, options, batch_size, verbose):
        texts = as_text_batch(texts if not isinstance(texts, str) else [texts])
        function = self.translation_function(method, **options)
        n = int(texts.shape[0])
        progress = keras.utils.Progbar(n) if verbose and n else None
        for start in range(0, n, batch_size):
            yield function(texts[start : start + batch_size])
            if progress:
                progress.update(min(start + batch_size, n))

    def translate(self, texts, *, method="greedy", batch_size=64, verbose=0, **options):
        """Translates raw sentences.

        Every method picks among real words and `[END]` only: padding,
        `[START]` and `[UNK]` are never written (`decoding.forbid_tokens`).

        Args:
            texts: a list of strings (a single string is a batch of one).
            method: "greedy" (the most likely word at every step), "sample"
                (draw each word; `temperature`, `top_k`, `seed`) or "beam"
                (`beam_width`, default the pipeline's, and `length_penalty`).
            batch_size: sentences decoded together.
            verbose: 1 shows a progress bar.
            **options: the decoding options above.

        Returns:
            A list of strings.
        """
        options = self._options(method, options)
        return [
            text.decode("utf-8")
            for outputs in self._run(texts, method, options, batch_size, verbose)
            for text in outputs["translation"].numpy()
        ]

    def translate_with_attention(self, texts, *, method="greedy", **options):
        """Translations with their words and attention weights, for plots.

        Returns:
            One dict per text: `translation`, `source_tokens`,
            `target_tokens` (lists of strings) and `attention`, a NumPy
            array `(len(target_tokens), len(source_tokens))` (zeros for a
            model without attention).
        """
        options = self._options(method, options)
        results = []
        for outputs in self._run(texts, method, options, 64, 0):
            sources = outputs["source_tokens"].to_list()
            targets = outputs["target_tokens"].to_list()
            for i, text in enumerate(outputs["translation"].numpy()):
                source = [t.decode("utf-8") for t in sources[i]] or ["[UNK]"]
                target = [t.decode("utf-8") for t in targets[i]]
                weights = (
                    outputs["attention"][i].numpy()
                    if "attention" in outputs
                    else np.zeros((len(target), len(source)), "float32")
                )
                results.append(
                    {
                        "translation": text.decode("utf-8"),
                        "source_tokens": source,
                        "target_tokens": target,
                        "attention": weights[: len(target), : len(source)],
                    }
                )
        return results

    def _options(self, method, options):
        one_of("method", method, decoding.METHODS)  # before the default below
        if method == "beam":
            options.setdefault("beam_width", self.beam_width)
        return options

    def evaluate(self, data, *, method="greedy", batch_size=64, verbose=0, **options):
        """BLEU, chrF and exact match of the translations of `data`'s sources.

        Each distinct source is translated once and scored against all its
        translations in `data` (Tatoeba often has several). BLEU and chrF are
        sacrebleu's corpus scores, case-insensitive (the model case-folds).

        Returns:
            A dict: `bleu`, `chrf` (0-100), `exact_match` (0-1: the fraction of
            translations equal to one reference, case-folded),
            `num_sentences` (distinct sources) and `num_references`.
        """
        sources, references = self._pairs(data).grouped()
        hypotheses = self.translate(
            sources, method=method, batch_size=batch_size, verbose=verbose, **options
        )
        folded = [[r.lower() for r in refs] for refs in references]
        return {
            "bleu": corpus_bleu(hypotheses, references),
            "chrf": corpus_chrf(hypotheses, references),
            "exact_match": exact_match([h.lower() for h in hypotheses], folded),
            "num_sentences": len(sources),
            "num_references": int(sum(len(r) for r in references)),
            "method": method,
        }

    # === Export ===

    def _add_endpoints(self, archive):
        archive.track(self.source_encoder)
        archive.track(self.target_encoder)
        endpoints = {
            "translate": self.translation_function("greedy"),
            "translate_beam": self.translation_function(
                "beam", beam_width=self.beam_width
            ),
        }
        for name, function in endpoints.items():
            archive.add_endpoint(name, function)
