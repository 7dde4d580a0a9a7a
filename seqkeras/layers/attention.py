"""Attention of a decoder over the encoder's outputs, with source padding masked.

At every decoder step the course's attention model asks "which source words
matter for the word I am about to write?". Each query `q` (a decoder state)
scores every memory vector `k_j` (an encoder output), a softmax over the
source turns the scores into weights `alpha_j`, and the context is the
weighted average `sum_j alpha_j k_j`:

- additive (Bahdanau et al. 2015): `score(q, k) = v . tanh(W_q q + W_k k)`;
- dot product (Luong et al. 2015, their "general" form):
  `score(q, k) = q . (W k)`, which lets query and memory differ in size.

Padded source positions get no weight at all: their scores are replaced by a
very negative number before the softmax.
"""

import keras
from keras import ops

from seqkeras._validation import one_of, positive_int

SCORES = ("additive", "dot")


@keras.saving.register_keras_serializable(package="seqkeras")
class SequenceAttention(keras.layers.Layer):
    """Scores a memory sequence for every query; returns contexts and weights.

    Args:
        score: "additive" (Bahdanau) or "dot" (Luong).
        units: size of the hidden layer of the additive score (None: the
            query's size); unused by "dot".

    Call arguments:
        query: `(batch, queries, query_dim)`, e.g. the decoder's outputs.
        memory: `(batch, source, memory_dim)`, e.g. the encoder's outputs.
        memory_mask: `(batch, source)` booleans, False at padding; None
            attends to every position.
        keys: `project_memory(memory)`, computed once per source sentence
            by a decoder that calls the layer at every step; None computes
            it here.

    Returns:
        `(context, weights)`: `(batch, queries, memory_dim)` and
        `(batch, queries, source)`; each row of weights sums to 1 and is 0
        at masked positions.

    Example:

    >>> import numpy as np
    >>> layer = SequenceAttention("dot")
    >>> query = np.ones((1, 2, 3), "float32")
    >>> memory = np.arange(12, dtype="float32").reshape(1, 4, 3)
    >>> mask = np.array([[True, True, True, False]])
    >>> context, weights = layer(query, memory, memory_mask=mask)
    >>> tuple(context.shape), tuple(weights.shape)
    ((1, 2, 3), (1, 2, 4))
    >>> float(np.asarray(weights)[0, 0, 3])
    0.0
    """

    def __init__(self, score="additive", units=None, **kwargs):
        super().__init__(**kwargs)
        self.score = one_of("score", score, SCORES)
        self.units = None if units is None else positive_int("units", units)
        # A query's padding mask passes on to its context.
        self.supports_masking = True

    def build(self, query_shape, memory_shape, memory_mask_shape=None):
        query_dim = query_shape[-1]
        if self.score == "additive":
            units = self.units or query_dim
            self.query_dense = keras.layers.Dense(
                units, use_bias=False, name="query_dense"
            )
            self.query_dense.build(query_shape)
            self.memory_dense = keras.layers.Dense(
                units, use_bias=False, name="memory_dense"
            )
            self.memory_dense.build(memory_shape)
            self.score_vector = self.add_weight(
                shape=(units,), initializer="glorot_uniform", name="score_vector"
            )
        else:
            self.memory_dense = keras.layers.Dense(
                query_dim, use_bias=False, name="memory_dense"
            )
            self.memory_dense.build(memory_shape)

    def project_memory(self, memory):
        """`W_k k_j` for every memory vector: the part of the score that does
        not depend on the query. `(batch, source, units)` for the additive
        score, `(batch, source, query_dim)` for the dot product."""
        return self.memory_dense(memory)

    def call(self, query, memory, memory_mask=None, keys=None):
        if keys is None:
            keys = self.project_memory(memory)
        if self.score == "additive":
            q = self.query_dense(query)[:, :, None, :]  # (batch, queries, 1, units)
            k = keys[:, None, :, :]  # (batch, 1, source, units)
            scores = ops.sum(self.score_vector * ops.tanh(q + k), axis=-1)
        else:
            scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))
        # scores: (batch, queries, source)
        if memory_mask is not None:
            mask = ops.cast(memory_mask, "bool")[:, None, :]
            scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        if memory_mask is not None:
            # Exactly 0 at padding, even if every position were masked.
            weights = weights * ops.cast(mask, weights.dtype)
        context = ops.matmul(weights, memory)  # (batch, queries, memory_dim)
        return context, weights

    def compute_output_spec(self, query, memory, memory_mask=None, keys=None):
        batch, queries = query.shape[0], query.shape[1]
        return (
            keras.KerasTensor((batch, queries, memory.shape[-1]), dtype=self.dtype),
            keras.KerasTensor((batch, queries, memory.shape[1]), dtype=self.dtype),
        )

    def get_config(self):
        return {**super().get_config(), "score": self.score, "units": self.units}
