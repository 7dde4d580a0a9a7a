"""Beam search: the `beam_width` best hypotheses of each sequence kept at
every step."""

from keras import ops, tree

from seqkeras._validation import (
    non_negative_int,
    positive_int,
)
from seqkeras.decoding.steps import (
    _NEG_INF,
    Decoded,
    _as_state,
    _call_step,
    _first_columns,
    _history_buffers,
    _int_argument,
    _max_length,
    _non_negative_number,
    _start_tokens,
    _top_k,
    _write_column,
    _zero_rows,
)

# === Beam search ===


def _normalise(scores, lengths, length_penalty):
    """`scores / lengths ** length_penalty`, the ranking of hypotheses."""
    if isinstance(length_penalty, float) and length_penalty == 0.0:
        return scores
    return scores / ops.power(ops.cast(lengths, "float32"), length_penalty)


def _beam_step(step_fn, beams, *, beam, end_id, length_penalty):
    """One step of beam search: extends every hypothesis of `beams` (tokens
    `(rows,)`, state, scores, lengths and finished `(batch, beam)`) by every
    token and keeps the `beam` best of each example. Returns the new tokens,
    state, scores, lengths, finished flags and extras, and the rows of the
    hypotheses they continue."""
    tokens, state, scores, lengths, finished = beams
    batch = ops.shape(scores)[0]
    first_row = ops.expand_dims(ops.arange(batch, dtype="int32") * beam, 1)
    logits, state, extras = _call_step(step_fn, tokens, state)  # (rows, vocab)
    vocab = ops.shape(logits)[-1]
    log_probs = ops.reshape(ops.log_softmax(logits, axis=-1), (batch, beam, vocab))
    # A finished hypothesis may only go on with padding, at no cost, so
    # it competes with the others on its frozen score and length.
    padding_only = ops.where(ops.arange(vocab) == 0, 0.0, _NEG_INF)  # (vocab,)
    log_probs = ops.where(finished[:, :, None], padding_only, log_probs)
    candidates = scores[:, :, None] + log_probs  # (batch, beam, vocab)
    candidate_lengths = lengths + ops.cast(ops.logical_not(finished), "int32")
    ranking = _normalise(candidates, candidate_lengths[:, :, None], length_penalty)
    _, best = _top_k(ops.reshape(ranking, (batch, -1)), beam)
    parents = ops.floor_divide(best, vocab)  # (batch, beam)
    tokens = ops.mod(best, vocab)  # (batch, beam)
    scores = ops.take_along_axis(ops.reshape(candidates, (batch, -1)), best, axis=1)
    lengths = ops.take_along_axis(candidate_lengths, parents, axis=1)
    was_finished = ops.take_along_axis(finished, parents, axis=1)
    tokens = ops.where(was_finished, ops.zeros_like(tokens), tokens)
    finished = ops.logical_or(was_finished, ops.equal(tokens, end_id))
    # Rows of the parents in the flat (batch * beam) layout.
    parent_rows = ops.reshape(first_row + parents, (-1,))  # (rows,)
    state = tree.map_structure(lambda x: ops.take(x, parent_rows, axis=0), state)
    if extras is not None:
        extras = ops.take(extras, parent_rows, axis=0)
        extras = _zero_rows(extras, ops.reshape(was_finished, (-1,)))
    tokens = ops.reshape(tokens, (-1,))  # (rows,)
    return tokens, state, scores, lengths, finished, extras, parent_rows


