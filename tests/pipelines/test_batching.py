"""Padded and length-bucketed batches from ragged token ids."""

import math

import numpy as np
import tensorflow as tf

from seqkeras.pipelines.batching import sequence_dataset


def ragged(lengths, seed=0):
    rng = np.random.default_rng(seed)
    rows = [rng.integers(1, 50, size=n).tolist() for n in lengths]
    return tf.ragged.constant(rows, dtype=tf.int32), rows


def test_plain_batches_keep_order_and_pad_to_their_longest():
    ids, rows = ragged([3, 1, 2, 5, 1])
    batches = list(sequence_dataset(ids, np.arange(5), batch_size=2))
    assert [b[0].shape.as_list() for b in batches] == [[2, 3], [2, 5], [1, 1]]
    assert batches[0][0].numpy().tolist() == [rows[0], rows[1] + [0, 0]]
    assert np.concatenate([b[1].numpy() for b in batches]).tolist() == [0, 1, 2, 3, 4]


def test_inference_batches_are_ids_only():
    ids, _ = ragged([2, 3])
    (batch,) = list(sequence_dataset(ids, batch_size=8))
    assert isinstance(batch, tf.Tensor) and batch.shape == (2, 3)


def test_bucketing_keeps_every_example_once_with_its_label():
    lengths = np.random.default_rng(1).integers(1, 40, size=1000)
    ids, rows = ragged(lengths)
    dataset = sequence_dataset(
        ids, np.arange(1000), batch_size=32, shuffle=True, bucketing=True, seed=0
    )
    assert dataset.cardinality().numpy() == math.ceil(1000 / 32)
    for _ in range(2):  # two epochs, reshuffled
        seen = []
        for x, y in dataset:
            for row, label in zip(x.numpy(), y.numpy(), strict=True):
                assert row[: len(rows[label])].tolist() == rows[label]
                assert not row[len(rows[label]) :].any()
                seen.append(int(label))
        assert sorted(seen) == list(range(1000))


def test_bucketing_pads_much_less():
    lengths = np.random.default_rng(2).integers(1, 60, size=4000)
    ids, _ = ragged(lengths)

    def padding(dataset):
        return sum(int(np.sum(x.numpy() == 0)) for x, _ in dataset)

    labels = np.zeros(4000)
    plain = padding(sequence_dataset(ids, labels, batch_size=32, shuffle=True, seed=0))
    bucketed = padding(
        sequence_dataset(
            ids, labels, batch_size=32, shuffle=True, bucketing=True, seed=0
        )
    )
    assert bucketed < plain / 5
