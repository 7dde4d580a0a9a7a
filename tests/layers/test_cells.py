import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers import GRUCell, LSTMCell, PeepholeLSTMCell, SimplifiedGRUCell
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    deterministic_weights,
    fit_one_step,
)

UNITS, FEATURES, TIME = 3, 2, 4


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def ramp_inputs(batch=2):
    """`np.arange` inputs scaled into a range where tanh is not saturated."""
    size = batch * TIME * FEATURES
    ramp = np.arange(size, dtype="float32").reshape(batch, TIME, FEATURES)
    return ramp / size - 0.5


def constant_cell(cell_class, **kwargs):
    """A cell whose weights are all 0.1 and biases all -0.2 (peepholes 0.3)."""
    return cell_class(
        UNITS,
        kernel_initializer=keras.initializers.Constant(0.1),
        bias_initializer=keras.initializers.Constant(-0.2),
        **kwargs,
    )


def run_cell(cell, x):
    """Every output and the final states of `keras.layers.RNN(cell)`."""
    outputs, *states = keras.layers.RNN(cell, return_sequences=True, return_state=True)(
        x
    )
    return np.asarray(outputs), [np.asarray(s) for s in states]


# === Golden numbers: the course's equations written out in NumPy ===


def reference_steps(x, step, num_states):
    states = [np.zeros((x.shape[0], UNITS), "float32")] * num_states
    outputs = []
    for t in range(x.shape[1]):
        states = step(x[:, t], *states)
        outputs.append(states[0])
    return np.stack(outputs, axis=1), states


W, B, P = 0.1, -0.2, 0.3


def affine(state, x):
    """W [state, x] + b with every weight W and every bias B."""
    return np.concatenate([state, x], -1) @ np.full((UNITS + FEATURES, UNITS), W) + B


def simplified_gru_step(x, c):
    candidate = np.tanh(affine(c, x))
    update = sigmoid(affine(c, x))
    return [update * candidate + (1 - update) * c]


def gru_step(x, c, reset_after):
    update = sigmoid(affine(c, x))
    relevance = sigmoid(affine(c, x))
    if reset_after:
        recurrent = c @ np.full((UNITS, UNITS), W) + B  # the second bias b_cr
        from_input = x @ np.full((FEATURES, UNITS), W) + B
        candidate = np.tanh(from_input + relevance * recurrent)
    else:
        candidate = np.tanh(affine(relevance * c, x))
    return [update * candidate + (1 - update) * c]


def lstm_step(x, a, c, peephole=0.0, forget_bias=B, let_out=np.tanh):
    stacked = np.concatenate([a, x], -1) @ np.full((UNITS + FEATURES, UNITS), W)
    candidate = np.tanh(stacked + B)
    update = sigmoid(stacked + B + peephole * c)
    forget = sigmoid(stacked + forget_bias + peephole * c)
    c = update * candidate + forget * c
    a = sigmoid(stacked + B + peephole * c) * let_out(c)
    return [a, c]


@pytest.mark.parametrize(
    "make_cell, step, num_states",
    [
        (lambda: constant_cell(SimplifiedGRUCell), simplified_gru_step, 1),
        (
            lambda: constant_cell(GRUCell),
            lambda x, c: gru_step(x, c, reset_after=False),
            1,
        ),
        (
            lambda: constant_cell(GRUCell, reset_after=True),
            lambda x, c: gru_step(x, c, reset_after=True),
            1,
        ),
        (lambda: constant_cell(LSTMCell, unit_forget_bias=False), lstm_step, 2),
        (
            lambda: constant_cell(LSTMCell),
            lambda x, a, c: lstm_step(x, a, c, forget_bias=1.0),
            2,
        ),
        (  # the course notes' output equation, a = Γo * c
            lambda: constant_cell(
                LSTMCell, unit_forget_bias=False, output_activation="linear"
            ),
            lambda x, a, c: lstm_step(x, a, c, let_out=lambda c: c),
            2,
        ),
        (
            lambda: constant_cell(
                PeepholeLSTMCell,
                unit_forget_bias=False,
                peephole_initializer=keras.initializers.Constant(P),
            ),
            lambda x, a, c: lstm_step(x, a, c, peephole=P),
            2,
        ),
    ],
    ids=[
        "simplified_gru",
        "gru",
        "gru_reset_after",
        "lstm",
        "lstm_forget1",
        "lstm_linear_output",
        "peep",
    ],
)
def test_cells_follow_the_equations(make_cell, step, num_states):
    x = ramp_inputs()
    outputs, states = run_cell(make_cell(), x)
    expected_outputs, expected_states = reference_steps(x, step, num_states)
    np.testing.assert_allclose(outputs, expected_outputs, atol=1e-6)
    for state, expected in zip(states, expected_states, strict=True):
        np.testing.assert_allclose(state, expected, atol=1e-6)


def test_simplified_gru_golden_numbers():
    # Step 1 by hand: x = [-0.5, -0.375], c = 0, so every unit gets
    # 0.1 * (-0.875) - 0.2 = -0.2875; c = σ(-0.2875) * tanh(-0.2875) = -0.11994.
    outputs, _ = run_cell(constant_cell(SimplifiedGRUCell), ramp_inputs(batch=1))
    np.testing.assert_allclose(
        outputs[0, :, 0], [-0.11994, -0.18342, -0.20736, -0.20274], atol=1e-5
    )


# === The same numbers as Keras' GRU and LSTM ===


def padded_inputs(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 6, FEATURES)).astype("float32")
    x[1, 4:] = 0.0  # padding, masked below
    x[2, 2:] = 0.0
    return x


