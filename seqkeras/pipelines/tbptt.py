"""Batches for truncated backpropagation through time (TBPTT).

A language model's corpus is one long stream of token ids. Following
Zaremba et al.'s `ptb_producer`, the stream is cut into `batch_size`
contiguous rows of equal length, and each row into windows of `num_steps`
tokens. Batch `i` holds window `i` of every row, so row `b` of batch `i + 1`
carries on exactly where row `b` of batch `i` stopped: a model that keeps its
recurrent state between batches (a stateful RNN) reads each row from start
to end, while gradients flow back at most `num_steps` steps.

The targets are the inputs shifted by one token. Each target has a weight:
0 for the tokens a model is never asked to predict (`[START]`, which only
opens a sentence, and padding), 1 otherwise, so that loss and perplexity
count exactly the predicted tokens.
"""

import math

import numpy as np

from seqkeras._validation import positive_int
from seqkeras.errors import InvalidInputError


def tbptt_windows(
    ids, *, batch_size, num_steps, drop_remainder=True, unpredicted_ids=(0,)
):
    """Cuts a stream of ids into TBPTT batches, in the order to feed them.

    Args:
        ids: the stream, a 1-D sequence of int ids.
        batch_size: rows read side by side.
        num_steps: tokens per window (how far back gradients flow).
        drop_remainder: drop the tokens that do not fill a last window
            (training, as `ptb_producer` does), or pad that window with 0 and
            weight 0 (evaluation, so that every token is scored).
        unpredicted_ids: ids whose targets get weight 0 (padding by default;
            pass `(0, start_id)` to skip `[START]`).

    Returns:
        `(x, y, weights)`, each `(num_batches * batch_size, num_steps)`: rows
        `i * batch_size` to `(i + 1) * batch_size - 1` form batch `i`, so
        `model.fit(x, y, sample_weight=weights, batch_size=batch_size,
        shuffle=False)` feeds them in order.

    Example:

    >>> x, y, w = tbptt_windows(np.arange(1, 12), batch_size=2, num_steps=2)
    >>> x.tolist()  # batch 0 = rows 0-1, batch 1 = rows 2-3
    [[1, 2], [6, 7], [3, 4], [8, 9]]
    >>> y.tolist()
    [[2, 3], [7, 8], [4, 5], [9, 10]]
    """
    rows, num_windows = _rows(np.asarray(ids), batch_size, num_steps, drop_remainder)
    inputs, targets = rows[:, :-1], rows[:, 1:]  # (batch_size, row_length - 1)
    if drop_remainder:
        width = num_windows * num_steps
        inputs, targets = inputs[:, :width], targets[:, :width]
    else:
        pad = num_windows * num_steps - inputs.shape[1]
        inputs = np.pad(inputs, ((0, 0), (0, pad)))
        targets = np.pad(targets, ((0, 0), (0, pad)))
    weights = (~np.isin(targets, unpredicted_ids)).astype("float32")

    def windows(array):
        # (batch_size, num_windows * num_steps) -> (num_windows * batch_size,
        # num_steps), window-major: all rows of window 0, then of window 1.
        split = array.reshape(batch_size, num_windows, num_steps)
        return split.transpose(1, 0, 2).reshape(-1, num_steps)

    return windows(inputs), windows(targets), windows(weights)


def tbptt_dataset(
    ids, *, batch_size, num_steps, drop_remainder=True, unpredicted_ids=(0,)
):
    """`tbptt_windows`' batches as a `tf.data.Dataset` that reads each window
    from `ids` when it is needed, so that `ids` may be a `numpy.memmap` of a
    corpus larger than memory (`rows` below are views of it, never copies).

    Returns:
        `(dataset, predicted)`: batches of `(x, y, weights)`, each
        `(batch_size, num_steps)`, equal to those of `tbptt_windows` with the
        same arguments; and the number of targets of weight 1.

    Example:

    >>> dataset, predicted = tbptt_dataset(np.arange(1, 12), batch_size=2, num_steps=2)
    >>> [x.tolist() for x, y, w in dataset.as_numpy_iterator()]
    [[[1, 2], [6, 7]], [[3, 4], [8, 9]]]
    >>> predicted
    8
    """
    import tensorflow as tf

    rows, num_windows = _rows(ids, batch_size, num_steps, drop_remainder)
    usable = rows.shape[1] - 1  # the inputs of a row: all but its last token
    end = num_windows * num_steps if drop_remainder else usable
    unpredicted = np.asarray(unpredicted_ids)

    def window(i):
        start = int(i) * num_steps
        stop = min(start + num_steps, end)
        x = np.zeros((batch_size, num_steps), np.int64)
        y = np.zeros((batch_size, num_steps), np.int64)
        x[:, : stop - start] = rows[:, start:stop]
        y[:, : stop - start] = rows[:, start + 1 : stop + 1]
        return x, y, (~np.isin(y, unpredicted)).astype("float32")

    predicted = 0
    for start in range(0, end, 4096):  # counted a slice at a time
        targets = rows[:, start + 1 : min(start + 4096, end) + 1]
        predicted += int((~np.isin(targets, unpredicted)).sum())

    def read(i):
        batch = tf.numpy_function(window, [i], (tf.int64, tf.int64, tf.float32))
        return tuple(tf.ensure_shape(t, (batch_size, num_steps)) for t in batch)

    dataset = tf.data.Dataset.range(num_windows).map(read)
    return dataset.prefetch(tf.data.AUTOTUNE), predicted


def _rows(ids, batch_size, num_steps, drop_remainder):
    """`ids` (checked) cut into `batch_size` rows of equal length (a view,
    the remainder dropped), and how many windows of `num_steps` they give."""
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise InvalidInputError(
            f"Expected a 1-D stream of integer ids, got an array of shape "
            f"{ids.shape} and dtype {ids.dtype}."
        )
    positive_int("batch_size", batch_size)
    positive_int("num_steps", num_steps)
    row_length = len(ids) // batch_size  # tokens per row; the rest is dropped
    if row_length < 2:
        raise InvalidInputError(
            f"A stream of {len(ids)} tokens is too short for {batch_size} rows "
            "of at least 2 tokens: use a longer text or a smaller batch_size."
        )
    rows = ids[: batch_size * row_length].reshape(batch_size, row_length)
    if not drop_remainder:
        return rows, math.ceil((row_length - 1) / num_steps)
    num_windows = (row_length - 1) // num_steps
    if num_windows == 0:
        raise InvalidInputError(
            f"Rows of {row_length} tokens hold no window of {num_steps} "
            "steps: lower num_steps or batch_size, or use a longer text."
        )
    return rows, num_windows
