"""tbptt_windows: the batches a stateful language model reads."""

import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines.tbptt import tbptt_windows


def test_batches_are_pinned_on_a_tiny_stream():
    # 20 tokens, 3 rows of 6 (tokens 19 and 20 dropped), windows of 2 steps.
    x, y, w = tbptt_windows(np.arange(1, 21), batch_size=3, num_steps=2)
    assert x.tolist() == [
        [1, 2], [7, 8], [13, 14],  # batch 0: window 0 of rows 0, 1, 2
        [3, 4], [9, 10], [15, 16],  # batch 1
    ]  # fmt: skip
    assert y.tolist() == [
        [2, 3], [8, 9], [14, 15],
        [4, 5], [10, 11], [16, 17],
    ]  # fmt: skip
    assert w.tolist() == [[1.0, 1.0]] * 6
    # Token 6 -> 7 of row 0 does not fill a window of 2: dropped.


def test_each_row_carries_on_where_it_stopped():
    stream = np.random.default_rng(0).integers(4, 100, size=1003)
    batch_size, num_steps = 4, 7
    x, y, _ = tbptt_windows(stream, batch_size=batch_size, num_steps=num_steps)
    batches = x.reshape(-1, batch_size, num_steps)
    targets = y.reshape(-1, batch_size, num_steps)
    np.testing.assert_array_equal(batches[1:, :, 0], targets[:-1, :, -1])
    # Reading row b's windows in order gives the stream's b-th quarter.
    row_length = len(stream) // batch_size
    for b in range(batch_size):
        np.testing.assert_array_equal(
            batches[:, b].ravel(), stream[b * row_length :][: batches[:, b].size]
        )


def test_evaluation_windows_score_every_token_once():
    stream = np.array([2, 5, 6, 3, 2, 7, 8, 9, 3, 2, 5, 3])  # [START]=2, [END]=3
    x, y, w = tbptt_windows(
        stream, batch_size=1, num_steps=5, drop_remainder=False, unpredicted_ids=(0, 2)
    )
    assert x.shape == y.shape == w.shape == (3, 5)
    real = w > 0
    # All 11 targets are present once; [START] targets and padding weigh 0.
    np.testing.assert_array_equal(y.ravel()[:11], stream[1:])
    assert y.ravel()[11:].tolist() == [0, 0, 0, 0]
    assert int(real.sum()) == 11 - 2  # two sentences start after the first
    assert not np.isin(y[real], [0, 2]).any()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"ids": np.ones((2, 3), int)}, InvalidInputError, "1-D stream"),
        ({"ids": np.ones(5) * 0.5}, InvalidInputError, "integer ids"),
        ({"ids": np.arange(5), "batch_size": 3}, InvalidInputError, "too short"),
        ({"ids": np.arange(8), "num_steps": 9}, InvalidInputError, "no window"),
        ({"ids": np.arange(8), "num_steps": 0}, InvalidArgumentError, "num_steps"),
    ],
)
def test_bad_streams(kwargs, error, message):
    arguments = {"batch_size": 2, "num_steps": 2, **kwargs}
    with pytest.raises(error, match=message):
        tbptt_windows(arguments.pop("ids"), **arguments)


@pytest.mark.parametrize("drop_remainder", [True, False])
def test_windows_read_lazily_are_the_windows_in_memory(drop_remainder, tmp_path):
    from seqkeras.pipelines.tbptt import tbptt_dataset

    ids = np.random.default_rng(0).integers(0, 9, size=1003)
    path = tmp_path / "ids.bin"
    ids.astype(np.int64).tofile(path)
    mapped = np.memmap(path, dtype=np.int64, mode="r")
    arguments = dict(
        batch_size=4, num_steps=7, drop_remainder=drop_remainder, unpredicted_ids=(0, 3)
    )
    x, y, w = tbptt_windows(ids, **arguments)
    dataset, predicted = tbptt_dataset(mapped, **arguments)
    batches = list(dataset.as_numpy_iterator())
    for got, expected in zip(zip(*batches, strict=True), (x, y, w), strict=True):
        np.testing.assert_array_equal(np.concatenate(got), expected)
    assert predicted == int(w.sum())