def _beam_done(scores, lengths, finished, length_penalty, best_possible_divisor):
    """`(batch,)`: whether no open hypothesis of an example can beat its best
    finished one any more. Hypotheses at -inf (when the vocabulary is
    smaller than the beam) never end nor win, so they count as beaten."""
    ranking = _normalise(scores, lengths, length_penalty)  # (batch, beam)
    best_finished = ops.max(ops.where(finished, ranking, _NEG_INF), axis=1)
    best_open = ops.max(
        ops.where(finished, _NEG_INF, scores / best_possible_divisor), axis=1
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
    return_all=False,
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
    returned, or with `return_all=True` the whole final beam, best first
    (an n-best list, for example to rerank with another model). With
    `beam_width=1` this is `greedy_search`.

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
        return_all: return every hypothesis of the final beam rather than
            the best one.

    Returns:
        A `Decoded` tuple for the best hypothesis of each example, shaped
        as `greedy_search` returns it; `scores` are its un-normalised sums
        of log-probabilities. With `return_all=True` every field has a
        beam axis after the batch (`tokens` `(batch, beam_width, steps)`,
        `lengths` and `scores` `(batch, beam_width)`, `extras` `(batch,
        beam_width, steps, ...)`), the hypotheses of each example sorted
        by their ranking score, highest first: the first is the one
        `return_all=False` returns. When fewer than `beam_width` sequences
        are possible (a vocabulary smaller than the beam, forbidden
        tokens), the last hypotheses score -inf and their tokens mean
        nothing.

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
    ...     return keras.ops.log(keras.ops.take(probabilities, tokens, axis=0)), state
    >>> decoded = beam_search(step_fn, [1], (), end_id=2, max_length=5,
    ...                       beam_width=2)
    >>> np.asarray(decoded.tokens), np.exp(np.asarray(decoded.scores)).round(2)
    (array([[4, 2]], dtype=int32), array([0.4], dtype=float32))

    The whole beam, best first (with `length_penalty=0`, by probability):

    >>> both = beam_search(step_fn, [1], (), end_id=2, max_length=5,
    ...                    beam_width=2, length_penalty=0.0, return_all=True)
    >>> np.asarray(both.tokens), np.exp(np.asarray(both.scores)).round(2)
    (array([[[4, 2],
            [3, 2]]], dtype=int32), array([[0.4 , 0.24]], dtype=float32))
    """
    beam = positive_int("beam_width", beam_width)
    return_all = bool(return_all)
    length_penalty = _non_negative_number("length_penalty", length_penalty)
    end_id = _int_argument("end_id", end_id, non_negative_int)
    max_length = _max_length(max_length)
    start_tokens = _start_tokens(start_tokens)
    batch = ops.shape(start_tokens)[0]
    first_row = ops.arange(batch, dtype="int32") * beam  # (batch,)

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
    initial_scores = ops.convert_to_tensor([[0.0] + [_NEG_INF] * (beam - 1)])
    state = tree.map_structure(
        lambda x: ops.repeat(x, beam, axis=0), _as_state(initial_state)
    )
    tokens, state, scores, lengths, finished, extras, _ = advance(
        ops.repeat(start_tokens, beam, axis=0),  # (rows,)
        state,
        ops.zeros((batch, 1)) + initial_scores,  # (batch, beam)
        ops.zeros((batch, beam), "int32"),
        ops.zeros((batch, beam), "bool"),
    )
    history, recorded = _history_buffers(tokens, extras, max_length)

    # Log-probabilities are <= 0, so an open hypothesis can at best keep its
    # sum, reached at the longest length: its final normalised score is at
    # most `scores / max_length ** length_penalty`.
    if isinstance(length_penalty, float) and length_penalty == 0.0:
        best_possible_divisor = 1.0
    else:
        best_possible_divisor = ops.power(
            ops.cast(max_length, "float32"), length_penalty
        )

    def keep_going(step, tokens, state, scores, lengths, finished, history, recorded):
        done = _beam_done(
            scores, lengths, finished, length_penalty, best_possible_divisor
        )
        return ops.logical_and(step < max_length, ops.logical_not(ops.all(done)))

    def body(step, tokens, state, scores, lengths, finished, history, recorded):
        tokens, state, scores, lengths, finished, extras, parent_rows = advance(
            tokens, state, scores, lengths, finished
        )
        history = _write_column(ops.take(history, parent_rows, axis=0), step, tokens)
        if recorded:
            buffer = ops.take(recorded[0], parent_rows, axis=0)
            recorded = (_write_column(buffer, step, extras),)
        return step + 1, tokens, state, scores, lengths, finished, history, recorded

    steps, _, _, scores, lengths, _, history, recorded = ops.while_loop(
        keep_going,
        body,
        (
            ops.convert_to_tensor(1, "int32"),
            tokens,
            state,
            scores,
            lengths,
            finished,
            history,
            recorded,
        ),
    )
    ranking = _normalise(scores, lengths, length_penalty)  # (batch, beam)
    if return_all:
        _, order = _top_k(ranking, beam)  # (batch, beam), best first
    else:
        order = ops.cast(ops.argmax(ranking, axis=-1), "int32")[:, None]  # (batch, 1)
    # The chosen rows of the flat (batch * beam) layout, in that order.
    rows = ops.reshape(first_row[:, None] + order, (-1,))  # (batch * kept,)

    def regroup(x):
        """`(batch * kept, ...)` -> `(batch, beam, ...)`, or `(batch, ...)`."""
        if not return_all:
            return x
        return ops.reshape(x, (batch, beam) + tuple(ops.shape(x)[1:]))

    extras = None
    if recorded:
        extras = ops.take(recorded[0], rows, axis=0)  # (batch * kept, steps, ...)
        extras = regroup(_first_columns(extras, steps))
    tokens = regroup(_first_columns(ops.take(history, rows, axis=0), steps))
    lengths = ops.take_along_axis(lengths, order, axis=1)  # (batch, kept)
    scores = ops.take_along_axis(scores, order, axis=1)
    if not return_all:
        lengths, scores = lengths[:, 0], scores[:, 0]
    return Decoded(
        tokens=tokens,  # (batch, steps) or (batch, beam, steps)
        lengths=lengths,
        scores=scores,
        extras=extras,
    )
