"""Beam search: the `beam_width` best hypotheses of each sequence kept at
every step."""

import tensorflow as tf

from seqkeras._validation import (
    non_negative_int,
    positive_int,
)
from seqkeras.decoding.steps import (
    _NEG_INF,
    Decoded,
    _as_state,
    _call_step,
    _int_argument,
    _max_length,
    _non_negative_number,
    _start_tokens,
    _zero_rows,
)

# === Beam search ===


def _normalise(scores, lengths, length_penalty):
    """`scores / lengths ** length_penalty`, the ranking of hypotheses."""
    if isinstance(length_penalty, float) and length_penalty == 0.0:
        return scores
    return scores / tf.pow(tf.cast(lengths, tf.float32), length_penalty)


def _write_column(buffer, step, values):
    """`buffer[:, step] = values` for a buffer (rows, max_length, ...)."""
    rank = buffer.shape.rank
    column = tf.equal(tf.range(tf.shape(buffer)[1]), step)  # (max_length,)
    column = tf.reshape(column, [1, -1] + [1] * (rank - 2))
    return tf.where(column, tf.expand_dims(values, 1), buffer)


def _beam_step(step_fn, beams, *, beam, end_id, length_penalty):
    """One step of beam search: extends every hypothesis of `beams` (tokens
    `(rows,)`, state, scores, lengths and finished `(batch, beam)`) by every
    token and keeps the `beam` best of each example. Returns the new tokens,
    state, scores, lengths, finished flags and extras, and the rows of the
    hypotheses they continue."""
    tokens, state, scores, lengths, finished = beams
    batch = tf.shape(scores)[0]
    first_row = tf.range(batch)[:, None] * beam  # (batch, 1)
    logits, state, extras = _call_step(step_fn, tokens, state)  # (rows, vocab)
    vocab = tf.shape(logits)[-1]
    log_probs = tf.reshape(tf.nn.log_softmax(logits), [batch, beam, vocab])
    # A finished hypothesis may only go on with padding, at no cost, so
    # it competes with the others on its frozen score and length.
    padding_only = tf.where(tf.range(vocab) == 0, 0.0, _NEG_INF)  # (vocab,)
    log_probs = tf.where(finished[:, :, None], padding_only, log_probs)
    candidates = scores[:, :, None] + log_probs  # (batch, beam, vocab)
    candidate_lengths = lengths + tf.cast(tf.logical_not(finished), tf.int32)
    ranking = _normalise(candidates, candidate_lengths[:, :, None], length_penalty)
    _, best = tf.math.top_k(tf.reshape(ranking, [batch, -1]), k=beam)
    parents = best // vocab  # (batch, beam)
    tokens = best % vocab  # (batch, beam)
    scores = tf.gather(tf.reshape(candidates, [batch, -1]), best, batch_dims=1)
    lengths = tf.gather(candidate_lengths, parents, batch_dims=1)
    was_finished = tf.gather(finished, parents, batch_dims=1)
    tokens = tf.where(was_finished, tf.zeros_like(tokens), tokens)
    finished = tf.logical_or(was_finished, tf.equal(tokens, end_id))
    # Rows of the parents in the flat (batch * beam) layout.
    parent_rows = tf.reshape(first_row + parents, [-1])  # (rows,)
    state = tf.nest.map_structure(lambda x: tf.gather(x, parent_rows), state)
    if extras is not None:
        extras = tf.gather(extras, parent_rows)
        extras = _zero_rows(extras, tf.reshape(was_finished, [-1]))
    tokens = tf.reshape(tokens, [-1])  # (rows,)
    return tokens, state, scores, lengths, finished, extras, parent_rows