def run_masked(layer, x):
    inputs = keras.Input((None, FEATURES))
    masked = keras.layers.Masking(0.0)(inputs)
    model = keras.Model(inputs, layer(masked))
    return [np.asarray(t) for t in model(x)]


@pytest.mark.parametrize(
    "keras_layer, options, cell",
    [
        (keras.layers.GRU, dict(reset_after=True), GRUCell(UNITS, reset_after=True)),
        (keras.layers.GRU, dict(reset_after=False), GRUCell(UNITS)),
        (keras.layers.LSTM, {}, LSTMCell(UNITS)),
        (
            keras.layers.LSTM,
            {},
            PeepholeLSTMCell(UNITS, peephole_initializer="zeros"),
        ),
    ],
    ids=["gru_reset_after", "gru_reset_before", "lstm", "peephole_at_zero"],
)
def test_cells_match_keras_given_the_same_weights(keras_layer, options, cell):
    x = padded_inputs()
    kwargs = dict(return_sequences=True, return_state=True)
    reference = keras_layer(UNITS, **options, **kwargs)
    ours = keras.layers.RNN(cell, **kwargs)
    run_masked(ours, x)  # builds the cell
    keras_model = keras.Sequential([keras.Input((None, FEATURES)), reference])
    deterministic_weights(keras_model, scale=0.8)
    expected = run_masked(reference, x)  # outputs, then the final state(s)
    cell.load_keras_weights(reference)
    got = run_masked(ours, x)
    assert len(got) == len(expected) == 1 + cell.NUM_STATES
    for ours_value, keras_value in zip(got, expected, strict=True):
        np.testing.assert_allclose(ours_value, keras_value, atol=1e-5)
    # The masked steps kept the state: row 2's last output repeats step 1's.
    np.testing.assert_allclose(got[0][2, 1], got[0][2, -1])
    assert np.abs(got[0][2, 1] - got[0][2, 0]).max() > 1e-3


def test_keras_update_gate_is_the_course_gate_reversed():
    reference = keras.layers.GRU(UNITS, reset_after=False)
    reference(padded_inputs())
    cell = GRUCell(UNITS)
    keras.layers.RNN(cell)(padded_inputs())
    cell.load_keras_weights(reference)
    z_kernel = np.asarray(reference.cell.kernel)[:, :UNITS]
    np.testing.assert_allclose(np.asarray(cell.W_u)[UNITS:], -z_kernel)


def test_peepholes_change_the_output():
    x = padded_inputs()
    peep = PeepholeLSTMCell(UNITS, peephole_initializer="zeros")
    plain = keras.layers.RNN(peep)
    before = np.asarray(plain(x))
    peep.p_o.assign(np.full(UNITS, 2.0, "float32"))
    assert np.abs(np.asarray(plain(x)) - before).max() > 1e-3


# === Keras integration ===


@pytest.mark.parametrize(
    "cell_class",
    [
        SimplifiedGRUCell,
        GRUCell,
        LSTMCell,
        PeepholeLSTMCell,
        lambda units: LSTMCell(units, output_activation="linear"),
    ],
    ids=["simplified_gru", "gru", "lstm", "peephole_lstm", "lstm_linear_output"],
)
def test_cells_serialise_train_and_go_bidirectional(cell_class, tmp_path):
    inputs = keras.Input((None, FEATURES))
    x = keras.layers.Bidirectional(
        keras.layers.RNN(cell_class(UNITS), return_sequences=True)
    )(keras.layers.Masking(0.0)(inputs))
    x = keras.layers.RNN(cell_class(UNITS))(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    model.compile(optimizer="adam", loss="mse")
    x_data = padded_inputs()
    fit_one_step(model, x_data, np.ones((3, 1), "float32"))
    assert_config_round_trip(model, x_data)
    assert_keras_round_trip(model, x_data, tmp_path)


def test_gru_reset_after_round_trips_its_second_bias(tmp_path):
    cell = GRUCell(UNITS, reset_after=True)
    model = keras.Sequential([keras.Input((None, FEATURES)), keras.layers.RNN(cell)])
    assert [w.path.split("/")[-1] for w in cell.weights][-1] == "b_cr"
    deterministic_weights(model)
    assert_keras_round_trip(model, padded_inputs(), tmp_path)


def test_bad_arguments_and_weights_are_refused():
    with pytest.raises(InvalidArgumentError, match="`units`"):
        GRUCell(0)
    with pytest.raises(InvalidArgumentError, match="`output_activation`"):
        LSTMCell(UNITS, output_activation="relu")
    built = keras.layers.GRU(UNITS, reset_after=True)
    built(padded_inputs())
    cell = GRUCell(UNITS)
    keras.layers.RNN(cell)(padded_inputs())
    with pytest.raises(InvalidArgumentError, match="reset_after"):
        cell.load_keras_weights(built)
    with pytest.raises(InvalidArgumentError, match="keras.layers.GRU"):
        cell.load_keras_weights(keras.layers.LSTM(UNITS))
    with pytest.raises(InvalidArgumentError, match="no weights yet"):
        cell.load_keras_weights(keras.layers.GRU(UNITS, reset_after=False))
    wider = keras.layers.GRU(UNITS + 1, reset_after=False)
    wider(padded_inputs())
    with pytest.raises(InvalidArgumentError, match="same units"):
        cell.load_keras_weights(wider)
    with pytest.raises(InvalidArgumentError, match="last axis"):
        keras.layers.RNN(LSTMCell(UNITS))(keras.Input((None, None)))
