"""Vocabulary: reserved ids, ordering, pruning, round trip."""

import pytest

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.text import RESERVED, UNK, Vocabulary

TEXTS = [["the", "cat", "sat"], ["the", "dog", "sat"], ["the", "cat", "ran"]]


def test_reserved_ids_then_most_frequent_first_ties_alphabetical():
    vocab = Vocabulary.build(TEXTS)
    assert vocab.tokens == RESERVED + ("the", "cat", "sat", "dog", "ran")
    assert (vocab.pad_id, vocab.unk_id, vocab.start_id, vocab.end_id) == (0, 1, 2, 3)
    assert vocab.token_to_id("the") == 4
    assert vocab.token_to_id("zebra") == vocab.unk_id


def test_max_size_counts_reserved_tokens_and_min_count_prunes_rare_words():
    assert Vocabulary.build(TEXTS, max_size=6).tokens == RESERVED + ("the", "cat")
    assert Vocabulary.build(TEXTS, min_count=2).tokens == RESERVED + (
        "the",
        "cat",
        "sat",
    )
    rare = Vocabulary.build(TEXTS, min_count=2)
    assert rare.encode(["the", "dog", "ran"]) == [4, 1, 1]
    assert rare.decode([4, 1, 0]) == ["the", UNK, ""]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"max_size": 4}, "more than the 4 reserved"), ({"min_count": 0}, "min_count")],
)
def test_bad_sizes_are_refused(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        Vocabulary.build(TEXTS, **kwargs)


def test_reserved_tokens_in_text_do_not_get_new_ids():
    vocab = Vocabulary.build([["[UNK]", "a"]])
    assert vocab.tokens == RESERVED + ("a",)


def test_config_round_trip_and_validation():
    vocab = Vocabulary.build(TEXTS)
    assert Vocabulary.from_config(vocab.get_config()) == vocab
    with pytest.raises(InvalidInputError, match="reserved tokens"):
        Vocabulary(["a", "b", "c", "d"])
    with pytest.raises(InvalidInputError, match="Duplicate"):
        Vocabulary(RESERVED + ("a", "a"))
