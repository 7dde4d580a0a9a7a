"""Training speed of seqkeras's Keras builders on the JAX backend.

Builds the sentiment classifier (BiLSTM), the sequence tagger (BiLSTM, and
BiLSTM + character CNN + CRF), the word-level language model (Zaremba et
al.'s "small": 2 x 200 LSTM, 20 steps, stateful batch of 20, and stateless
at a larger batch), the forecaster (LSTM of 32 over 24-step windows) and,
time permitting, the attention translator, with Keras on JAX, and times
`model.fit` on random NumPy arrays (fixed seed, `shuffle=False`).

For each model and batch size: a first `fit` of 2 steps (tracing and XLA
compilation included), a probe of a few steps to size the timed runs, then
`--repeats` timed `fit` calls of about `--target-s` seconds each; examples/s
(and tokens/s where it applies) are the median and the best of them.

The LSTM layers are watched: Keras 3 runs an LSTM through cuDNN on JAX
(`jax.experimental.rnn`) only without a mask, and falls back to its generic
`lax.scan` loop otherwise; the result says which path each model took.

Needs Keras, JAX and NumPy only (no TensorFlow); seqkeras comes from this
checkout. Prints one JSON object and writes it to `$OUT/gpu_jax_builders.json`
when OUT is set (or to `--out`).

    python bench/gpu_jax_builders.py --quick   # tiny sizes, a dry run on a CPU
    python bench/gpu_jax_builders.py           # the real sizes, on a GPU
"""

import os

os.environ["KERAS_BACKEND"] = "jax"

import argparse  # noqa: E402
import collections  # noqa: E402
import gc  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))  # seqkeras from this checkout, not pip-installed

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src import backend as keras_backend  # noqa: E402

from seqkeras.models import (  # noqa: E402
    build_forecaster,
    build_language_model,
    build_sentiment_classifier,
    build_sequence_tagger,
    build_translator,
)
from seqkeras.models.language import CONFIGS as LM_CONFIGS  # noqa: E402

# === Which recurrent path each model takes ===

# label of the model being traced -> Counter of "function: path"
RNN_PATHS = collections.defaultdict(collections.Counter)
_CURRENT = {"label": None}


def _watch(name):
    """Wraps `keras.src.backend.<name>` (the fused/cuDNN entry points that
    Keras' recurrent layers try first) to count which path was taken. They
    run while a train step is traced, once per compilation."""
    original = getattr(keras_backend, name, None)
    if original is None:
        return
    signature = inspect.signature(original)

    def watched(*args, **kwargs):
        try:
            mask = signature.bind(*args, **kwargs).arguments.get("mask")
        except TypeError:
            mask = None
        try:
            out = original(*args, **kwargs)
        except NotImplementedError as error:
            reason = "masked" if mask is not None else (str(error) or "not eligible")
            RNN_PATHS[_CURRENT["label"]][f"{name}: scan fallback ({reason[:80]})"] += 1
            raise
        RNN_PATHS[_CURRENT["label"]][f"{name}: cuDNN"] += 1
        return out

    setattr(keras_backend, name, watched)


for _name in ("lstm", "bidirectional_lstm", "gru", "bidirectional_gru"):
    _watch(_name)


# === Timing ===


def _slice(data, n):
    if isinstance(data, dict):
        return {key: value[:n] for key, value in data.items()}
    return data[:n]


