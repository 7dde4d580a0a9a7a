"""What the framework buys: the NumPy RNN against keras.layers.SimpleRNN.

The same RNN (SimpleRNN + Dense softmax, the same weights) at the same
sizes, timed per batch:

- forward: `NumpyRNN.forward` against the Keras model called inside a
  `tf.function`;
- forward + backward: `NumpyRNN.loss_and_gradients` (backpropagation through
  time written out, vectorised over the batch) against a `tf.function` that
  computes the same loss and its gradients with `tf.GradientTape`.

NumPy runs in float64 (its default, for gradient checking) and float32 (what
Keras uses). Medians of `--repeats` timings after a warm-up call; the
gradients are checked to agree first. No target: the figures show readers
what the hand-written loop costs.

    python bench/numpy_rnn_speed.py
    python bench/numpy_rnn_speed.py --batch 128 --time 50 --input-dim 256 \
        --units 512 --outputs 1000 --name numpy_rnn_speed_large
"""

import argparse
import time

import keras
import numpy as np
import tensorflow as tf
from common import record

from seqkeras.numpy_rnn import NumpyRNN


def median_seconds(function, repeats):
    function()  # warm-up (and tracing)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--time", type=int, default=25)
    parser.add_argument("--input-dim", type=int, default=50)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--outputs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--name", default="numpy_rnn_speed", help="the result file's name"
    )
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.batch, args.time, args.input_dim))
    labels = rng.integers(0, args.outputs, size=(args.batch, args.time))
    rnn = NumpyRNN(args.input_dim, args.units, args.outputs, seed=0)
    rnn32 = NumpyRNN(args.input_dim, args.units, args.outputs, seed=0, dtype="float32")
    model = rnn.to_keras()
    x32 = tf.constant(X, tf.float32)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()

    @tf.function
    def keras_forward():
        return model(x32)

    @tf.function
    def keras_gradients():
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(x32))
        return loss, tape.gradient(loss, model.trainable_weights)

    _, grads, _ = rnn.loss_and_gradients(X, labels)
    _, keras_grads = keras_gradients()
    for name, keras_grad in zip(
        ("W_X", "W_A", "b_A", "W_y", "b_y"), keras_grads, strict=True
    ):
        np.testing.assert_allclose(grads[name], keras_grad.numpy(), atol=1e-5)

    X32 = X.astype("float32")
    times = {
        "numpy_float64": {
            "forward_ms": median_seconds(lambda: rnn.forward(X), args.repeats),
            "forward_backward_ms": median_seconds(
                lambda: rnn.loss_and_gradients(X, labels), args.repeats
            ),
        },
        "numpy_float32": {
            "forward_ms": median_seconds(lambda: rnn32.forward(X32), args.repeats),
            "forward_backward_ms": median_seconds(
                lambda: rnn32.loss_and_gradients(X32, labels), args.repeats
            ),
        },
        "keras_tf_function": {
            "forward_ms": median_seconds(keras_forward, args.repeats),
            "forward_backward_ms": median_seconds(keras_gradients, args.repeats),
        },
    }
    for row in times.values():
        for key in row:
            row[key] = round(row[key] * 1000, 3)
    keras_times = times["keras_tf_function"]
    record(
        args.name,
        {
            "sizes": {
                "batch": args.batch,
                "time": args.time,
                "input_dim": args.input_dim,
                "units": args.units,
                "outputs": args.outputs,
            },
            "repeats": args.repeats,
            "milliseconds_per_batch": times,
            "keras_speedup_over_numpy_float32": {
                key: round(times["numpy_float32"][key] / keras_times[key], 2)
                for key in keras_times
            },
            "gradients_agree": True,
        },
    )


if __name__ == "__main__":
    main()
