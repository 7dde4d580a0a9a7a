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
`candidates` returns beam search's whole final beam (the n-best list, with
each translation's log-probability), for reranking with another model such
as a target-side language model (`bench/rerank.py`).
"""

import keras
import numpy as np
import tensorflow as tf

from seqkeras._validation import one_of, positive_int
from seqkeras.datasets.streams import SentencePairFile, encoded_rows
from seqkeras.datasets.translation import SentencePairs
from seqkeras.errors import InvalidInputError
from seqkeras.metrics import corpus_bleu, corpus_chrf, exact_match
from seqkeras.models.translation import PRESETS, build_translator
from seqkeras.pipelines.base import as_data
from seqkeras.pipelines.batching import encode_texts
from seqkeras.pipelines.generative import GenerativePipeline
from seqkeras.pipelines.preprocessing import vocabulary_fingerprint
from seqkeras.pipelines.pretrained import PretrainedEmbeddings, text_tokens
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.text import TextEncoder, as_text_batch
from seqkeras.text.vocabulary import Vocabulary

SOURCE_FILE = "source_preprocessing.json"
TARGET_FILE = "target_preprocessing.json"
BUILDER_DECIDES = {"source_vocabulary_size", "target_vocabulary_size", "compile"}


def teacher_forcing(batch):
    """A batch of source and target ids as the model trains on it: the
    target shifted by one step, in and out."""
    target = batch["target"]  # (batch, time): [START] y1 ... yn [END] 0 ...
    inputs = {"source": batch["source"], "target_in": target[:, :-1]}
    return inputs, target[:, 1:]


@register_pipeline
class TranslationPipeline(PretrainedEmbeddings, GenerativePipeline):
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
            translation produced by default.
        lowercase: case-fold both languages.
        bucketing: batch training sentences of similar length together.
        beam_width: the default beam of `method="beam"` and the beam of the
            exported `translate_beam` signature.
        keep_spacing: write translations with the spacing of the training text
            (joined punctuation marked while tokenising, so French elisions,
            German quotes and Spanish marks come back as written); False
            joins by English and Spanish rules.
        embeddings, embeddings_training, frozen_epochs: pretrained vectors
            of source words to start the encoder's embedding from, and what
            training does to them (see `seqkeras.pipelines.pretrained`);
            None learns them.
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to `build_translator` (`cell`, `units`,
            `num_layers`, `bidirectional`, `embedding_dim`, `dropout`, ...).

    Example:

    >>> from seqkeras.datasets import load
    >>> data = load("dates").subset(train=200, validation=20, test=20)
    >>> pipeline = TranslationPipeline(units=16, embedding_dim=8)
    >>> history = pipeline.fit(data.train, epochs=1, verbose=0)
    >>> type(pipeline.predict("25 March 2011")).__name__  # one text in, one out
    'str'
    >>> len(pipeline.predict(["25 March 2011", "July 4, 1976"], method="beam"))
    2
    >>> nbest = pipeline.candidates("25 March 2011", beam_width=3)  # best first
    >>> nbest[0].text == pipeline.predict("25 March 2011", method="beam", beam_width=3)
    True
    """

    task = "translation"
    presets = PRESETS
    file_class = SentencePairFile
    builder = staticmethod(build_translator)
    task_aliases = ("translate",)
    text_output = "translation"
    export_signature = "translate"
    export_output = "translation"

    def __init__(
        self,
        architecture="seq2seq-attention",
        *,
        max_vocabulary_size=20000,
        min_count=1,
        max_length=40,
        lowercase=True,
        bucketing=True,
        beam_width=4,
        keep_spacing=True,
        embeddings=None,
        embeddings_training="fine-tuned",
        frozen_epochs=1,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self._text_options(max_vocabulary_size, min_count, max_length, lowercase)
        self.bucketing = bool(bucketing)
        self.beam_width = positive_int("beam_width", beam_width)
        self.model_kwargs = self._model_arguments(
            build_translator, model_kwargs, BUILDER_DECIDES
        )
        self.source_encoder = TextEncoder(
            lowercase=lowercase, max_length=max_length, name="source_encoder"
        )
        self.target_encoder = TextEncoder(
            lowercase=lowercase,
            max_length=max_length,
            add_start_end=True,
            keep_spacing=keep_spacing,
            name="target_encoder",
        )
        self._embedding_options(embeddings, embeddings_training, frozen_epochs)

    # === Data ===

    def _pairs(self, data):
        """Accepts `SentencePairs` or a `(sources, targets)` pair, or a
        `SentencePairFile` (or its path), whose pairs it reads."""
        stream = self._stream(self._open(data))
        if stream is not None:
            pairs = stream.examples().as_numpy_iterator()
            sources, targets = [], []
            for source, target in pairs:
                sources.append(source.decode())
                targets.append(target.decode())
            return SentencePairs(sources, targets)
        return as_data(data, SentencePairs, "(sources, targets)")

    def _side(self, data, index):
        """The sources (0) or targets (1) of `data`: a list, or a dataset
        for a streamed file."""
        stream = self._stream(data)
        if stream is not None:
            return stream.examples().map(lambda *pair: pair[index])
        pairs = self._pairs(data)
        return list(pairs.targets if index else pairs.sources)

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        stream = self._stream(data)
        if stream is not None:
            rows = encoded_rows(
                stream,
                lambda sources, targets: {
                    "source": self.source_encoder.encode(sources),
                    "target": self.target_encoder.encode(targets),
                },
            )
            dataset = self._stream_batches(
                rows,
                stream,
                labelled=False,
                batch_size=batch_size,
                training=training,
                whole_batches=whole_batches,
            )
            return dataset.map(teacher_forcing), len(stream)
        data = self._pairs(data)
        ids = {
            "source": encode_texts(self.source_encoder, data.sources),
            "target": encode_texts(self.target_encoder, data.targets),
        }
        dataset = self._sequence_batches(
            ids, batch_size=batch_size, training=training, whole_batches=whole_batches
        )
        dataset = dataset.map(teacher_forcing, num_parallel_calls=tf.data.AUTOTUNE)
        return dataset, len(data)

    # === Task hooks ===

    def _adapt(self, train):
        self._adapt_encoder(self.source_encoder, self._side(train, 0))
        self._adapt_encoder(self.target_encoder, self._side(train, 1))

    def _is_adapted(self):
        return self.source_encoder.vocabulary is not None

    def _build_model(self):
        self.model_kwargs.update(
            self._embedding_size(self.model_kwargs.get("embedding_dim"))
        )
        kwargs = {**PRESETS[self.architecture], **self.model_kwargs}
        return build_translator(
            self.source_encoder.vocabulary_size,
            self.target_encoder.vocabulary_size,
            **kwargs,
        )

    def _embedding_layer(self):
        return self.model.source_embedding  # the encoder's words

    def _embedding_vocabulary(self):
        return self.source_encoder.vocabulary

    def _embedding_tokens(self, train):
        return text_tokens(self.source_encoder, self._side(train, 0))

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

    def _function_owners(self):
        return (self.model, self.source_encoder, self.target_encoder)

    def _trackables(self):
        return [self.source_encoder, self.target_encoder]

    # === Decoding hooks ===

    def _batch_of(self, texts):
        single = isinstance(texts, str)
        batch = as_text_batch([texts] if single else texts)
        for i, text in enumerate(batch.numpy()):
            if not text.strip():
                where = "The text" if single else f"Text {i}"
                raise InvalidInputError(
                    f"{where} is empty: there is nothing to translate. Pass a "
                    "sentence in the source language."
                )
        return single, batch

    def _input_spec(self, variant):
        return tf.TensorSpec([None], tf.string, name="texts")

    def _prepare(self, texts, variant):
        source = self.source_encoder(texts)  # (batch, source_len)
        words = self.source_encoder.tokenize(texts)[:, : self.max_length]
        return (source,), {"source_tokens": words}

    def _begin(self, model_inputs, variant):
        (source,) = model_inputs
        start = keras.ops.full(keras.ops.shape(source)[:1], Vocabulary.start_id)
        return keras.ops.cast(start, "int32"), self.model.initial_decoder_state(source)

    def _output_encoder(self):
        return self.target_encoder

    def _extra_outputs(self, extras):
        if self.model.attention is None:
            return {}
        return {"attention": extras}  # (batch, steps, source_len)

    def _details(self, outputs, i, tokens):
        source = [t.decode("utf-8") for t in outputs["source_tokens"][i].numpy()]
        source = source or ["[UNK]"]
        if "attention" in outputs:
            weights = outputs["attention"][i].numpy()
        else:
            weights = np.zeros((len(tokens), len(source)), "float32")
        vocabulary = self.source_encoder.vocabulary
        unknown = sum(vocabulary.token_to_id(t) == Vocabulary.unk_id for t in source)
        return {
            "source_tokens": source,
            "unknown_ratio": unknown / len(source),
            "attention": weights[: len(tokens), : len(source)],
        }

    # === Translation ===

    def translate(self, texts, **options):
        """`predict` under the task's own verb: translates raw sentences
        (one string -> one string, a list -> a list)."""
        return self.predict(texts, **options)

    def translate_with_attention(self, texts, **options):
        """`predict_details` under the task's own verb: translations with
        their `tokens`, `source_tokens`, `score`, `unknown_ratio` (the share
        of source tokens the model does not know: at 1.0 the translation is
        made up, and says nothing about the source) and `attention` weights
        `(len(tokens), len(source_tokens))` (zeros without attention)."""
        return self.predict_details(texts, **options)

    def evaluate(self, data, *, batch_size=None, verbose=0, **options):
        """BLEU, chrF and exact match of the translations of `data`'s sources.

        Each distinct source is translated once and scored against all its
        translations in `data` (Tatoeba often has several). BLEU and chrF are
        sacrebleu's corpus scores, case-insensitive (the model case-folds).

        Args:
            data: `SentencePairs` or a `(sources, targets)` pair.
            batch_size, verbose, **options: as `predict` (`method`, ...).

        Returns:
            A dict: `bleu`, `chrf` (0-100), `exact_match` (0-1: the fraction of
            translations equal to one reference, case-folded),
            `num_sentences` (distinct sources), `num_references` and `method`.
        """
        sources, references = self._pairs(data).grouped()
        hypotheses = self.predict(
            list(sources), batch_size=batch_size, verbose=verbose, **options
        )
        folded = [[r.lower() for r in refs] for refs in references]
        return {
            "bleu": corpus_bleu(hypotheses, references),
            "chrf": corpus_chrf(hypotheses, references),
            "exact_match": exact_match([h.lower() for h in hypotheses], folded),
            "num_sentences": len(sources),
            "num_references": int(sum(len(r) for r in references)),
            "method": options.get("method") or self.default_method,
        }

    # === Export ===

    def _endpoints(self):
        return {
            "translate": self._fixed_length_function("greedy"),
            "translate_beam": self._fixed_length_function(
                "beam", beam_width=self.beam_width
            ),
        }
