import math

import pytest

from seqkeras.errors import InvalidInputError
from seqkeras.ngrams import NGramModel


def test_unigram_is_add_one_frequencies_with_end_counted():
    model = NGramModel(order=1).fit([["a", "b"], ["a"]])
    # Predicted tokens: a b [END] a [END] -> a 2, b 1, [END] 2; + [UNK].
    p = dict(zip(model.tokens, model.distribution("a"), strict=True))
    assert p == pytest.approx({"a": 3 / 9, "[END]": 3 / 9, "b": 2 / 9, "[UNK]": 1 / 9})
    expected = math.exp(-(math.log(3 / 9) + math.log(3 / 9)) / 2)
    assert model.perplexity([["a"]]) == pytest.approx(expected)


def test_bigram_interpolates_and_picks_its_weight_on_held_out_data():
    train = [["a", "b", "a", "b"]] * 5
    model = NGramModel(order=2, lam=0.5).fit(train)
    unigram = NGramModel(order=1).fit(train)
    i = model.tokens.index("b")
    assert model.distribution("a")[i] == pytest.approx(0.5 + 0.5 * 11 / 29)
    assert model.perplexity(train) < unigram.perplexity(train)
    tuned = NGramModel(order=2).fit(train, validation=[["a", "b", "b", "a"]])
    assert 0 < tuned.lam < 0.95  # b b never seen: all-bigram would be wrong
    assert tuned.perplexity([["a", "b", "b", "a"]]) <= NGramModel(
        order=2, lam=0.95
    ).fit(train).perplexity([["a", "b", "b", "a"]])


def test_unseen_tokens_are_unknown_and_samples_never_write_unknown():
    model = NGramModel(order=2).fit([["a", "b"]])
    assert math.isfinite(model.perplexity([["z", "a"]]))
    for seed in range(20):
        assert "[UNK]" not in model.sample(max_length=10, seed=seed)
    assert model.sample(["a"], max_length=3, temperature=0) == ["b"]


def test_empty_input_is_refused():
    with pytest.raises(InvalidInputError, match="holds no sequences"):
        NGramModel().fit([])
    with pytest.raises(InvalidInputError, match="not fitted"):
        NGramModel().distribution("a")
