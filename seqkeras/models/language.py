"""Language models: the next token's probability at every position.

The course's language model reads a sentence word by word and, at every
step, outputs a probability for each word of the vocabulary being the next
one: `P(sentence) = P(w1) P(w2 | w1) ... P([END] | w1 ... wn)`. Its network
is an embedding, stacked recurrent layers and a softmax over the vocabulary
(the course's: embeddings of 200, LSTMs of 256 and 128 units, 10,000 words).

`build_language_model` builds it as a functional Keras model from token ids
`(batch, time)` to logits `(batch, time, vocabulary_size)`; the softmax is
applied by the loss and by the decoders, which is numerically safer. With
`batch_size` the recurrent layers are stateful, for truncated
backpropagation through time (`seqkeras.pipelines.tbptt`): each batch starts
from the state the previous batch ended in. `LanguageModelLoss` is the
cross-entropy over the predicted tokens, averaged per token or, as Zaremba
et al. train, summed over the steps; `Perplexity` is exp of the mean
cross-entropy per predicted token, computed exactly.

`step_function(model)` runs the same weights one token at a time with
explicit states, for `seqkeras.decoding`.
"""

import keras
from keras import ops

from seqkeras._validation import (
    non_negative_float,
    one_of,
    positive_float,
    positive_int,
    positive_ints,
    rate,
)
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.words import ReversibleEmbedding
from seqkeras.models.recurrent import recurrent_stack

OPTIMIZERS = ("sgd", "adam")

# Model sizes with the training set-up that goes with them (the pipeline
# reads `num_steps`, `batch_size`, `epochs` and the learning-rate schedule).
# Zaremba et al. 2014, "small": TensorFlow's ptb_word_lm, 115.9 test
# perplexity on PTB.
_SMALL = {
    "model": {
        "units": [200, 200],
        "embedding_dim": 200,
        "dropout": 0.0,
        "optimizer": "sgd",
        "learning_rate": 1.0,
        "clipnorm": 5.0,
        "sum_over_steps": True,
        "init_scale": 0.1,
    },
    "num_steps": 20,
    "batch_size": 20,
    "epochs": 13,
    "decay_after": 4,
    "decay": 0.5,
}
CONFIGS = {
    "small": _SMALL,
    # The course: embeddings of 200, LSTMs of 256 and 128, 20 steps, batch 60,
    # trained with Zaremba's recipe. Not Adam: with the state carried through
    # the whole epoch, Adam (2e-3) let the LSTM's cell state grow without
    # bound (|c| of 2,800 after 200 batches of PTB), tanh(c) saturated, the
    # embedding stopped changing and the model stayed at the unigram
    # perplexity (about 700; a GRU stalled there too). Stateless, the same
    # Adam set-up learns.
    "course": {
        **_SMALL,
        "model": {**_SMALL["model"], "units": [256, 128]},
        "batch_size": 60,
        "epochs": 10,
    },
}

# The architectures of `LanguageModelPipeline` and of `seqkeras train
# language-model --architecture NAME`: a cell with the builder's default
# sizes, or one of the `CONFIGS` (an LSTM; `cell=` changes it).
PRESETS = {
    "lstm": {"model": {"cell": "lstm"}},
    "gru": {"model": {"cell": "gru"}},
    "rnn": {"model": {"cell": "simple_rnn"}},
    "peephole-lstm": {"model": {"cell": "peephole_lstm"}},
    "simplified-gru": {"model": {"cell": "simplified_gru"}},
    **CONFIGS,
}


@keras.saving.register_keras_serializable(package="seqkeras")
class LanguageModelLoss(keras.losses.Loss):
    """Cross-entropy of the next token, over the predicted tokens only.

    Targets with sample weight 0 (padding, `[START]`) count for nothing.

    Args:
        sum_over_steps: False (default): the mean per predicted token. True:
            summed over the time steps and averaged over the batch, as
            Zaremba et al. (and TensorFlow's ptb_word_lm) train, so that a
            learning rate of 1 means what it means there.
    """

    def __init__(self, sum_over_steps=False, name="language_model_loss", **kwargs):
        self.sum_over_steps = bool(sum_over_steps)
        # Summed over the steps: each token's loss times the number of steps,
        # averaged over batch and steps (not a plain "sum" divided by the
        # batch, the same number on one device), because Keras divides a
        # mean, not a sum, by the number of devices of a tf.distribute
        # strategy, whose gradients are summed across them.
        kwargs.setdefault(
            "reduction",
            "sum_over_batch_size" if self.sum_over_steps else "mean_with_sample_weight",
        )
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        losses = keras.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=True
        )  # (batch, time)
        if self.sum_over_steps:
            steps = ops.cast(ops.shape(losses)[1], losses.dtype)
            losses = losses * steps
        return losses

    def get_config(self):
        config = super().get_config()
        config.pop("reduction", None)
        return {**config, "sum_over_steps": self.sum_over_steps}


