"""Argument checks shared by the builders, pipelines and data utilities.

Messages follow Keras: name the argument, say what was expected, show what
was received.
"""

import math
import numbers
from collections.abc import Iterable, Sequence

import numpy as np

from seqkeras.errors import InvalidArgumentError


def _invalid(name, expected, value):
    return InvalidArgumentError(
        f"Received an invalid value for argument `{name}`, expected {expected}, "
        f"got {value!r}"
    )


def _is_int(value):
    """An integer of any kind (Python, NumPy), but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def int_at_least(name, value, minimum):
    """Returns `value` as an int if it is an integer >= `minimum`, else raises.

    NumPy integers count: `positive_int("units", np.int64(3))` is 3.
    """
    if not _is_int(value) or value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise _invalid(name, expected, value)
    return int(value)


def last_axis(owner, input_shape):
    """The size of the last axis of `input_shape`, which a layer (`owner`,
    named in the error) needs known to make its weights."""
    size = input_shape[-1]
    if size is None:
        raise InvalidArgumentError(
            f"{owner} needs the size of its inputs' last axis, got input shape "
            f"{tuple(input_shape)}"
        )
    return int(size)


def positive_int(name, value):
    """Returns `value` if it is an integer > 0, else raises."""
    return int_at_least(name, value, 1)


def positive_int_or_none(name, value):
    """Returns None, or `value` as an int if it is an integer > 0."""
    return None if value is None else positive_int(name, value)


def non_negative_int(name, value):
    """Returns `value` as an int if it is an integer >= 0, else raises."""
    if not _is_int(value) or value < 0:
        raise _invalid(name, "a non-negative integer", value)
    return int(value)


def rate(name, value):
    """Returns `value` if it is a float in [0, 1), else raises."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(name, "a float in [0, 1)", value)
    if not 0.0 <= value < 1.0:
        raise _invalid(name, "a float in [0, 1)", value)
    return float(value)


def positive_float(name, value):
    """Returns `value` if it is a number > 0, else raises."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _invalid(name, "a positive number", value)
    return float(value)


def non_negative_float(name, value):
    """Returns `value` as a float if it is a finite number >= 0, else raises."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or value < 0
    ):
        raise _invalid(name, "a non-negative number", value)
    return float(value)


def one_of(name, value, choices: Iterable):
    """Returns `value` if it is one of `choices`, else raises."""
    choices = list(choices)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise _invalid(name, f"one of {listed}", value)
    return value


def positive_ints(name, value, length=None):
    """Returns a tuple of positive integers from an int or a sequence of ints.

    An int is repeated `length` times (once if `length` is None).
    """
    if _is_int(value):
        return (positive_int(name, value),) * (length or 1)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise _invalid(name, "a positive integer or a list of them", value)
    for item in value:
        if not _is_int(item) or item <= 0:
            raise _invalid(name, "a positive integer or a list of them", value)
    if length is not None and len(value) != length:
        raise _invalid(name, f"{length} positive integers", value)
    return tuple(int(item) for item in value)


def class_names(name, names, minimum=1):
    """Returns `names` as a tuple of distinct strings, at least `minimum`."""
    names = tuple(str(n) for n in names)
    if len(set(names)) != len(names):
        raise _invalid(name, "distinct names", list(names))
    if len(names) < minimum:
        raise _invalid(name, f"at least {minimum} names", list(names))
    return names


def builder_arguments(builder, given, *, exclude=()):
    """Returns `given` (a dict) if every key is an argument of `builder`.

    Pipelines pass extra keyword arguments on to their model builder; a
    misspelt one is refused here, naming the arguments that exist, rather
    than at the first `fit`.
    """
    import inspect

    allowed = set(inspect.signature(builder).parameters) - set(exclude)
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise InvalidArgumentError(
            f"Unknown model argument(s) {unknown}; {builder.__name__} takes "
            f"{sorted(allowed)}."
        )
    return dict(given)
