"""The argument checks every builder and pipeline shares."""

import numpy as np
import pytest

from seqkeras._validation import (
    class_names,
    non_negative_int,
    positive_int,
    positive_int_or_none,
    positive_ints,
)
from seqkeras.errors import InvalidArgumentError


def test_numpy_integers_are_integers():
    assert positive_int("units", np.int64(3)) == 3
    assert type(positive_int("units", np.int32(3))) is int
    assert non_negative_int("shift", np.int64(0)) == 0
    assert positive_ints("image_size", np.array([32, 48]), length=2) == (32, 48)
    assert positive_int_or_none("max_vocabulary_size", None) is None


@pytest.mark.parametrize("value", [0, -3, 2.0, True, np.bool_(True), "3", None])
def test_anything_else_is_refused_by_name(value):
    with pytest.raises(InvalidArgumentError, match="argument `units`, expected a"):
        positive_int("units", value)


def test_sequence_messages_say_what_was_expected():
    with pytest.raises(InvalidArgumentError, match="expected 2 positive integers"):
        positive_ints("image_size", (32, 32, 3), length=2)
    with pytest.raises(InvalidArgumentError, match="expected distinct names"):
        class_names("label_names", ["a", "a"])
    with pytest.raises(InvalidArgumentError, match="at least 2 names"):
        class_names("label_names", ["a"], minimum=2)
    assert class_names("tag_names", ("O", 1)) == ("O", "1")
