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
