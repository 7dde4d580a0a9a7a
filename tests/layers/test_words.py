import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.words import CharacterEncoder, WordDropout


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
