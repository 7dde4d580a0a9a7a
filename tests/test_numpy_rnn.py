import keras
import numpy as np
import pytest
import tensorflow as tf

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.numpy_rnn import (
    CharLanguageModel,
    NumpyRNN,
    global_norm,
    gradient_check,
)

D, UNITS, OUT, BATCH, TIME = 3, 4, 5, 2, 6


def inputs(seed=0):
    return np.random.default_rng(seed).normal(size=(BATCH, TIME, D))


def test_the_course_shapes_and_first_step_by_hand():
    rnn = NumpyRNN(D, UNITS, OUT)
    shapes = {name: p.shape for name, p in rnn.params.items()}
    assert shapes == {
        "W_X": (D, UNITS),
        "W_A": (UNITS, UNITS),
        "b_A": (UNITS,),
        "W_y": (UNITS, OUT),
        "b_y": (OUT,),
    }
    for name, value in [("W_X", 0.1), ("W_A", 0.2), ("b_A", -0.1)]:
        rnn.params[name][...] = value
    X = np.arange(BATCH * TIME * D, dtype="float64").reshape(BATCH, TIME, D) / 40
    A = rnn.forward(X)["A"]
    assert not A[:, 0].any()  # A starts at zeros
    # Step 1 of sequence 0: X_1 = [0, 1, 2] / 40, so each unit gets
    # 0.1 * 0.075 + 0 - 0.1 = -0.0925; step 2 adds A_1 · W_A.
    np.testing.assert_allclose(A[0, 1], np.tanh(-0.0925))
    expected = np.tanh(0.1 * (3 + 4 + 5) / 40 + 0.2 * UNITS * np.tanh(-0.0925) - 0.1)
    np.testing.assert_allclose(A[0, 2], expected)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("many_to_one", [False, True])
def test_forward_equals_keras_simple_rnn_and_dense(activation, many_to_one):
    rnn = NumpyRNN(D, UNITS, OUT, activation=activation, seed=1)
    model = rnn.to_keras(many_to_one=many_to_one)
    X = inputs()
    ours = rnn.predict(X, many_to_one=many_to_one)
    theirs = np.asarray(model(X.astype("float32")))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    # And back: weights read from Keras give the same numbers.
    again = NumpyRNN.from_keras(
        model.get_layer("simple_rnn"), model.get_layer("output")
    )
    np.testing.assert_allclose(
        again.predict(X, many_to_one=many_to_one), theirs, atol=1e-6
    )


CASES = [
    dict(output="softmax", many_to_one=False),
    dict(output="softmax", many_to_one=False, masked=True),
    dict(output="sigmoid", many_to_one=True),
    dict(output="linear", many_to_one=False, activation="relu"),
]


def labels_for(output, many_to_one, seed=0):
    rng = np.random.default_rng(seed)
    shape = (BATCH,) if many_to_one else (BATCH, TIME)
    if output == "softmax":
        return rng.integers(0, OUT, size=shape)
    if output == "sigmoid":
        return rng.integers(0, 2, size=(*shape, OUT)).astype("float64")
    return rng.normal(size=(*shape, OUT))


def case_arguments(case):
    rnn = NumpyRNN(
        D, UNITS, OUT, output=case["output"], activation=case.get("activation", "tanh")
    )
    kwargs = {"many_to_one": case["many_to_one"]}
    if case.get("masked"):
        kwargs["mask"] = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]], bool)
    return rnn, labels_for(case["output"], case["many_to_one"]), kwargs


@pytest.mark.parametrize("case", CASES, ids=["softmax", "masked", "sigmoid", "linear"])
def test_bptt_passes_numerical_gradient_checking(case):
    rnn, labels, kwargs = case_arguments(case)
    errors = gradient_check(rnn, inputs(), labels, **kwargs)
    assert max(errors.values()) < 1e-7, errors


def test_gradient_checking_catches_a_wrong_gradient(monkeypatch):
    rnn, labels, kwargs = case_arguments(CASES[0])
    original = rnn.loss_and_gradients

    def missing_one_step(*args, **kw):
        loss, grads, cache = original(*args, **kw)
        grads["W_A"] = grads["W_A"] * 0.9  # as if one term were forgotten
        return loss, grads, cache

    monkeypatch.setattr(rnn, "loss_and_gradients", missing_one_step)
    assert gradient_check(rnn, inputs(), labels, **kwargs)["W_A"] > 1e-3


