"""The generated sentiment sample that `make demo` trains on."""

import collections
import csv
import pathlib

from seqkeras.datasets.sentiment_sample import (
    HELD_OUT,
    LABELS,
    generate_sentences,
    load_sentiment_sample,
    write_csv,
)

COMMITTED_COPY = pathlib.Path(__file__).parents[2] / "datasets" / "sentiment_sample.csv"


def test_same_seed_same_sentences_other_seed_others():
    assert generate_sentences(50, seed=0) == generate_sentences(50, seed=0)
    assert generate_sentences(50, seed=0) != generate_sentences(50, seed=1)


def test_splits_are_disjoint_balanced_and_skip_the_shark_pair():
    data = load_sentiment_sample()
    splits = [data.train, data.validation, data.test]
    assert [len(s) for s in splits] == [4000, 500, 500]
    texts = [set(s.texts) for s in splits]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    assert not set(HELD_OUT) & set().union(*texts)
    assert 0.4 < data.train.labels.mean() < 0.6
    assert data.label_names == LABELS


def test_word_order_decides_some_labels():
    """Sentences with the same words and opposite labels: a bag of words fails."""
    data = load_sentiment_sample()
    labels_by_bag = collections.defaultdict(set)
    for text, label in zip(data.train.texts, data.train.labels, strict=True):
        bag = tuple(sorted(text.lower().rstrip(".!").replace(",", "").split()))
        labels_by_bag[bag].add(int(label))
    ambiguous = [bag for bag, labels in labels_by_bag.items() if len(labels) == 2]
    assert len(ambiguous) >= 100


def test_committed_copy_matches_the_generator(tmp_path):
    write_csv(tmp_path / "fresh.csv")
    assert (tmp_path / "fresh.csv").read_bytes() == COMMITTED_COPY.read_bytes()
    with open(COMMITTED_COPY, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0].keys() == {"split", "label", "text"} and len(rows) == 5000
