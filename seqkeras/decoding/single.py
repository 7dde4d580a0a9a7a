"""Greedy search and sampling: one hypothesis per sequence, one token chosen
at every step."""

import tensorflow as tf

from seqkeras._validation import (
    non_negative_int,
    positive_int,
)
from seqkeras.decoding.steps import (
    Decoded,
    _as_state,
    _call_step,
    _int_argument,
    _max_length,
    _non_negative_number,
    _start_tokens,
    _zero_rows,
)

# === Greedy search and sampling ===


def _single_path(step_fn, start_tokens, initial_state, end_id, max_length, choose):
    """Runs the loop where each sequence keeps one hypothesis.

    `choose(logits, step)` picks the next token of every sequence, int32
    `(batch,)`, from float32 `(batch, vocabulary)` logits.
    """
    end_id = _int_argument("end_id", end_id, non_negative_int)
    max_length = _max_length(max_length)
    start_tokens = _start_tokens(start_tokens)
    batch = tf.shape(start_tokens)[0]

    def advance(step, tokens, state, finished, lengths, scores):
        logits, state, extras = _call_step(step_fn, tokens, state)  # (batch, vocab)
        chosen = choose(logits, step)  # (batch,)
        log_probs = tf.gather(tf.nn.log_softmax(logits), chosen, batch_dims=1)
        # A finished sequence pads with 0 and keeps its score and length.
        tokens = tf.where(finished, tf.zeros_like(chosen), chosen)
        scores += tf.where(finished, tf.zeros_like(log_probs), log_probs)
        lengths += tf.cast(tf.logical_not(finished), tf.int32)
        if extras is not None:
            extras = _zero_rows(extras, finished)
        finished = tf.logical_or(finished, tf.equal(tokens, end_id))
        return tokens, state, finished, lengths, scores, extras

    # The first step runs outside the loop: only its output tells whether
    # the step function returns extras, and of which dtype and shape.
    tokens, state, finished, lengths, scores, extras = advance(
        tf.constant(0),
        start_tokens,
        _as_state(initial_state),
        tf.zeros([batch], tf.bool),
        tf.zeros([batch], tf.int32),
        tf.zeros([batch], tf.float32),
    )
    history = tf.TensorArray(tf.int32, size=0, dynamic_size=True).write(0, tokens)
    recorded = ()
    if extras is not None:
        recorded = (
            tf.TensorArray(extras.dtype, size=0, dynamic_size=True).write(0, extras),
        )

    def keep_going(step, tokens, state, finished, lengths, scores, history, recorded):
        return tf.logical_and(
            step < max_length, tf.logical_not(tf.reduce_all(finished))
        )

    def body(step, tokens, state, finished, lengths, scores, history, recorded):
        tokens, state, finished, lengths, scores, extras = advance(
            step, tokens, state, finished, lengths, scores
        )
        history = history.write(step, tokens)
        if recorded:
            recorded = (recorded[0].write(step, extras),)
        return step + 1, tokens, state, finished, lengths, scores, history, recorded

    _, _, _, _, lengths, scores, history, recorded = tf.while_loop(
        keep_going,
        body,
        (tf.constant(1), tokens, state, finished, lengths, scores, history, recorded),
    )
    tokens = tf.transpose(history.stack())  # (batch, steps)
    extras = None
    if recorded:
        stacked = recorded[0].stack()  # (steps, batch, ...)
        perm = [1, 0] + list(range(2, stacked.shape.rank))
        extras = tf.transpose(stacked, perm)  # (batch, steps, ...)
    return Decoded(tokens, lengths, scores, extras)


