import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidInputError
from seqkeras.gradients import input_gradient_norms
from seqkeras.models import build_sequence_classifier

X = np.random.default_rng(0).normal(size=(16, 60, 4)).astype("float32")
Y = np.zeros(16, "int64")


def norms_for(cell):
    keras.utils.set_random_seed(0)
    model = build_sequence_classifier(60, 4, 2, cell=cell, units=16)
    return input_gradient_norms(model, X, Y)


def test_the_gradient_fades_with_distance_faster_without_gates():
    rnn, lstm = norms_for("simple_rnn"), norms_for("lstm")
    assert rnn.shape == (60,)
    # The last step gets the most; 40 steps back a SimpleRNN keeps almost
    # nothing, an LSTM (forget gate starting open) keeps far more.
    assert rnn[-1] > rnn[-20] > rnn[-40]
    assert rnn[-40] / rnn[-1] < 1e-3
    assert lstm[-40] / lstm[-1] > 10 * rnn[-40] / rnn[-1]


def test_it_matches_a_hand_computed_gradient():
    # A model that sums its inputs over time with weight w: dL/dx_t = w * dL/dy.
    inputs = keras.Input((5, 1))
    summed = keras.layers.GlobalAveragePooling1D()(inputs)
    model = keras.Model(
        inputs, keras.layers.Dense(1, kernel_initializer="ones")(summed)
    )
    x = np.ones((2, 5, 1), "float32")
    norms = input_gradient_norms(
        model, x, np.zeros((2, 1)), keras.losses.MeanSquaredError()
    )
    # y = mean(x) + 0 = 1, L = mean((y - 0)^2), dL/dy = 2y / batch = 1, dy/dx_t = 1/5.
    np.testing.assert_allclose(norms, np.full(5, 0.2), rtol=1e-6)


def test_bad_inputs():
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.SimpleRNN(2)])
    with pytest.raises(InvalidInputError, match="not compiled"):
        input_gradient_norms(model, np.ones((1, 5, 2)), np.ones((1, 2)))
    with pytest.raises(InvalidInputError, match=r"\(batch, time, features\)"):
        input_gradient_norms(model, np.ones((5, 2)), np.ones((1, 2)), loss="mse")
