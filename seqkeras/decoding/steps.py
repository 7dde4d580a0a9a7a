"""What every search shares: the result type, the argument checks, one call
of the step function, the history buffers, and the two places where the
backends differ (see the package docstring for the step function's
contract)."""

import collections

import keras
import numpy as np
from keras import ops

from seqkeras._validation import (
    non_negative_float,
    positive_int,
)
from seqkeras.errors import InvalidArgumentError

Decoded = collections.namedtuple("Decoded", ["tokens", "lengths", "scores", "extras"])
Decoded.__doc__ = """The output of a search: `tokens`, `lengths`, `scores`, `extras`.

See the module docstring for their shapes and meaning.
"""

_NEG_INF = float("-inf")


def _is_tensor(value):
    """A backend or TensorFlow tensor (anything else is checked as a Python
    value)."""
    return (
        hasattr(value, "shape")
        and hasattr(value, "dtype")
        and not isinstance(value, (np.ndarray, np.generic))
    )


def _rank(x):
    """The rank of `x`, or None when TensorFlow does not know it."""
    try:
        return len(x.shape)
    except (TypeError, ValueError):
        return None


def _is_symbolic(value):
    """A dimension whose size JAX's shape polymorphism leaves unknown (an
    export of a compiled search whose `max_length` is an input)."""
    if keras.backend.backend() != "jax":
        return False
    from jax import export

    return export.is_symbolic_dim(value)


# === Argument checks ===


def _non_negative_number(name, value):
    """Returns a Python number >= 0 as a float, a tensor as float32."""
    if _is_tensor(value):
        return ops.cast(value, "float32")
    return non_negative_float(name, value)


def _int_argument(name, value, check):
    """Checks a Python int with `check`; casts a scalar tensor to int32.

    Tensors are accepted so that an exported signature can take the value
    as an input; their value is only known when the graph runs.
    """
    if isinstance(value, np.integer):
        value = int(value)
    if _is_symbolic(value):
        return value
    if not _is_tensor(value):
        return check(name, value)
    rank = _rank(value)
    if rank not in (None, 0):
        raise InvalidArgumentError(
            f"Received an invalid value for argument `{name}`, expected a "
            f"scalar, got a tensor of shape {tuple(value.shape)}"
        )
    return ops.cast(value, "int32")


def _max_length(value):
    value = _int_argument("max_length", value, positive_int)
    if _is_tensor(value) and keras.backend.backend() == "tensorflow":
        # Checked when the graph runs; on other backends a value below 1
        # generates one token.
        import tensorflow as tf

        tf.debugging.assert_positive(
            value, message="Received an invalid value for argument `max_length`"
        )
    return value


def _start_tokens(value):
    tokens = ops.cast(ops.convert_to_tensor(value), "int32")
    if _rank(tokens) not in (None, 1):
        raise InvalidArgumentError(
            "Received an invalid value for argument `start_tokens`, expected a "
            f"vector (batch,), got shape {tuple(tokens.shape)}"
        )
    return tokens


def _as_state(state):
    return keras.tree.map_structure(ops.convert_to_tensor, state)


# === One step ===


def _call_step(step_fn, tokens, state):
    """Calls `step_fn`; returns float32 logits, the state and extras or None."""
    outputs = step_fn(tokens, state)
    if not isinstance(outputs, (tuple, list)) or len(outputs) not in (2, 3):
        raise InvalidArgumentError(
            "`step_fn` must return `(logits, state)` or `(logits, state, extras)`, "
            f"got {type(outputs).__name__}"
        )
    logits = ops.convert_to_tensor(outputs[0])
    if _rank(logits) is None:
        # For example from a `tf.py_function`: checked when the graph runs.
        import tensorflow as tf

        logits = tf.ensure_shape(logits, [None, None])
    if _rank(logits) != 2:
        raise InvalidArgumentError(
            "`step_fn` must return logits of shape (batch, vocabulary), got "
            f"shape {tuple(logits.shape)}"
        )
    extras = outputs[2] if len(outputs) == 3 else None
    if extras is not None:
        extras = ops.convert_to_tensor(extras)
        if _rank(extras) in (None, 0):
            raise InvalidArgumentError(
                "`step_fn` must return extras of shape (batch, ...), got shape "
                f"{tuple(extras.shape) if _rank(extras) is not None else None}"
            )
    return ops.cast(logits, "float32"), _as_state(outputs[1]), extras


def _zero_rows(values, rows):
    """Zeroes the rows of `values` (batch, ...) where `rows` (batch,) is True."""
    mask = ops.reshape(rows, (-1,) + (1,) * (_rank(values) - 1))
    return ops.where(mask, ops.zeros_like(values), values)


