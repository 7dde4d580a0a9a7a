"""Exported SavedModels: raw strings in, same numbers in a fresh process."""

import ast

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import SERVING_SCRIPT, serve_in_fresh_process

TEXTS = [
    "John enjoys eating the shark.",
    "The shark enjoys eating John.",
    "The acting wasn't bad, but the plot was dull!",
    "",
    "   ",
    "CAFÉ ¿qué? " * 60,  # longer than max_length: truncated in both places
    "zyzzyva quux",  # unknown words only
]


@pytest.fixture(scope="module")
def exported(trained_sentiment, tmp_path_factory):
    return trained_sentiment.export(tmp_path_factory.mktemp("export") / "saved_model")


def test_fresh_process_without_seqkeras_gives_the_same_numbers(
    trained_sentiment, exported, tmp_path
):
    outputs, modules = serve_in_fresh_process(exported, TEXTS, tmp_path)
    assert "seqkeras" not in modules and "tensorflow_text" in modules
    np.testing.assert_allclose(
        outputs["probabilities"], trained_sentiment.predict(TEXTS), atol=1e-5
    )
    expected = trained_sentiment.predict_labels(TEXTS)
    assert [label.decode() for label in outputs["label"]] == expected
    assert outputs["label_names"].shape == (len(TEXTS), 2)
    assert [n.decode() for n in outputs["label_names"][0]] == ["negative", "positive"]


def test_serving_script_imports_only_tensorflow():
    """serving.py is the whole serving client: no seqkeras, no keras."""
    tree = ast.parse(SERVING_SCRIPT.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in getattr(node, "names", [])
    }
    assert imported <= {
        "contextlib",
        "fractions",  # the standard library: MIDI files of notes
        "importlib",  # is tensorflow-text installed?
        "json",
        "os",
        "re",
        "struct",
        "sys",
        "tensorflow",
        "tensorflow_text",
    }


def test_signature_takes_a_batch_of_strings_only(exported):
    import tensorflow_text  # noqa: F401

    model = tf.saved_model.load(str(exported))
    spec = model.serve.input_signature[0]
    assert spec.dtype == tf.string and spec.shape.as_list() == [None]
    with pytest.raises((TypeError, ValueError)):
        model.serve(tf.constant([1.0, 2.0]))
    empty = model.serve(tf.constant([], dtype=tf.string))
    assert empty["probabilities"].shape == (0, 2)


def test_serving_says_how_to_get_the_text_ops(exported, monkeypatch):
    """Without tensorflow-text the graph's ops are missing: the client names
    the package to install (and passes on the error of one that is installed
    but fails to import), and TensorFlow's own failure is explained."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("serving_client", SERVING_SCRIPT)
    serving = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serving)
    import tensorflow_text

    monkeypatch.setitem(sys.modules, "tensorflow_text", None)  # not installed
    with pytest.raises(ImportError, match="install the tensorflow-text release"):
        serving.load(exported)
    # Installed but failing to import (say Keras, which it imports, cannot
    # start its backend): its own error, not the advice to install it.
    import builtins

    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "tensorflow_text":
            raise ImportError("Keras cannot be imported. Check that it is installed.")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "tensorflow_text")
    monkeypatch.setattr(builtins, "__import__", broken)
    with pytest.raises(ImportError, match="Keras cannot be imported"):
        serving.load(exported)
    monkeypatch.setattr(builtins, "__import__", real_import)
    monkeypatch.setitem(sys.modules, "tensorflow_text", tensorflow_text)
    missing = RuntimeError("Op type not registered 'CaseFoldUTF8' in binary running")

    def fail(path):
        raise missing

    monkeypatch.setattr(tf.saved_model, "load", fail)
    with pytest.raises(RuntimeError, match="Import tensorflow_text before loading"):
        serving.load(exported)
