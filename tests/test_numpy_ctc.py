import numpy as np
import pytest

from seqkeras.errors import InvalidInputError
from seqkeras.numpy_ctc import (
    augmented,
    brute_force_probability,
    collapse,
    forward,
    greedy_decode,
    paths,
)


def test_collapse_merges_repeats_before_dropping_blanks():
    assert collapse([1, 1, 0, 1]) == [1, 1]
    assert collapse([1, 1, 1]) == [1]
    assert collapse([0, 0]) == []
    assert augmented([3, 3]) == [0, 3, 0, 3, 0]


def test_paths_of_a_label_are_those_that_read_as_it():
    found = paths([1, 1], 4, num_outputs=2)
    assert sorted(found) == [(0, 1, 0, 1), (1, 0, 0, 1), (1, 0, 1, 0), (1, 0, 1, 1),
                             (1, 1, 0, 1)]  # fmt: skip
    with pytest.raises(InvalidInputError, match="too many"):
        paths([1], 30, num_outputs=11)


def test_forward_sums_the_same_as_brute_force():
    rng = np.random.default_rng(5)
    for label in ([1], [2, 1], [1, 1], [2, 2, 1]):
        y = rng.dirichlet(np.ones(3), size=6)
        p, alpha = forward(y, label)
        assert p == pytest.approx(brute_force_probability(y, label))
        assert alpha.shape == (6, 2 * len(label) + 1)
    # The probabilities of every label of 6 frames add up to one.
    y = rng.dirichlet(np.ones(2), size=6)
    labels = [[1] * n for n in range(0, 4)]
    total = sum(brute_force_probability(y, label) for label in labels)
    assert total == pytest.approx(1.0)


def test_greedy_decode_reads_the_best_path():
    y = np.array([[0.1, 0.9], [0.8, 0.2], [0.1, 0.9]])
    assert greedy_decode(y) == [1, 1]
