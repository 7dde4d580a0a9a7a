"""Training speed with length-bucketed batches against plain padded batches.

Same BiLSTM, same SST-2 data, same number of epochs, run one after the other
in one process. Plain batches are shuffled and padded to their own longest
phrase; bucketed batches sort pools of 32 batches by length first (see
seqkeras/pipelines/batching.py). Examples per second exclude the first
epoch (graph tracing). Target: bucketing at least 1.5x faster, same accuracy.

    python bench/sst2_bucketing.py
"""

import argparse
import statistics
import time

import keras
from common import record
from sst2_accuracy import CONFIGS

from seqkeras import datasets
from seqkeras.pipelines import SentimentPipeline


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        # No validation data is passed, so an epoch is training only.
        self.seconds.append(time.perf_counter() - self.start)

    def on_train_begin(self, logs=None):
        self.seconds = []


def run(data, bucketing, epochs, batch_size):
    config = {k: v for k, v in CONFIGS["bilstm"].items() if k != "epochs"}
    pipeline = SentimentPipeline(
        data.label_names, bucketing=bucketing, seed=0, **config
    )
    timer = EpochTimer()
    pipeline.fit(
        data.train, epochs=epochs, batch_size=batch_size, callbacks=[timer], verbose=2
    )
    steady = timer.seconds[1:] or timer.seconds
    return {
        "bucketing": bucketing,
        "epoch_seconds": [round(s, 1) for s in timer.seconds],
        "examples_per_second": round(len(data.train) / statistics.median(steady), 1),
        "test_accuracy": pipeline.evaluate(data.test)["accuracy"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    data = datasets.load("sst2")
    padded = run(data, False, args.epochs, args.batch_size)
    bucketed = run(data, True, args.epochs, args.batch_size)
    speedup = bucketed["examples_per_second"] / padded["examples_per_second"]
    record(
        "sst2_bucketing",
        {
            "target": "bucketed >= 1.5x padded examples/s",
            "speedup": round(speedup, 2),
            "met": speedup >= 1.5,
            "model": {
                **CONFIGS["bilstm"],
                "epochs": args.epochs,
                "batch_size": args.batch_size,
            },
            "padded": padded,
            "bucketed": bucketed,
        },
    )


if __name__ == "__main__":
    main()
