import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.attention import SequenceAttention
from tests.helpers import deterministic_weights

QUERY = np.sin(np.arange(2 * 3 * 4, dtype="float32")).reshape(2, 3, 4)
MEMORY = np.cos(np.arange(2 * 5 * 6, dtype="float32")).reshape(2, 5, 6)
MASK = np.array([[True] * 5, [True, True, False, False, False]])


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def build(score, units=None):
    layer = SequenceAttention(score, units=units)
    layer(QUERY, MEMORY, memory_mask=MASK)
    return layer


def test_additive_score_is_bahdanau_formula():
    layer = build("additive", units=7)
    arrays = deterministic_weights(layer)
    by_shape = {a.shape: a for a in arrays}
    w_q, w_k, v = by_shape[(4, 7)], by_shape[(6, 7)], by_shape[(7,)]
    context, weights = layer(QUERY, MEMORY)
    q = QUERY @ w_q  # (batch, queries, units)
    k = MEMORY @ w_k  # (batch, source, units)
    scores = np.tanh(q[:, :, None, :] + k[:, None, :, :]) @ v
    expected = softmax(scores)
    np.testing.assert_allclose(weights, expected, atol=1e-6)
    np.testing.assert_allclose(context, expected @ MEMORY, atol=1e-6)


def test_dot_score_is_luong_general_form():
    layer = build("dot")
    [w] = deterministic_weights(layer)  # (memory_dim, query_dim)
    _, weights = layer(QUERY, MEMORY)
    expected = softmax(QUERY @ np.transpose(MEMORY @ w, (0, 2, 1)))
    np.testing.assert_allclose(weights, expected, atol=1e-6)


def test_dot_score_with_identity_equals_keras_attention():
    memory = MEMORY[..., :4]  # same size as the query
    layer = SequenceAttention("dot")
    layer(QUERY, memory)
    layer.memory_dense.kernel.assign(np.eye(4, dtype="float32"))
    context, weights = layer(QUERY, memory, memory_mask=MASK)
    keras_context, keras_weights = keras.layers.Attention()(
        [QUERY, memory], mask=[None, MASK], return_attention_scores=True
    )
    np.testing.assert_allclose(weights, keras_weights, atol=1e-6)
    np.testing.assert_allclose(context, keras_context, atol=1e-6)


@pytest.mark.parametrize("score", ["additive", "dot"])
def test_padding_gets_no_weight_and_changes_nothing(score):
    layer = build(score)
    context, weights = layer(QUERY, MEMORY, memory_mask=MASK)
    weights = np.asarray(weights)
    assert np.all(weights[1, :, 2:] == 0.0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    # The same as attending over the two real positions only.
    short_context, short_weights = layer(QUERY[1:], MEMORY[1:, :2])
    np.testing.assert_allclose(weights[1, :, :2], short_weights[0], atol=1e-6)
    np.testing.assert_allclose(context[1], short_context[0], atol=1e-6)


def test_config_round_trip_and_bad_arguments():
    layer = SequenceAttention("additive", units=5, name="att")
    clone = SequenceAttention.from_config(layer.get_config())
    assert (clone.score, clone.units, clone.name) == ("additive", 5, "att")
    with pytest.raises(InvalidArgumentError, match="`score`"):
        SequenceAttention("cosine")
    with pytest.raises(InvalidArgumentError, match="`units`"):
        SequenceAttention("additive", units=0)
