"""build_language_model, its loss and perplexity, stateful TBPTT and the
one-token step function."""

import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.models.language import (
    CONFIGS,
    LanguageModelLoss,
    Perplexity,
    build_language_model,
    initial_states,
    reset_states,
    step_function,
)
from seqkeras.pipelines.tbptt import tbptt_windows
from tests.helpers import assert_keras_round_trip, deterministic_weights


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_simple_rnn_language_model_matches_the_course_equations():
    model = build_language_model(
        12, cell="simple_rnn", units=3, num_layers=1, embedding_dim=4, compile=False
    )
    E, W_X, W_A, b_A, W_y, b_y = deterministic_weights(model)
    ids = np.array([[2, 7, 5, 9]])
    A = np.zeros(3)
    expected = []
    for token in ids[0]:
        A = np.tanh(E[token] @ W_X + A @ W_A + b_A)
        expected.append(softmax(A @ W_y + b_y))  # P(next word | words so far)
    probabilities = softmax(model.predict(ids, verbose=0))
    np.testing.assert_allclose(probabilities[0], np.array(expected), atol=1e-6)
    # Golden number: P(word 3 | [START]=2, 7, 5, 9) pins the whole computation.
    assert probabilities[0, -1, 3] == pytest.approx(0.0458565, abs=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cell": "lstm", "units": [6, 5]},
        {"cell": "gru", "units": 5, "num_layers": 1},
        {"cell": "peephole_lstm", "units": 5, "num_layers": 2},
        {"cell": "lstm", "units": [6, 4], "tie_embeddings": True},
    ],
    ids=["lstm", "gru", "peephole", "tied"],
)
def test_one_token_at_a_time_gives_the_models_logits(kwargs):
    model = build_language_model(20, embedding_dim=4, compile=False, **kwargs)
    deterministic_weights(model)
    ids = np.array([[2, 7, 5, 9, 11], [2, 3, 2, 14, 15]])
    full = model.predict(ids, verbose=0)  # (2, 5, 20)
    step = step_function(model)
    states = initial_states(model, 2)
    for t in range(ids.shape[1]):
        logits, states = step(ids[:, t], states)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(logits), full[:, t], atol=1e-5
        )


def test_tied_embeddings_share_the_table(tmp_path):
    kwargs = dict(units=[8, 6], embedding_dim=6, compile=False)
    untied = build_language_model(50, **kwargs)
    tied = build_language_model(50, tie_embeddings=True, **kwargs)
    assert "next_token_logits" not in [layer.name for layer in tied.layers]
    # The output matrix (6 x 50) is gone; the 50 output biases remain.
    assert untied.count_params() - tied.count_params() == 6 * 50
    table = tied.get_layer("token_embedding").embeddings
    hidden = np.ones((1, 1, 6), "float32")
    logits = tied.get_layer("token_embedding")(hidden, reverse=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(logits)[0, 0],
        keras.ops.convert_to_numpy(table).sum(axis=1),
        atol=1e-6,
    )
    deterministic_weights(tied)  # a non-zero output bias must survive saving
    loaded = assert_keras_round_trip(tied, np.array([[2, 5, 7]]), tmp_path)
    assert loaded.get_layer("token_embedding").output_bias
    with pytest.raises(InvalidArgumentError, match="last layer has 8 units but"):
        build_language_model(50, units=[6, 8], embedding_dim=6, tie_embeddings=True)


def test_the_course_model_has_the_expected_size():
    model = build_language_model(10_000, units=[256, 128], embedding_dim=200)
    sizes = {layer.name: layer.count_params() for layer in model.layers}
    assert sizes == {
        "token_ids": 0,
        "token_embedding": 10_000 * 200,
        "lm_lstm_0": 4 * (256 * (200 + 256) + 256),
        "lm_lstm_1": 4 * (128 * (256 + 128) + 128),
        "next_token_logits": 128 * 10_000 + 10_000,
    }
    assert model.output_shape == (None, None, 10_000)


