"""Starting a pipeline's word embedding from pretrained vectors.

`PretrainedEmbeddings` is mixed into the pipelines that read words
(sentiment, tagging, and the encoder of translation). With
`embeddings=PATH` (see `seqkeras.text.vectors.load_word_vectors`), the model
is built with the vectors' dimension and its embedding starts from them, the
first time `fit` builds it; the vectors are read only then, so a saved
pipeline loads without the file. `embeddings_training` says what training
does to them:

- "fine-tuned": trained with the rest of the model from the first step;
- "frozen": kept as they are (the layer is not trainable);
- "frozen-then-fine-tuned": kept for the first `frozen_epochs` epochs, while
  the layers above learn to read them, then trained too, so that the first
  large gradients of a random network do not scramble them.

The coverage (the share of the vocabulary, and of training tokens, with a
vector) is printed when the model is built and kept in
`pipeline.embedding_coverage`.
"""

import collections

import keras
import tensorflow as tf

from seqkeras._validation import one_of, positive_int
from seqkeras.errors import InvalidArgumentError
from seqkeras.text.encoder import as_text_batch
from seqkeras.text.vectors import WordVectors, load_word_vectors

EMBEDDING_TRAINING = ("fine-tuned", "frozen", "frozen-then-fine-tuned")


class PretrainedEmbeddings:
    """Mixin: `embeddings=` for a pipeline. The pipeline calls
    `_embedding_options` in `__init__`, adds `_embedding_size()` to its
    builder's arguments, and implements `_embedding_layer()` and
    `_embedding_tokens(train)`."""

    def _embedding_options(self, embeddings, embeddings_training, frozen_epochs):
        self._vectors = embeddings if isinstance(embeddings, WordVectors) else None
        if self._vectors is not None:
            embeddings = self._vectors.source
        self.embeddings = None if embeddings is None else str(embeddings)
        self.embeddings_training = one_of(
            "embeddings_training", embeddings_training, EMBEDDING_TRAINING
        )
        self.frozen_epochs = positive_int("frozen_epochs", frozen_epochs)
        self.embedding_coverage = None

    @property
    def uses_pretrained_embeddings(self):
        return self.embeddings is not None or self._vectors is not None

    def _word_vectors(self):
        if self._vectors is None:
            self._vectors = load_word_vectors(self.embeddings)
        return self._vectors

    def _embedding_size(self, given=None):
        """`{"embedding_dim": ...}` for the builder: the vectors' dimension
        (refusing another given one), or nothing without vectors."""
        if not self.uses_pretrained_embeddings:
            return {}
        dim = self._word_vectors().dim
        if given is not None and given != dim:
            raise InvalidArgumentError(
                f"embedding_dim={given} but the vectors of {self.embeddings} have "
                f"{dim} dimensions: leave embedding_dim out, or pass {dim}."
            )
        return {"embedding_dim": dim}

    # === Task hooks ===

    def _embedding_layer(self):
        """The model's word `Embedding` layer."""
        raise NotImplementedError

    def _embedding_vocabulary(self):
        """The `Vocabulary` that numbers the embedding's rows."""
        return self.encoder.vocabulary

    def _embedding_tokens(self, train):
        """The training tokens as the vocabulary sees them (normalised): an
        iterable of lists of strings."""
        raise NotImplementedError

    # === Start and training ===

    def _initialise_model(self, train):
        if not self.uses_pretrained_embeddings:
            return
        vectors = self._word_vectors()
        vocabulary = self._embedding_vocabulary()
        counts = collections.Counter(
            token for tokens in self._embedding_tokens(train) for token in tokens
        )
        matrix, _ = vectors.matrix_for(vocabulary, seed=self.seed)
        layer = self._embedding_layer()
        layer.embeddings.assign(matrix)
        self.embedding_coverage = vectors.coverage(vocabulary, counts)
        report = self.embedding_coverage
        print(
            f"pretrained vectors {self.embeddings}: {report['vocabulary_found']:,} "
            f"of {report['vocabulary_size']:,} words "
            f"({report['vocabulary_share']:.1%}; {report['found_by_case']:,} "
            f"by case), {report['token_share']:.1%} of training tokens; "
            f"{self.embeddings_training}"
        )
        if self.embeddings_training != "fine-tuned":
            if keras.backend.backend() != "jax":
                # The optimizer knows the embedding from the start, so that
                # it can train it after the frozen epochs. (On JAX an
                # optimizer updates exactly the variables it was built
                # with: `_Unfreeze` builds it again instead.)
                self.model.optimizer.build(self.model.trainable_variables)
            layer.trainable = False

    def _embedding_callbacks(self):
        if (
            self.uses_pretrained_embeddings
            and self.embeddings_training == "frozen-then-fine-tuned"
        ):
            done = len(self.history.get("loss", []))  # by earlier `fit` calls
            return [_Unfreeze(self._embedding_layer(), self.frozen_epochs - done)]
        return []


def text_tokens(encoder, texts, *, batch_size=8192):
    """The tokens of `texts` (strings, or a `tf.data.Dataset` of them) as a
    `TextEncoder` splits and normalises them: one list of strings per text
    (for counting training tokens)."""
    if isinstance(texts, tf.data.Dataset):
        batches = texts.batch(batch_size)
    else:
        texts = list(texts)
        batches = (
            as_text_batch(texts[start : start + batch_size])
            for start in range(0, len(texts), batch_size)
        )
    for batch in batches:
        for row in encoder.tokenize(batch).to_list():
            yield [t.decode("utf-8") for t in row]


class _Unfreeze(keras.callbacks.Callback):
    """Makes `layer` trainable from epoch `epoch` of this `fit` on (0-based;
    Keras counts on from a restored backup when a run resumes)."""

    def __init__(self, layer, epoch):
        super().__init__()
        self.layer, self.epoch = layer, epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch >= self.epoch and not self.layer.trainable:
            self.layer.trainable = True
            if keras.backend.backend() == "jax":
                _rebuild_optimizer(self.model)
            # The training step was traced with the layer frozen.
            self.model.make_train_function(force=True)


def _rebuild_optimizer(model):
    """Gives `model` a new optimizer of the same configuration, built for its
    trainable variables now, carrying over the step count and the slots
    (moments) of the variables the old one trained.

    The JAX trainer passes the optimizer exactly the variables it was built
    with, so a layer that becomes trainable needs an optimizer built again;
    TensorFlow's optimizer takes any subset of them, so there it is built
    once with the layer included.
    """
    old = model.optimizer
    new = type(old).from_config(old.get_config())
    new.build(model.trainable_variables)
    values = {v.name: v for v in old.variables}
    for variable in new.variables:
        if variable.name in values:  # slots are named after their variable
            variable.assign(values[variable.name])
    model.optimizer = new
