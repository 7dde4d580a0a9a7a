import collections

import pytest

from seqkeras import datasets
from seqkeras.datasets.agreement import LABELS, SUBJECTS, complete, load_agreement
from seqkeras.errors import InvalidArgumentError

SINGULAR = {s for s, p in SUBJECTS if s != p}
PLURAL = {p for s, p in SUBJECTS if s != p}


def test_the_label_is_the_subjects_number_and_nothing_else():
    data = load_agreement(num_train=2000, num_validation=10, num_test=10, seed=3)
    nearest_noun_agrees = 0
    for text, label in zip(data.train.texts, data.train.labels, strict=True):
        words = text.split()
        assert words[0] == "the"
        assert words[1] in (PLURAL if label else SINGULAR)
        last = words[-1]
        nearest_noun_agrees += (last.endswith("s") or last == "children") == bool(label)
    # The classes are balanced, and the filler's last word is no clue.
    assert abs(data.train.labels.mean() - 0.5) < 0.05
    assert abs(nearest_noun_agrees / len(data.train) - 0.5) < 0.06


SIZES = dict(
    num_train=300, num_validation=20, num_test=30, min_distance=20, max_distance=25
)


def test_distances_seeds_and_splits():
    data = load_agreement(**SIZES)
    lengths = [len(t.split()) - 2 for t in data.train.texts]
    assert min(lengths) >= 20 and max(lengths) <= 25 + 4  # a phrase may run over
    assert (len(data.train), len(data.validation), len(data.test)) == (300, 20, 30)
    assert load_agreement(**SIZES).train.texts == data.train.texts
    assert load_agreement(**SIZES, seed=1).train.texts != data.train.texts
    counts = collections.Counter(data.train.texts)
    assert counts.most_common(1)[0][1] == 1  # long fillers do not repeat


def test_complete_sentences_and_the_catalogue():
    assert complete("the cats on the mat", 1) == "the cats on the mat were full."
    assert LABELS == ("was", "were")
    data = datasets.load("agreement", num_train=5, num_validation=1, num_test=1)
    assert data.label_names == LABELS
    assert datasets.get_info("agreement").embedded


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="max_distance"):
        load_agreement(min_distance=10, max_distance=5)
    with pytest.raises(InvalidArgumentError, match="num_train"):
        load_agreement(num_train=0)
