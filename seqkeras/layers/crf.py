"""A linear-chain conditional random field (CRF) output layer.

A per-word softmax picks each tag on its own, so nothing stops it from
predicting `O I-PER`, which no IOB2 sentence contains. A linear-chain CRF
scores whole tag sequences instead: the score of tags `y_1 .. y_n` is

    s(y) = start[y_1] + sum_t emission[t, y_t] + sum_t transition[y_{t-1}, y_t]
           + end[y_n]

and `p(y | x) = exp(s(y)) / Z`, where the partition function `Z` sums over
every possible sequence. Training maximises `log p(gold | x)`; `Z` comes from
the forward algorithm in `O(n K^2)` for `K` tags. Prediction finds the
highest-scoring sequence with the Viterbi algorithm, also `O(n K^2)`, so a
transition the training data never shows (a large negative score) is never
predicted.

To keep the model an ordinary Keras model whose loss is a function of
`(y_true, y_pred)`, the `CRF` layer folds the start, transition and end
scores into its output: `potentials[b, t, i, j]` is the score of tag `j` at
step `t` after tag `i` at step `t - 1`, that is
`emission[b, t, j] + transition[i, j]`. At `t = 0` every row holds
`emission[b, 0, j] + start[j]`, and `end[j]` is added at each sentence's last
word (known from the Keras mask). `crf_log_likelihood`, `crf_nll` (the loss)
and `crf_decode` (Viterbi) read these potentials and a mask, with
`keras.ops` only.
"""

import keras
import numpy as np
from keras import ops

from seqkeras._validation import positive_int
from seqkeras.errors import InvalidArgumentError

# A transition score that no sequence takes (exp(-1e4) is 0 in float32).
_NEVER = -1e4


def _check_allowed(allowed, num_tags):
    """Returns `allowed` as plain nested lists of booleans, or None."""
    if allowed is None:
        return None
    shapes = {
        "start": (num_tags,),
        "transitions": (num_tags, num_tags),
        "end": (num_tags,),
    }
    if not isinstance(allowed, dict) or set(allowed) != set(shapes):
        raise InvalidArgumentError(
            "Received an invalid value for argument `allowed`, expected a dict with "
            f"keys 'start', 'transitions' and 'end', got {allowed!r:.80}"
        )
    checked = {}
    for key, shape in shapes.items():
        value = np.asarray(allowed[key], dtype=bool)
        if value.shape != shape:
            raise InvalidArgumentError(
                f"Received an invalid value for argument `allowed`: {key!r} must "
                f"have shape {shape} for {num_tags} tags, got {value.shape}"
            )
        checked[key] = value.tolist()
    return checked


