"""Weights move across Keras backends: a `.keras` file saved on TensorFlow
loads on JAX, and one saved on JAX loads on TensorFlow, with the same
outputs and the same greedy and beam-search tokens.

A process runs one backend, so each side runs `tests/backend_models.py` in
a process of its own: TensorFlow and JAX each save (at once), then each
loads the other's.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers import jax_cache_variables

SCRIPT = pathlib.Path(__file__).with_name("backend_models.py")

pytestmark = pytest.mark.skipif(
    __import__("importlib").util.find_spec("jax") is None, reason="needs jax"
)


def start(backend, verb, directory, jax_cache):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if backend == "jax":
        # The JAX process that loads runs the searches of the one that saved,
        # on models of the same shapes: it reads their programs from JAX's
        # persistent cache instead of compiling them again (about 20 s of
        # CPU time). One JAX process at a time uses the folder.
        env |= jax_cache_variables(jax_cache)
    with open(directory / f"stderr_{backend}_{verb}.txt", "w") as log:
        return subprocess.Popen(
            [sys.executable, str(SCRIPT), verb, str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
        )


def run_two(*jobs, jax_cache):
    """Two `(backend, verb, directory)` jobs at once (each is mostly one
    thread: starting Python, building, compiling): their outputs."""
    processes = [start(*job, jax_cache) for job in jobs]
    try:
        for p in processes:
            p.wait(timeout=600)
    finally:
        for p in processes:
            p.kill()
    results = []
    for (backend, verb, directory), p in zip(jobs, processes, strict=True):
        error = (directory / f"stderr_{backend}_{verb}.txt").read_text()
        assert p.returncode == 0, error[-3000:]
        with np.load(directory / f"outputs_{backend}_{verb}.npz") as data:
            results.append({key: data[key] for key in data.files})
    return results


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    from_tensorflow = tmp_path_factory.mktemp("from_tensorflow")
    from_jax = tmp_path_factory.mktemp("from_jax")
    jax_cache = tmp_path_factory.mktemp("jax_cache")
    tensorflow_saves, jax_saves = run_two(
        ("tensorflow", "save", from_tensorflow),
        ("jax", "save", from_jax),
        jax_cache=jax_cache,
    )
    jax_loads, tensorflow_loads = run_two(
        ("jax", "load", from_tensorflow),
        ("tensorflow", "load", from_jax),
        jax_cache=jax_cache,
    )
    return {
        "tensorflow saves": tensorflow_saves,
        "jax loads": jax_loads,
        "jax saves": jax_saves,
        "tensorflow loads": tensorflow_loads,
    }


def assert_same(saved, loaded):
    assert saved.keys() == loaded.keys()
    for key in saved:
        if saved[key].dtype.kind in "iub":  # tokens, lengths, tags
            np.testing.assert_array_equal(loaded[key], saved[key], err_msg=key)
        else:
            np.testing.assert_allclose(
                loaded[key], saved[key], atol=1e-5, rtol=1e-4, err_msg=key
            )


def test_tensorflow_models_load_on_jax(outputs):
    assert_same(outputs["tensorflow saves"], outputs["jax loads"])


def test_jax_models_load_on_tensorflow(outputs):
    assert_same(outputs["jax saves"], outputs["tensorflow loads"])


def test_the_searches_generate_something(outputs):
    """Tokens that are all padding would agree without testing anything."""
    saved = outputs["tensorflow saves"]
    for name in ("translator", "captioner", "language_model"):
        for method in ("greedy", "beam"):
            assert saved[f"{name}/{method}_lengths"].min() >= 1
            assert saved[f"{name}/{method}"].any(), (name, method)
    # The two sides built the same model (deterministic weights, not the
    # backends' random numbers), so their own outputs agree as well.
    assert_same(outputs["tensorflow saves"], outputs["jax saves"])