def _beam_done(scores, lengths, finished, length_penalty, best_possible_divisor):
    """`(batch,)`: whether no open hypothesis of an example can beat its best
    finished one any more. Hypotheses at -inf (when the vocabulary is
    smaller than the beam) never end nor win, so they count as beaten."""
    ranking = _normalise(scores, lengths, length_penalty)  # (batch, beam)
    best_finished = tf.reduce_max(tf.where(finished, ranking, _NEG_INF), axis=1)
    best_open = tf.reduce_max(
        tf.where(finished, _NEG_INF, scores / best_possible_divisor), axis=1
    )
    return best_finished >= best_open


def beam_search(
    step_fn,
    start_tokens,
    initial_state,
    *,
    end_id,
    max_length,
    beam_width=4,
    length_penalty=1.0,
):
    """Generates sequences by keeping the `beam_width` best hypotheses.

    Each example is repeated `beam_width` times (rows of one example are
    adjacent, so the state may hold encoder outputs and masks: they are
    repeated and reordered with it). At every step each hypothesis is
    extended by every token of the vocabulary, and the `beam_width`
    candidates of each example with the highest length-normalised score

        sum_of_log_probabilities / length ** length_penalty

    are kept (`length` counts the tokens generated so far, END included;
    `length_penalty=0` ranks by raw sums, which favours short sequences). A
    finished hypothesis stays in the beam with a frozen score and competes
    with the unfinished ones. The best hypothesis of each example is
    returned. With `beam_width=1` this is `greedy_search`.

    The loop stops after `max_length` steps, or once no unfinished
    hypothesis of any example can still beat that example's best finished
    one (log-probabilities are <= 0, so an unfinished score can at best
    stay as it is, over up to `max_length` tokens). This never changes the
    result; with `length_penalty=0` it stops as soon as the best hypothesis
    has ended, while with a positive penalty it usually runs until every
    hypothesis in the beam has ended.

    The history of tokens and extras is kept in `(batch * beam_width,
    max_length, ...)` buffers reordered at every step, so memory and time
    grow with `max_length` times the size of one step's extras.

    Args:
        step_fn: a callable `step_fn(tokens, state) -> (logits, state)` or
            `-> (logits, state, extras)`, see the module docstring; it is
            called on `batch * beam_width` rows.
        start_tokens: int `(batch,)`, the first input token of each example.
        initial_state: a nested structure of tensors `(batch, ...)`.
        end_id: int, the token that ends a sequence.
        max_length: int, the most tokens to generate (a positive Python int
            or a scalar int tensor).
        beam_width: positive int, the hypotheses kept per example.
        length_penalty: float >= 0, the exponent of the length in the
            ranking score.

    Returns:
        A `Decoded` tuple for the best hypothesis of each example, shaped
        as `greedy_search` returns it; `scores` are its un-normalised sums
        of log-probabilities.

    Example:

    After the start token 1, greedy search takes token 3 (p=0.6) and then
    ends (p=0.4): 0.24 in all. Beam search finds 4 then END: 0.4.

    >>> import numpy as np
    >>> probabilities = np.array(
    ...     [[1.0, 0.0, 0.0, 0.0, 0.0],    # after 0
    ...      [0.0, 0.0, 0.0, 0.6, 0.4],    # after 1 (start)
    ...      [1.0, 0.0, 0.0, 0.0, 0.0],    # after 2 (END)
    ...      [0.0, 0.0, 0.4, 0.3, 0.3],    # after 3
    ...      [0.0, 0.0, 1.0, 0.0, 0.0]],   # after 4
    ...     "float32")
    >>> def step_fn(tokens, state):
    ...     return tf.math.log(tf.gather(probabilities, tokens)), state
    >>> decoded = beam_search(step_fn, [1], (), end_id=2, max_length=5,
    ...                       beam_width=2)
    >>> decoded.tokens.numpy(), np.exp(decoded.scores.numpy()).round(2)
    (array([[4, 2]], dtype=int32), array([0.4], dtype=float32))
    """
    beam = positive_int("beam_width", beam_width)
    length_penalty = _non_negative_number("length_penalty", length_penalty)
    end_id = _int_argument("end_id", end_id, non_negative_int)
    max_length = _max_length(max_length)
    start_tokens = _start_tokens(start_tokens)
    batch = tf.shape(start_tokens)[0]
    first_row = tf.range(batch)[:, None] * beam  # (batch, 1)

    def advance(tokens, state, scores, lengths, finished):
        return _beam_step(
            step_fn,
            (tokens, state, scores, lengths, finished),
            beam=beam,
            end_id=end_id,
            length_penalty=length_penalty,
        )

    # Only the first copy of each example starts alive, so that the first
    # step expands one hypothesis rather than beam_width identical ones.
    initial_scores = tf.constant([[0.0] + [_NEG_INF] * (beam - 1)])  # (1, beam)
    state = tf.nest.map_structure(
        lambda x: tf.repeat(x, beam, axis=0), _as_state(initial_state)
    )
    tokens, state, scores, lengths, finished, extras, _ = advance(
        tf.repeat(start_tokens, beam, axis=0),  # (rows,)
        state,
        tf.tile(initial_scores, [batch, 1]),  # (batch, beam)
        tf.zeros([batch, beam], tf.int32),
        tf.zeros([batch, beam], tf.bool),
    )
    history, recorded = _history_buffers(tokens, extras, max_length)

    # Log-probabilities are <= 0, so an open hypothesis can at best keep its
    # sum, reached at the longest length: its final normalised score is at
    # most `scores / max_length ** length_penalty`.
    if isinstance(length_penalty, float) and length_penalty == 0.0:
        best_possible_divisor = 1.0
    else:
        best_possible_divisor = tf.pow(tf.cast(max_length, tf.float32), length_penalty)

    def keep_going(step, tokens, state, scores, lengths, finished, history, recorded):
        done = _beam_done(
            scores, lengths, finished, length_penalty, best_possible_divisor
        )
        return tf.logical_and(step < max_length, tf.logical_not(tf.reduce_all(done)))

    def body(step, tokens, state, scores, lengths, finished, history, recorded):
        tokens, state, scores, lengths, finished, extras, parent_rows = advance(
            tokens, state, scores, lengths, finished
        )
        history = _write_column(tf.gather(history, parent_rows), step, tokens)
        if recorded:
            buffer = tf.gather(recorded[0], parent_rows)
            recorded = (_write_column(buffer, step, extras),)
        return step + 1, tokens, state, scores, lengths, finished, history, recorded

    steps, _, _, scores, lengths, _, history, recorded = tf.while_loop(
        keep_going,
        body,
        (tf.constant(1), tokens, state, scores, lengths, finished, history, recorded),
    )
    ranking = _normalise(scores, lengths, length_penalty)
    chosen = tf.argmax(ranking, axis=-1, output_type=tf.int32)  # (batch,)
    chosen_rows = first_row[:, 0] + chosen  # (batch,)
    extras = None
    if recorded:
        extras = tf.gather(recorded[0], chosen_rows)[:, :steps]  # (batch, steps, ...)
    return Decoded(
        tokens=tf.gather(history, chosen_rows)[:, :steps],  # (batch, steps)
        lengths=tf.gather(lengths, chosen, batch_dims=1),
        scores=tf.gather(scores, chosen, batch_dims=1),
        extras=extras,
    )


def _history_buffers(tokens, extras, max_length):
    """Buffers `(rows, max_length)` of tokens and `(rows, max_length, ...)`
    of extras (an empty tuple without), holding the first step's."""
    rows = tf.shape(tokens)[0]
    history = _write_column(tf.zeros([rows, max_length], tf.int32), 0, tokens)
    if extras is None:
        return history, ()
    shape = tf.concat([[rows, max_length], tf.shape(extras)[1:]], axis=0)
    buffer = tf.zeros(shape, extras.dtype)  # (rows, max_length, ...)
    return history, (_write_column(buffer, 0, extras),)