@pytest.mark.parametrize("case", CASES[:3], ids=["softmax", "masked", "sigmoid"])
def test_bptt_equals_gradient_tape_on_the_keras_model(case):
    rnn, labels, kwargs = case_arguments(case)
    X = inputs()
    loss, grads, _ = rnn.loss_and_gradients(X, labels, **kwargs)
    model = rnn.to_keras(many_to_one=case["many_to_one"])
    if case["output"] == "softmax":
        loss_fn = keras.losses.SparseCategoricalCrossentropy()
    else:
        loss_fn = keras.losses.BinaryCrossentropy()
    weights = None
    if "mask" in kwargs:
        weights = kwargs["mask"].astype("float32")
    with tf.GradientTape() as tape:
        predictions = model(X.astype("float32"))
        keras_loss = loss_fn(labels, predictions, sample_weight=weights)
        if weights is not None:
            # Keras averages over every step; the NumPy RNN over real ones.
            keras_loss = keras_loss * weights.size / weights.sum()
    keras_grads = tape.gradient(keras_loss, model.trainable_weights)
    np.testing.assert_allclose(loss, float(keras_loss), rtol=1e-5)
    for name, keras_grad in zip(
        ("W_X", "W_A", "b_A", "W_y", "b_y"), keras_grads, strict=True
    ):
        np.testing.assert_allclose(grads[name], np.asarray(keras_grad), atol=2e-6)


def test_masked_steps_add_nothing():
    rnn, labels, kwargs = case_arguments(CASES[1])
    X = inputs()
    loss, grads, _ = rnn.loss_and_gradients(X, labels, **kwargs)
    X[1, 3:] = 100.0  # whatever the padded steps hold
    labels[1, 3:] = 0
    loss2, grads2, _ = rnn.loss_and_gradients(X, labels, **kwargs)
    assert loss == pytest.approx(loss2)
    for name in grads:
        np.testing.assert_allclose(grads[name], grads2[name])


def test_clipping_scales_the_gradients_to_the_norm():
    rnn, labels, kwargs = case_arguments(CASES[0])
    _, grads, _ = rnn.loss_and_gradients(inputs(), labels, **kwargs)
    before = {name: p.copy() for name, p in rnn.params.items()}
    norm = rnn.sgd_step(grads, 1.0, clipnorm=global_norm(grads) / 4)
    assert norm == pytest.approx(global_norm(grads))
    moved = {name: before[name] - rnn.params[name] for name in before}
    assert global_norm(moved) == pytest.approx(norm / 4)


def test_bad_inputs_say_what_is_wrong():
    rnn = NumpyRNN(D, UNITS, OUT)
    with pytest.raises(InvalidInputError, match=r"\(batch, time, 3\)"):
        rnn.forward(np.ones((2, 5)))
    with pytest.raises(InvalidInputError, match="at least one step"):
        rnn.forward(np.ones((2, 0, D)))
    with pytest.raises(InvalidInputError, match="NaN"):
        rnn.forward(np.full((1, 2, D), np.nan))
    with pytest.raises(InvalidInputError, match=r"Labels must lie in \[0, 5\)"):
        rnn.loss(inputs(), np.full((BATCH, TIME), 7))
    with pytest.raises(InvalidInputError, match="shape"):
        rnn.loss(inputs(), np.zeros((BATCH,), int))
    with pytest.raises(InvalidInputError, match="masked"):
        rnn.loss(inputs(), np.zeros((BATCH, TIME), int), mask=np.zeros((BATCH, TIME)))
    with pytest.raises(InvalidArgumentError, match="`output`"):
        NumpyRNN(D, UNITS, OUT, output="tanh")
    with pytest.raises(InvalidArgumentError, match="`units`"):
        NumpyRNN(D, 0, OUT)


TEXT = "the cat sat on the mat. the cats sat on the mats. " * 4


def test_a_character_language_model_learns_and_samples():
    lm = CharLanguageModel(TEXT, units=32, seed=0)
    losses = lm.fit(steps=300, seq_len=20, learning_rate=0.3)
    uniform = np.log(len(lm.chars))
    assert losses[0] > 0.9 * uniform  # starts near guessing
    assert np.mean(losses[-20:]) < 0.5 * uniform
    text = lm.sample("the ", 60, temperature=0.5, seed=1)
    assert text.startswith("the ") and len(text) == 64
    assert set(text) <= set(lm.chars)
    assert text == lm.sample("the ", 60, temperature=0.5, seed=1)
    assert text != lm.sample("the ", 60, temperature=0.5, seed=2)
    # Nearly greedy, the trained model writes words of the text.
    cold = lm.sample("the c", 30, temperature=0.05)
    assert "cat" in cold or "sat" in cold or "mat" in cold, cold
    with pytest.raises(InvalidInputError, match="characters seen"):
        lm.sample("xyz", 5)
    with pytest.raises(InvalidInputError, match="two characters"):
        CharLanguageModel("a")


def test_float32_stays_float32():
    rnn = NumpyRNN(D, UNITS, OUT, dtype="float32")
    loss, grads, cache = rnn.loss_and_gradients(inputs(), labels_for("softmax", False))
    assert cache["y"].dtype == np.float32
    assert {g.dtype for g in grads.values()} == {np.dtype("float32")}
