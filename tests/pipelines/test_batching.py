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


def test_named_inputs_and_per_token_labels_stay_aligned_when_bucketed():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 9, size=70)
    # Every value encodes its example and position, so misalignment shows.
    words = [[100 * i + t + 1 for t in range(n)] for i, n in enumerate(lengths)]
    ids = tf.ragged.constant(words, dtype=tf.int32)
    chars = tf.RaggedTensor.from_row_lengths(
        tf.stack([ids.flat_values, -ids.flat_values], axis=1), lengths
    )  # (examples, None, 2)
    tags = tf.ragged.constant([[w % 7 for w in row] for row in words], dtype=tf.int32)
    dataset = sequence_dataset(
        {"token_ids": ids, "char_ids": chars}, tags, batch_size=8, shuffle=True,
        bucketing=True, pool_batches=3, seed=1, label_padding=-1,
    )  # fmt: skip
    seen = 0
    for x, y in dataset:
        token_ids, char_ids, y = (
            x["token_ids"].numpy(),
            x["char_ids"].numpy(),
            y.numpy(),
        )
        real = token_ids > 0
        np.testing.assert_array_equal(char_ids[..., 0], token_ids)
        np.testing.assert_array_equal(char_ids[..., 1], -token_ids)
        np.testing.assert_array_equal(y[real], token_ids[real] % 7)
        assert (y[~real] == -1).all()
        seen += len(token_ids)
    assert seen == 70


def test_named_inputs_of_different_lengths_pad_separately_and_stay_paired():
    # A source and a target sentence per example, as translation batches them.
    source = tf.ragged.constant([[1, 2, 3], [4], [5, 6], [7, 8, 9, 10]])
    target = tf.ragged.constant([[11], [12, 13, 14, 15, 16], [17, 18], [19]])
    plain = list(sequence_dataset({"source": source, "target": target}, batch_size=2))
    assert plain[0]["source"].numpy().tolist() == [[1, 2, 3], [4, 0, 0]]
    assert plain[0]["target"].numpy().tolist() == [
        [11, 0, 0, 0, 0],
        [12, 13, 14, 15, 16],
    ]
    pairs = {
        tuple(s[s > 0]): tuple(t[t > 0])
        for batch in sequence_dataset(
            {"source": source, "target": target},
            batch_size=2,
            shuffle=True,
            bucketing=True,
            pool_batches=2,
            seed=3,
        )
        for s, t in zip(batch["source"].numpy(), batch["target"].numpy(), strict=True)
    }
    assert pairs == {
        tuple(s): tuple(t)
        for s, t in zip(source.to_list(), target.to_list(), strict=True)
    }


def test_lengths_rounded_up_to_a_multiple_for_compiled_backends():
    ids, rows = ragged([3, 1, 9, 2, 5])
    tags = tf.ragged.constant([[7] * n for n in (3, 1, 9, 2, 5)], dtype=tf.int32)
    batches = list(
        sequence_dataset(ids, tags, batch_size=2, length_multiple=4, label_padding=-1)
    )
    assert [b[0].shape.as_list() for b in batches] == [[2, 4], [2, 12], [1, 8]]
    assert batches[0][0].numpy().tolist() == [rows[0] + [0], rows[1] + [0, 0, 0]]
    assert batches[0][1].numpy().tolist() == [[7, 7, 7, -1], [7, -1, -1, -1]]
    chars = tf.RaggedTensor.from_row_lengths(
        tf.ones([20, 2], tf.int32), [3, 1, 9, 2, 5]
    )  # (examples, None, 2)
    named = {"words": ids, "chars": chars}
    (first, *_) = list(sequence_dataset(named, batch_size=2, length_multiple=4))
    assert first["words"].shape == (2, 4) and first["chars"].shape == (2, 4, 2)
    (one,) = list(sequence_dataset(ids, np.arange(5), batch_size=8, length_multiple=4))
    assert one[0].shape == (5, 12) and one[1].numpy().tolist() == [0, 1, 2, 3, 4]
