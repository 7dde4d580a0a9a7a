"""Shared fixtures: quiet TensorFlow, doctest names, mirror detection."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

# The test files that take longest (minutes each: every notebook in quick
# mode, the runs on several devices and processes, every task's contract and
# round trips), longest first. They run first: `make test` hands whole files
# to its two processes in collection order (`--no-loadscope-reorder`).
# xdist's own order, files with the most tests first, handed out the
# notebooks (13 tests, about a third of the TensorFlow pass) late: the last
# 7% of the tests took 5 of the pass's 29 minutes.
LONGEST_FIRST = (
    "tests/test_notebooks.py",
    "tests/test_distribute.py",
    "tests/test_contract.py",
    "tests/test_backends.py",
    "tests/test_cli.py",
)


def pytest_collection_modifyitems(config, items):
    """The longest files first (`LONGEST_FIRST`); `tensorflow_only` tests
    (they test a TensorFlow graph on purpose) skip on the other Keras
    backends, which `make test` runs layers and builders on."""
    import keras

    def rank(item):
        path = item.nodeid.split("::")[0]
        last = len(LONGEST_FIRST)
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else last

    items.sort(key=rank)  # stable: the rest keep their order
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"tests TensorFlow itself; Keras runs on {backend}")
    for item in items:
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    import keras
    import tensorflow as tf

    doctest_namespace.update(np=np, tf=tf, keras=keras)


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
    with the task's smoke arguments, trained once per test session."""
    from seqkeras import cli

    runs = {}

    def run(task):
        if task not in runs:
            command = cli.command_for(task)
            out = tmp_path_factory.mktemp(command.task) / "run"
            argv = ["train", command.task, "--quick", "--out", str(out)]
            assert cli.main([*argv, *command.smoke_arguments]) == 0
            runs[task] = out
        return runs[task]

    return run
