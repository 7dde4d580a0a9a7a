import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.crf import crf_nll
from seqkeras.models.tagging import PRESETS, build_sequence_tagger, decode_tags
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    deterministic_weights,
    fit_one_step,
)

SMALL = {"units": 3, "embedding_dim": 4, "dropout": 0.0}


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_lstm_steps(x, kernel, recurrent, bias):
    """The LSTM's hidden state at every step of x (time, dim)."""
    units = recurrent.shape[0]
    h, c, states = np.zeros(units), np.zeros(units), []
    for x_t in x:
        z = x_t @ kernel + h @ recurrent + bias
        i, f, g, o = (z[k * units : (k + 1) * units] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        states.append(h)
    return np.array(states)


def test_simple_rnn_tagger_is_the_course_forward_pass_at_every_step():
    model = build_sequence_tagger(
        20, 5, cell="simple_rnn", bidirectional=False, compile=False, **SMALL
    )
    embedding, w_x, w_a, b_a, w_y, b_y = deterministic_weights(model)
    a, expected = np.zeros(3), []
    for x_t in embedding[[3, 9, 4]]:
        a = np.tanh(x_t @ w_x + a @ w_a + b_a)  # A_t = g(X_t W_X + A_{t-1} W_A + b)
        expected.append(softmax(a @ w_y + b_y))  # Y_t = softmax(A_t W_Y + b_Y)
    output = model.predict({"token_ids": np.array([[3, 9, 4]])}, verbose=0)
    np.testing.assert_allclose(output[0], np.array(expected), atol=1e-6)


def test_bidirectional_tagger_sees_both_directions_at_every_word():
    model = build_sequence_tagger(20, 4, compile=False, **SMALL)
    embedding, *lstm, w_y, b_y = deterministic_weights(model)
    x = embedding[[5, 6, 7]]
    forward = numpy_lstm_steps(x, *lstm[:3])
    backward = numpy_lstm_steps(x[::-1], *lstm[3:])[::-1]
    expected = softmax(np.concatenate([forward, backward], axis=1) @ w_y + b_y)
    output = model.predict({"token_ids": np.array([[5, 6, 7, 0]])}, verbose=0)
    np.testing.assert_allclose(output[0, :3], expected, atol=1e-6)
    # Golden number: pins the whole computation.
    assert output[0, 0, 0] == pytest.approx(0.2697234, abs=1e-6)


@pytest.mark.parametrize("crf", [False, True])
def test_padding_changes_no_output_and_no_loss(crf):
    keras.utils.set_random_seed(0)
    model = build_sequence_tagger(
        30, 4, char_encoder="cnn", char_vocabulary_size=12, crf=crf, **SMALL
    )
    rng = np.random.default_rng(0)
    lengths = [5, 2, 3]
    ids = np.zeros((3, 5), "int32")
    chars = np.zeros((3, 5, 4), "int32")
    tags = np.full((3, 5), -1, "int32")
    for b, n in enumerate(lengths):
        ids[b, :n] = rng.integers(1, 30, n)
        chars[b, :n, :3] = rng.integers(1, 12, (n, 3))
        tags[b, :n] = rng.integers(0, 4, n)
    batch = {"token_ids": ids, "char_ids": chars}
    outputs = model.predict(batch, verbose=0)
    decoded = keras.ops.convert_to_numpy(decode_tags(outputs, ids > 0))
    losses, token_losses = [], []
    for b, n in enumerate(lengths):
        alone = {"token_ids": ids[b : b + 1, :n], "char_ids": chars[b : b + 1, :n]}
        output = model.predict(alone, verbose=0)
        np.testing.assert_allclose(output[0], outputs[b, :n], atol=1e-5)
        assert keras.ops.convert_to_numpy(decode_tags(output))[0].tolist() == (
            decoded[b, :n].tolist()
        )
        loss = model.evaluate(alone, tags[b : b + 1, :n], verbose=0, return_dict=True)
        losses.append(loss["loss"])
        token_losses += [loss["loss"]] * n
    batch_loss = model.evaluate(batch, tags, verbose=0, return_dict=True)["loss"]
    # The CRF's loss is per sentence; the softmax's per word.
    expected = np.mean(losses) if crf else np.mean(token_losses)
    assert batch_loss == pytest.approx(expected, rel=1e-5)


def test_padded_positions_do_not_count_towards_accuracy():
    model = build_sequence_tagger(20, 3, **SMALL)
    ids = np.array([[4, 5, 0, 0]])
    predicted = model.predict({"token_ids": ids}, verbose=0).argmax(-1)[0]
    tags = np.array([[predicted[0], (predicted[1] + 1) % 3, -1, -1]])
    result = model.evaluate({"token_ids": ids}, tags, verbose=0, return_dict=True)
    assert result["accuracy"] == pytest.approx(0.5)


def test_crf_model_outputs_potentials_and_trains():
    model = build_sequence_tagger(20, 3, crf=True, **SMALL)
    ids = np.array([[4, 5, 6], [7, 8, 0]])
    outputs = model.predict({"token_ids": ids}, verbose=0)
    assert outputs.shape == (2, 3, 3, 3)
    assert model.loss is crf_nll
    fit_one_step(model, {"token_ids": ids}, np.array([[0, 1, 2], [2, 1, -1]]))


@pytest.mark.parametrize("char_encoder", ["cnn", "bilstm"])
def test_round_trips_with_characters_and_crf(char_encoder, tmp_path):
    model = build_sequence_tagger(
        25, 4, char_encoder=char_encoder, char_vocabulary_size=9, crf=True, **SMALL
    )
    deterministic_weights(model)
    inputs = {
        "token_ids": np.array([[3, 4, 0]]),
        "char_ids": np.array([[[1, 2, 0], [3, 0, 0], [0, 0, 0]]]),
    }
    assert_config_round_trip(model, inputs)
    assert_keras_round_trip(model, inputs, tmp_path)
    fit_one_step(model, inputs, np.array([[1, 2, -1]]))


def test_layer_names_read_well():
    model = build_sequence_tagger(
        20, 3, char_encoder="cnn", char_vocabulary_size=5, crf=True, word_dropout=0.1
    )
    assert [layer.name for layer in model.layers] == [
        "token_ids",
        "char_ids",
        "word_dropout",
        "token_embedding",
        "char_encoder",
        "word_features",
        "embedding_dropout",
        "encoder_bilstm_0",
        "encoder_dropout",
        "emissions",
        "crf",
    ]


def test_every_preset_builds():
    for name, preset in PRESETS.items():
        kwargs = dict(preset, **SMALL)
        if kwargs.get("char_encoder"):
            kwargs["char_vocabulary_size"] = 5
        assert build_sequence_tagger(10, 3, compile=False, **kwargs).name, name


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"char_encoder": "cnn"}, "needs `char_vocabulary_size`"),
        ({"char_encoder": "gru", "char_vocabulary_size": 5}, "`char_encoder`"),
        ({"dropout": 1.5}, "`dropout`"),
        ({"word_dropout": -0.1}, "`word_dropout`"),
        ({"units": 0}, "`units`"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        build_sequence_tagger(10, 3, **kwargs)
