"""build_sentiment_classifier: maths, masking, word order, round trips."""

import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.models.sentiment import (
    PRESETS,
    build_sentiment_classifier,
    class_probabilities,
)
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    deterministic_weights,
    fit_one_step,
)

SMALL = {"units": 3, "embedding_dim": 4}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_simple_rnn(x, w_x, w_a, b_a):
    """The course's forward pass: A = tanh(X_t . W_X + A . W_A + b_A)."""
    a = np.zeros(w_a.shape[0])
    for x_t in x:
        a = np.tanh(x_t @ w_x + a @ w_a + b_a)
    return a


def numpy_lstm(x, kernel, recurrent, bias):
    """LSTM over x (time, dim); Keras' gate order is input, forget, cell, output."""
    units = recurrent.shape[0]
    h, c = np.zeros(units), np.zeros(units)
    for x_t in x:
        z = x_t @ kernel + h @ recurrent + bias
        i, f, g, o = (z[k * units : (k + 1) * units] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
    return h


def test_lstm_classifier_matches_the_equations():
    model = build_sentiment_classifier(20, cell="lstm", compile=False, **SMALL)
    embedding, kernel, recurrent, bias, w_y, b_y = deterministic_weights(model)
    ids = np.array([[5, 6, 7, 0, 0]])
    h = numpy_lstm(embedding[[5, 6, 7]], kernel, recurrent, bias)
    expected = sigmoid(h @ w_y + b_y)
    output = model.predict(ids, verbose=0)
    np.testing.assert_allclose(output, expected[None], atol=1e-6)
    # Golden number: pins the whole computation, whatever changes around it.
    assert output[0, 0] == pytest.approx(0.4077184, abs=1e-6)


def test_simple_rnn_classifier_matches_the_course_forward_pass():
    model = build_sentiment_classifier(20, cell="simple_rnn", compile=False, **SMALL)
    embedding, w_x, w_a, b_a, w_y, b_y = deterministic_weights(model)
    a = numpy_simple_rnn(embedding[[3, 9, 4]], w_x, w_a, b_a)
    output = model.predict(np.array([[3, 9, 4]]), verbose=0)
    np.testing.assert_allclose(output, sigmoid(a @ w_y + b_y)[None], atol=1e-6)


def test_bidirectional_reads_both_ways():
    model = build_sentiment_classifier(
        20, cell="lstm", bidirectional=True, compile=False, **SMALL
    )
    embedding, *lstm, w_y, b_y = deterministic_weights(model)
    x = embedding[[5, 6, 7]]
    forward = numpy_lstm(x, *lstm[:3])
    backward = numpy_lstm(x[::-1], *lstm[3:])
    expected = sigmoid(np.concatenate([forward, backward]) @ w_y + b_y)
    output = model.predict(np.array([[5, 6, 7, 0]]), verbose=0)
    np.testing.assert_allclose(output, expected[None], atol=1e-6)


def test_dan_averages_real_tokens_only():
    model = build_sentiment_classifier(20, encoder="dan", compile=False, **SMALL)
    embedding, w_1, b_1, w_y, b_y = deterministic_weights(model)
    mean = embedding[[5, 6, 7]].mean(axis=0)
    expected = sigmoid(np.maximum(mean @ w_1 + b_1, 0) @ w_y + b_y)
    output = model.predict(np.array([[5, 6, 7, 0, 0, 0]]), verbose=0)
    np.testing.assert_allclose(output, expected[None], atol=1e-6)


MASKED_SETUPS = {
    "dan": {"encoder": "dan"},
    "simple_rnn": {"cell": "simple_rnn"},
    "gru": {"cell": "gru"},
    "lstm": {"cell": "lstm"},
    "bilstm": {"cell": "lstm", "bidirectional": True},
    "stacked_bigru": {"cell": "gru", "bidirectional": True, "num_layers": 2},
}


@pytest.mark.parametrize("setup", MASKED_SETUPS.values(), ids=MASKED_SETUPS.keys())
def test_padding_changes_nothing(setup):
    """A padded batch gives what each sentence gives alone, unpadded."""
    keras.utils.set_random_seed(1)
    model = build_sentiment_classifier(30, compile=False, **SMALL, **setup)
    sentences = [[5, 6, 7, 8], [9, 10], [11, 12, 13, 14, 15, 16], [17]]
    batch = keras.utils.pad_sequences(sentences, padding="post")
    together = model.predict(batch, verbose=0)
    for i, sentence in enumerate(sentences):
        alone = model.predict(np.array([sentence]), verbose=0)
        np.testing.assert_allclose(together[i], alone[0], atol=1e-6)


# "john enjoys eating the shark" and "the shark enjoys eating john"
JOHN_EATS_SHARK = [[4, 5, 6, 7, 8]]
SHARK_EATS_JOHN = [[7, 8, 5, 6, 4]]


def test_dan_cannot_tell_who_eats_whom():
    keras.utils.set_random_seed(2)
    model = build_sentiment_classifier(20, encoder="dan", compile=False, **SMALL)
    np.testing.assert_allclose(
        model.predict(np.array(JOHN_EATS_SHARK), verbose=0),
        model.predict(np.array(SHARK_EATS_JOHN), verbose=0),
        atol=1e-7,
    )


@pytest.mark.parametrize("name", ["rnn", "gru", "lstm", "bilstm"])
def test_recurrent_models_can(name):
    keras.utils.set_random_seed(2)
    model = build_sentiment_classifier(20, compile=False, **SMALL, **PRESETS[name])
    deterministic_weights(model)
    first = model.predict(np.array(JOHN_EATS_SHARK), verbose=0)
    second = model.predict(np.array(SHARK_EATS_JOHN), verbose=0)
    assert abs(float(first[0, 0] - second[0, 0])) > 1e-4


def test_multi_class_output_is_a_softmax():
    model = build_sentiment_classifier(20, num_classes=5, **SMALL)
    probabilities = model.predict(np.array([[4, 5, 0], [6, 0, 0]]), verbose=0)
    assert probabilities.shape == (2, 5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    assert model.loss == "sparse_categorical_crossentropy"


def test_class_probabilities_expands_a_sigmoid():
    np.testing.assert_allclose(
        np.asarray(class_probabilities(np.array([[0.25], [1.0]]))),
        [[0.75, 0.25], [0.0, 1.0]],
    )
    three = np.array([[0.2, 0.3, 0.5]])
    np.testing.assert_array_equal(np.asarray(class_probabilities(three)), three)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_trains_and_round_trips(name, tmp_path):
    keras.utils.set_random_seed(3)
    model = build_sentiment_classifier(30, dropout=0.1, **SMALL, **PRESETS[name])
    x = np.array([[4, 5, 6, 0], [7, 8, 0, 0]])
    fit_one_step(model, x, np.array([1, 0]))
    assert_config_round_trip(model, x)
    assert_keras_round_trip(model, x, tmp_path)


def test_layers_are_named_for_summaries():
    model = build_sentiment_classifier(
        50, cell="gru", num_layers=2, bidirectional=True, dropout=0.2, compile=False
    )
    names = [layer.name for layer in model.layers]
    assert names == [
        "token_ids", "token_embedding", "embedding_dropout", "encoder_bigru_0",
        "encoder_dropout_0", "encoder_bigru_1", "encoder_dropout", "classifier",
    ]  # fmt: skip


def test_compile_defaults_and_overrides():
    model = build_sentiment_classifier(20, clipnorm=1.0, learning_rate=0.01, **SMALL)
    assert model.optimizer.clipnorm == 1.0
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
    assert not build_sentiment_classifier(20, compile=False, **SMALL).compiled
    model.compile(optimizer="sgd", loss="mse")  # the caller can override
    assert isinstance(model.optimizer, keras.optimizers.SGD)


def test_a_cell_class_runs_through_keras_rnn():
    """`cell=` also takes a cell class, e.g. the course's own cells."""
    stock = build_sentiment_classifier(20, cell="simple_rnn", compile=False, **SMALL)
    custom = build_sentiment_classifier(
        20, cell=keras.layers.SimpleRNNCell, compile=False, **SMALL
    )
    assert custom.get_layer("encoder_simplernncell_0").__class__ is keras.layers.RNN
    custom.set_weights(deterministic_weights(stock))
    x = np.array([[4, 5, 6, 0]])
    np.testing.assert_allclose(
        custom.predict(x, verbose=0), stock.predict(x, verbose=0), atol=1e-6
    )


def test_one_hot_input_has_no_table_and_the_course_parameter_count(tmp_path):
    vocabulary_size, units, dim = 10_000, 64, 200
    one_hot = build_sentiment_classifier(
        vocabulary_size, cell="simple_rnn", units=units, embedding_dim=None
    )
    embedded = build_sentiment_classifier(
        vocabulary_size, cell="simple_rnn", units=units, embedding_dim=dim
    )
    assert "token_one_hot" in [layer.name for layer in one_hot.layers]
    # W_X (d, units) + W_A (units, units) + b_A, then W_y and b_y.
    rnn = vocabulary_size * units + units * units + units
    assert one_hot.count_params() == rnn + units + 1 == 644_225
    table = vocabulary_size * dim
    assert embedded.count_params() == table + dim * units + units * units + units + (
        units + 1
    )
    assert embedded.count_params() == 2_017_025
    ids = np.array([[5, 9, 2, 0]])
    assert_keras_round_trip(one_hot, ids, tmp_path)


def test_one_hot_model_equals_an_embedding_model_with_the_same_w_x():
    """Feeding one-hot words to W_X equals looking up rows of E = W_X and
    feeding them through an identity W_X: the embedding is the first matrix."""
    one_hot = build_sentiment_classifier(
        12, cell="simple_rnn", embedding_dim=None, units=3
    )
    weights = deterministic_weights(one_hot)  # W_X (12, 3), W_A, b_A, W_y, b_y
    embedded = build_sentiment_classifier(
        12, cell="simple_rnn", embedding_dim=3, units=3
    )
    embedded.set_weights([weights[0], np.eye(3, dtype="float32"), *weights[1:]])
    ids = np.array([[4, 7, 11, 0], [2, 0, 0, 0]])
    np.testing.assert_allclose(
        one_hot.predict(ids, verbose=0), embedded.predict(ids, verbose=0), atol=1e-6
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": -3}, "argument `units`, expected a positive integer, got -3"),
        ({"num_classes": 1}, "argument `num_classes`, expected an integer >= 2"),
        ({"encoder": "cnn"}, "argument `encoder`, expected one of 'dan', 'rnn'"),
        ({"cell": "transformer"}, "argument `cell`, expected one of 'simple_rnn'"),
        ({"dropout": 1.5}, r"argument `dropout`, expected a float in \[0, 1\)"),
        ({"clipnorm": 0}, "argument `clipnorm`, expected a positive number"),
        ({"learning_rate": -1e-3}, "argument `learning_rate`, expected a positive"),
        ({"num_layers": 0}, "argument `num_layers`"),
        ({"embedding_dim": 2.5}, "argument `embedding_dim`"),
    ],
)
def test_bad_arguments_are_refused_up_front(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        build_sentiment_classifier(20, **kwargs)
