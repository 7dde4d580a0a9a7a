"""Helpers shared by the tests: round trips, deterministic weights, servers."""

import contextlib
import functools
import http.server
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import threading

import keras
import numpy as np

SERVING_SCRIPT = pathlib.Path(__file__).parents[1] / "seqkeras" / "serving.py"


def deterministic_weights(model, scale=0.5):
    """Sets every weight to a fixed pattern; returns the arrays it set.

    Constant weights would make every unit identical; a sine of the index
    gives distinct, reproducible values in [-scale, scale].
    """
    arrays = []
    for k, weight in enumerate(model.weights):
        size = int(np.prod(weight.shape))
        value = scale * np.sin(0.37 * np.arange(size) + k).reshape(weight.shape)
        arrays.append(value.astype("float32"))
    model.set_weights(arrays)
    return arrays


def assert_config_round_trip(model, inputs):
    """`from_config(get_config())` rebuilds the same model."""
    clone = model.__class__.from_config(model.get_config())
    assert [layer.name for layer in clone.layers] == [
        layer.name for layer in model.layers
    ]
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(
        clone.predict(inputs, verbose=0), model.predict(inputs, verbose=0), atol=1e-6
    )


def assert_keras_round_trip(model, inputs, directory):
    """Saving to `.keras` and loading gives identical outputs."""
    path = pathlib.Path(directory) / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0)
    )
    return loaded


def fit_one_step(model, x, y):
    """One training step changes the weights and gives a finite loss."""
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(x, y)
    loss = loss[0] if isinstance(loss, (list, tuple)) else loss
    assert np.isfinite(loss)
    after = model.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def weight_gradients(model, inputs, objective, variables=None):
    """The gradients of `objective(outputs, inputs)` (a scalar) with respect
    to `variables` (default: the trainable weights), on the backend Keras
    runs, as NumPy arrays. `inputs` is what the model is called on; a tuple
    is passed as separate arguments (a layer's)."""
    variables = list(variables or model.trainable_weights)

    def value():
        outputs = model(*inputs) if isinstance(inputs, tuple) else model(inputs)
        return objective(outputs, inputs)

    if keras.backend.backend() == "jax":
        import jax

        def stateless(values):
            mapping = list(zip(variables, values, strict=True))
            with keras.StatelessScope(state_mapping=mapping):
                return value()

        # Compiled whole: op by op, JAX dispatches (and compiles) every
        # small operation of a loop on its own, several times slower.
        gradients = jax.jit(jax.grad(stateless))([v.value for v in variables])
        return [np.asarray(g) for g in gradients]
    import tensorflow as tf

    with tf.GradientTape() as tape:
        result = value()
    return [keras.ops.convert_to_numpy(g) for g in tape.gradient(result, variables)]


def serve_in_fresh_process(
    saved_model, inputs, tmp_path, signature="serve", **arguments
):
    """Runs `signature` of a SavedModel in a new Python that cannot import seqkeras.

    The child loads the model with `seqkeras/serving.py`, which imports only
    TensorFlow and tensorflow-text; `seqkeras` and `jax` are blocked in
    `sys.modules`, so any attempt to import them fails (TensorFlow's own
    optional import of JAX, in `tensorflow.lite`, then skips it: 0.7 s less
    per process). Returns the outputs and the imported
    module names. `arguments` go to the signature by name (JSON values).
    """
    job = {"model": str(saved_model), "inputs": list(inputs)}
    job.update(signature=signature, arguments=arguments)
    [outputs], modules = serve_many_in_fresh_process([job], tmp_path)
    return outputs, modules


def serve_many_in_fresh_process(jobs, tmp_path):
    """`serve_in_fresh_process` for several SavedModels in one new process
    (TensorFlow starts once). `jobs`: dicts of `model`, `inputs`,
    `signature` and `arguments`. Returns one dict of outputs per job and the
    imported module names."""
    tmp_path = pathlib.Path(tmp_path)
    code = textwrap.dedent(
        f"""
        import json, runpy, sys
        import numpy as np
        sys.modules["seqkeras"] = None  # importing seqkeras now fails
        sys.modules["jax"] = None  # and JAX: TensorFlow alone serves
        serving = runpy.run_path({str(SERVING_SCRIPT)!r})
        jobs = json.loads(sys.argv[1])
        for i, job in enumerate(jobs):
            model = serving["load"](job["model"])
            outputs = serving["serve"](
                model, job["inputs"], job["signature"], **job["arguments"]
            )
            # Strings come back as object arrays of bytes; store them as bytes.
            # Ragged outputs come back as lists: store them as JSON.
            outputs = {{
                (k + "__json" if isinstance(v, list) else k): (
                    np.array(json.dumps(serving["_jsonable"](v)))
                    if isinstance(v, list)
                    else v.astype(bytes) if v.dtype == object else v
                )
                for k, v in outputs.items()
            }}
            np.savez({str(tmp_path)!r} + f"/outputs_{{i}}.npz", **outputs)
        print(json.dumps(sorted(m for m in sys.modules if sys.modules[m] is not None)))
        """
    )
    # Without JAX, Keras (which tensorflow-text imports) runs on TensorFlow.
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    result = subprocess.run(
        [sys.executable, "-P", "-c", code, json.dumps(list(jobs))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    served = []
    for i in range(len(jobs)):
        with np.load(tmp_path / f"outputs_{i}.npz") as data:
            served.append(
                {
                    key.removesuffix("__json"): (
                        json.loads(str(data[key]))
                        if key.endswith("__json")
                        else data[key]
                    )
                    for key in data.files
                }
            )
    return served, modules


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, directory, log, **kwargs):
        self._log = log
        super().__init__(*args, directory=directory, **kwargs)

    def do_GET(self):
        self._log.append(self.path)
        super().do_GET()

    def log_message(self, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def http_server(directory):
    """Serves `directory` on 127.0.0.1; yields `(base_url, requests)`."""
    requests = []
    handler = functools.partial(_Handler, directory=str(directory), log=requests)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url(name="file.zip"):
    """A URL on 127.0.0.1 where nothing listens (a download that fails fast)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def jax_cache_variables(folder):
    """Environment variables that make a JAX process keep every program it
    compiles in JAX's persistent cache `folder`, and read from it the ones
    that an earlier process compiled (a process that repeats another's work
    skips most of its compiling). Not for every test process: writing every
    program costs more than the few shared ones save, and the processes
    that restart a run in `tests/test_distribute.py` saved only 4 s of 71
    (BENCHMARKS.md)."""
    return {
        "JAX_COMPILATION_CACHE_DIR": str(folder),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
    }
