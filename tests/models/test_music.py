"""build_polyphonic_model, its frame likelihood and its one-step function."""

import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.models.music import (
    FrameNLL,
    build_polyphonic_model,
    initial_states,
    step_function,
)
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    deterministic_weights,
)


def rolls(batch=2, steps=6, pitches=88):
    # Deterministic chords: key k sounds at step t when (k + 3t) % 11 == 0.
    k, t = np.meshgrid(np.arange(pitches), np.arange(steps))
    roll = ((k + 3 * t) % 11 == 0).astype("float32")
    return np.stack([np.roll(roll, b, axis=1) for b in range(batch)])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_frame_nll_is_the_keys_binary_cross_entropy_summed():
    loss = FrameNLL()
    y = np.zeros((1, 2, 88), "float32")
    y[0, 0, :4] = 1
    logits = np.zeros((1, 2, 88), "float32")
    # All logits 0: every key has probability 1/2, so a step costs 88 log 2.
    assert float(loss(y, logits)) == pytest.approx(88 * np.log(2), rel=1e-6)
    # The steps with weight 0 (padding) count for nothing.
    logits[0, 1] = 5.0
    weights = np.array([[1.0, 0.0]], "float32")
    assert float(loss(y, logits, sample_weight=weights)) == pytest.approx(
        88 * np.log(2), rel=1e-6
    )
    # Golden: a confident right key, a confident wrong one.
    logits = np.full((1, 1, 88), -20.0, "float32")
    logits[0, 0, 0] = 3.0  # sounds, p = sigmoid(3)
    logits[0, 0, 5] = 2.0  # silent, p = sigmoid(2)
    y = np.zeros((1, 1, 88), "float32")
    y[0, 0, 0] = 1
    expected = (
        -np.log(sigmoid(3.0)) - np.log(1 - sigmoid(2.0)) + 86 * np.log1p(np.exp(-20.0))
    )
    assert float(loss(y, logits)) == pytest.approx(expected, rel=1e-5)


def test_simple_rnn_polyphonic_model_matches_the_equations():
    model = build_polyphonic_model(
        cell="simple_rnn", units=3, num_layers=1, embedding_dim=4, compile=False
    )
    W_p, b_p, W_x, W_a, b_a, W_y, b_y, W_s = deterministic_weights(model, scale=0.3)
    x = rolls(1)[0]
    a = np.zeros(3)
    expected = []
    for frame in x:
        e = np.tanh(frame @ W_p + b_p)  # the step's projection
        a = np.tanh(e @ W_x + a @ W_a + b_a)
        expected.append(a @ W_y + b_y + frame @ W_s)  # and the direct path
    logits = keras.ops.convert_to_numpy(model(x[None]))[0]
    np.testing.assert_allclose(logits, np.array(expected), atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_one_step_at_a_time_gives_the_models_logits(cell):
    model = build_polyphonic_model(
        cell=cell, units=[6, 5], embedding_dim=4, compile=False
    )
    deterministic_weights(model, scale=0.3)
    x = rolls(2)
    full = keras.ops.convert_to_numpy(model(x))
    step = step_function(model)
    states = initial_states(model, 2)
    for t in range(x.shape[1]):
        logits, states = step(x[:, t], states)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(logits), full[:, t], atol=1e-5
        )


def test_round_trips_and_a_training_step(tmp_path):
    model = build_polyphonic_model(units=8, embedding_dim=4, dropout=0.1)
    x = rolls(2)
    assert_config_round_trip(model, x)
    assert_keras_round_trip(model, x, tmp_path)
    history = model.fit(x[:, :-1], x[:, 1:], epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_it_starts_by_expecting_held_notes():
    model = build_polyphonic_model(units=4, embedding_dim=4)
    x = rolls(1, steps=3)
    p = 1 / (1 + np.exp(-keras.ops.convert_to_numpy(model(x))))
    sounding = x > 0
    # A key that sounds is likely to go on (logit about -3 + 5), one that is
    # silent unlikely (about -3), whatever the random recurrent weights add.
    assert p[sounding].min() > 0.6 and p[~sounding].max() < 0.2


def test_bad_arguments_are_refused():
    with pytest.raises(InvalidArgumentError, match="dropout"):
        build_polyphonic_model(dropout=1.5)
    with pytest.raises(InvalidArgumentError, match="num_pitches"):
        build_polyphonic_model(num_pitches=0)