@keras.saving.register_keras_serializable(package="seqkeras")
class CRF(keras.layers.Layer):
    """Turns per-word tag scores into linear-chain CRF potentials.

    Args:
        num_tags: the number of tags `K`.
        allowed: None, or hard constraints as a dict of booleans: `start`
            `(K,)`, `transitions` `(K, K)` and `end` `(K,)` (see
            `seqkeras.tags.allowed_transitions`). A forbidden transition
            gets a score of -10,000, so no decoded sequence takes it.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        emissions: `(batch, time, num_tags)` unnormalised tag scores.
        mask: `(batch, time)` booleans, True for words (from the Keras mask
            of the inputs, or given).

    Returns:
        `(batch, time, num_tags, num_tags)` potentials (see the module
        docstring); the output carries no mask, so a loss sees whole
        sentences.

    Example:

    >>> crf = CRF(3)
    >>> potentials = crf(np.zeros((2, 5, 3), "float32"))
    >>> tuple(potentials.shape), tuple(crf_decode(potentials).shape)
    ((2, 5, 3, 3), (2, 5))
    """

    def __init__(self, num_tags, *, allowed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_tags = positive_int("num_tags", num_tags)
        self.allowed = _check_allowed(allowed, self.num_tags)
        self.supports_masking = True

    def build(self, input_shape):
        k = self.num_tags
        self.transitions = self.add_weight(
            shape=(k, k), initializer="glorot_uniform", name="transitions"
        )
        self.start_transitions = self.add_weight(
            shape=(k,), initializer="zeros", name="start_transitions"
        )
        self.end_transitions = self.add_weight(
            shape=(k,), initializer="zeros", name="end_transitions"
        )

    def _scores(self):
        """Start, transition and end scores, forbidden ones pushed to -1e4."""
        scores = [self.start_transitions, self.transitions, self.end_transitions]
        if self.allowed is None:
            return scores
        return [
            score + _NEVER * (1.0 - ops.cast(self.allowed[key], score.dtype))
            for score, key in zip(scores, ("start", "transitions", "end"), strict=True)
        ]

    def call(self, emissions, mask=None):
        start, transitions, end = self._scores()
        emissions = ops.cast(emissions, self.compute_dtype)
        batch, time = ops.shape(emissions)[0], ops.shape(emissions)[1]
        if mask is None:
            mask = ops.ones((batch, time), dtype="bool")
        mask = ops.cast(mask, emissions.dtype)  # (batch, time)
        # The last word of each sentence: a word whose successor is padding.
        after = ops.concatenate([mask[:, 1:], ops.zeros_like(mask[:, :1])], axis=1)
        is_last = mask * (1.0 - after)  # (batch, time)
        first = ops.cast(ops.arange(time) == 0, emissions.dtype)[None, :, None]
        unary = (
            emissions
            + first * start  # (batch, time, K)
            + is_last[:, :, None] * end
        )
        # At t = 0 there is no previous tag: every row gets the same scores.
        pairwise = (1.0 - first[..., None]) * transitions  # (1, time, K, K)
        return unary[:, :, None, :] + pairwise  # (batch, time, K, K)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.num_tags)

    def get_config(self):
        return {
            **super().get_config(),
            "num_tags": self.num_tags,
            "allowed": self.allowed,
        }


def _time_major(x):
    """(batch, time, ...) -> (time, batch, ...)."""
    return ops.moveaxis(x, 1, 0)


def _float_mask(potentials, mask):
    if mask is None:
        shape = ops.shape(potentials)
        return ops.ones((shape[0], shape[1]), dtype=potentials.dtype)
    return ops.cast(mask, potentials.dtype)


def _masked_potentials(potentials, mask):
    """Padded steps get the identity: each tag can only stay as it was.

    `logsumexp_i(alpha[i] + identity[i, j]) = alpha[j]` exactly, and the
    best previous tag of `j` is `j`, so the forward algorithm and Viterbi
    pass a padded step unchanged without reading the mask inside the loop.
    """
    mask = _float_mask(potentials, mask)[:, :, None, None]
    eye = ops.eye(ops.shape(potentials)[-1], dtype=potentials.dtype)
    identity = (1.0 - eye) * _NEVER  # (K, K): 0 on the diagonal
    potentials = mask * potentials + (1.0 - mask) * identity
    # One more identity step at the end, so that the loops below always run
    # at least once (TensorFlow's scan cannot stack zero steps of unknown
    # batch size): it changes neither log Z nor the best path.
    extra = ops.zeros_like(potentials[:, :1]) + identity
    return ops.concatenate([potentials, extra], axis=1)


def crf_log_partition(potentials, mask=None):
    """`log Z` per sentence by the forward algorithm: `(batch,)`.

    `alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + potentials[t, i, j])`; a
    padded step keeps `alpha` unchanged.
    """
    potentials = _masked_potentials(potentials, mask)
    alpha = potentials[:, 0, 0, :]  # (batch, K)

    def step(alpha, scores):  # scores: (batch, K, K)
        alpha = ops.logsumexp(alpha[:, :, None] + scores, axis=1)  # (batch, K)
        return alpha, alpha

    alpha, _ = ops.scan(step, alpha, _time_major(potentials[:, 1:]))
    return ops.logsumexp(alpha, axis=-1)


def crf_sequence_score(potentials, tags, mask=None):
    """The score `s(y)` of the tag sequences `tags` `(batch, time)`: `(batch,)`.

    Padded positions (mask False) add nothing, whatever their tag.
    """
    mask = _float_mask(potentials, mask)
    num_tags = ops.shape(potentials)[-1]
    tags = ops.maximum(ops.cast(tags, "int32"), 0)  # padding may be -1
    current = ops.one_hot(tags, num_tags, dtype=potentials.dtype)  # (b, t, K)
    previous = ops.concatenate([current[:, :1], current[:, :-1]], axis=1)
    picked = ops.sum(
        previous[:, :, :, None] * potentials * current[:, :, None, :], axis=(2, 3)
    )  # (batch, time)
    return ops.sum(picked * mask, axis=1)


def crf_log_likelihood(potentials, tags, mask=None):
    """`log p(tags | x)` per sentence: `(batch,)`."""
    return crf_sequence_score(potentials, tags, mask) - crf_log_partition(
        potentials, mask
    )


@keras.saving.register_keras_serializable(package="seqkeras")
def crf_nll(y_true, y_pred):
    """CRF loss: the negative log-likelihood of each gold sentence.

    Args:
        y_true: `(batch, time)` tag ids, padded with -1.
        y_pred: `(batch, time, K, K)` potentials from a `CRF` layer.

    Returns:
        `(batch,)`; Keras averages it over the batch.
    """
    mask = ops.cast(y_true, "int32") >= 0
    return -crf_log_likelihood(y_pred, y_true, mask)


def crf_decode(potentials, mask=None):
    """The highest-scoring tag sequence (Viterbi): `(batch, time)` int32.

    `delta_t[j] = max_i(delta_{t-1}[i] + potentials[t, i, j])` with a
    back-pointer to the best `i`; the best last tag is followed back to the
    start. A padded step passes every tag through unchanged, so padding
    repeats the sentence's last tag; read only the first `length` tags.
    """
    potentials = _masked_potentials(potentials, mask)
    delta = potentials[:, 0, 0, :]  # (batch, K)

    def forward(carry, scores):  # scores: (batch, K, K)
        delta, _ = carry
        total = delta[:, :, None] + scores  # (batch, K previous, K current)
        # Back-pointers travel as floats: TensorFlow's scan wants every
        # output to share the carry's dtype.
        best = ops.cast(ops.argmax(total, axis=1), delta.dtype)  # (batch, K)
        delta = ops.max(total, axis=1)
        return (delta, best), (delta, best)

    (delta, _), (_, pointers) = ops.scan(
        forward, (delta, ops.zeros_like(delta)), _time_major(potentials[:, 1:])
    )  # pointers: (time - 1, batch, K)
    last = ops.cast(ops.argmax(delta, axis=-1), "int32")  # (batch,)
    pointers = ops.cast(pointers, "int32")

    def backward(tag, pointer):
        previous = ops.take_along_axis(pointer, tag[:, None], axis=1)[:, 0]
        return previous, previous

    _, earlier = ops.scan(backward, last, pointers, reverse=True)  # (time-1, b)
    tags = ops.concatenate([earlier, last[None, :]], axis=0)  # (time + 1, batch)
    return ops.transpose(tags)[:, :-1]  # without the extra step
