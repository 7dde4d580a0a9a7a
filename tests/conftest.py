"""Shared fixtures: quiet TensorFlow, mirror detection (the doctests' names
are in the root conftest.py)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """`tensorflow_only` tests (they test a TensorFlow graph on purpose) skip
    on the other Keras backends, which `make test` runs layers and builders on;
    so do `one_backend` tests, whose code no backend changes."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"tests TensorFlow itself; Keras runs on {backend}")
    once = pytest.mark.skip(reason="no backend changes this code: run on TensorFlow")
    for item in items:
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)
        elif "one_backend" in item.keywords:
            item.add_marker(once)


@pytest.fixture(scope="session")
def mirror():
    """The data-set mirror; tests that need real data skip without one."""
    from seqkeras.datasets import registry

    location = registry.mirror_location()
    if location is None:
        pytest.skip(f"needs real data: set {registry.MIRROR_VARIABLE}")
    return location


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def sample_data():
    from seqkeras.datasets import load

    return load("sentiment-sample")


@pytest.fixture(scope="session")
def trained_sentiment(sample_data):
    """A small LSTM pipeline trained for two epochs on part of the sample."""
    from seqkeras.pipelines import SentimentPipeline

    pipeline = SentimentPipeline(
        sample_data.label_names, architecture="lstm", units=16, embedding_dim=16
    )
    small = sample_data.subset(train=1500, validation=200)
    pipeline.fit(small.train, small.validation, epochs=2, verbose=0)
    return pipeline


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """`quick_run(task)`: the folder of a `seqkeras train TASK --quick` run
    with the task's smoke arguments, trained once per test session: the
    worker processes of one `pytest -n N` share it (the first to ask trains
    it while the others wait), so tests only read it."""
    import fcntl

    from seqkeras import cli

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # .../pytest-K/popen-gwI
        base = base.parent
    shared = base / "quick-runs"
    shared.mkdir(exist_ok=True)
    runs = {}

    def run(task):
        if task not in runs:
            command = cli.command_for(task)
            folder = shared / command.task
            with open(shared / f"{command.task}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed
                if not (folder / "done").exists():
                    folder.mkdir(exist_ok=True)
                    argv = ["train", command.task, "--quick", "--overwrite"]
                    argv += ["--out", str(folder / "run"), *command.smoke_arguments]
                    assert cli.main(argv) == 0
                    (folder / "done").touch()
            runs[task] = folder / "run"
        return runs[task]

    return run
