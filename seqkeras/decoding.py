"""Greedy search, sampling and beam search for any step function.

One concept, the searches a decoder runs, kept in one module although it is
long: they share the argument checks, the step call and the result type.

Translation, language models and captioning all generate text the same way:
a step function reads the previous token of each sequence and a state, and
returns scores for the next token and the new state. This module runs that
loop, for any

    step_fn(tokens, state) -> (logits, state)
    step_fn(tokens, state) -> (logits, state, extras)

where `tokens` is int32 `(batch,)`, `state` is any nested structure
(`tf.nest`) of tensors whose first dimension is the batch (it may hold
constants such as encoder outputs and a source mask), `logits` are float
`(batch, vocabulary)` unnormalised scores, and the optional `extras` (float
`(batch, ...)`, for example attention weights over the source) are recorded
at every step. The step function is typically a Keras model.

Every search returns a `Decoded` tuple:

- `tokens`: int32 `(batch, steps)`, the generated tokens with END included
  and 0 (padding) after it; `steps` is the number of steps the loop ran,
  at most `max_length`: it stops early once every sequence has ended.
- `lengths`: int32 `(batch,)`, the tokens generated including END
  (`max_length` for a sequence that never produced END).
- `scores`: float32 `(batch,)`, the sum of the log-probabilities (the
  `log_softmax` of the model's own logits) of the generated tokens.
- `extras`: None, or `(batch, steps, ...)`; rows after END are zero.

The loops are written with TensorFlow (`tf.while_loop`,
`tf.random.stateless_categorical`) rather than `keras.ops`, for two reasons.
Generation stops when every sequence has produced END, a condition known
only at run time, and the loop must run inside a `tf.function` and inside an
exported SavedModel, where a Python loop would be unrolled to `max_length`
steps or not traced at all. And sampling needs a new seed at every step
derived from the caller's seed (`[seed, step]`), so that a given seed gives
the same text on every call, in eager code and in an export alike; Keras'
random ops take a Python int or a stateful `SeedGenerator`, neither of which
can follow a loop counter tensor.
"""

import collections
import inspect

import numpy as np
import tensorflow as tf

from seqkeras._validation import (
    non_negative_float,
    non_negative_int,
    one_of,
    positive_int,
)
from seqkeras.errors import InvalidArgumentError

Decoded = collections.namedtuple("Decoded", ["tokens", "lengths", "scores", "extras"])
Decoded.__doc__ = """The output of a search: `tokens`, `lengths`, `scores`, `extras`.

See the module docstring for their shapes and meaning.
"""

_NEG_INF = float("-inf")


# === Argument checks ===


def _non_negative_number(name, value):
    """Returns a Python number >= 0 as a float, a tensor as float32."""
    if tf.is_tensor(value):
        return tf.cast(value, tf.float32)
    return non_negative_float(name, value)


def _int_argument(name, value, check):
    """Checks a Python int with `check`; casts a scalar tensor to int32.

    Tensors are accepted so that an exported signature can take the value
    as an input; their value is only known when the graph runs.
    """
    if tf.is_tensor(value):
        if value.shape.rank not in (None, 0):
            raise InvalidArgumentError(
                f"Received an invalid value for argument `{name}`, expected a "
                f"scalar, got a tensor of shape {value.shape}"
            )
        return tf.cast(value, tf.int32)
    if isinstance(value, np.integer):
        value = int(value)
    return check(name, value)


def _max_length(value):
    value = _int_argument("max_length", value, positive_int)
    if tf.is_tensor(value):
        tf.debugging.assert_positive(
            value, message="Received an invalid value for argument `max_length`"
        )
    return value


def _start_tokens(value):
    tokens = tf.cast(tf.convert_to_tensor(value), tf.int32)
    if tokens.shape.rank not in (None, 1):
        raise InvalidArgumentError(
            "Received an invalid value for argument `start_tokens`, expected a "
            f"vector (batch,), got shape {tokens.shape}"
        )
    return tokens


def _as_state(state):
    return tf.nest.map_structure(
        lambda x: x if tf.is_tensor(x) else tf.convert_to_tensor(x), state
    )


# === One step ===


def _call_step(step_fn, tokens, state):
    """Calls `step_fn`; returns float32 logits, the state and extras or None."""
    outputs = step_fn(tokens, state)
    if not isinstance(outputs, (tuple, list)) or len(outputs) not in (2, 3):
        raise InvalidArgumentError(
            "`step_fn` must return `(logits, state)` or `(logits, state, extras)`, "
            f"got {type(outputs).__name__}"
        )
    logits = tf.convert_to_tensor(outputs[0])
    if logits.shape.rank is None:
        # For example from a `tf.py_function`: checked when the graph runs.
        logits = tf.ensure_shape(logits, [None, None])
    if logits.shape.rank != 2:
        raise InvalidArgumentError(
            "`step_fn` must return logits of shape (batch, vocabulary), got "
            f"shape {logits.shape}"
        )
    extras = outputs[2] if len(outputs) == 3 else None
    if extras is not None:
        extras = tf.convert_to_tensor(extras)
        if extras.shape.rank is None or extras.shape.rank < 1:
            raise InvalidArgumentError(
                "`step_fn` must return extras of shape (batch, ...), got shape "
                f"{extras.shape}"
            )
    return tf.cast(logits, tf.float32), _as_state(outputs[1]), extras


