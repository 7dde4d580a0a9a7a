"""Forecast layers: baselines and autoregressive feedback, golden numbers."""

import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers import Autoregressive, BaselineForecast
from tests.helpers import deterministic_weights

WINDOW = np.arange(2 * 5 * 3, dtype="float32").reshape(2, 5, 3)  # (batch, w, f)


def run(layer, x=WINDOW):
    return keras.ops.convert_to_numpy(layer(x))


def test_persistence_repeats_the_last_value_of_each_target():
    out = run(BaselineForecast("persistence", [2, 0], horizon=3))
    assert out.shape == (2, 3, 2)
    assert out[0].tolist() == [[14, 12]] * 3 and out[1].tolist() == [[29, 27]] * 3


def test_repeat_cycles_through_the_last_period():
    out = run(BaselineForecast("repeat", [1], horizon=5, period=2))
    # Column 1 of the first window is 1, 4, 7, 10, 13: the last two repeat.
    assert out[0, :, 0].tolist() == [10, 13, 10, 13, 10]
    default = run(BaselineForecast("repeat", [1], horizon=3))  # period = horizon
    assert default[0, :, 0].tolist() == [7, 10, 13]
    with pytest.raises(InvalidArgumentError, match="period <= input_width"):
        run(BaselineForecast("repeat", [1], horizon=6))


def test_baseline_config_round_trip():
    layer = BaselineForecast("repeat", [1], horizon=4, period=2, name="b")
    clone = BaselineForecast.from_config(layer.get_config())
    np.testing.assert_array_equal(run(clone), run(layer))
    with pytest.raises(InvalidArgumentError, match="`kind`"):
        BaselineForecast("mean", [0], horizon=1)


def simple_rnn_reference(window, kernel, recurrent, bias, dense, dense_bias, steps):
    """The feedback loop in NumPy: warm up on the window, then feed back."""
    state = np.zeros(recurrent.shape[0])
    for x in window:
        state = np.tanh(x @ kernel + state @ recurrent + bias)
    prediction = state @ dense + dense_bias
    predictions = [prediction]
    for _ in range(steps - 1):
        state = np.tanh(prediction @ kernel + state @ recurrent + bias)
        prediction = state @ dense + dense_bias
        predictions.append(prediction)
    return np.stack(predictions)


def test_autoregressive_golden_numbers_against_numpy():
    inputs = keras.Input((5, 3))
    layer = Autoregressive("simple_rnn", 4, 3, [2, 0], horizon=3)
    model = keras.Model(inputs, layer(inputs))
    deterministic_weights(model, scale=0.3)
    kernel, recurrent, bias = layer.step.get_weights()
    dense, dense_bias = layer.readout.get_weights()
    x = WINDOW / 30.0
    expected = np.stack(
        [
            simple_rnn_reference(w, kernel, recurrent, bias, dense, dense_bias, 3)
            for w in x
        ]
    )[:, :, [2, 0]]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)


@pytest.mark.parametrize("cell,num_layers", [("lstm", 2), ("gru", 1)])
def test_autoregressive_stacked_cells_round_trip(cell, num_layers, tmp_path):
    inputs = keras.Input((5, 3))
    layer = Autoregressive(cell, 4, 3, [1], horizon=4, num_layers=num_layers)
    model = keras.Model(inputs, layer(inputs))
    deterministic_weights(model)
    x = WINDOW / 30.0
    assert model.predict(x, verbose=0).shape == (2, 4, 1)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


def test_autoregressive_targets_must_be_features():
    with pytest.raises(InvalidArgumentError, match="among the features"):
        Autoregressive("lstm", 4, 3, [3], horizon=2)


@keras.saving.register_keras_serializable(package="seqkeras_tests")
class TanhCell(keras.layers.Layer):
    """A minimal cell without bias: any registered cell class works."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.recurrent = self.add_weight(shape=(self.units, self.units))

    def call(self, inputs, states):
        state = states[0] if isinstance(states, (list, tuple)) else states
        h = keras.ops.tanh(inputs @ self.kernel + state @ self.recurrent)
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_autoregressive_with_a_custom_cell_class_saves_and_reloads(tmp_path):
    inputs = keras.Input((5, 3))
    layer = Autoregressive(TanhCell, 4, 3, [0], horizon=2)
    assert layer.get_config()["cell"] == "seqkeras_tests>TanhCell"
    model = keras.Model(inputs, layer(inputs))
    deterministic_weights(model)
    x = WINDOW / 30.0
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


def test_unregistered_cell_class_is_refused():
    class Unregistered(TanhCell):
        pass

    with pytest.raises(InvalidArgumentError, match="register_keras_serializable"):
        Autoregressive(Unregistered, 4, 3, [0], horizon=2)
    with pytest.raises(InvalidArgumentError, match="`cell`"):
        Autoregressive("transformer", 4, 3, [0], horizon=2)
