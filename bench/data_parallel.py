"""Data-parallel training on this machine, and a projection to GPU clusters.

    python bench/data_parallel.py            # both models, every setting
    python bench/data_parallel.py --quick    # a dry run: tiny models, few steps

Two models, with the global batches of their benchmarks and NumPy ids (the
same in every setting):

- `sst2-lstm`: the SST-2 LSTM of `bench/sst2_accuracy.py` (embeddings 300,
  LSTM 168, 14,000 words, batch 64, sentences of 5 to 24 tokens);
- `ptb-small`: Zaremba et al.'s small PTB model (2 x 200 LSTM, 10,000
  words, stateful batch of 20 streams, 20 steps, SGD).

Five settings, each in its own processes on the JAX backend (the one that
trains across processes), through `seqkeras.distribute` as `fit` uses it:

- `1 process, 2 cores`: one device, XLA's threads on both cores;
- `1 process, 2 devices`: the processor split into two devices
  (`--devices 2`), the batch split between them;
- `2 processes, 1 core each`: two processes pinned to one core each
  (`taskset`), joined over 127.0.0.1 with gloo, one device each: what two
  machines do, with the gradients summed over TCP;
- `2 processes, unpinned`: the same, the two processes sharing both cores;
- `1 process, 1 core, half the batch`: what one of the pinned processes
  computes, alone, so that the difference of the two is what training
  across processes costs per step (all-reduces and waiting for each other).

Each trains `--steps` steps with `model.fit` after a first `fit` that
compiles, and reports examples per second. The time per step that the
gradient sum takes is measured alone: a jitted sum over the devices of a
`(devices, parameters)` float32 array sharded on the devices, which is the
all-reduce of one step's gradients (every parameter's, dense: JAX
differentiates an embedding lookup into a full table).

Then a projection to 8 GPUs per machine and 1, 2 and 4 machines, from the
measured parameter counts and step times, with a ring all-reduce (see
`project`, which states its assumptions). No GPU was measured.

Writes `bench/results/data_parallel.json`.
"""

import argparse
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
# name -> processes, devices per process, cores per process (pinned with
# taskset, or None: unpinned), and the share of the global batch a process
# trains on.
SETTINGS = {
    "1 process, 2 cores": dict(processes=1, devices=1, pin=None, share=1),
    "1 process, 2 devices": dict(processes=1, devices=2, pin=None, share=1),
    "2 processes, 1 core each": dict(processes=2, devices=1, pin=1, share=2),
    "2 processes, unpinned": dict(processes=2, devices=1, pin=None, share=2),
    "1 process, 1 core, half the batch": dict(processes=1, devices=1, pin=1, share=2),
}


def sizes(quick):
    if quick:
        return dict(scale=0.05, steps=4, repeats=1)
    return dict(scale=1.0, steps=60, repeats=3)


def models(s):
    """name -> (build, x, y, batch_size)."""
    import numpy as np

    from seqkeras.models import build_language_model, build_sentiment_classifier
    from seqkeras.models.language import CONFIGS

    def size(n):
        return max(8, int(n * s["scale"]))

    rng = np.random.default_rng(0)
    rows = 64 * (s["steps"] + 2)
    sst = rng.integers(4, size(14000), size=(rows, 24), dtype=np.int32)
    lengths = rng.integers(5, 25, size=rows)
    sst[np.arange(24)[None, :] >= lengths[:, None]] = 0
    ptb = rng.integers(1, size(10000), size=(20 * (s["steps"] + 2), 21), dtype=np.int32)
    small = CONFIGS["small"]["model"]
    return {
        "sst2-lstm": (
            lambda batch_size: build_sentiment_classifier(
                size(14000), cell="lstm", units=size(168), embedding_dim=size(300),
                dropout=0.5,
            ),
            sst,
            rng.integers(0, 2, size=rows).astype("float32"),
            64,
        ),
        "ptb-small": (
            lambda batch_size: build_language_model(
                size(10000),
                **{**small, "units": [size(u) for u in small["units"]],
                   "embedding_dim": size(small["embedding_dim"])},
                batch_size=batch_size,
            ),
            ptb[:, :-1],
            ptb[:, 1:],
            20,
        ),
    }  # fmt: skip


def child(args):
    """One process of one setting: prints a JSON line per model."""
    os.environ["KERAS_BACKEND"] = "jax"
    from seqkeras import distribute

    setting = SETTINGS[args.child]
    if setting["devices"] > 1:
        distribute.use_devices(setting["devices"])
    if setting["processes"] > 1:
        distribute.start_processes(
            f"127.0.0.1:{args.port}", setting["processes"], args.process_id
        )
    import keras
    import numpy as np
    import tensorflow as tf

    s = sizes(args.quick)
    spread = "all" if setting["processes"] > 1 else setting["devices"]
    replicas = distribute.resolve(spread)
    results = {}
    for name, (build, x, y, batch) in models(s).items():
        if setting["processes"] == 1:
            batch //= setting["share"]  # one process's share, alone
        keras.utils.set_random_seed(0)
        scope = replicas.scope() if replicas else _nothing()
        with scope:
            model = build(batch)

        def batches(steps, x=x, y=y, batch=batch):
            rows = steps * batch
            data = tf.data.Dataset.from_tensor_slices((x[:rows], y[:rows]))
            data = data.batch(batch, drop_remainder=True)
            return replicas.batches(data, batch) if replicas else data

        with replicas.training(model)[0] if replicas else _nothing():
            start = time.perf_counter()
            model.fit(batches(2), epochs=1, verbose=0)
            first = time.perf_counter() - start
            seconds = []
            for _ in range(s["repeats"]):
                start = time.perf_counter()
                model.fit(batches(s["steps"]), epochs=1, verbose=0)
                seconds.append(time.perf_counter() - start)
        step = statistics.median(seconds) / s["steps"]
        parameters = int(sum(np.prod(v.shape) for v in model.trainable_variables))
        tokens = x.shape[1] if name == "ptb-small" else 1
        results[name] = {
            "parameters": parameters,
            "batch": batch,
            "tokens_per_example": tokens,
            "first_fit_2_steps_s": round(first, 2),
            "step_ms": round(1e3 * step, 2),
            "examples_per_s": round(batch / step, 1),
            "tokens_per_s": round(batch * tokens / step, 1),
            "allreduce_ms": allreduce_ms(replicas, parameters),
        }
    if distribute.process_index() == 0:
        print("RESULT " + json.dumps(results), flush=True)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