def _zero_rows(values, rows):
    """Zeroes the rows of `values` (batch, ...) where `rows` (batch,) is True."""
    mask = tf.reshape(rows, [-1] + [1] * (values.shape.rank - 1))
    return tf.where(mask, tf.zeros_like(values), values)


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


# === Constraints ===


def forbid_tokens(step_fn, token_ids):
    """Wraps `step_fn` so that the searches never choose `token_ids`.

    Their logits become -inf: greedy search and beam search pass them over,
    sampling never draws them, and the scores are log-probabilities under
    the model's distribution renormalised over the other tokens. The
    pipelines forbid padding, `[START]` and `[UNK]`: an unknown word is not
    a translation or a caption, and the likeliest real word takes its place.

    Args:
        step_fn: a step function, see the module docstring.
        token_ids: ints, the ids never to generate (the end id must not be
            among them, or no sequence could end).

    Returns:
        A step function with the same inputs and outputs.

    Example:

    >>> def step_fn(tokens, state):
    ...     return tf.constant([[0.0, 5.0, 1.0, 2.0]]), state
    >>> constrained = forbid_tokens(step_fn, [1])
    >>> greedy_search(constrained, [0], (), end_id=3, max_length=3).tokens.numpy()
    array([[3]], dtype=int32)
    """
    token_ids = sorted({int(i) for i in token_ids})
    if any(i < 0 for i in token_ids):
        raise InvalidArgumentError(
            f"Received an invalid value for argument `token_ids`, expected ids "
            f">= 0, got {token_ids}"
        )

    def constrained(tokens, state):
        logits, new_state, extras = _call_step(step_fn, tokens, state)
        vocab = tf.shape(logits)[1]
        forbidden = tf.reduce_any(
            tf.range(vocab)[:, None] == tf.constant(token_ids, tf.int32)[None, :],
            axis=1,
        )  # (vocab,)
        logits = tf.where(forbidden[None, :], _NEG_INF, logits)
        if extras is None:
            return logits, new_state
        return logits, new_state, extras

    return constrained


# === Dispatch ===

# The searches `decode` runs, by name.
METHODS = {"greedy": greedy_search, "sample": sample, "beam": beam_search}


def check_options(method, options):
    """Checks that `method` is known and takes every one of `options` (a
    dict); returns its search function."""
    search = METHODS[one_of("method", method, METHODS)]
    allowed = set(inspect.signature(search).parameters)
    allowed -= {"step_fn", "start_tokens", "initial_state", "end_id", "max_length"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidArgumentError(
            f"Received unknown option(s) {unknown} for method={method!r}, which "
            f"takes {sorted(allowed)}"
        )
    return search


def decode(
    step_fn,
    start_tokens,
    initial_state,
    *,
    method="greedy",
    end_id,
    max_length,
    **options,
):
    """Runs the search named by `method` with its options.

    A single entry point for the pipelines, which take the method and its
    options from the user.

    Args:
        step_fn: a callable `step_fn(tokens, state) -> (logits, state)` or
            `-> (logits, state, extras)`, see the module docstring.
        start_tokens: int `(batch,)`, the first input token of each sequence.
        initial_state: a nested structure of tensors `(batch, ...)`.
        method: `"greedy"` (`greedy_search`), `"sample"` (`sample`) or
            `"beam"` (`beam_search`).
        end_id: int, the token that ends a sequence.
        max_length: int, the most tokens to generate.
        **options: passed to the search: `temperature`, `top_k` and `seed`
            for `"sample"`, `beam_width` and `length_penalty` for `"beam"`.

    Returns:
        A `Decoded` tuple, as `greedy_search` returns.

    Example:

    >>> def step_fn(tokens, state):
    ...     logits = tf.one_hot((tokens + 1) % 4, 4)
    ...     return logits, state
    >>> decode(step_fn, [0], (), method="beam", end_id=3, max_length=5,
    ...        beam_width=2, length_penalty=0.0).tokens.numpy()
    array([[1, 2, 3]], dtype=int32)
    """
    search = check_options(method, options)
    return search(
        step_fn,
        start_tokens,
        initial_state,
        end_id=end_id,
        max_length=max_length,
        **options,
    )