def _pick(values, indices):
    """`values[i, indices[i]]` for every row i: `(batch, n)`, `(batch,)` ->
    `(batch,)`."""
    return ops.take_along_axis(values, ops.expand_dims(indices, 1), axis=1)[:, 0]


def _top_k(x, k):
    """`(values, indices)` of the `k` largest entries of each row of `x`
    `(batch, n)`, largest first and the lower index first among equals.

    `ops.top_k` on TensorFlow. On JAX, `lax.top_k` is serialised as a
    StableHLO composite that TensorFlow 2.21 cannot read back in an
    exported SavedModel, so the k largest are found by `k` arg-maxes (k is
    the beam width, or sampling's `top_k`: small), which export as plain
    reductions and break ties as `top_k` does.
    """
    if keras.backend.backend() == "tensorflow" or not isinstance(k, int):
        values, indices = ops.top_k(x, k=k)
        return values, ops.cast(indices, "int32")
    values, indices = [], []
    columns = ops.arange(ops.shape(x)[-1])[None, :]  # (1, n)
    taken = ops.zeros_like(x, "bool")  # (batch, n)
    for _ in range(k):
        masked = ops.where(taken, _NEG_INF, x)
        index = ops.cast(ops.argmax(masked, axis=-1), "int32")  # (batch,)
        # Where only -inf is left, the first entry not taken yet.
        first_left = ops.argmax(ops.cast(ops.logical_not(taken), "int32"), axis=-1)
        exhausted = ops.max(masked, axis=-1) == _NEG_INF
        index = ops.where(exhausted, ops.cast(first_left, "int32"), index)
        values.append(_pick(x, index))
        indices.append(index)
        taken = ops.logical_or(taken, ops.equal(columns, index[:, None]))
    return ops.stack(values, axis=1), ops.stack(indices, axis=1)


# === History buffers ===


def _write_column(buffer, step, values):
    """`buffer[:, step] = values` for a buffer (rows, max_length, ...)."""
    rank = _rank(buffer)
    column = ops.equal(ops.arange(ops.shape(buffer)[1]), step)  # (max_length,)
    column = ops.reshape(column, (1, -1) + (1,) * (rank - 2))
    return ops.where(column, ops.expand_dims(values, 1), buffer)


def _history_buffers(tokens, extras, max_length):
    """Buffers `(rows, max_length)` of tokens and `(rows, max_length, ...)`
    of extras (an empty tuple without), holding the first step's."""
    rows = ops.shape(tokens)[0]
    history = _write_column(ops.zeros((rows, max_length), "int32"), 0, tokens)
    if extras is None:
        return history, ()
    # (rows, 1, ...) + (1, max_length, 1, ...): the shape of `extras` may be
    # known only when the graph runs.
    ones = (1,) * (_rank(extras) - 1)
    buffer = ops.expand_dims(ops.zeros_like(extras), 1) + ops.zeros(
        (1, max_length) + ones, extras.dtype
    )
    return history, (_write_column(buffer, 0, extras),)


def _first_columns(x, steps):
    """`x[:, :steps]`, the columns the loop wrote. Inside `jax.jit` the
    number of steps is not known while tracing, so the buffer keeps its
    `max_length` columns there (zero after every sequence's end)."""
    if keras.backend.backend() != "tensorflow":
        try:
            steps = int(steps)
        except TypeError:  # a traced value (jax.errors.ConcretizationTypeError)
            return x
    return x[:, :steps]


# === Random draws ===


def _draw(logits, seed, step):
    """One token per row drawn from `logits` (batch, n), int32 `(batch,)`,
    seeded by `(seed, step)`.

    Keras' random ops take a Python int or a stateful `SeedGenerator`; a
    seed that follows a loop counter tensor needs each backend's stateless
    draws: `tf.random.stateless_categorical` with the seed `[seed, step]` on
    TensorFlow, `jax.random.categorical` with the key of `seed` folded with
    `step` on JAX. A seed gives the same text on every call of one backend;
    the two backends draw differently.
    """
    name = keras.backend.backend()
    if name == "jax":
        import jax

        key = jax.random.fold_in(jax.random.key(seed), step)
        return jax.random.categorical(key, logits, axis=-1).astype("int32")
    if name == "tensorflow":
        import tensorflow as tf

        step_seed = tf.stack([tf.cast(seed, tf.int64), tf.cast(step, tf.int64)])
        return tf.random.stateless_categorical(
            logits, 1, seed=step_seed, dtype=tf.int32
        )[:, 0]
    raise InvalidArgumentError(
        f"Sampling runs on the TensorFlow and JAX backends, not on {name!r}: "
        "set KERAS_BACKEND=jax or tensorflow."
    )
