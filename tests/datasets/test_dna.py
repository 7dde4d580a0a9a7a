import numpy as np
import pytest

from seqkeras import datasets
from seqkeras.datasets.dna import (
    LABELS,
    MOTIF,
    TAGS,
    chance_copies,
    load_dna_motif,
    motif_sequences,
)
from seqkeras.errors import InvalidArgumentError

SIZES = dict(num_train=300, num_validation=20, num_test=40)


def close_to_motif(sequence, motif=MOTIF, max_mutations=1):
    """Starts of every stretch within `max_mutations` of `motif`, by brute force."""
    size = len(motif)
    return [
        i
        for i in range(len(sequence) - size + 1)
        if sum(a != b for a, b in zip(sequence[i : i + size], motif, strict=True))
        <= max_mutations
    ]


def test_labels_and_base_labels_mark_exactly_the_planted_copies():
    data = motif_sequences(400, max_copies=3, seed=5)
    for sequence, label, spans, bases in zip(
        data.sequences, data.labels, data.spans, data.base_labels(), strict=True
    ):
        assert set(sequence) <= set("ACGT")
        # Every stretch close to the motif is a planted copy, and back.
        assert close_to_motif(sequence) == [start for start, _ in spans]
        assert label == int(bool(spans)) and 0 <= len(spans) <= 3
        assert all(end - start == len(MOTIF) for start, end in spans)
        expected = np.zeros(len(sequence), "int64")
        for start, end in spans:
            expected[start:end] = 1
        assert np.array_equal(bases, expected)
    assert abs(data.labels.mean() - 0.5) < 0.07  # about half hold the motif
    mutated = sum(
        sequence[start:end] != MOTIF
        for sequence, spans in zip(data.sequences, data.spans, strict=True)
        for start, end in spans
    )
    assert mutated > 0  # some copies carry a mismatch


def test_lengths_seeds_and_settings():
    data = motif_sequences(
        200, min_length=40, max_length=50, positive_fraction=1.0, max_copies=1, seed=2
    )
    lengths = [len(s) for s in data.sequences]
    assert min(lengths) >= 40 and max(lengths) <= 50 and len(set(lengths)) > 5
    assert data.labels.all() and all(len(spans) == 1 for spans in data.spans)
    again = motif_sequences(
        200, min_length=40, max_length=50, positive_fraction=1.0, max_copies=1, seed=2
    )
    assert again.sequences == data.sequences and again.spans == data.spans
    assert motif_sequences(200, seed=3).sequences != motif_sequences(200).sequences
    exact = motif_sequences(50, motif="GATTACA", max_mutations=0, seed=1)
    assert all(
        s[start:end] == "GATTACA"
        for s, spans in zip(exact.sequences, exact.spans, strict=True)
        for start, end in spans
    )
    assert not motif_sequences(30, positive_fraction=0.0).labels.any()


def test_the_two_views_hold_the_same_sequences():
    texts = load_dna_motif(**SIZES, seed=4)
    tagged = load_dna_motif(labels="bases", **SIZES, seed=4)
    assert texts.label_names == LABELS and tagged.tag_names == TAGS
    assert tagged.scheme == "iob2"
    assert (len(texts.train), len(texts.validation), len(texts.test)) == (300, 20, 40)
    for split in ("train", "validation", "test"):
        a, b = getattr(texts, split), getattr(tagged, split)
        assert list(a.texts) == [" ".join(tokens) for tokens in b.tokens]
        has_motif = [int("B-MOTIF" in tags) for tags in b.tags]
        assert a.labels.tolist() == has_motif
    first = tagged.train.tags[int(np.argmax(texts.train.labels))]
    start = first.index("B-MOTIF")
    assert first[start + 1 : start + len(MOTIF)] == ("I-MOTIF",) * (len(MOTIF) - 1)
    # A split does not change when another one grows.
    bigger = load_dna_motif(num_train=500, num_validation=20, num_test=40, seed=4)
    assert bigger.test.texts == texts.test.texts
    assert bigger.train.texts[:300] == texts.train.texts


def test_the_catalogue_names_both_tasks():
    info = datasets.get_info("dna-motif", task="sentiment")
    assert info.embedded
    assert datasets.get_info("dna-motif-bases", task="tagging").embedded
    data = datasets.load("dna-motif-bases", num_train=5, num_validation=1, num_test=1)
    assert data.name == "dna-motif-bases" and len(data.train) == 5


def test_chance_copies():
    # One in 4**6 six-base strings is the motif; with one change, 1 + 6 * 3.
    assert chance_copies(6, 0, 6) == 1 / 4**6
    assert chance_copies(6, 1, 60) == pytest.approx(55 * 19 / 4**6)
    assert chance_copies(6, 1, 5) == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(motif="TATAUT"), "motif"),
        (dict(motif=""), "motif"),
        (dict(motif="tataat"), "motif"),
        (dict(max_mutations=2), "max_mutations"),  # 2.07 chance copies
        (dict(motif="TA", max_mutations=0), "max_mutations"),
        (dict(max_mutations=-1), "max_mutations"),
        (dict(min_length=10, max_copies=2), "min_length"),
        (dict(min_length=40, max_length=30), "max_length"),
        (dict(positive_fraction=1.5), "positive_fraction"),
        (dict(positive_fraction=True), "positive_fraction"),
        (dict(max_copies=0), "max_copies"),
        (dict(seed=-1), "seed"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        motif_sequences(10, **kwargs)


def test_bad_loader_arguments_are_refused():
    with pytest.raises(InvalidArgumentError, match="labels"):
        load_dna_motif(labels="tags")
    with pytest.raises(InvalidArgumentError, match="num_train"):
        load_dna_motif(num_train=0)
    with pytest.raises(InvalidArgumentError, match="num_test"):
        load_dna_motif(num_test=0)
    with pytest.raises(InvalidArgumentError, match="max_mutations"):
        load_dna_motif(max_mutations=3, num_train=5)
