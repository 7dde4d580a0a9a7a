"""Batches of variable-length token sequences for training and inference.

Sentences differ in length, and an RNN spends time on every padded step.
`padded_batch` pads each batch to its own longest sentence. Bucketing first
gathers sentences of similar length, so that little padding is left: here
the shuffled examples are cut into pools of `pool_batches` batches, each pool
is sorted by length and cut into batches, and the batches are shuffled
again. Unlike `tf.data.Dataset.bucket_by_sequence_length`, this gives exactly
`ceil(examples / batch_size)` batches every epoch, so Keras' progress bar
knows its total and no epoch drops or repeats examples. See
`bench/sst2_bucketing.py` for what bucketing is worth in speed.
"""

import math

import numpy as np
import tensorflow as tf

from seqkeras._validation import positive_int


def encode_texts(encoder, texts, chunk=8192):
    """Token ids of all `texts` (strings) as one ragged tensor, encoded
    `chunk` texts at a time to bound memory."""
    from seqkeras.text.encoder import as_text_batch

    texts = as_text_batch(list(texts))
    n = int(texts.shape[0])
    parts = [encoder.encode(texts[i : i + chunk]) for i in range(0, n, chunk)]
    return tf.concat(parts, axis=0)


def sequence_dataset(
    ids,
    labels=None,
    *,
    batch_size=32,
    shuffle=False,
    bucketing=False,
    pool_batches=32,
    seed=None,
    label_padding=0,
    length_multiple=1,
    drop_remainder=False,
):
    """A `tf.data.Dataset` of padded `(ids, labels)` batches (or ids only).

    Args:
        ids: a ragged `(examples, None)` int tensor of token ids, or a dict of
            ragged tensors with one row per example (e.g. word ids and
            `(examples, None, chars)` character ids, or a source and a target
            sentence); batches then hold dicts, each entry padded to its own
            longest row. Bucketing sorts by the first entry's lengths.
        labels: one label per example (array-like), one label per token (a
            ragged tensor with the row lengths of `ids`, or of its first
            entry), or None for inference.
        batch_size: examples per batch.
        shuffle: reshuffle the examples every epoch.
        bucketing: batch sentences of similar length together (training); the
            order of examples is then not preserved.
        pool_batches: with bucketing, how many batches' worth of examples are
            sorted by length together.
        seed: shuffle seed.
        label_padding: what pads per-token labels (-1 marks "no label").
        length_multiple: pad each batch's time axis further, to a multiple
            of this. A backend that compiles a step per input shape (JAX)
            then compiles a few steps rather than one per sentence length.
        drop_remainder: leave out the last batch if it is smaller than
            `batch_size` (training on several devices, which share every
            batch equally).

    Returns:
        Batches padded with id 0 to their longest sequence: `(batch, time)`
        ids, and `(batch,)` labels or `(batch, time)` per-token labels;
        `ceil(examples / batch_size)` of them (`floor` with
        `drop_remainder`).

    Example:

    >>> ids = tf.ragged.constant([[1, 2, 3], [4], [5, 6]])
    >>> [x.numpy().tolist() for x in sequence_dataset(ids, batch_size=2)]
    [[[1, 2, 3], [4, 0, 0]], [[5, 6]]]
    >>> tags = tf.ragged.constant([[7, 8, 9], [7], [8, 8]])
    >>> batch = next(iter(sequence_dataset(ids, tags, batch_size=2, label_padding=-1)))
    >>> batch[1].numpy().tolist()
    [[7, 8, 9], [7, -1, -1]]
    """
    positive_int("batch_size", batch_size)
    positive_int("pool_batches", pool_batches)
    named = isinstance(ids, dict)
    inputs = ids if named else {"ids": ids}
    first = next(iter(inputs))
    flat = {name: ragged.flat_values for name, ragged in inputs.items()}
    per_token = isinstance(labels, tf.RaggedTensor)
    if per_token:
        flat["label"] = labels.flat_values
    num_examples = int(inputs[first].nrows())
    # Where each example's row starts and ends in each flat tensor.
    columns = {"start": inputs[first].row_splits[:-1]}
    for name, ragged in inputs.items():
        columns[f"{name}_start"] = ragged.row_splits[:-1]
        columns[f"{name}_end"] = ragged.row_splits[1:]
    columns["end"] = inputs[first].row_splits[1:]
    if labels is not None and not per_token:
        columns["label"] = tf.constant(np.asarray(labels))

    def row(example):
        x = {
            name: flat[name][example[f"{name}_start"] : example[f"{name}_end"]]
            for name in inputs
        }  # (time, ...)
        x = x if named else x["ids"]
        if labels is None:
            return x
        start, end = example["start"], example["end"]
        label = flat["label"][start:end] if per_token else example["label"]
        return x, label

    pads = {name: tf.constant(0, flat[name].dtype) for name in inputs}
    pads = pads if named else pads["ids"]
    label_pad = None
    if per_token:
        label_pad = tf.constant(label_padding, flat["label"].dtype)
    return _batched(
        tf.data.Dataset.from_tensor_slices(columns),
        num_examples,
        to_row=row,
        lengths=lambda pool: pool["end"] - pool["start"],
        pads=pads,
        label_pad=label_pad,
        labelled=labels is not None,
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_buffer=num_examples,
        bucketing=bucketing,
        pool_batches=pool_batches,
        seed=seed,
        label_padding=label_padding,
        length_multiple=length_multiple,
        drop_remainder=drop_remainder,
    )


