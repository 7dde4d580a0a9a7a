"""The course's LSTM in NumPy: its forward pass against Keras, its
backpropagation through time against numerical gradients and GradientTape,
and the two output equations."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.layers import LSTMCell
from seqkeras.numpy_lstm import PARAMETERS as LSTM_PARAMETERS
from seqkeras.numpy_lstm import NumpyLSTM
from seqkeras.numpy_rnn import gradient_check, sigmoid

D, UNITS, OUT, BATCH, TIME = 3, 4, 5, 2, 6
FORMS = ["tanh", "linear"]


def inputs(seed=0):
    return np.random.default_rng(seed).normal(size=(BATCH, TIME, D))


def test_the_shapes_and_two_steps_by_hand():
    lstm = NumpyLSTM(D, UNITS, OUT)
    assert {name: p.shape for name, p in lstm.params.items()} == {
        **{f"W_{g}": (UNITS + D, UNITS) for g in "cufo"},
        **{f"b_{g}": (UNITS,) for g in "cufo"},
        "W_y": (UNITS, OUT),
        "b_y": (OUT,),
    }
    assert (lstm.params["b_f"] == 1).all() and not lstm.params["b_u"].any()
    for name in LSTM_PARAMETERS:
        lstm.params[name][...] = 0.1 if name.startswith("W") else -0.2
    X = np.full((1, 2, D), 0.5)
    cache = lstm.forward(X)
    # Step 1 from zeros: every pre-activation is 0.1 * (3 * 0.5) - 0.2 = -0.05.
    u = sigmoid(-0.05)
    c1 = u * np.tanh(-0.05)  # + Γf * 0
    np.testing.assert_allclose(cache["c"][0, 1], c1)
    np.testing.assert_allclose(cache["a"][0, 1], u * np.tanh(c1))
    # Step 2 reads [a<1>, x<2>]: 4 units of a<1> and 3 inputs of 0.5.
    pre = 0.1 * (UNITS * u * np.tanh(c1) + 1.5) - 0.2
    c2 = sigmoid(pre) * np.tanh(pre) + sigmoid(pre) * c1
    np.testing.assert_allclose(cache["c"][0, 2], c2)
    np.testing.assert_allclose(cache["a"][0, 2], sigmoid(pre) * np.tanh(c2))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("many_to_one", [False, True])
def test_forward_equals_the_keras_cell(form, many_to_one):
    lstm = NumpyLSTM(D, UNITS, OUT, output_activation=form, seed=1)
    model = lstm.to_keras(many_to_one=many_to_one)
    X = inputs()
    theirs = np.asarray(model(X.astype("float32")))
    np.testing.assert_allclose(
        lstm.predict(X, many_to_one=many_to_one), theirs, atol=1e-6
    )
    again = NumpyLSTM.from_cell(model.get_layer("lstm"), model.get_layer("output"))
    assert again.output_activation == form
    np.testing.assert_allclose(
        again.predict(X, many_to_one=many_to_one), theirs, atol=1e-6
    )


def test_with_tanh_it_is_keras_lstm():
    reference = keras.layers.LSTM(UNITS, return_sequences=True)
    X = inputs().astype("float32")
    expected = np.asarray(reference(X))
    layer = keras.layers.RNN(LSTMCell(UNITS), return_sequences=True)
    layer(X)
    layer.cell.load_keras_weights(reference)
    dense = keras.layers.Dense(OUT)
    dense(expected)
    lstm = NumpyLSTM.from_cell(layer, dense)
    np.testing.assert_allclose(lstm.forward(X)["a"][:, 1:], expected, atol=1e-6)


CASES = [
    dict(output="softmax", many_to_one=False),
    dict(output="softmax", many_to_one=False, masked=True),
    dict(output="sigmoid", many_to_one=True),
    dict(output="linear", many_to_one=False),
]
IDS = ["softmax", "masked", "sigmoid", "linear"]


def case_arguments(case, form):
    lstm = NumpyLSTM(D, UNITS, OUT, output=case["output"], output_activation=form)
    rng = np.random.default_rng(0)
    shape = (BATCH,) if case["many_to_one"] else (BATCH, TIME)
    if case["output"] == "softmax":
        labels = rng.integers(0, OUT, size=shape)
    elif case["output"] == "sigmoid":
        labels = rng.integers(0, 2, size=(*shape, OUT)).astype("float64")
    else:
        labels = rng.normal(size=(*shape, OUT))
    kwargs = {"many_to_one": case["many_to_one"]}
    if case.get("masked"):
        kwargs["mask"] = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]], bool)
    return lstm, labels, kwargs


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bptt_passes_numerical_gradient_checking(case, form):
    lstm, labels, kwargs = case_arguments(case, form)
    errors = gradient_check(lstm, inputs(), labels, **kwargs)
    assert set(errors) == set(LSTM_PARAMETERS)
    assert max(errors.values()) < 1e-7, errors


def test_the_cell_path_matters_to_the_gradient(monkeypatch):
    """Dropping what flows back along c (Γf * dc) breaks the check: the
    check can fail, and that path carries part of the gradient."""
    lstm, labels, kwargs = case_arguments(CASES[0], "tanh")

    class NoCellPath(NumpyLSTM):
        def _backward(self, cache, dz, grads):
            # With f at zero in the backward pass, dc_next = dc * f is lost.
            cache = {**cache, "f": [np.zeros_like(g) for g in cache["f"]]}
            super()._backward(cache, dz, grads)

    broken = NoCellPath(D, UNITS, OUT)
    broken.params = lstm.params
    errors = gradient_check(broken, inputs(), labels, **kwargs)
    assert errors["W_u"] > 1e-3 and errors["W_f"] > 1e-3


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", CASES[:3], ids=IDS[:3])
def test_bptt_equals_gradient_tape_on_the_keras_model(case, form):
    lstm, labels, kwargs = case_arguments(case, form)
    X = inputs()
    loss, grads, _ = lstm.loss_and_gradients(X, labels, **kwargs)
    model = lstm.to_keras(many_to_one=case["many_to_one"])
    if case["output"] == "softmax":
        loss_fn = keras.losses.SparseCategoricalCrossentropy()
    else:
        loss_fn = keras.losses.BinaryCrossentropy()
    weights = kwargs["mask"].astype("float32") if "mask" in kwargs else None
    with tf.GradientTape() as tape:
        keras_loss = loss_fn(labels, model(X.astype("float32")), sample_weight=weights)
        if weights is not None:
            keras_loss = keras_loss * weights.size / weights.sum()
    names = [w.path.split("/")[-1] for w in model.trainable_weights]
    keras_grads = tape.gradient(keras_loss, model.trainable_weights)
    np.testing.assert_allclose(loss, float(keras_loss), rtol=1e-5)
    names = ["W_y" if n == "kernel" else "b_y" if n == "bias" else n for n in names]
    assert sorted(names) == sorted(LSTM_PARAMETERS)
    for name, keras_grad in zip(names, keras_grads, strict=True):
        np.testing.assert_allclose(grads[name], np.asarray(keras_grad), atol=2e-6)


def test_only_the_tanh_form_keeps_the_output_bounded():
    """With the forget gate open and the update gate writing the same sign
    every step, c grows with time; tanh(c) stays below 1, c does not."""
    X = np.ones((1, 60, 1))
    outputs = {}
    for form in FORMS:
        lstm = NumpyLSTM(1, 1, 1, output_activation=form)
        for name in LSTM_PARAMETERS:
            lstm.params[name][...] = 0.0
        lstm.params["W_c"][1] = 2.0  # the input row: c~ = tanh(2) ~ 0.96
        lstm.params["b_f"][...] = 6.0  # Γf ~ 0.998
        outputs[form] = lstm.forward(X)["a"][0, 1:, 0]
    assert np.abs(outputs["tanh"]).max() <= 0.5  # Γo = σ(0) = 0.5 times |tanh| <= 1
    assert outputs["linear"][-1] > 10 and outputs["linear"][-1] > outputs["linear"][9]
    np.testing.assert_allclose(outputs["tanh"], 0.5 * np.tanh(2 * outputs["linear"]))


def test_the_state_carries_into_the_next_chunk():
    lstm, labels, kwargs = case_arguments(CASES[0], "tanh")
    X = inputs()
    whole = lstm.forward(X)
    first = lstm.forward(X[:, :3])
    second = lstm.forward(X[:, 3:], a0=first["a"][:, -1], c0=first["c"][:, -1])
    np.testing.assert_allclose(second["y"], whole["y"][:, 3:])


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(InvalidArgumentError, match="`output_activation`"):
        NumpyLSTM(D, UNITS, OUT, output_activation="relu")
    with pytest.raises(InvalidInputError, match=r"\(batch, time, 3\)"):
        NumpyLSTM(D, UNITS, OUT).forward(np.ones((2, 5, 4)))
