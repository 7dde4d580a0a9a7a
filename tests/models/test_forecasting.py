"""Forecasting and sequence-classification builders."""

import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.models.forecasting import (
    build_baseline_forecaster,
    build_feedforward_classifier,
    build_forecaster,
    build_linear_forecaster,
    build_sequence_classifier,
)
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    deterministic_weights,
    fit_one_step,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 6, 3)).astype("float32")


def test_direct_forecaster_layers_and_shapes():
    model = build_forecaster(6, 3, horizon=5, num_targets=2, cell="lstm", units=8)
    assert [layer.name for layer in model.layers] == [
        "window",
        "encoder_lstm_0",
        "forecast_dense",
        "forecast",
    ]
    assert model.predict(X, verbose=0).shape == (4, 5, 2)
    stacked = build_forecaster(
        6, 3, horizon=2, units=[8, 4], bidirectional=True, dropout=0.1
    )
    names = [layer.name for layer in stacked.layers]
    assert "encoder_bilstm_0" in names and "encoder_bilstm_1" in names
    assert stacked.get_layer("forecast_dense").input.shape == (None, 8)  # 2 x 4


def test_linear_forecaster_golden_numbers():
    model = build_linear_forecaster(6, 3, horizon=2, num_targets=1)
    kernel, bias = deterministic_weights(model)
    expected = X.reshape(4, 18) @ kernel + bias
    np.testing.assert_allclose(
        model.predict(X, verbose=0), expected.reshape(4, 2, 1), atol=1e-5
    )


def test_direct_forecaster_golden_numbers_simple_rnn():
    model = build_forecaster(6, 3, horizon=2, num_targets=1, cell="simple_rnn", units=4)
    kernel, recurrent, bias, dense, dense_bias = deterministic_weights(model, 0.3)
    state = np.zeros((4, 4))
    for t in range(6):
        state = np.tanh(X[:, t] @ kernel + state @ recurrent + bias)
    expected = (state @ dense + dense_bias).reshape(4, 2, 1)
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, atol=1e-5)


def test_autoregressive_forecaster_predicts_targets_among_features():
    model = build_forecaster(
        6, 3, horizon=4, strategy="autoregressive", target_indices=[1], units=8
    )
    assert model.predict(X, verbose=0).shape == (4, 4, 1)
    with pytest.raises(InvalidArgumentError, match="forwards only"):
        build_forecaster(6, 3, strategy="autoregressive", bidirectional=True)
    with pytest.raises(InvalidArgumentError, match="`target_indices`"):
        build_forecaster(6, 3, strategy="autoregressive", target_indices=[3])


def test_masked_front_padding_reads_like_the_short_window():
    model = build_forecaster(6, 3, horizon=2, cell="gru", units=5, mask_value=-99.0)
    short = build_forecaster(4, 3, horizon=2, cell="gru", units=5)
    deterministic_weights(model)
    short.set_weights(model.get_weights())
    padded = X.copy()
    padded[:, :2] = -99.0  # two steps of padding before four real ones
    np.testing.assert_allclose(
        model.predict(padded, verbose=0), short.predict(X[:, 2:], verbose=0), atol=1e-6
    )
    # Without the mask the padding changes the forecast.
    unmasked = build_forecaster(6, 3, horizon=2, cell="gru", units=5)
    unmasked.set_weights(model.get_weights())
    assert not np.allclose(
        unmasked.predict(padded, verbose=0), short.predict(X[:, 2:], verbose=0)
    )


def test_baseline_model_has_no_weights_and_evaluates():
    model = build_baseline_forecaster(6, 3, kind="persistence", horizon=2)
    assert not model.weights
    y = np.repeat(X[:, -1:, :], 2, axis=1)  # the persistence forecast itself
    loss, mae = model.evaluate(X, y, verbose=0)
    assert loss == 0 and mae == 0


@pytest.mark.parametrize(
    "build",
    [
        lambda: build_forecaster(6, 3, horizon=2, num_targets=1, cell="gru", units=4),
        lambda: build_forecaster(
            6, 3, horizon=3, strategy="autoregressive", num_layers=2, units=4
        ),
        lambda: build_linear_forecaster(6, 3, horizon=2),
        lambda: build_baseline_forecaster(6, 3, kind="repeat", horizon=4, period=2),
        lambda: build_sequence_classifier(6, 3, 4, units=4, mask_value=0.0),
        lambda: build_feedforward_classifier(6, 3, 4, units=4),
    ],
    ids=["direct", "autoregressive", "linear", "repeat", "sequence", "feedforward"],
)
def test_round_trips(build, tmp_path):
    model = build()
    if model.weights:
        deterministic_weights(model)
    assert_config_round_trip(model, X)
    assert_keras_round_trip(model, X, tmp_path)


def test_one_training_step():
    fit_one_step(build_forecaster(6, 3, horizon=2, units=4), X, np.ones((4, 2, 1)))
    fit_one_step(build_sequence_classifier(6, 3, 4, units=4), X, np.arange(4))


def test_feedforward_classifier_only_sees_the_last_step():
    feedforward = build_feedforward_classifier(6, 3, 4, units=8)
    recurrent = build_sequence_classifier(6, 3, 4, cell="lstm", units=8)
    changed = X.copy()
    changed[:, :-1] += 1.0  # every day but the last
    np.testing.assert_allclose(
        feedforward.predict(changed, verbose=0), feedforward.predict(X, verbose=0)
    )
    assert not np.allclose(
        recurrent.predict(changed, verbose=0), recurrent.predict(X, verbose=0)
    )
    probabilities = recurrent.predict(X, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)


def test_arguments_are_validated():
    with pytest.raises(InvalidArgumentError, match="`strategy`"):
        build_forecaster(6, 3, strategy="recursive")
    with pytest.raises(InvalidArgumentError, match="`input_width`"):
        build_forecaster(0, 3)
    with pytest.raises(InvalidArgumentError, match="`num_classes`"):
        build_sequence_classifier(6, 3, 1)
    with pytest.raises(InvalidArgumentError, match="`kind`"):
        build_baseline_forecaster(6, 3, kind="mean")
    with pytest.raises(InvalidArgumentError, match="`cell`"):
        build_forecaster(6, 3, cell="transformer")