def greedy_search(step_fn, start_tokens, initial_state, *, end_id, max_length):
    """Generates sequences by taking the most probable token at every step.

    Args:
        step_fn: a callable `step_fn(tokens, state) -> (logits, state)` or
            `-> (logits, state, extras)`, see the module docstring.
        start_tokens: int `(batch,)`, the first input token of each sequence
            (a list, a NumPy array or a tensor).
        initial_state: a nested structure of tensors `(batch, ...)`, the
            state passed to the first call of `step_fn`.
        end_id: int, the token that ends a sequence (a Python int or a
            scalar int tensor).
        max_length: int, the most tokens to generate (a positive Python int
            or a scalar int tensor, so that an exported signature can take
            it as an input).

    Returns:
        A `Decoded` tuple `(tokens, lengths, scores, extras)`: int32 tokens
        `(batch, steps)` with END included and 0 after it, int32 lengths
        `(batch,)`, float32 sums of log-probabilities `(batch,)`, and the
        extras stacked `(batch, steps, ...)` or None.

    Example:

    A table model: the next-token probabilities depend only on the previous
    token, so the state is empty. Token 2 ends a sequence.

    >>> import numpy as np
    >>> probabilities = np.array(
    ...     [[0.0, 0.0, 0.1, 0.9],    # after 0
    ...      [0.0, 0.0, 0.3, 0.7],    # after 1 (start)
    ...      [1.0, 0.0, 0.0, 0.0],    # after 2 (END)
    ...      [0.0, 0.0, 0.6, 0.4]],   # after 3
    ...     "float32")
    >>> def step_fn(tokens, state):
    ...     return tf.math.log(tf.gather(probabilities, tokens)), state
    >>> decoded = greedy_search(step_fn, [1, 3], (), end_id=2, max_length=10)
    >>> decoded.tokens.numpy()
    array([[3, 2],
           [2, 0]], dtype=int32)
    >>> decoded.lengths.numpy(), np.exp(decoded.scores.numpy()).round(2)
    (array([2, 1], dtype=int32), array([0.42, 0.6 ], dtype=float32))
    """

    def choose(logits, step):
        return tf.argmax(logits, axis=-1, output_type=tf.int32)

    return _single_path(
        step_fn, start_tokens, initial_state, end_id, max_length, choose
    )


def sample(
    step_fn,
    start_tokens,
    initial_state,
    *,
    end_id,
    max_length,
    temperature=1.0,
    top_k=None,
    seed=0,
):
    """Generates sequences by drawing every token from the model's distribution.

    The logits are divided by `temperature` (below 1 sharpens the
    distribution, above 1 flattens it), optionally restricted to the `top_k`
    most probable tokens, and a token is drawn with
    `tf.random.stateless_categorical` seeded with `[seed, step]`: the same
    seed gives the same sequences on every call, eager or in a
    `tf.function` (on the same kind of device). The rows of a batch get
    independent draws.

    The scores are the log-probabilities of the drawn tokens under the
    model's own distribution (`log_softmax` of the raw logits), not under
    the temperature or top-k one, so they compare with those of
    `greedy_search` and `beam_search`.

    Args:
        step_fn: a callable `step_fn(tokens, state) -> (logits, state)` or
            `-> (logits, state, extras)`, see the module docstring.
        start_tokens: int `(batch,)`, the first input token of each sequence.
        initial_state: a nested structure of tensors `(batch, ...)`.
        end_id: int, the token that ends a sequence.
        max_length: int, the most tokens to generate (a positive Python int
            or a scalar int tensor).
        temperature: float >= 0 (or a scalar float tensor); 0 takes the
            most probable token, exactly as `greedy_search` does.
        top_k: None, or a positive int: draw only among the `top_k` most
            probable tokens.
        seed: int (or a scalar int tensor), the seed of the draws.

    Returns:
        A `Decoded` tuple, as `greedy_search` returns.

    Example:

    >>> import numpy as np
    >>> def step_fn(tokens, state):
    ...     return tf.zeros([tf.shape(tokens)[0], 5]), state
    >>> decoded = sample(step_fn, [1, 1], (), end_id=4, max_length=6, seed=7)
    >>> bool(np.all(decoded.tokens.numpy() == sample(
    ...     step_fn, [1, 1], (), end_id=4, max_length=6, seed=7).tokens.numpy()))
    True
    """
    temperature = _non_negative_number("temperature", temperature)
    if top_k is not None:
        top_k = _int_argument("top_k", top_k, positive_int)
    seed = _int_argument("seed", seed, non_negative_int)

    def choose(logits, step):
        greedy = tf.argmax(logits, axis=-1, output_type=tf.int32)  # (batch,)
        positive = None
        if isinstance(temperature, float):
            if temperature == 0.0:
                return greedy
            scaled = logits / temperature  # (batch, vocab)
        else:
            # A tensor temperature of 0 is only known at run time: divide by
            # 1 instead, and take the greedy token below.
            positive = temperature > 0.0
            scaled = logits / tf.where(positive, temperature, 1.0)
        candidates = None
        if top_k is not None:
            k = tf.minimum(top_k, tf.shape(scaled)[-1])
            scaled, candidates = tf.math.top_k(scaled, k=k)  # (batch, k)
        step_seed = tf.stack([tf.cast(seed, tf.int64), tf.cast(step, tf.int64)])
        drawn = tf.random.stateless_categorical(
            scaled, 1, seed=step_seed, dtype=tf.int32
        )[:, 0]  # (batch,)
        if candidates is not None:
            drawn = tf.gather(candidates, drawn, batch_dims=1)
        return drawn if positive is None else tf.where(positive, drawn, greedy)

    return _single_path(
        step_fn, start_tokens, initial_state, end_id, max_length, choose
    )
