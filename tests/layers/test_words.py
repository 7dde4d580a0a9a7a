import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.words import CharacterEncoder, OneHot, WordDropout


def test_word_dropout_replaces_words_only_in_training():
    layer = WordDropout(0.5, unk_id=1, seed=0)
    ids = np.tile(np.array([[5, 6, 7, 8, 0, 0]]), (200, 1))
    assert np.array_equal(keras.ops.convert_to_numpy(layer(ids)), ids)
    dropped = keras.ops.convert_to_numpy(layer(ids, training=True))
    assert (dropped[:, 4:] == 0).all()  # padding stays padding
    replaced = dropped[:, :4] == 1
    assert 0.4 < replaced.mean() < 0.6
    assert (dropped[:, :4][~replaced] == ids[:, :4][~replaced]).all()
    assert WordDropout.from_config(layer.get_config()).rate == 0.5


@pytest.mark.parametrize("kind, width", [("cnn", 4), ("bilstm", 6)])
def test_character_vectors_do_not_depend_on_padding(kind, width):
    keras.utils.set_random_seed(0)
    layer = CharacterEncoder(20, kind=kind, units=width // (1 if kind == "cnn" else 2))
    word = [3, 4, 5]
    short = np.array([[word + [0]]], "int32")  # (1, 1, 4)
    long = np.array([[word + [0] * 5, [0] * 8]], "int32")  # (1, 2, 8)
    a = keras.ops.convert_to_numpy(layer(short))
    b = keras.ops.convert_to_numpy(layer(long))
    assert a.shape == (1, 1, width) and b.shape == (1, 2, width)
    np.testing.assert_allclose(a[0, 0], b[0, 0], atol=1e-6)
    np.testing.assert_array_equal(b[0, 1], np.zeros(width))  # padding word


def test_character_cnn_is_the_maximum_over_characters():
    layer = CharacterEncoder(10, kind="cnn", embedding_dim=2, units=3, kernel_size=1)
    layer(np.ones((1, 1, 3), "int32"))
    embedding = np.arange(20, dtype="float32").reshape(10, 2) / 20
    kernel = np.array([[[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]]], "float32")
    bias = np.zeros(3, "float32")
    layer.set_weights([embedding, kernel, bias])
    ids = np.array([[[2, 7, 0]]], "int32")
    expected = np.tanh(embedding[[2, 7]] @ kernel[0] + bias).max(axis=0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(ids))[0, 0], expected, atol=1e-6
    )


def test_config_round_trip_and_bad_kind():
    layer = CharacterEncoder(30, kind="bilstm", units=5, dropout=0.1)
    config = CharacterEncoder.from_config(layer.get_config()).get_config()
    assert config["kind"] == "bilstm" and config["units"] == 5
    with pytest.raises(InvalidArgumentError, match="`kind`"):
        CharacterEncoder(30, kind="rnn")


def test_one_hot_times_a_matrix_is_the_embedding_lookup():
    ids = np.array([[3, 1, 4, 0]])
    E = np.arange(50, dtype="float32").reshape(5, 10) / 7  # (vocabulary, dim)
    vectors = keras.ops.convert_to_numpy(OneHot(5)(ids))  # (1, 4, 5)
    np.testing.assert_array_equal(vectors[0, :3], np.eye(5)[[3, 1, 4]])
    np.testing.assert_array_equal(vectors[0, 3], np.zeros(5))  # padding
    embedding = keras.layers.Embedding(5, 10, weights=[E])
    looked_up = keras.ops.convert_to_numpy(embedding(ids))
    # one_hot(i) @ E == E[i] for every word; padding maps to zeros, not E[0].
    np.testing.assert_allclose((vectors @ E)[0, :3], looked_up[0, :3], atol=1e-6)
    np.testing.assert_allclose((vectors @ E)[0, :3], E[[3, 1, 4]], atol=1e-6)


def test_one_hot_masks_padding_like_an_embedding():
    ids = np.array([[2, 3, 0, 0], [4, 0, 0, 0]])
    assert np.array_equal(
        keras.ops.convert_to_numpy(OneHot(5).compute_mask(ids)), ids > 0
    )
    assert OneHot(5, mask_zero=False).compute_mask(ids) is None
    # The recurrent layer after it stops at the last word: padding is skipped.
    inputs = keras.Input((None,), dtype="int32")
    rnn = keras.layers.SimpleRNN(3, kernel_initializer="ones")
    model = keras.Model(inputs, rnn(OneHot(5)(inputs)))
    padded = keras.ops.convert_to_numpy(model(np.array([[2, 3, 0, 0]])))
    short = keras.ops.convert_to_numpy(model(np.array([[2, 3]])))
    np.testing.assert_allclose(padded, short, atol=1e-6)


def test_one_hot_config_and_bad_size():
    layer = OneHot.from_config(OneHot(7, mask_zero=False, name="words").get_config())
    assert (layer.vocabulary_size, layer.mask_zero, layer.name) == (7, False, "words")
    with pytest.raises(InvalidArgumentError, match="`vocabulary_size`"):
        OneHot(0)
