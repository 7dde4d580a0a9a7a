"""Is the windowing pipeline ever the bottleneck? Windows per second.

Three figures on the Seattle hourly temperature training split (24-hour
inputs, 24-hour labels, batches of 32, shuffled):

1. the `tf.data` window pipeline alone, iterated without a model;
2. training the LSTM forecaster from that pipeline (`fit`);
3. training the same model from the same batches held in memory
   (`dataset.cache()` filled beforehand), so no windowing happens at all.

If (2) matches (3), the model's training step sets the pace, not windowing.

    python bench/windowing_throughput.py
"""

import argparse
import statistics
import time

import keras
from common import record

from seqkeras import datasets
from seqkeras.models import build_forecaster
from seqkeras.pipelines import WindowSpec, window_dataset


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def fit_speed(dataset, windows, epochs):
    keras.utils.set_random_seed(0)
    model = build_forecaster(24, 1, horizon=24, cell="lstm", units=32)
    timer = EpochTimer()
    model.fit(dataset, epochs=epochs, callbacks=[timer], verbose=0)
    return windows / statistics.median(timer.seconds[1:])  # first epoch traces


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    train, _, _ = datasets.load("seattle-temps").split(0.7, 0.2)
    values = (train.values - train.values.mean()) / train.values.std()
    spec = WindowSpec(input_width=24, label_width=24, shift=24)
    windows = spec.num_windows(len(values))
    dataset = window_dataset(values, values, spec, batch_size=32, shuffle=True)

    passes = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        for _ in dataset:
            pass
        passes.append(time.perf_counter() - start)
    pipeline = windows / statistics.median(passes[1:])

    live = fit_speed(dataset, windows, args.epochs)
    cached = dataset.cache()
    for _ in cached:  # fill the cache: later epochs replay the same batches
        pass
    in_memory = fit_speed(cached, windows, args.epochs)
    record(
        "windowing_throughput",
        {
            "windows_per_epoch": windows,
            "batch_size": 32,
            "windows_per_second": {
                "pipeline_alone": round(pipeline, 1),
                "fit_from_pipeline": round(live, 1),
                "fit_from_memory": round(in_memory, 1),
            },
            "pipeline_over_fit": round(pipeline / live, 1),
            "fit_pipeline_over_memory": round(live / in_memory, 3),
        },
    )


if __name__ == "__main__":
    main()