def time_fit(model, x, y, batch_size, *, max_steps, target_s, repeats, quick):
    """Times `model.fit` on the first `steps * batch_size` rows of (x, y)."""
    fit = dict(batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
    start = time.perf_counter()
    history = model.fit(_slice(x, 2 * batch_size), _slice(y, 2 * batch_size), **fit)
    first_fit_s = time.perf_counter() - start  # trace + compile + 2 steps

    probe_steps = 3 if quick else 10
    start = time.perf_counter()
    model.fit(
        _slice(x, probe_steps * batch_size), _slice(y, probe_steps * batch_size), **fit
    )
    probe_step_s = (time.perf_counter() - start) / probe_steps
    steps = int(min(max_steps, max(probe_steps, round(target_s / probe_step_s))))

    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        history = model.fit(
            _slice(x, steps * batch_size), _slice(y, steps * batch_size), **fit
        )
        seconds.append(time.perf_counter() - start)
    step_s = statistics.median(seconds) / steps
    return {
        "batch_size": batch_size,
        "steps_timed": steps,
        "repeats": repeats,
        "first_fit_2_steps_s": round(first_fit_s, 3),
        "compile_s_estimate": round(max(first_fit_s - 2 * step_s, 0.0), 3),
        "step_ms_median": round(1e3 * step_s, 3),
        "step_ms_best": round(1e3 * min(seconds) / steps, 3),
        "examples_per_s_median": round(batch_size / step_s, 1),
        "examples_per_s_best": round(batch_size * steps / min(seconds), 1),
        "final_loss": float(history.history["loss"][-1]),
    }


# === The models and their data ===


def padded_ids(rng, n, length, vocabulary_size, min_length):
    """(n, length) int32 ids in [2, vocabulary_size), zero-padded at the end."""
    ids = rng.integers(2, vocabulary_size, size=(n, length), dtype=np.int32)
    lengths = rng.integers(min_length, length + 1, size=n)
    ids[np.arange(length)[None, :] >= lengths[:, None]] = 0
    return ids


def sizes(quick):
    if quick:
        return dict(
            batches=[8, 16],
            vocabulary=500,
            embedding=16,
            units=16,
            seq_len=12,
            tagger_vocabulary=300,
            tagger_units=16,
            lm_vocabulary=300,
            lm_units=[16, 16],
            lm_stateful_batch=4,
            lm_stateless_batch=16,
            forecast_batches=[8, 16],
            translator_units=16,
            max_steps=6,
        )
    return dict(
        batches=[64, 512],
        vocabulary=20_000,
        embedding=128,
        units=128,
        seq_len=48,
        tagger_vocabulary=20_000,
        tagger_units=100,
        lm_vocabulary=10_000,
        lm_units=[200, 200],
        lm_stateful_batch=20,
        lm_stateless_batch=256,
        forecast_batches=[64, 512],
        translator_units=256,
        max_steps=400,
    )


def sentiment(s, rng, *, unmasked=False):
    model = build_sentiment_classifier(
        s["vocabulary"],
        cell="lstm",
        units=s["units"],
        bidirectional=True,
        embedding_dim=s["embedding"],
    )
    if unmasked:
        # Diagnostic only: the builder's semantics need the mask. The same
        # layers written out by hand without `mask_zero` (a clone keeps the
        # mask: the functional graph stores it as an argument of the
        # recurrent layer), compiled as the builder compiles, so that Keras
        # may take the fused cuDNN path on JAX.
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = keras.layers.Embedding(
            s["vocabulary"], s["embedding"], name="token_embedding"
        )(token_ids)
        x = keras.layers.Bidirectional(
            keras.layers.LSTM(s["units"]), name="encoder_bilstm_0"
        )(x)
        outputs = keras.layers.Dense(1, activation="sigmoid", name="classifier")(x)
        model = keras.Model(token_ids, outputs, name="sentiment_unmasked")
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss="binary_crossentropy",
            metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
        )
    length = s["seq_len"]

    def data(n):
        x = padded_ids(rng, n, length, s["vocabulary"], min_length=length // 4)
        y = rng.integers(0, 2, size=(n, 1)).astype("float32")
        return x, y

    return model, data, length


def tagger(s, rng, *, crf):
    num_tags, length, chars = 9, 40, 12
    kwargs = dict(
        cell="lstm",
        units=s["tagger_units"],
        bidirectional=True,
        embedding_dim=s["tagger_units"],
        crf=crf,
    )
    if crf:
        kwargs.update(char_encoder="cnn", char_vocabulary_size=100)
    model = build_sequence_tagger(s["tagger_vocabulary"], num_tags, **kwargs)

    def data(n):
        ids = padded_ids(rng, n, length, s["tagger_vocabulary"], min_length=8)
        tags = rng.integers(0, num_tags, size=(n, length)).astype("int32")
        tags[ids == 0] = -1  # labels padded with -1, as the pipeline pads them
        x = {"token_ids": ids}
        if crf:
            char_ids = rng.integers(2, 100, size=(n, length, chars), dtype=np.int32)
            char_ids[ids == 0] = 0
            x["char_ids"] = char_ids
        return x, tags

    return model, data, length


def no_cudnn(model):
    """Makes every Keras LSTM / GRU layer of `model` use the generic scan loop."""
    for layer in model._flatten_layers():
        if hasattr(layer, "use_cudnn"):
            layer.use_cudnn = False
    return model


def language_model(s, rng, *, batch_size):
    config = dict(LM_CONFIGS["small"]["model"])
    config["units"] = s["lm_units"]
    if s["lm_units"][0] != 200:
        config["embedding_dim"] = s["lm_units"][0]
    model = build_language_model(
        s["lm_vocabulary"], batch_size=batch_size, seed=0, **config
    )
    steps = LM_CONFIGS["small"]["num_steps"]

    def data(n):
        stream = rng.integers(1, s["lm_vocabulary"], size=n * steps + 1).astype("int32")
        return stream[:-1].reshape(n, steps), stream[1:].reshape(n, steps)

    return model, data, steps


def forecaster(s, rng):
    width, features = 24, 14
    model = build_forecaster(width, features, units=32)

    def data(n):
        x = rng.standard_normal((n, width, features)).astype("float32")
        y = rng.standard_normal((n, 1, 1)).astype("float32")
        return x, y

    return model, data, width


def translator(s, rng):
    vocabulary, source_len, target_len = (
        (500, 10, 10)
        if s["max_steps"] < 10
        else (
            10_000,
            20,
            20,
        )
    )
    model = build_translator(
        vocabulary,
        vocabulary,
        cell="gru",
        units=s["translator_units"],
        embedding_dim=s["translator_units"],
        attention="additive",
    )

    def data(n):
        source = padded_ids(rng, n, source_len, vocabulary, min_length=4)
        target = padded_ids(rng, n, target_len + 1, vocabulary, min_length=4)
        return (
            {"source": source, "target_in": target[:, :-1]},
            target[:, 1:],
        )

    return model, data, target_len


def _no_cudnn_factory(built):
    model, data, length = built
    return no_cudnn(model), data, length


# === Machine ===


def gpu_name():
    try:
        out = subprocess.run(
            [
                "nvidia-smi",
                "--query-gpu=name,memory.total,driver_version",
                "--format=csv,noheader",
            ],
            capture_output=True,
            text=True,
            timeout=20,
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def environment():
    devices = jax.devices()
    return {
        "backend": keras.backend.backend(),
        "jax": jax.__version__,
        "jaxlib": getattr(jax.lib, "__version__", None) or _version("jaxlib"),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "jax_devices": [str(device) for device in devices],
        "jax_default_backend": jax.default_backend(),
        "device_kind": devices[0].device_kind,
        "nvidia_smi": gpu_name(),
        "cpu_count": os.cpu_count(),
    }


def _version(name):
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001
        return None


# === Main ===


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (dry run)")
    parser.add_argument(
        "--target-s",
        type=float,
        default=None,
        help="seconds per timed fit (default 1.0, quick 0.2)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed fits per model and batch (default 3, quick 2)",
    )
    parser.add_argument(
        "--budget-s",
        type=float,
        default=200.0,
        help="skip the remaining runs once this many seconds have passed",
    )
    parser.add_argument("--out", default=None, help="JSON path (default $OUT/...)")
    args = parser.parse_args()
    quick = args.quick
    target_s = args.target_s if args.target_s is not None else (0.2 if quick else 1.0)
    repeats = args.repeats if args.repeats is not None else (2 if quick else 3)
    s = sizes(quick)
    started = time.perf_counter()

    result = {
        "benchmark": "gpu_jax_builders",
        "command_line": "python " + shlex.join(sys.argv),
        "quick": quick,
        "environment": environment(),
        "settings": {
            "timing": "model.fit(numpy arrays, batch_size, epochs=1, shuffle=False, "
            "verbose=0); a 2-step first fit (compile), a probe, then `repeats` "
            f"timed fits of about {target_s} s each (median and best)",
            "target_s": target_s,
            "repeats": repeats,
            "budget_s": args.budget_s,
            "sizes": s,
        },
        "complete": False,
        "runs": [],
        "errors": [],
        "skipped": [],
    }
    print(json.dumps(result["environment"], indent=2), flush=True)
    out = args.out
    if out is None and os.environ.get("OUT"):
        out = os.path.join(os.environ["OUT"], "gpu_jax_builders.json")

    def save():
        if out:
            pathlib.Path(out).write_text(json.dumps(result, indent=2) + "\n")

    # (label, factory, batch sizes, tokens per example or None, note)
    plan = [
        (
            "sentiment_bilstm",
            lambda rng: sentiment(s, rng),
            s["batches"],
            None,
            "build_sentiment_classifier(vocab 20000, embedding 128, BiLSTM 128), "
            "48 tokens, 12-48 real",
        ),
        (
            "tagger_bilstm",
            lambda rng: tagger(s, rng, crf=False),
            s["batches"],
            "tokens",
            "build_sequence_tagger(vocab 20000, 9 tags, BiLSTM 100, embedding 100, "
            "softmax), 40 words, 8-40 real",
        ),
        (
            "tagger_bilstm_char_cnn_crf",
            lambda rng: tagger(s, rng, crf=True),
            s["batches"],
            "tokens",
            "build_sequence_tagger(..., char_encoder='cnn', crf=True), 12 chars a word",
        ),
        (
            "lm_small_stateful",
            lambda rng: language_model(s, rng, batch_size=s["lm_stateful_batch"]),
            [s["lm_stateful_batch"]],
            "tokens",
            "build_language_model(10000, **CONFIGS['small']['model'], batch_size=20): "
            "2 x 200 LSTM, SGD, stateful, 20 steps",
        ),
        (
            "lm_small_stateless",
            lambda rng: language_model(s, rng, batch_size=None),
            [s["lm_stateless_batch"]],
            "tokens",
            "the same, batch_size=None (stateless), batch 256",
        ),
        (
            "forecaster_lstm32",
            lambda rng: forecaster(s, rng),
            s["forecast_batches"],
            None,
            "build_forecaster(24, 14, units=32), single-step direct",
        ),
        # Lower priority: run while the budget lasts.
        (
            "sentiment_bilstm_unmasked_diagnostic",
            lambda rng: sentiment(s, rng, unmasked=True),
            s["batches"],
            None,
            "DIAGNOSTIC, not the builder: the same layers (Embedding, "
            "Bidirectional(LSTM), Dense) written by hand without mask_zero, to show "
            "what the mask costs on JAX",
        ),
        (
            "lm_small_stateless_scan_diagnostic",
            lambda rng: _no_cudnn_factory(language_model(s, rng, batch_size=None)),
            [s["lm_stateless_batch"]],
            "tokens",
            "DIAGNOSTIC: lm_small_stateless with use_cudnn=False on its LSTMs (the "
            "generic lax.scan loop that masked models get)",
        ),
        (
            "translator_gru_additive",
            lambda rng: translator(s, rng),
            s["batches"],
            "tokens",
            "build_translator(10000, 10000, cell='gru', units=256, "
            "attention='additive'), 20 source and 20 target tokens",
        ),
    ]

    for label, factory, batches, tokens, note in plan:
        for batch_size in batches:
            elapsed = time.perf_counter() - started
            if elapsed > args.budget_s:
                result["skipped"].append(
                    {
                        "model": label,
                        "batch_size": batch_size,
                        "why": f"time budget ({elapsed:.0f} s > {args.budget_s:.0f} s)",
                    }
                )
                continue
            keras.backend.clear_session()
            gc.collect()
            keras.utils.set_random_seed(0)
            rng = np.random.default_rng(0)
            run_label = f"{label}@{batch_size}"
            _CURRENT["label"] = run_label
            retried = None
            try:
                start = time.perf_counter()
                model, data, length = factory(rng)
                build_s = time.perf_counter() - start
                # At most about 96 MB of NumPy data: as many steps as fit.
                one = data(batch_size)
                step_bytes = sum(a.nbytes for a in jax.tree_util.tree_leaves(one))
                max_steps = int(min(s["max_steps"], max(20, 96e6 // step_bytes)))
                x, y = data(max_steps * batch_size)
                try:
                    figures = time_fit(
                        model,
                        x,
                        y,
                        batch_size,
                        max_steps=max_steps,
                        target_s=target_s,
                        repeats=repeats,
                        quick=quick,
                    )
                except Exception as error:  # noqa: BLE001
                    if not any("cuDNN" in k for k in RNN_PATHS.get(run_label, {})):
                        raise
                    # The fused cuDNN path failed: record it, then time the
                    # same model on the generic loop.
                    retried = {
                        "error_with_cudnn": f"{type(error).__name__}: {error}"[:2000],
                        "traceback": traceback.format_exc()[-3000:],
                        "rnn_paths_with_cudnn": dict(RNN_PATHS[run_label]),
                    }
                    print(json.dumps(retried), flush=True)
                    keras.backend.clear_session()
                    keras.utils.set_random_seed(0)
                    run_label = f"{run_label}/no_cudnn"
                    _CURRENT["label"] = run_label
                    model, data, length = factory(np.random.default_rng(0))
                    no_cudnn(model)
                    figures = time_fit(
                        model,
                        x,
                        y,
                        batch_size,
                        max_steps=max_steps,
                        target_s=target_s,
                        repeats=repeats,
                        quick=quick,
                    )
                run = {
                    "model": label,
                    "note": note,
                    **({"retried_without_cudnn": retried} if retried else {}),
                    "parameters": int(model.count_params()),
                    "build_s": round(build_s, 3),
                    **figures,
                }
                if tokens:
                    run["tokens_per_example"] = length
                    run["tokens_per_s_median"] = round(
                        figures["examples_per_s_median"] * length, 1
                    )
                    run["tokens_per_s_best"] = round(
                        figures["examples_per_s_best"] * length, 1
                    )
                run["rnn_paths"] = dict(RNN_PATHS.get(run_label, {})) or (
                    {"scan loop (use_cudnn=False)": 1}
                    if any(
                        getattr(layer, "use_cudnn", None) is False
                        for layer in model._flatten_layers()
                    )
                    else {}
                )
                result["runs"].append(run)
                print(json.dumps(run), flush=True)
            except Exception as error:  # noqa: BLE001
                entry = {
                    "model": label,
                    "batch_size": batch_size,
                    "error": f"{type(error).__name__}: {error}"[:2000],
                    "traceback": traceback.format_exc()[-4000:],
                    "rnn_paths": dict(RNN_PATHS.get(run_label, {})),
                }
                result["errors"].append(entry)
                print(json.dumps(entry), flush=True)
            finally:
                model = data = x = y = None
                save()  # partial results survive a crash later on

    try:
        stats = jax.devices()[0].memory_stats() or {}
        result["device_peak_bytes_in_use"] = stats.get("peak_bytes_in_use")
    except Exception:  # noqa: BLE001
        result["device_peak_bytes_in_use"] = None
    result["tensorflow_imported"] = "tensorflow" in sys.modules
    result["total_s"] = round(time.perf_counter() - started, 1)

    result["complete"] = True
    print(json.dumps(result, indent=2), flush=True)
    save()
    if out:
        print(f"wrote {out}", file=sys.stderr)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
