"""The doctests' names (`np`, `tf`, `keras`), for the package's modules as
well as the tests: a fixture of `tests/conftest.py` reaches only the items
under `tests/`, so `pytest seqkeras/decoding` alone would miss them."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    import keras
    import numpy as np
    import tensorflow as tf

    doctest_namespace.update(np=np, tf=tf, keras=keras)