def test_stateful_model_carries_the_state_across_batches():
    stateless = build_language_model(30, units=[5, 4], embedding_dim=3, compile=False)
    stateful = build_language_model(
        30, units=[5, 4], embedding_dim=3, batch_size=2, compile=False
    )
    stateful.set_weights(deterministic_weights(stateless))
    # The carried state ([h, c] of each LSTM) is state that every backend's
    # compiled steps pass on (`seqkeras.layers.stateful`), not a weight.
    assert len(stateful.weights) == len(stateless.weights)
    states = [v for v in stateful.non_trainable_variables if v.name == "rnn_state"]
    assert len(states) == 4
    ids = np.random.default_rng(0).integers(1, 30, size=(2, 10))
    whole = stateless.predict(ids, verbose=0)
    first = stateful.predict_on_batch(ids[:, :4])
    second = stateful.predict_on_batch(ids[:, 4:])  # starts from the first's state
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole, atol=1e-5)
    reset_states(stateful)
    again = stateful.predict_on_batch(ids[:, 4:])
    np.testing.assert_allclose(
        again, stateless.predict(ids[:, 4:], verbose=0), atol=1e-5
    )
    with pytest.raises(InvalidArgumentError, match="cannot be stateful"):
        from seqkeras.models.recurrent import recurrent_stack

        recurrent_stack(
            keras.Input(batch_shape=(2, None, 3)), bidirectional=True, stateful=True
        )


def test_perplexity_is_exact_over_all_batches():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 3, 6)).astype("float32")
    y = np.array([[1, 2, 3], [4, 5, 0]])  # one padding target
    weights = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]], "float32")  # a [START]
    log_p = np.log(softmax(logits))
    picked = np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]
    counted = (weights > 0) & (y > 0)
    expected = np.exp(-picked[counted].mean())
    metric = Perplexity()
    metric.update_state(y[:1], logits[:1], sample_weight=weights[:1])
    metric.update_state(y[1:], logits[1:], sample_weight=weights[1:])
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
    # Not the mean of the two batches' perplexities.
    per_batch = [np.exp(-picked[i][counted[i]].mean()) for i in range(2)]
    assert float(metric.result()) != pytest.approx(np.mean(per_batch), rel=1e-3)
    metric.reset_state()
    metric.update_state(y, logits)
    assert float(metric.result()) == pytest.approx(
        np.exp(-picked[y > 0].mean()), rel=1e-5
    )


def test_loss_per_token_or_summed_over_steps():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4, 5, 7)).astype("float32")
    y = rng.integers(1, 7, size=(4, 5))
    weights = np.ones((4, 5), "float32")
    weights[0, 0] = 0.0
    log_p = np.log(softmax(logits))
    nll = -np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]
    mean = float(LanguageModelLoss()(y, logits, sample_weight=weights))
    assert mean == pytest.approx(nll[weights > 0].mean(), rel=1e-5)
    summed = float(LanguageModelLoss(sum_over_steps=True)(y, logits, weights))
    assert summed == pytest.approx((nll * weights).sum() / 4, rel=1e-5)
    config = LanguageModelLoss(sum_over_steps=True).get_config()
    assert LanguageModelLoss.from_config(config).sum_over_steps


def test_zaremba_initialisation():
    scale = CONFIGS["small"]["model"]["init_scale"]
    model = build_language_model(40, units=[8, 8], embedding_dim=8, init_scale=scale)
    for weight in model.trainable_weights:
        values = keras.ops.convert_to_numpy(weight)
        if values.ndim == 1:
            assert not values.any(), weight.path  # biases (and forget gates) 0
        else:
            assert np.abs(values).max() <= scale and values.std() > scale / 3


def test_training_with_tbptt_lowers_perplexity(tmp_path):
    keras.utils.set_random_seed(0)
    # A stream with a pattern: 4 5 6 7 8 4 5 6 7 8 ...
    stream = np.tile(np.arange(4, 9), 200)
    x, y, w = tbptt_windows(stream, batch_size=4, num_steps=10)
    model = build_language_model(
        10, units=16, num_layers=1, embedding_dim=8, batch_size=4, learning_rate=0.02
    )
    before = model.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0)
    reset_states(model)
    model.fit(x, y, sample_weight=w, batch_size=4, epochs=3, shuffle=False, verbose=0)
    reset_states(model)
    after = model.evaluate(
        x, y, sample_weight=w, batch_size=4, verbose=0, return_dict=True
    )
    assert before[1] > 8.0  # about uniform over 10 tokens at first
    assert after["perplexity"] < 1.5  # the next token is certain once learned
    stateless = build_language_model(10, units=16, num_layers=1, embedding_dim=8)
    stateless.set_weights(model.get_weights())
    assert_keras_round_trip(stateless, x[:2], tmp_path)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "argument `units`"),
        ({"units": [4, -1]}, "argument `units`"),
        ({"dropout": 1.0}, "argument `dropout`"),
        ({"optimizer": "rmsprop"}, "argument `optimizer`, expected one of 'sgd'"),
        ({"batch_size": 0}, "argument `batch_size`"),
        ({"clipnorm": -5}, "argument `clipnorm`"),
        ({"cell": "transformer"}, "argument `cell`"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        build_language_model(20, **kwargs)
