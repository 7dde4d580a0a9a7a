"""Training on several devices and processes, and one writer per run folder.

Devices and processes are fixed when a backend starts, so the distributed
runs happen in fresh processes (`tests/distributed_runs.py` and the command
line), each bounded in time, talking over 127.0.0.1 only. Every family trains
on the same global batches on one device and on several (dropout off, every
batch full), and must end the same.
"""

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from seqkeras import cli, distribute
from seqkeras.errors import (
    DistributedError,
    FolderLockedError,
    InvalidArgumentError,
)
from seqkeras.locking import FolderLock

ROOT = pathlib.Path(__file__).parents[1]
FAMILIES = ["classifier", "tagger", "decoder", "captioner", "language_model"]
FAMILIES += ["forecaster", "series_classifier"]
# The families that two processes train (the captioner's CNN, the slowest to
# compile, trains on two devices only).
PROCESS_FAMILIES = ["classifier", "tagger", "decoder", "language_model"]
TIMEOUT = 600  # seconds any one subprocess may take


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(backend):
    return {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)}


def run_families(runs):
    """`tests/distributed_runs.py` in a fresh process per `(out, backend,
    arguments)` run, all at once (most of their time is Python and
    compilation, one thread each)."""
    processes = []
    for out, backend, arguments in runs:
        command = [sys.executable, "-m", "tests.distributed_runs", str(out)]
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "stderr.txt", "w") as log:
            processes.append(
                subprocess.Popen(
                    [*command, *arguments],
                    env=environment(backend),
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    cwd=ROOT,
                )
            )
    try:
        for process in processes:
            process.wait(timeout=TIMEOUT)
    finally:
        for process in processes:
            process.kill()
    for (out, _, _), process in zip(runs, processes, strict=True):
        assert process.returncode == 0, (out / "stderr.txt").read_text()[-3000:]


def start_processes(command, count, backend="jax", **kwargs):
    """`count` processes of `command + [--process-id I]` on 127.0.0.1."""
    port = free_port()
    return [
        subprocess.Popen(
            [*command(port, i)],
            env=environment(backend),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            **kwargs,
        )
        for i in range(count)
    ]


def finish(processes, timeout=TIMEOUT):
    outputs = []
    for process in processes:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for p in processes:
                p.kill()
            raise
        outputs.append(output)
    return [p.returncode for p in processes], outputs


def histories(folder):
    return json.loads((folder / "histories.json").read_text())


def weights(folder, family):
    with np.load(folder / f"{family}.npz") as arrays:
        return [arrays[name] for name in arrays.files]


@pytest.fixture(scope="module")
def device_runs(tmp_path_factory):
    """Every family trained on one device and on two (one process), on
    each backend."""
    outs = {b: tmp_path_factory.mktemp(f"devices-{b}") for b in ("tensorflow", "jax")}
    arguments = ["--devices", "2", "--distribute", "none", "2"]
    run_families([(out, backend, arguments) for backend, out in outs.items()])
    return outs


@pytest.fixture(params=["tensorflow", "jax"])
def two_devices(request, device_runs):
    return request.param, device_runs[request.param]


# === Several devices, one process ===


def test_two_devices_train_as_one_on_the_same_global_batches(two_devices):
    backend, out = two_devices
    one, two = histories(out / "none"), histories(out / "2")
    for family in FAMILIES:
        # TensorFlow's synchronised batch normalisation (the captioner's
        # image encoder) computes the variance as E[x²] - E[x]², which loses
        # a few digits against one device's two-pass variance.
        tolerance = 1e-3 if (backend, family) == ("tensorflow", "captioner") else 1e-4
        for key in ("loss", "val_loss"):
            np.testing.assert_allclose(
                two[family][key][0],
                one[family][key][0],
                atol=tolerance,
                err_msg=f"{family} {key}",
            )
        if family == "captioner":
            continue  # Adam magnifies the differences of its tiny conv gradients
        for a, b in zip(
            weights(out / "2", family), weights(out / "none", family), strict=True
        ):
            np.testing.assert_allclose(a, b, atol=1e-4, err_msg=family)


def test_one_device_is_trained_when_no_distribution_is_asked():
    assert distribute.resolve(None) is None
    assert distribute.resolve(1) is None  # one device: nothing to split


def test_more_devices_than_there_are_is_refused_with_the_fix():
    with pytest.raises(DistributedError, match=r"use_devices\(4\)"):
        distribute.resolve(4)
    with pytest.raises(InvalidArgumentError, match="number of devices"):
        distribute.resolve(True)
    with pytest.raises(InvalidArgumentError, match="number of devices"):
        distribute.resolve("two")


def test_a_batch_that_does_not_split_evenly_is_refused():
    replicas = object.__new__(distribute.DataParallel)
    replicas.replicas = 4
    replicas.check_batch_size(32)
    with pytest.raises(InvalidArgumentError, match="multiple of 4"):
        replicas.check_batch_size(30)


def test_devices_cannot_change_once_the_backend_runs():
    keras.ops.zeros(1)  # the backend is running
    with pytest.raises(DistributedError, match="before building a model"):
        distribute.use_devices(2)


@pytest.mark.tensorflow_only
def test_several_processes_need_jax():
    with pytest.raises(DistributedError, match="JAX backend"):
        distribute.start_processes("127.0.0.1:1234", 2, 0)


