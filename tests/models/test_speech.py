import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.ctc import ctc_loss
from seqkeras.models.speech import build_ctc_recognizer, build_speech_classifier
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    deterministic_weights,
    fit_one_step,
)


def frames(batch=3, steps=12, features=5, seed=0):
    x = np.random.default_rng(seed).normal(size=(batch, steps, features))
    return x.astype("float32")


def test_classifier_round_trips_and_trains(tmp_path):
    model = build_speech_classifier(5, num_classes=4, units=6, bidirectional=True)
    x = frames()
    assert model.output_shape == (None, 4)
    assert_config_round_trip(model, x)
    assert_keras_round_trip(model, x, tmp_path)
    fit_one_step(model, x, np.array([0, 1, 3]))


def test_ctc_recognizer_round_trips_and_trains(tmp_path):
    model = build_ctc_recognizer(5, num_symbols=3, units=6, num_layers=1)
    x = frames()
    assert model.output_shape == (None, None, 4)
    assert_config_round_trip(model, x)
    assert_keras_round_trip(model, x, tmp_path)
    fit_one_step(model, x, np.array([[1, 2], [3, 0], [2, 2]]))


@pytest.mark.parametrize("ctc", [False, True])
def test_padding_steps_change_nothing(ctc):
    build = build_ctc_recognizer if ctc else build_speech_classifier
    model = build(5, units=6, num_layers=1, bidirectional=True)
    deterministic_weights(model)
    x = frames(batch=1, steps=8)
    padded = np.concatenate([x, np.zeros((1, 5, 5), "float32")], axis=1)
    short, long = np.asarray(model(x)), np.asarray(model(padded))
    if ctc:
        np.testing.assert_allclose(long[:, :8], short, atol=1e-5)
        assert (long[0, 8:].argmax(-1) == 0).all()  # padding: the blank
        labels = np.array([[1, 2]])
        np.testing.assert_allclose(
            np.asarray(ctc_loss(labels, long)), np.asarray(ctc_loss(labels, short)),
            rtol=1e-5,
        )  # fmt: skip
    else:
        np.testing.assert_allclose(long, short, atol=1e-5)


def test_features_are_standardised_with_the_given_statistics():
    mean, variance = np.arange(5.0), np.full(5, 4.0)
    model = build_speech_classifier(
        5, units=4, feature_mean=mean, feature_variance=variance
    )
    layer = model.get_layer("feature_normalization")
    x = frames() * 2.0 + mean
    np.testing.assert_allclose(
        np.asarray(layer(x)), (x - mean) / 2.0, atol=1e-5
    )  # fmt: skip


def test_golden_output_with_fixed_weights():
    model = build_speech_classifier(3, num_classes=2, cell="simple_rnn", units=2)
    for weight in model.weights:
        if weight.path.endswith(("kernel", "recurrent_kernel")):
            weight.assign(np.full(weight.shape, 0.1, "float32"))
        elif weight.path.endswith("bias"):
            weight.assign(np.zeros(weight.shape, "float32"))
    x = np.arange(6, dtype="float32").reshape(1, 2, 3)
    # h1 = tanh(0.1 * (0 + 1 + 2)) = tanh(0.3); h2 = tanh(0.1 * 12 + 0.2 * h1).
    h1 = np.tanh(0.3)
    h2 = np.tanh(1.2 + 0.2 * h1)
    # Equal logits for both classes: 0.1 * 2 * h2 each.
    np.testing.assert_allclose(np.asarray(model(x)), [[0.5, 0.5]], atol=1e-6)
    hidden = keras.Model(model.input, model.get_layer("encoder_simple_rnn_0").output)
    np.testing.assert_allclose(np.asarray(hidden(x)), [[h2, h2]], atol=1e-6)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"units": 0}, "units"),
        ({"dropout": 1.5}, "dropout"),
        ({"feature_mean": [0.0, 1.0]}, "one value per feature"),
        ({"num_classes": 1}, "num_classes"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        build_speech_classifier(5, **kwargs)
