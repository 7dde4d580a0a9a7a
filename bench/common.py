"""Shared by the benchmark scripts: machine description and result files.

Every script writes `bench/results/<name>.json` with its figures, the exact
command, the date and the machine, which is what BENCHMARKS.md quotes.
"""

import datetime
import json
import os
import pathlib
import platform
import shlex
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RESULTS = pathlib.Path(__file__).parent / "results"


def machine():
    """CPU model, core count, memory and library versions."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(pathlib.Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )


def record(name, figures):
    """Writes and prints `figures` with the command, date and machine."""
    RESULTS.mkdir(exist_ok=True)
    result = {
        "benchmark": name,
        "command": "python " + shlex.join(sys.argv),
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        **figures,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


def time_serving(serve, texts, fetch, *, single=500, batches=20, batch_size=256):
    """Times a SavedModel signature on raw strings, one at a time and batched.

    Args:
        serve: the signature, called with a `(batch,)` `tf.string` tensor.
        texts: inputs, cycled through.
        fetch: turns the signature's outputs into Python values (so that the
            timing includes reading the result).
        single: one-text calls to time; batches: calls at `batch_size`.

    Returns:
        `(latencies_ms, texts_per_second_batched)`.
    """
    import tensorflow as tf

    for text in texts[:20]:  # warm-up
        fetch(serve(tf.constant([text])))
    latencies = []
    for i in range(single):
        one = tf.constant([texts[i % len(texts)]])
        start = time.perf_counter()
        fetch(serve(one))
        latencies.append((time.perf_counter() - start) * 1000)
    batch = tf.constant(
        (list(texts) * (batch_size // max(len(texts), 1) + 1))[:batch_size]
    )
    fetch(serve(batch))
    start = time.perf_counter()
    for _ in range(batches):
        fetch(serve(batch))
    return latencies, batch_size * batches / (time.perf_counter() - start)