def row_dataset(
    rows,
    num_examples,
    *,
    labelled,
    per_token=False,
    batch_size=32,
    shuffle=False,
    shuffle_buffer=None,
    bucketing=False,
    pool_batches=32,
    seed=None,
    label_padding=0,
    length_multiple=1,
    drop_remainder=False,
):
    """`sequence_dataset`'s batches of examples that come as a dataset of
    rows (a streamed file, see `seqkeras.datasets.streams`).

    Args:
        rows: a `tf.data.Dataset` of `ids` (a 1-D int tensor, or a dict of
            them), or of `(ids, label)` with `labelled`.
        num_examples: how many rows it holds.
        labelled: whether rows carry a label.
        per_token: whether that label is one per token.
        shuffle_buffer: rows held for shuffling (default all of them). With
            all of them, the order is that of `sequence_dataset` on the same
            examples, seed and settings, and so are the batches.
        Others: as `sequence_dataset`.
    """
    positive_int("batch_size", batch_size)
    positive_int("pool_batches", pool_batches)
    spec = rows.element_spec
    x_spec = spec[0] if labelled else spec
    pads = tf.nest.map_structure(lambda s: tf.constant(0, s.dtype), x_spec)
    label_pad = None
    if per_token:
        label_pad = tf.constant(label_padding, spec[1].dtype)

    def lengths(pool):  # a pool of rows, batched ragged
        x = pool[0] if labelled else pool
        first = next(iter(x.values())) if isinstance(x, dict) else x
        return first.row_lengths()

    return _batched(
        rows,
        num_examples,
        to_row=None,
        lengths=lengths,
        pads=pads,
        label_pad=label_pad,
        labelled=labelled,
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_buffer=shuffle_buffer or num_examples,
        bucketing=bucketing,
        pool_batches=pool_batches,
        seed=seed,
        label_padding=label_padding,
        length_multiple=length_multiple,
        drop_remainder=drop_remainder,
    )


def _batched(
    dataset,
    num_examples,
    *,
    to_row,
    lengths,
    pads,
    label_pad,
    labelled,
    batch_size,
    shuffle,
    shuffle_buffer,
    bucketing,
    pool_batches,
    seed,
    label_padding,
    length_multiple,
    drop_remainder,
):
    """Shuffles, buckets and pads examples (see `sequence_dataset`): each
    element of `dataset` becomes a row by `to_row` (None: it is one), and
    `lengths(pool)` gives the lengths of a pool of elements."""
    if shuffle:
        dataset = dataset.shuffle(
            min(shuffle_buffer, num_examples), seed=seed, reshuffle_each_iteration=True
        )
    if bucketing:
        pool_size = batch_size * pool_batches
        pools = (
            dataset.batch(pool_size)
            if to_row is not None
            else dataset.ragged_batch(pool_size)
        )
        dataset = pools.map(lambda *pool: _sort_pool(pool, lengths)).unbatch()
    padding = (pads, label_pad) if label_pad is not None else None
    if to_row is not None:
        dataset = dataset.map(to_row, num_parallel_calls=tf.data.AUTOTUNE)
        dataset = dataset.padded_batch(
            batch_size, padding_values=padding, drop_remainder=drop_remainder
        )
    else:
        # Rows cut from ragged batches keep ragged specs, which `padded_batch`
        # refuses: batched ragged, then padded a batch at a time, they give
        # the same batches without a function call per row.
        dataset = dataset.ragged_batch(batch_size, drop_remainder=drop_remainder)
        dataset = dataset.map(
            lambda *batch: _padded(batch, pads, label_pad),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    per_token = label_pad is not None
    if length_multiple > 1:
        dataset = dataset.map(
            lambda *batch: _round_up(batch, length_multiple, label_padding, per_token)
        )
    if bucketing:
        # Sorted pools give batches from short to long; mix them again.
        dataset = dataset.shuffle(
            pool_batches, seed=seed, reshuffle_each_iteration=True
        )
    if dataset.cardinality() == tf.data.UNKNOWN_CARDINALITY:
        # Bucketing and files hide the number of batches; Keras' progress
        # bar wants it.
        rounding = math.floor if drop_remainder else math.ceil
        dataset = dataset.apply(
            tf.data.experimental.assert_cardinality(rounding(num_examples / batch_size))
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


def _padded(batch, pads, label_pad):
    """A ragged batch `(x,)` or `(x, labels)` padded as `padded_batch`
    pads: `x` with `pads`, per-token labels with `label_pad`."""

    def dense(tensor, pad):
        if isinstance(tensor, tf.RaggedTensor):
            return tensor.to_tensor(default_value=pad)
        return tensor

    x = tf.nest.map_structure(dense, batch[0], pads)
    if len(batch) == 1:
        return x
    return x, dense(batch[1], label_pad if label_pad is not None else 0)


def _sort_pool(pool, lengths):
    """A pool (a tuple of a dataset element's parts) sorted by length."""
    pool = pool if len(pool) > 1 else pool[0]
    order = tf.argsort(lengths(pool), stable=True)
    return tf.nest.map_structure(lambda column: tf.gather(column, order), pool)


def pad_time(tensor, multiple, value):
    """`tensor` `(batch, time, ...)` padded with `value` to a time length
    that is a multiple of `multiple`."""
    extra = tf.math.floormod(-tf.shape(tensor)[1], multiple)
    paddings = [[0, 0], [0, extra]] + [[0, 0]] * (tensor.shape.rank - 2)
    return tf.pad(tensor, paddings, constant_values=tf.cast(value, tensor.dtype))


def _round_up(batch, multiple, label_padding, per_token):
    """A batch `(x,)` or `(x, labels)` with every time axis rounded up."""
    x = tf.nest.map_structure(lambda t: pad_time(t, multiple, 0), batch[0])
    if len(batch) == 1:
        return x
    labels = batch[1]
    if per_token:
        labels = pad_time(labels, multiple, label_padding)
    return x, labels