def test_process_arguments_are_checked(capsys):
    arguments = ["train", "sentiment", "--out", "x", "--coordinator", "h:1"]
    assert cli.main(arguments) == cli.EXIT_ERROR
    assert "go together" in capsys.readouterr().err


# === Several processes (JAX) ===


def test_two_processes_end_with_the_same_weights_as_one(two_devices, tmp_path):
    backend, devices = two_devices
    if backend != "jax":
        pytest.skip("processes train on JAX; compared with the JAX devices run")

    def command(port, i):
        return [
            sys.executable, "-m", "tests.distributed_runs", str(tmp_path / f"p{i}"),
            "--distribute", "all", "--coordinator", f"127.0.0.1:{port}",
            "--num-processes", "2", "--process-id", str(i),
            "--only", *PROCESS_FAMILIES,
        ]  # fmt: skip

    codes, outputs = finish(start_processes(command, 2))
    assert codes == [0, 0], outputs
    first, second = tmp_path / "p0" / "all", tmp_path / "p1" / "all"
    one = histories(devices / "none")
    for family in PROCESS_FAMILIES:
        for a, b in zip(weights(first, family), weights(second, family), strict=True):
            np.testing.assert_array_equal(a, b, err_msg=family)
        np.testing.assert_allclose(
            histories(first)[family]["loss"], one[family]["loss"], atol=1e-4
        )
        ones = weights(devices / "none", family)
        for a, b in zip(weights(first, family), ones, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-4, err_msg=family)


def train_command(out, epochs, port, i):
    return [
        sys.executable, "-m", "seqkeras.cli", "train", "sentiment", "--quick",
        "--units", "8", "--embedding-dim", "8", "--epochs", str(epochs),
        "--backend", "jax", "--coordinator", f"127.0.0.1:{port}",
        "--num-processes", "2", "--process-id", str(i),
        "--heartbeat-timeout", "20", "--out", str(out[i]),
    ]  # fmt: skip


def test_a_killed_process_stops_the_other_and_the_same_command_resumes(tmp_path):
    # Two folders, as on two machines without a shared filesystem.
    out = [tmp_path / "machine0", tmp_path / "machine1"]
    epochs = 4
    processes = start_processes(lambda port, i: train_command(out, epochs, port, i), 2)
    backup = out[0] / "checkpoints" / "backup" / "training_metadata.json"
    deadline = time.monotonic() + TIMEOUT
    while not backup.exists():
        assert time.monotonic() < deadline, "no epoch finished"
        assert processes[0].poll() is None, processes[0].communicate()[0]
        time.sleep(0.1)
    processes[1].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    codes, outputs = finish(processes, timeout=60)
    assert time.monotonic() - killed < 60
    assert codes[0] == cli.EXIT_ERROR, outputs[0]
    assert "another process of this run failed or left" in outputs[0]
    assert "start every process again with the same command" in outputs[0]
    assert not (out[0] / "metrics.json").exists()

    processes = start_processes(lambda port, i: train_command(out, epochs, port, i), 2)
    codes, outputs = finish(processes)
    assert codes == [0, 0], outputs
    assert "Resuming the interrupted run" in outputs[0]
    metrics = json.loads((out[0] / "metrics.json").read_text())
    assert metrics["epochs"] == epochs
    assert (metrics["devices"], metrics["processes"]) == (2, 2)
    history = json.loads((out[0] / "history.json").read_text())
    assert len(history["loss"]) == epochs
    # Process 0 wrote the run; process 1 wrote nothing at all.
    assert (out[0] / "saved_model").is_dir() and (out[0] / "model.keras").exists()
    assert not out[1].exists() or not any(out[1].iterdir())
    assert "process 0 evaluates and writes the run" in outputs[1]


# === One writer per folder ===


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path):
    with FolderLock(tmp_path) as lock:
        assert lock.stale is None
        with pytest.raises(FolderLockedError, match=f"process {os.getpid()} on "):
            FolderLock(tmp_path).acquire()
    with FolderLock(tmp_path):  # released
        pass


def test_a_stale_lock_of_a_killed_run_is_cleared(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from seqkeras.locking import FolderLock; "
            f"FolderLock({str(tmp_path)!r}).acquire(); print('held', flush=True); "
            "time.sleep(60)",
        ],
        env=environment(keras.backend.backend()),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(FolderLockedError, match=f"process {holder.pid} "):
        FolderLock(tmp_path).acquire()
    holder.kill()
    holder.wait(timeout=30)
    with FolderLock(tmp_path) as lock:
        assert lock.stale["pid"] == holder.pid


def test_training_into_a_folder_in_use_is_refused(tmp_path, capsys, sample_data):
    out = tmp_path / "run"
    with FolderLock(out):
        arguments = ["train", "sentiment", "--quick", "--out", str(out)]
        assert cli.main(arguments) == cli.EXIT_ERROR
        error = capsys.readouterr().err
        assert f"in use by process {os.getpid()}" in error
        assert not (out / "checkpoints").exists()
    from seqkeras.pipelines import SentimentPipeline

    data = sample_data.subset(train=64)
    pipeline = SentimentPipeline(data.label_names, units=4, embedding_dim=4)
    with FolderLock(out / "checkpoints"):
        with pytest.raises(FolderLockedError):
            pipeline.fit(data.train, epochs=1, checkpoint_dir=out / "checkpoints")
    pipeline.fit(data.train, epochs=1, checkpoint_dir=out / "checkpoints", verbose=0)
    assert not (out / "checkpoints" / ".seqkeras.lock").exists()
