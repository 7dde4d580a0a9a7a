"""Greedy search and sampling: one hypothesis per sequence, one token chosen
at every step."""

from keras import ops

from seqkeras._validation import (
    non_negative_int,
    positive_int,
)
from seqkeras.decoding.steps import (
    Decoded,
    _as_state,
    _call_step,
    _draw,
    _first_columns,
    _history_buffers,
    _int_argument,
    _max_length,
    _non_negative_number,
    _pick,
    _start_tokens,
    _top_k,
    _write_column,
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
    batch = ops.shape(start_tokens)[0]

    def advance(step, tokens, state, finished, lengths, scores):
        logits, state, extras = _call_step(step_fn, tokens, state)  # (batch, vocab)
        chosen = ops.cast(choose(logits, step), "int32")  # (batch,)
        log_probs = _pick(ops.log_softmax(logits, axis=-1), chosen)
        # A finished sequence pads with 0 and keeps its score and length.
        tokens = ops.where(finished, ops.zeros_like(chosen), chosen)
        scores += ops.where(finished, ops.zeros_like(log_probs), log_probs)
        lengths += ops.cast(ops.logical_not(finished), "int32")
        if extras is not None:
            extras = _zero_rows(extras, finished)
        finished = ops.logical_or(finished, ops.equal(tokens, end_id))
        return tokens, state, finished, lengths, scores, extras

    # The first step runs outside the loop: only its output tells whether
    # the step function returns extras, and of which dtype and shape.
    tokens, state, finished, lengths, scores, extras = advance(
        ops.convert_to_tensor(0, "int32"),
        start_tokens,
        _as_state(initial_state),
        ops.zeros((batch,), "bool"),
        ops.zeros((batch,), "int32"),
        ops.zeros((batch,), "float32"),
    )
    history, recorded = _history_buffers(tokens, extras, max_length)

    def keep_going(step, tokens, state, finished, lengths, scores, history, recorded):
        return ops.logical_and(step < max_length, ops.logical_not(ops.all(finished)))

    def body(step, tokens, state, finished, lengths, scores, history, recorded):
        tokens, state, finished, lengths, scores, extras = advance(
            step, tokens, state, finished, lengths, scores
        )
        history = _write_column(history, step, tokens)
        if recorded:
            recorded = (_write_column(recorded[0], step, extras),)
        return step + 1, tokens, state, finished, lengths, scores, history, recorded

    steps, _, _, _, lengths, scores, history, recorded = ops.while_loop(
        keep_going,
        body,
        (
            ops.convert_to_tensor(1, "int32"),
            tokens,
            state,
            finished,
            lengths,
            scores,
            history,
            recorded,
        ),
    )
    extras = _first_columns(recorded[0], steps) if recorded else None
    return Decoded(_first_columns(history, steps), lengths, scores, extras)


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
    ...     return keras.ops.log(keras.ops.take(probabilities, tokens, axis=0)), state
    >>> decoded = greedy_search(step_fn, [1, 3], (), end_id=2, max_length=10)
    >>> np.asarray(decoded.tokens)
    array([[3, 2],
           [2, 0]], dtype=int32)
    >>> np.asarray(decoded.lengths), np.exp(np.asarray(decoded.scores)).round(2)
    (array([2, 1], dtype=int32), array([0.42, 0.6 ], dtype=float32))
    """

    def choose(logits, step):
        return ops.argmax(logits, axis=-1)

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
    most probable tokens, and a token is drawn with the backend's stateless
    random draws seeded by `seed` and the step (`steps._draw`): the same
    seed gives the same sequences on every call, eager or compiled (on the
    same backend and kind of device). The rows of a batch get independent
    draws.

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
    ...     return keras.ops.zeros((keras.ops.shape(tokens)[0], 5)), state
    >>> decoded = sample(step_fn, [1, 1], (), end_id=4, max_length=6, seed=7)
    >>> again = sample(step_fn, [1, 1], (), end_id=4, max_length=6, seed=7)
    >>> bool(np.all(np.asarray(decoded.tokens) == np.asarray(again.tokens)))
    True
    """
    temperature = _non_negative_number("temperature", temperature)
    if top_k is not None:
        top_k = _int_argument("top_k", top_k, positive_int)
    seed = _int_argument("seed", seed, non_negative_int)

    def choose(logits, step):
        greedy = ops.argmax(logits, axis=-1)  # (batch,)
        positive = None
        if isinstance(temperature, float):
            if temperature == 0.0:
                return greedy
            scaled = logits / temperature  # (batch, vocab)
        else:
            # A tensor temperature of 0 is only known at run time: divide by
            # 1 instead, and take the greedy token below.
            positive = temperature > 0.0
            scaled = logits / ops.where(positive, temperature, 1.0)
        candidates = None
        if top_k is not None:
            k = top_k
            if isinstance(top_k, int) and scaled.shape[-1] is not None:
                k = min(top_k, scaled.shape[-1])
            scaled, candidates = _top_k(scaled, k)  # (batch, k)
        drawn = _draw(scaled, seed, step)  # (batch,)
        if candidates is not None:
            drawn = _pick(candidates, drawn)
        return drawn if positive is None else ops.where(positive, drawn, greedy)

    return _single_path(
        step_fn, start_tokens, initial_state, end_id, max_length, choose
    )
