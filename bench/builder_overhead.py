"""The BiLSTM builder against the same layers written by hand in Keras.

Both models train on the same pre-made batches of SST-2 phrases; each pass
is timed in turn, alternating which goes first. Passes come in pairs (one of
each model, back to back), so the figure that decides is the median over
pairs of the builder's speed divided by the hand-written model's: a slow spell
on the machine hits both halves of a pair alike. The best and the median pass
of each model are reported too. Target: the builder within 2% of the
hand-written model, read as an overhead: the builder no more than 2% slower
(a builder that measures faster adds no cost).

    python bench/builder_overhead.py --repeats 21
"""

import argparse
import statistics
import time

import keras
import numpy as np
import tensorflow as tf
from common import record
from sst2_accuracy import CONFIGS

from seqkeras import datasets
from seqkeras.models import build_sentiment_classifier
from seqkeras.pipelines.batching import sequence_dataset
from seqkeras.text import TextEncoder


def hand_written(vocabulary_size, units, embedding_dim, dropout):
    token_ids = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True)(
        token_ids
    )
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(units))(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(token_ids, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()

    data = datasets.load("sst2").train.subset(args.examples, seed=0)
    encoder = TextEncoder()
    encoder.adapt(data.texts)
    batches = list(
        sequence_dataset(
            encoder.encode(tf.constant(data.texts)), data.labels,
            batch_size=64, shuffle=True, bucketing=True, seed=0,
        ).as_numpy_iterator()
    )  # fmt: skip

    def dataset():
        return tf.data.Dataset.from_generator(
            lambda: iter(batches),
            output_signature=(
                tf.TensorSpec([None, None], tf.int32),
                tf.TensorSpec([None], tf.int64),
            ),
        )

    config = CONFIGS["bilstm"]
    size = {k: config[k] for k in ("units", "embedding_dim", "dropout")}
    models = {
        "builder": build_sentiment_classifier(
            encoder.vocabulary_size, cell="lstm", bidirectional=True, **size
        ),
        "hand_written": hand_written(encoder.vocabulary_size, **size),
    }
    assert len({m.count_params() for m in models.values()}) == 1
    for model in models.values():  # warm-up: trace the train step
        model.fit(dataset(), epochs=1, verbose=0)
    speeds = {name: [] for name in models}
    for repeat in range(args.repeats):
        order = list(models) if repeat % 2 == 0 else list(models)[::-1]
        for name in order:
            start = time.perf_counter()
            models[name].fit(dataset(), epochs=1, verbose=0)
            speeds[name].append(args.examples / (time.perf_counter() - start))
    best = {name: max(v) for name, v in speeds.items()}
    medians = {name: statistics.median(v) for name, v in speeds.items()}
    pairs = zip(speeds["builder"], speeds["hand_written"], strict=True)
    ratios = [b / h for b, h in pairs]
    difference = statistics.median(ratios) - 1
    best_pass = best["builder"] / best["hand_written"] - 1
    record(
        "builder_overhead",
        {
            "target": "builder at most 2% slower than hand-written (examples/s)",
            "difference": round(difference, 4),
            "difference_is": "median over pairs of builder / hand-written, minus 1",
            "difference_best_pass": round(best_pass, 4),
            "pair_ratio_range": [round(min(ratios), 4), round(max(ratios), 4)],
            "met": difference >= -0.02,
            "parameters": int(models["builder"].count_params()),
            "examples_per_second_best": {k: round(v, 1) for k, v in best.items()},
            "examples_per_second_median": {k: round(v, 1) for k, v in medians.items()},
            "examples_per_second_all": {
                k: [round(x, 1) for x in v] for k, v in speeds.items()
            },
            "batches": len(batches),
            "mean_batch_length": float(np.mean([b[0].shape[1] for b in batches])),
        },
    )


if __name__ == "__main__":
    main()
