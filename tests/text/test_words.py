import numpy as np
import pytest
import tensorflow as tf

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.text.vocabulary import Vocabulary
from seqkeras.text.words import WordEncoder, as_word_batch

TRAIN = [["Peter", "Blackburn", "visited", "Paris", "in", "1996", "."]]


def test_words_are_kept_and_only_the_key_is_normalised():
    encoder = WordEncoder(lowercase=True)
    encoder.adapt(TRAIN)
    words = encoder.split(["PETER  visited\tBerlin in 2003 ."])
    assert words.to_list() == [[b"PETER", b"visited", b"Berlin", b"in", b"2003", b"."]]
    ids = encoder(words)["token_ids"].numpy()[0]
    vocab = encoder.vocabulary
    assert ids.tolist() == [
        vocab.token_to_id("peter"),
        vocab.token_to_id("visited"),
        Vocabulary.unk_id,
        vocab.token_to_id("in"),
        vocab.token_to_id("0000"),
        vocab.token_to_id("."),
    ]
    assert "char_ids" not in encoder(words)


def test_case_and_digits_are_options():
    encoder = WordEncoder(lowercase=False, digits_to_zero=False)
    encoder.adapt(TRAIN)
    assert "Peter" in encoder.vocabulary and "peter" not in encoder.vocabulary
    assert "1996" in encoder.vocabulary


def test_characters_keep_case_and_are_cut_and_padded_to_the_width():
    encoder = WordEncoder(lowercase=True, max_word_length=4)
    encoder.adapt(TRAIN)
    chars = encoder.char_vocabulary
    out = encoder(as_word_batch([["Pa", "Blackburn"], ["x"]]))["char_ids"].numpy()
    assert out.shape == (2, 2, 4)
    assert out[0, 0].tolist() == [chars.token_to_id("P"), chars.token_to_id("a"), 0, 0]
    assert out[0, 1].tolist() == [chars.token_to_id(c) for c in "Blac"]
    assert out[1, 0].tolist() == [Vocabulary.unk_id, 0, 0, 0]  # unseen character
    assert out[1, 1].tolist() == [0, 0, 0, 0]  # padding word


def test_empty_sentences_still_give_one_step():
    encoder = WordEncoder(max_word_length=3)
    encoder.adapt(TRAIN)
    features = encoder(encoder.split(["", "Peter"]))
    assert features["token_ids"].numpy().tolist() == [
        [0],
        [encoder.vocabulary.token_to_id("Peter")],
    ]
    assert features["char_ids"].shape == (2, 1, 3)


def test_config_round_trip(tmp_path):
    encoder = WordEncoder(lowercase=True, max_word_length=5)
    encoder.adapt(TRAIN)
    encoder.save(tmp_path / "words.json")
    loaded = WordEncoder.load(tmp_path / "words.json")
    words = encoder.split(["Peter visited Rome"])
    for key, value in encoder(words).items():
        np.testing.assert_array_equal(loaded(words)[key].numpy(), value.numpy())


@pytest.mark.parametrize(
    "bad, message",
    [
        ("Peter visited", "must be a list of sentences"),
        (["Peter visited"], "Sentence 0 .* must be a list of words"),
        ([["Peter", ""]], "has the word ''"),
        ([["New York"]], "without white space"),
        ([["Peter", 3]], "has the word 3"),
    ],
)
def test_bad_word_batches_are_refused(bad, message):
    with pytest.raises(InvalidInputError, match=message):
        as_word_batch(bad)


def test_missing_vocabularies_are_reported():
    with pytest.raises(InvalidInputError, match="call `adapt"):
        WordEncoder()(tf.ragged.constant([["a"]]))
    with pytest.raises(InvalidArgumentError, match="needs `char_vocabulary`"):
        WordEncoder(Vocabulary.build([["a"]]), max_word_length=3)