@keras.saving.register_keras_serializable(package="seqkeras")
class Perplexity(keras.metrics.Metric):
    """exp(mean cross-entropy per predicted token), over everything seen.

    Sums the weighted cross-entropy and the weights across batches and
    takes the exponential only at the end, so the result is the exact
    perplexity of the whole set, not an average of per-batch perplexities.
    Targets equal to 0 (padding) and targets with sample weight 0 are left
    out.

    Example:

    >>> metric = Perplexity()
    >>> logits = np.log(np.array([[[0.5, 0.25, 0.25], [0.5, 0.25, 0.25]]]))
    >>> metric.update_state(np.array([[1, 0]]), logits)
    >>> round(float(metric.result()), 4)  # only the first token counts: 1 / 0.25
    4.0
    """

    def __init__(self, name="perplexity", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable((), initializer="zeros", name="total")
        self.count = self.add_variable((), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        weights = ops.cast(ops.not_equal(y_true, 0), "float32")
        if sample_weight is not None:
            weights = weights * ops.cast(sample_weight, "float32")
        losses = keras.losses.sparse_categorical_crossentropy(
            y_true, ops.cast(y_pred, "float32"), from_logits=True
        )
        self.total.assign_add(ops.sum(losses * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.exp(self.total / ops.maximum(self.count, 1.0))

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)


def build_language_model(
    vocabulary_size,
    *,
    cell="lstm",
    units=200,
    num_layers=2,
    embedding_dim=200,
    dropout=0.0,
    tie_embeddings=False,
    batch_size=None,
    init_scale=None,
    optimizer="adam",
    learning_rate=1e-3,
    clipnorm=5.0,
    sum_over_steps=False,
    seed=None,
    compile=True,
    name="language_model",
):
    """Builds an RNN language model over token ids.

    Args:
        vocabulary_size: number of token ids, padding (id 0) included.
        cell: a name in `seqkeras.models.CELLS` or a cell class.
        units: hidden size of every layer, or one size per layer (the
            course's `[256, 128]`); then `num_layers` is ignored.
        num_layers: recurrent layers stacked.
        embedding_dim: size of the word vectors.
        dropout: dropout on the word vectors, between layers and before the
            output (Zaremba et al.'s non-recurrent dropout).
        tie_embeddings: score the last layer's output against the input
            embedding table (`ReversibleEmbedding`) instead of a separate
            output matrix; the last layer's units must equal `embedding_dim`.
        batch_size: fix the batch size and make the recurrent layers
            stateful, for truncated backpropagation through time (each batch
            carries on from the state the previous one ended in; call
            `reset_states(model)` between epochs). None: stateless, any
            batch size.
        init_scale: draw every weight matrix uniformly from
            `[-init_scale, init_scale]`, biases 0 (forget gates too), as
            Zaremba et al. do; None keeps Keras' initialisers.
        optimizer: "sgd" or "adam". With a stateful model (`batch_size`),
            prefer SGD: see the note on `CONFIGS["course"]`.
        learning_rate: the optimizer's learning rate (a schedule works too).
        clipnorm: clip the global norm of all gradients to this (None: no
            clipping).
        sum_over_steps: see `LanguageModelLoss`.
        seed: seeds `init_scale`'s draws.
        compile: compile with the optimizer, `LanguageModelLoss` and
            `Perplexity`.
        name: the model's name.

    Returns:
        A functional `keras.Model` from `(batch, time)` int ids to
        `(batch, time, vocabulary_size)` logits of the next token.

    Example:

    >>> model = build_language_model(100, units=[16, 8], embedding_dim=12)
    >>> [layer.name for layer in model.layers]
    ['token_ids', 'token_embedding', 'lm_lstm_0', 'lm_lstm_1', 'next_token_logits']
    >>> model.predict(np.array([[2, 5, 6]]), verbose=0).shape
    (1, 3, 100)
    """
    positive_int("vocabulary_size", vocabulary_size)
    if isinstance(units, int):
        sizes = positive_ints("units", units, positive_int("num_layers", num_layers))
    else:
        sizes = positive_ints("units", units)
    positive_int("embedding_dim", embedding_dim)
    dropout = rate("dropout", dropout)
    one_of("optimizer", optimizer, OPTIMIZERS)
    if not callable(learning_rate):
        positive_float("learning_rate", learning_rate)
    if clipnorm is not None:
        positive_float("clipnorm", clipnorm)
    if init_scale is not None:
        non_negative_float("init_scale", init_scale)
    if batch_size is not None:
        positive_int("batch_size", batch_size)
    if tie_embeddings and sizes[-1] != embedding_dim:
        raise InvalidArgumentError(
            f"tie_embeddings scores the last layer's output against the "
            f"embedding table, so their sizes must match: the last layer has "
            f"{sizes[-1]} units but embedding_dim is {embedding_dim}. Make "
            "them equal, or set tie_embeddings=False."
        )

    # === Layers and functional model ===
    token_ids = keras.Input(
        batch_shape=(batch_size, None), dtype="int32", name="token_ids"
    )
    embedding_class = ReversibleEmbedding if tie_embeddings else keras.layers.Embedding
    embedding = embedding_class(vocabulary_size, embedding_dim, name="token_embedding")
    x = embedding(token_ids)  # (batch, time, embedding_dim)
    if dropout:
        x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    x = recurrent_stack(
        x,
        cell=cell,
        units=list(sizes),
        dropout=dropout,
        return_sequences=True,
        output_dropout=True,
        stateful=batch_size is not None,
        name_prefix="lm",
    )  # (batch, time, units[-1])
    if tie_embeddings:
        logits = embedding(x, reverse=True)
    else:
        logits = keras.layers.Dense(vocabulary_size, name="next_token_logits")(x)
    model = keras.Model(token_ids, logits, name=name)
    if init_scale is not None:
        _uniform_init(model, init_scale, seed)

    # === Compile ===
    if compile:
        optimizer_class = {
            "sgd": keras.optimizers.SGD,
            "adam": keras.optimizers.Adam,
        }[optimizer]
        model.compile(
            optimizer=optimizer_class(learning_rate, global_clipnorm=clipnorm),
            loss=LanguageModelLoss(sum_over_steps=sum_over_steps),
            weighted_metrics=[Perplexity()],
        )
    return model


def _uniform_init(model, scale, seed):
    """Every matrix uniform in [-scale, scale], every bias 0."""
    generator = keras.random.SeedGenerator(seed)
    for weight in model.trainable_weights:
        if len(weight.shape) >= 2:
            weight.assign(
                keras.random.uniform(
                    weight.shape, -scale, scale, seed=generator, dtype=weight.dtype
                )
            )
        else:
            weight.assign(ops.zeros(weight.shape, weight.dtype))


def recurrent_layers(model):
    """The model's recurrent layers, first to last."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]


def reset_states(model):
    """Zeroes the carried state of every stateful recurrent layer."""
    for layer in recurrent_layers(model):
        if layer.stateful:
            layer.reset_state()


def initial_states(model, batch_size):
    """Zero states for `step_function`: one list of tensors per recurrent
    layer (`[h]`, or `[h, c]` for an LSTM), each `(batch_size, units)`."""
    states = []
    for layer in recurrent_layers(model):
        sizes = layer.cell.state_size
        sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
        states.append([ops.zeros((batch_size, size), "float32") for size in sizes])
    return states


def cells_step(layers, x, states):
    """Runs the cells of recurrent `layers` on one step `x` `(batch,
    features)`, dropout off: returns the last layer's output and each
    layer's new states (as `initial_states` lays them out)."""
    new_states = []
    for layer, layer_states in zip(layers, states, strict=True):
        x, updated = layer.cell(x, list(layer_states), training=False)
        updated = list(updated) if isinstance(updated, (list, tuple)) else [updated]
        new_states.append(updated)
    return x, new_states


def step_function(model):
    """The model one token at a time: `(tokens, states) -> (logits, states)`.

    Runs the embedding, each recurrent layer's cell and the output layer of
    `model` (stateful or not; dropout off) on one token per row, with the
    states passed in and out explicitly, as `seqkeras.decoding` expects.
    Over a whole sequence it gives the same logits as `model` itself.

    Args:
        model: a model from `build_language_model`.

    Returns:
        `step(tokens, states)`: `tokens` int `(batch,)`, `states` as
        `initial_states` makes them; returns `(batch, vocabulary_size)`
        logits and the new states.
    """
    embedding = model.get_layer("token_embedding")
    layers = recurrent_layers(model)
    names = [layer.name for layer in model.layers]
    # A tied model scores with the embedding table itself.
    output = None
    if "next_token_logits" in names:
        output = model.get_layer("next_token_logits")

    def step(tokens, states):
        x = embedding(tokens)  # (batch, embedding_dim)
        x, new_states = cells_step(layers, x, states)
        logits = output(x) if output is not None else embedding(x, reverse=True)
        return logits, new_states  # (batch, vocabulary_size)

    return step
