"""What every search shares: the result type, the argument checks, and one
call of the step function (see the package docstring for the step
function's contract)."""

import collections

import numpy as np
import tensorflow as tf

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
