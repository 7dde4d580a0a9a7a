"""The recurrent layer factory and stack every builder shares."""

import keras
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.models.recurrent import recurrent_layer, recurrent_stack


@pytest.mark.parametrize(
    "cell, cls",
    [
        ("simple_rnn", keras.layers.SimpleRNN),
        ("gru", keras.layers.GRU),
        ("lstm", keras.layers.LSTM),
    ],
)
def test_named_cells_give_keras_layers(cell, cls):
    layer = recurrent_layer(cell, 5, return_sequences=True, name="x")
    assert isinstance(layer, cls) and layer.units == 5 and layer.return_sequences


def test_per_layer_sizes_as_in_the_course_language_model():
    """Two LSTMs of 256 and 128 units on 200-dimensional embeddings."""
    inputs = keras.Input((20, 200))
    outputs = recurrent_stack(
        inputs, cell="lstm", units=[256, 128], return_sequences=True
    )
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 20, 128)
    assert [layer.name for layer in model.layers[1:]] == [
        "encoder_lstm_0",
        "encoder_lstm_1",
    ]


def test_only_the_last_layer_may_drop_the_sequence():
    inputs = keras.Input((None, 4))
    outputs = recurrent_stack(
        inputs, cell="gru", units=3, num_layers=3, bidirectional=True
    )
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 6)
    forward_layers = [wrapper.forward_layer for wrapper in model.layers[1:]]
    assert [layer.return_sequences for layer in forward_layers] == [True, True, False]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cell": 3}, "argument `cell`"),
        ({"units": [4, 0]}, "argument `units`"),
        ({"units": []}, "argument `units`"),
        ({"num_layers": -1}, "argument `num_layers`"),
        ({"recurrent_dropout": -0.1}, "argument `recurrent_dropout`"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        recurrent_stack(keras.Input((None, 4)), **kwargs)


def test_output_dropout_is_one_named_layer_after_the_stack():
    inputs = keras.Input((None, 3))
    x = recurrent_stack(inputs, units=4, num_layers=2, dropout=0.2, output_dropout=True)
    names = [layer.name for layer in keras.Model(inputs, x).layers]
    assert names[-2:] == ["encoder_lstm_1", "encoder_dropout"]
    x = recurrent_stack(inputs, units=4, dropout=0.0, output_dropout=True)
    assert keras.Model(inputs, x).layers[-1].name == "encoder_lstm_0"
