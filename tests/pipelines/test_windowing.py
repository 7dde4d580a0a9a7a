"""Windows over a series: the exact windows, the edges, the tf.data batches."""

import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines.windowing import WindowSpec, window_arrays, window_dataset

SERIES = np.arange(20.0).reshape(10, 2)  # step t holds (2t, 2t + 1)


def test_windows_are_pinned_on_arange():
    spec = WindowSpec(input_width=3, label_width=2, shift=2, stride=2)
    # Windows start at 0, 2, 4; each spans 5 steps; 10 steps fit 3 windows
    # (a fourth would start at 6 and need steps 6..10).
    assert spec.total_width == 5 and spec.num_windows(10) == 3
    inputs, labels = window_arrays(SERIES, SERIES[:, 1], spec)
    assert inputs.shape == (3, 3, 2) and labels.shape == (3, 2, 1)
    assert inputs[:, :, 0].tolist() == [[0, 2, 4], [4, 6, 8], [8, 10, 12]]
    assert labels[:, :, 0].tolist() == [[7, 9], [11, 13], [15, 17]]


def test_last_window_ends_at_the_last_step():
    spec = WindowSpec(input_width=4, label_width=1, shift=3)
    inputs, labels = window_arrays(np.arange(10.0), np.arange(10.0), spec)
    assert len(inputs) == 4  # starts 0..3
    assert inputs[-1, :, 0].tolist() == [3, 4, 5, 6] and labels[-1, 0, 0] == 9


def test_shift_zero_labels_the_last_input_step():
    spec = WindowSpec(input_width=3, label_width=1, shift=0)
    inputs, labels = window_arrays(np.arange(5.0), np.arange(5) * 10, spec)
    assert labels.tolist() == [[20], [30], [40]]  # class ids keep their shape
    assert labels.dtype == np.int64
    assert inputs[:, -1, 0].tolist() == [2, 3, 4]


def test_series_shorter_than_one_window_is_a_clear_error():
    spec = WindowSpec(input_width=8, label_width=4, shift=4)
    assert spec.num_windows(11) == 0 and spec.num_windows(12) == 1
    with pytest.raises(InvalidInputError) as raised:
        window_arrays(np.arange(11.0), np.arange(11.0), spec)
    message = str(raised.value)
    assert "11 steps" in message and "needs 12" in message
    assert "input_width 8" in message


def test_invalid_specs():
    with pytest.raises(InvalidArgumentError, match="`input_width`"):
        WindowSpec(input_width=0)
    with pytest.raises(InvalidArgumentError, match="`shift`"):
        WindowSpec(input_width=3, shift=-1)
    with pytest.raises(InvalidArgumentError, match="longer than the whole window"):
        WindowSpec(input_width=3, label_width=5, shift=1)


def test_dataset_batches_are_the_windows_in_order():
    spec = WindowSpec(input_width=3, label_width=2, shift=2, stride=1)
    inputs, labels = window_arrays(SERIES, SERIES[:, :1], spec)
    batches = list(window_dataset(SERIES, SERIES[:, :1], spec, batch_size=4))
    assert [len(x) for x, _ in batches] == [4, 2]  # 6 windows
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), inputs)
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), labels)


def test_shuffled_dataset_has_every_window_once_and_reshuffles():
    spec = WindowSpec(input_width=2, label_width=1, shift=1)
    series = np.arange(50.0)
    dataset = window_dataset(series, series, spec, batch_size=8, shuffle=True, seed=3)
    epochs = [
        np.concatenate([y.numpy()[:, 0, 0] for _, y in dataset]) for _ in range(2)
    ]
    assert sorted(epochs[0].tolist()) == list(range(2, 50))
    assert epochs[0].tolist() != epochs[1].tolist()
    again = window_dataset(series, series, spec, batch_size=8, shuffle=True, seed=3)
    first = np.concatenate([y.numpy()[:, 0, 0] for _, y in again])
    assert first.tolist() == epochs[0].tolist()  # same seed, same order


def test_nan_in_features_is_refused_with_the_step():
    series = np.arange(10.0)
    series[6] = np.nan
    with pytest.raises(InvalidInputError, match="first at step 6"):
        window_dataset(series, series, WindowSpec(3))


def test_mismatched_lengths():
    with pytest.raises(InvalidInputError, match="10 steps of features but 9"):
        window_arrays(np.arange(10.0), np.arange(9.0), WindowSpec(3))