def allreduce_ms(replicas, parameters):
    """Median time of the sum over the devices of one float32 per parameter
    per device: one step's gradient all-reduce, alone."""
    if replicas is None:
        return 0.0
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    mesh = replicas.engine.device_mesh.backend_mesh
    axis = mesh.axis_names[0]
    sharded = NamedSharding(mesh, P(axis, None))
    local = np.ones((len(jax.local_devices()), parameters), np.float32)
    rows = jax.make_array_from_process_local_data(sharded, local)
    replicated = NamedSharding(mesh, P())
    total = jax.jit(lambda a: jnp.sum(a, axis=0), out_shardings=replicated)
    total(rows).block_until_ready()
    times = []
    for _ in range(20):
        start = time.perf_counter()
        total(rows).block_until_ready()
        times.append(time.perf_counter() - start)
    return round(1e3 * statistics.median(times), 2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_setting(name, quick):
    setting = SETTINGS[name]
    port = free_port()
    processes = []
    for i in range(setting["processes"]):
        command = [sys.executable, __file__, "--child", name, "--process-id", str(i)]
        command += ["--port", str(port)] + (["--quick"] if quick else [])
        if setting["pin"] and shutil.which("taskset"):
            cores = ",".join(str(i * setting["pin"] + k) for k in range(setting["pin"]))
            command = ["taskset", "-c", cores, *command]
        processes.append(
            subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
        )
    outputs = [p.communicate(timeout=3600)[0] for p in processes]
    for p, output in zip(processes, outputs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(f"{name}: a process failed:\n{output[-2000:]}")
    line = next(line for line in outputs[0].splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


# === Projection ===

# Assumptions of the projection (stated in BENCHMARKS.md with it).
NVLINK_GB_S = 150.0  # per GPU and direction, inside a machine
NETWORK_GB_S = 25.0  # per machine and direction between machines (200 Gb/s)
LATENCY_S = {"inside": 5e-6, "between": 20e-6}  # per ring step
GPUS_PER_MACHINE = 8


def ring_allreduce_s(bytes_, gpus, machines):
    """Time of a ring all-reduce of `bytes_` over `gpus` GPUs on `machines`
    machines: 2 (n - 1) steps, each moving bytes / n over the slowest link
    of the ring (the network once the ring leaves a machine, which a ring
    crosses with one GPU's traffic at a time), no overlap with computing."""
    n = gpus
    if n == 1:
        return 0.0
    bandwidth = NVLINK_GB_S if machines == 1 else NETWORK_GB_S
    latency = LATENCY_S["inside" if machines == 1 else "between"]
    return 2 * (n - 1) * (bytes_ / n / (bandwidth * 1e9) + latency)


def project(results):
    """For each model: the all-reduce time of its gradients on 8, 16 and 32
    GPUs, and the scaling efficiency `compute / (compute + all-reduce)` for
    per-GPU compute times of 10 ms and 50 ms per step (no GPU was measured;
    a step of the same per-device batch on this CPU is given for scale)."""
    table = {}
    for name, measured in results["1 process, 2 cores"].items():
        bytes_ = 4 * measured["parameters"]
        rows = {}
        for machines in (1, 2, 4):
            gpus = GPUS_PER_MACHINE * machines
            allreduce = ring_allreduce_s(bytes_, gpus, machines)
            rows[f"{machines} machine(s), {gpus} GPUs"] = {
                "allreduce_ms": round(1e3 * allreduce, 3),
                "efficiency_at_10ms_compute": round(0.010 / (0.010 + allreduce), 3),
                "efficiency_at_50ms_compute": round(0.050 / (0.050 + allreduce), 3),
            }
        table[name] = {
            "gradient_mb": round(bytes_ / 1e6, 1),
            "cpu_step_ms_2_cores": measured["step_ms"],
            **rows,
        }
    return {
        "assumptions": {
            "nvlink_gb_s_per_gpu": NVLINK_GB_S,
            "network_gb_s_per_machine": NETWORK_GB_S,
            "latency_s_per_ring_step": LATENCY_S,
            "ring": "flat ring of all GPUs, no overlap with the backward pass, "
            "float32 dense gradients",
        },
        "models": table,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", default=None)
    parser.add_argument("--process-id", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    sys.path.insert(0, str(REPO / "bench"))
    from common import record

    results = {name: run_setting(name, args.quick) for name in SETTINGS}
    record(
        "data_parallel_quick" if args.quick else "data_parallel",
        {"settings": results, "projection": project(results)},
    )


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
