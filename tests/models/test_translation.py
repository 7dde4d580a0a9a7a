import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.models.translation import PRESETS, Translator, build_translator
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    deterministic_weights,
    fit_one_step,
)

SMALL = {"units": 3, "embedding_dim": 4}
SOURCE = np.array([[5, 6, 7, 8], [4, 9, 0, 0]])
TARGET_IN = np.array([[2, 5, 6], [2, 7, 0]])
TARGET_OUT = np.array([[5, 6, 3], [7, 3, 0]])
BATCH = {"source": SOURCE, "target_in": TARGET_IN}
VARIANTS = [
    {"cell": "gru"},
    {"cell": "lstm", "attention": "additive", "bidirectional": True, "num_layers": 2},
    {"cell": "simple_rnn", "attention": "dot", "num_layers": 2},
]


def model_for(variant, **kwargs):
    return build_translator(12, 10, **{**SMALL, **variant, **kwargs})


def test_plain_simple_rnn_is_the_course_encoder_decoder():
    model = build_translator(12, 10, cell="simple_rnn", compile=False, **SMALL)
    deterministic_weights(model)

    def weights(name):
        return model.get_layer(name).get_weights()

    def rnn(x, a, name):
        kernel, recurrent, bias = weights(name)
        outputs = []
        for x_t in x:  # a_t = tanh(x_t W_x + a_{t-1} W_a + b_a)
            a = np.tanh(x_t @ kernel + a @ recurrent + bias)
            outputs.append(a)
        return np.array(outputs), a

    [source_embedding] = weights("source_embedding")
    [target_embedding] = weights("target_embedding")
    _, encoding = rnn(
        source_embedding[[5, 6, 7, 8]], np.zeros(3), "encoder_simple_rnn_0"
    )
    # The decoder starts from the encoder's last state: the sentence's vector.
    states, _ = rnn(target_embedding[[2, 5, 6]], encoding, "decoder_simple_rnn_0")
    w_y, b_y = weights("next_word_logits")
    np.testing.assert_allclose(model(BATCH)[0], states @ w_y + b_y, atol=1e-5)


@pytest.mark.parametrize("variant", VARIANTS, ids=["gru", "bilstm-additive", "rnn-dot"])
def test_step_by_step_decoding_equals_teacher_forcing(variant):
    model = model_for(variant, compile=False)
    deterministic_weights(model, scale=0.3)
    full = np.asarray(model(BATCH))
    memory, mask, states = model.encode(SOURCE)
    keys = model.attention_keys(memory)  # computed once, as decoding does
    for t in range(TARGET_IN.shape[1]):
        logits, states, attention = model.decode_step(
            TARGET_IN[:, t], states, memory, mask, keys=keys
        )
        real = TARGET_IN[:, t] != 0
        np.testing.assert_allclose(np.asarray(logits)[real], full[real, t], atol=1e-5)
        if attention is not None:
            attention = np.asarray(attention)
            assert np.all(attention[1, 2:] == 0.0)  # source padding
            np.testing.assert_allclose(attention.sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("variant", VARIANTS, ids=["gru", "bilstm-additive", "rnn-dot"])
def test_padding_on_both_sides_changes_nothing(variant):
    model = model_for(variant, compile=False)
    deterministic_weights(model, scale=0.3)
    padded = np.asarray(model(BATCH))
    alone = np.asarray(
        model({"source": SOURCE[1:, :2], "target_in": TARGET_IN[1:, :2]})
    )
    np.testing.assert_allclose(padded[1, :2], alone[0], atol=1e-5)


def test_each_prediction_sees_only_the_words_before_it():
    model = model_for(VARIANTS[1], compile=False)
    changed = TARGET_IN.copy()
    changed[0, 2] = 9
    before, after = model(BATCH), model({"source": SOURCE, "target_in": changed})
    np.testing.assert_allclose(before[:, :2], after[:, :2], atol=1e-6)
    assert not np.allclose(before[0, 2], after[0, 2])


def test_loss_and_accuracy_leave_padding_out():
    model = model_for(VARIANTS[1])
    logits = np.asarray(model(BATCH))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    real = TARGET_OUT != 0
    picked = np.take_along_axis(log_probs, TARGET_OUT[..., None], -1)[..., 0]
    result = model.evaluate(BATCH, TARGET_OUT, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], -picked[real].mean(), rtol=1e-5)
    hits = logits.argmax(-1) == TARGET_OUT
    np.testing.assert_allclose(result["accuracy"], hits[real].mean(), atol=1e-6)


@pytest.mark.parametrize("variant", VARIANTS, ids=["gru", "bilstm-additive", "rnn-dot"])
def test_round_trips_and_training(variant, tmp_path):
    model = model_for(variant)
    assert isinstance(model, Translator)
    assert_config_round_trip(model, BATCH)
    loaded = assert_keras_round_trip(model, BATCH, tmp_path)
    a = model.encode(SOURCE)[0]
    np.testing.assert_array_equal(loaded.encode(SOURCE)[0], a)
    fit_one_step(model, BATCH, TARGET_OUT)


def test_presets_and_bidirectional_width():
    assert PRESETS["seq2seq"]["attention"] is None
    model = build_translator(12, 10, bidirectional=True, units=5, embedding_dim=4)
    memory, _, states = model.encode(SOURCE)
    assert memory.shape == (2, 4, 10) and states[0].shape == (2, 10)
    assert model.get_layer("decoder_gru_0").units == 10


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"cell": "transformer"}, "`cell`"),
        ({"cell": type("Unregistered", (keras.layers.GRUCell,), {})}, "registered"),
        ({"attention": "cosine"}, "`attention`"),
        ({"units": 0}, "`units`"),
        ({"dropout": 1.5}, "`dropout`"),
        ({"learning_rate": -1}, "`learning_rate`"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(InvalidArgumentError, match=argument):
        build_translator(12, 10, **kwargs)
