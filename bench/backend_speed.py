"""Training speed on TensorFlow and on JAX, with and without XLA, and how
close an LSTM training step comes to this machine's matrix-multiply peak.

    python bench/backend_speed.py            # every backend and setting
    python bench/backend_speed.py --quick    # a dry run: tiny models, few steps

A process runs one Keras backend, so the script starts itself once per
setting (`--child BACKEND JIT`): TensorFlow without XLA (Keras' default on
a CPU), TensorFlow with XLA, JAX with XLA (Keras' default on JAX) and JAX
without it (op by op: a few steps only). Each child builds the models of
four benchmarks with their settings, trains each with `model.fit` on the
same NumPy batches (a fixed seed: the same ids on every backend), and times
`--steps` steps after a first `fit` that compiles:

- `sst2-lstm`: the SST-2 LSTM of `bench/sst2_accuracy.py` (embeddings 300,
  LSTM 168, dropout 0.5, batch 64), sentences of 5 to 24 tokens;
- `conll-bilstm-crf`: the CoNLL-2003 BiLSTM-CRF tagger (100 + 100 units,
  word dropout 0.1, batch 32), sentences of 5 to 30 tokens;
- `spa-eng-attention`: the Spanish-English GRU translator with additive
  attention (256 units, 16,000 words each side, batch 128), 14 tokens;
- `ptb-small`: Zaremba et al.'s small PTB model (2 x 200 LSTM, stateful
  batch of 20, 20 steps, SGD).

Then `lstm-flops`: one training step of an LSTM of 256 units on batch 64 of
35 embeddings of 256 (forward and backward), whose matrix-multiply FLOPs
are counted (3 x the forward's: the backward takes the gradients of both
operands), against a 2048 x 2048 x 2048 float32 product timed in the same
process.

Writes `bench/results/backend_speed.json`.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
SETTINGS = [("tensorflow", False), ("tensorflow", True), ("jax", True), ("jax", False)]


def sizes(quick):
    if quick:
        return dict(scale=0.05, steps=3, eager_steps=1, repeats=1, lstm_len=5)
    return dict(scale=1.0, steps=100, eager_steps=3, repeats=3, lstm_len=35)


def ids(rng, n, length, vocabulary, min_length=None):
    x = rng.integers(4, vocabulary, size=(n, length), dtype=np.int32)
    if min_length is not None:
        lengths = rng.integers(min_length, length + 1, size=n)
        x[np.arange(length)[None, :] >= lengths[:, None]] = 0
    return x


def models(s, rng):
    """name -> (build, x, y, batch_size): the same arrays on every backend."""
    from seqkeras.models import (
        build_language_model,
        build_sentiment_classifier,
        build_sequence_tagger,
        build_translator,
    )
    from seqkeras.models.language import CONFIGS

    def size(n):
        return max(8, int(n * s["scale"]))

    n = 64 * (s["steps"] + 2)
    sst = ids(rng, n, 24, size(14000), min_length=5)
    conll = ids(rng, 32 * (s["steps"] + 2), 30, size(21000), min_length=5)
    source = ids(rng, 128 * (s["steps"] + 2), 14, size(16000), min_length=4)
    target = ids(rng, 128 * (s["steps"] + 2), 15, size(16000), min_length=5)
    ptb = rng.integers(1, size(10000), size=(20 * (s["steps"] + 2), 21), dtype=np.int32)
    small = CONFIGS["small"]["model"]
    return {
        "sst2-lstm": (
            lambda: build_sentiment_classifier(
                size(14000), cell="lstm", units=size(168), embedding_dim=size(300),
                dropout=0.5,
            ),
            sst,
            rng.integers(0, 2, size=n).astype("float32"),
            64,
        ),
        "conll-bilstm-crf": (
            lambda: build_sequence_tagger(
                size(21000), 9, units=size(100), embedding_dim=size(100), crf=True,
                dropout=0.5, word_dropout=0.1,
            ),
            {"token_ids": conll},
            np.where(conll > 0, conll % 9, -1).astype("int32"),
            32,
        ),
        "spa-eng-attention": (
            lambda: build_translator(
                size(16000), size(16000), cell="gru", units=size(256),
                embedding_dim=size(256), dropout=0.2, attention="additive",
            ),
            {"source": source, "target_in": target[:, :-1]},
            target[:, 1:],
            128,
        ),
        "ptb-small": (
            lambda: build_language_model(
                size(10000),
                **{**small, "units": [size(u) for u in small["units"]],
                   "embedding_dim": size(small["embedding_dim"])},
                batch_size=20,
            ),
            ptb[:, :-1],
            ptb[:, 1:],
            20,
        ),
    }  # fmt: skip


def slice_rows(data, n):
    if isinstance(data, dict):
        return {key: value[:n] for key, value in data.items()}
    return data[:n]


def time_fit(model, x, y, batch_size, steps, repeats, jit_compile):
    model.jit_compile = jit_compile
    model.make_train_function(force=True)
    fit = dict(batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
    start = time.perf_counter()
    model.fit(slice_rows(x, 2 * batch_size), slice_rows(y, 2 * batch_size), **fit)
    first = time.perf_counter() - start
    rows = steps * batch_size
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        history = model.fit(slice_rows(x, rows), slice_rows(y, rows), **fit)
        seconds.append(time.perf_counter() - start)
    step = statistics.median(seconds) / steps
    return {
        "steps": steps,
        "first_fit_2_steps_s": round(first, 2),
        "step_ms": round(1e3 * step, 2),
        "examples_per_s": round(batch_size / step, 1),
        "final_loss": float(history.history["loss"][-1]),
    }


def lstm_flops(s, jit_compile):
    """Achieved matrix-multiply FLOP/s of an LSTM training step, and the
    peak of a 2048^3 product, in this process."""
    import keras
    from keras import ops

    batch, units, embedding, length = 64, 256, 256, s["lstm_len"]
    inputs = keras.Input((length, embedding))
    outputs = keras.layers.Dense(1)(keras.layers.LSTM(units)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse", jit_compile=jit_compile)
    rng = np.random.default_rng(0)
    steps = max(s["steps"], 3)
    x = rng.normal(size=(batch * steps, length, embedding)).astype("float32")
    y = rng.normal(size=(batch * steps, 1)).astype("float32")
    timed = time_fit(model, x, y, batch, steps, s["repeats"], jit_compile)
    # Per time step: x W (batch x embedding x 4 units) and h U (batch x
    # units x 4 units), 2 FLOPs per multiply-add; backward twice that.
    forward = length * 2 * batch * 4 * units * (embedding + units)
    step_flops = 3 * forward
    achieved = step_flops / (timed["step_ms"] / 1e3)

    a = ops.convert_to_tensor(rng.normal(size=(2048, 2048)).astype("float32"))
    product = ops.matmul(a, a)  # warm-up
    np.asarray(product)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        np.asarray(ops.matmul(a, a))
        times.append(time.perf_counter() - start)
    peak = 2 * 2048**3 / min(times)
    return {
        **timed,
        "step_matmul_gflop": round(step_flops / 1e9, 3),
        "achieved_gflops": round(achieved / 1e9, 1),
        "matmul_peak_gflops": round(peak / 1e9, 1),
        "fraction_of_peak": round(achieved / peak, 3),
    }


def lstm_profile(s):
    """Where the time of the LSTM step goes, on JAX with XLA: each part
    compiled alone and timed (median of 20 calls after a warm-up)."""
    import jax
    import jax.numpy as jnp

    batch, units, embedding, length = 64, 256, 256, s["lstm_len"]
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(batch, length, embedding)), "float32")
    w = jnp.asarray(rng.normal(size=(embedding, 4 * units)) * 0.05, "float32")
    u = jnp.asarray(rng.normal(size=(units, 4 * units)) * 0.05, "float32")

    def lstm(w, u, x):
        projected = jnp.einsum("bte,eg->tbg", x, w)  # one large product

        def step(carry, z):
            h, c = carry
            z = z + h @ u  # (batch, 4 units): the sequential products
            i, f, g, o = jnp.split(z, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), None

        zeros = jnp.zeros((batch, units))
        (h, _), _ = jax.lax.scan(step, (zeros, zeros), projected)
        return jnp.sum(h**2)

    def recurrence_only(u, h):
        def step(h, _):
            return jnp.tanh(h @ u)[:, :units], None

        return jax.lax.scan(step, h, None, length=length)[0]

    def timed(function, *args):
        function = jax.jit(function)
        jax.block_until_ready(function(*args))
        times = []
        for _ in range(20):
            start = time.perf_counter()
            jax.block_until_ready(function(*args))
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    h0 = jnp.zeros((batch, units))
    parts = {
        "forward": timed(lstm, w, u, x),
        "forward_and_backward": timed(jax.grad(lstm, argnums=(0, 1)), w, u, x),
        "input_projection_alone": timed(
            lambda w, x: jnp.einsum("bte,eg->tbg", x, w), w, x
        ),
        "recurrent_products_alone": timed(recurrence_only, u, h0),
    }
    flops = {
        "forward": length * 2 * batch * 4 * units * (embedding + units),
        "input_projection_alone": length * 2 * batch * 4 * units * embedding,
        "recurrent_products_alone": length * 2 * batch * 4 * units * units,
    }
    flops["forward_and_backward"] = 3 * flops["forward"]
    return {
        name: {
            "ms": round(1e3 * seconds, 3),
            "gflops": round(flops[name] / seconds / 1e9, 1),
        }
        for name, seconds in parts.items()
    }


def child(backend, jit_compile, quick):
    import keras

    assert keras.backend.backend() == backend
    s = sizes(quick)
    steps = s["steps"] if jit_compile or backend == "tensorflow" else s["eager_steps"]
    results = {}
    for name, (build, x, y, batch) in models(s, np.random.default_rng(0)).items():
        keras.utils.set_random_seed(0)
        model = build()
        try:
            results[name] = time_fit(
                model, x, y, batch, steps, s["repeats"], jit_compile
            )
        except Exception as error:  # XLA cannot compile every step: say so
            lines = [line for line in str(error).splitlines() if line.strip()]
            results[name] = {"error": f"{type(error).__name__}: {lines[0][:300]}"}
        print(name, results[name], file=sys.stderr, flush=True)
    results["lstm-flops"] = lstm_flops({**s, "steps": steps}, jit_compile)
    if backend == "jax" and jit_compile:
        results["lstm-profile"] = lstm_profile(s)
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "JIT"))
    parser.add_argument(
        "--only", nargs="+", default=None, help="settings, as BACKEND:xla or BACKEND:no"
    )
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1] == "xla", args.quick)
        return
    sys.path.insert(0, str(REPO / "bench"))
    from common import record

    figures = {}
    for backend, jit in SETTINGS:
        if args.only and f"{backend}:{'xla' if jit else 'no'}" not in args.only:
            continue
        label = f"{backend}{' + XLA' if jit else ''}"
        command = [sys.executable, __file__, "--child", backend, "xla" if jit else "no"]
        command += ["--quick"] * args.quick
        env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(REPO)}
        print(f"== {label}", flush=True)
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode:
            figures[label] = {"error": result.stderr[-1500:]}
            print(result.stderr[-3000:])
            continue
        figures[label] = json.loads(result.stdout.strip().splitlines()[-1])
    name = "backend_speed" + ("_quick" if args.quick else "")
    if args.only:
        name += "_" + "_".join(s.replace(":", "_") for s in args.only)
    record(name, {"results": figures})


if __name__ == "__main__":
    main()
