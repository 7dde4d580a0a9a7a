"""The recurrent layer factory and stack every builder shares."""

import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers import GRUCell, LSTMCell, PeepholeLSTMCell, SimplifiedGRUCell
from seqkeras.models import (
    build_forecaster,
    build_sentiment_classifier,
    build_sequence_classifier,
    build_sequence_tagger,
    build_translator,
)
from seqkeras.models.recurrent import (
    CELLS,
    cell_name,
    recurrent_layer,
    recurrent_stack,
    recurrent_structure,
)
from tests.helpers import assert_keras_round_trip


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


@pytest.mark.parametrize(
    "cell, cls, states",
    [
        ("simplified_gru", SimplifiedGRUCell, 1),
        ("course_gru", GRUCell, 1),
        ("course_lstm", LSTMCell, 2),
        ("peephole_lstm", PeepholeLSTMCell, 2),
    ],
)
def test_the_course_cells_by_name(cell, cls, states):
    assert cell in CELLS
    layer = recurrent_layer(cell, 5, return_sequences=True, name="x")
    assert type(layer) is keras.layers.RNN and type(layer.cell) is cls
    assert layer.cell.units == 5 and layer.return_sequences
    assert len(layer.cell.state_size) == states
    assert cell_name(cell) == cell
    assert cell_name("seqkeras>PeepholeLSTMCell") == "peepholelstmcell"
    with pytest.raises(InvalidArgumentError, match="recurrent_dropout"):
        recurrent_layer(cell, 5, recurrent_dropout=0.1)


TOKENS = np.array([[4, 5, 6, 0], [7, 8, 0, 0]])
SERIES = np.linspace(-1, 1, 2 * 6 * 3, dtype="float32").reshape(2, 6, 3)


@pytest.mark.parametrize(
    "build, inputs",
    [
        (
            lambda cell: build_sentiment_classifier(
                20, cell=cell, units=3, embedding_dim=4
            ),
            TOKENS,
        ),
        (
            lambda cell: build_sequence_tagger(
                20, 5, cell=cell, units=3, embedding_dim=4
            ),
            TOKENS,
        ),
        (lambda cell: build_forecaster(6, 3, horizon=2, cell=cell, units=3), SERIES),
        (
            lambda cell: build_forecaster(
                6, 3, horizon=2, strategy="autoregressive", cell=cell, units=3
            ),
            SERIES,
        ),
        (lambda cell: build_sequence_classifier(6, 3, 4, cell=cell, units=3), SERIES),
        (
            lambda cell: build_translator(20, 20, cell=cell, units=3, embedding_dim=4),
            {"source": TOKENS, "target_in": TOKENS[:, :3]},
        ),
    ],
    ids=["sentiment", "tagger", "forecaster", "autoregressive", "classifier", "mt"],
)
@pytest.mark.parametrize("cell", ["simplified_gru", "peephole_lstm"])
def test_every_builder_takes_the_course_cells(build, inputs, cell, tmp_path):
    model = build(cell)
    cell_class = {
        "simplified_gru": SimplifiedGRUCell,
        "peephole_lstm": PeepholeLSTMCell,
    }
    assert any(isinstance(x, cell_class[cell]) for x in model._flatten_layers())
    assert np.isfinite(np.asarray(model(inputs))).all()
    assert_keras_round_trip(model, inputs, tmp_path)


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


def test_structure_of_a_stacked_bidirectional_one_hot_classifier():
    model = build_sentiment_classifier(
        50, units=6, num_layers=2, bidirectional=True, embedding_dim=None, dropout=0.1
    )
    assert recurrent_structure(model) == [
        {"kind": "input", "name": "token_one_hot", "units": 50},
        {
            "kind": "recurrent",
            "name": "encoder_bilstm_0",
            "cell": "lstm",
            "units": 6,
            "bidirectional": True,
            "return_sequences": True,
        },
        {
            "kind": "recurrent",
            "name": "encoder_bilstm_1",
            "cell": "lstm",
            "units": 6,
            "bidirectional": True,
            "return_sequences": False,
        },
        {"kind": "output", "name": "classifier", "units": 1},
    ]


@pytest.mark.parametrize("cell", ["gru", "course_gru", "peephole_lstm"])
def test_structure_names_keras_and_course_cells_apart(cell):
    model = build_sequence_tagger(30, 5, cell=cell, units=3, embedding_dim=4)
    parts = recurrent_structure(model)
    assert [p["kind"] for p in parts] == ["input", "recurrent", "output"]
    assert parts[1]["cell"] == cell and parts[1]["return_sequences"]
    assert parts[0] == {"kind": "input", "name": "token_embedding", "units": 4}
    assert parts[2]["units"] == 5


def test_structure_of_a_plain_keras_model_and_of_a_model_without_rnn():
    model = keras.Sequential(
        [
            keras.Input((None, 7)),
            keras.layers.SimpleRNN(5, return_sequences=True, name="first"),
            keras.layers.RNN(SimplifiedGRUCell(2), name="second"),
        ]
    )
    parts = recurrent_structure(model)
    assert parts[0] == {"kind": "input", "name": "inputs", "units": 7}
    assert [(p["name"], p["cell"], p["units"]) for p in parts[1:]] == [
        ("first", "simple_rnn", 5),
        ("second", "simplified_gru", 2),
    ]
    dense = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="mlp")
    with pytest.raises(InvalidArgumentError, match="'mlp' has no recurrent layer"):
        recurrent_structure(dense)
