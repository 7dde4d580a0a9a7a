import pytest

from seqkeras.errors import InvalidArgumentError, InvalidTagSequenceError
from seqkeras.tags import (
    allowed_transitions,
    conlleval_spans,
    convert_tags,
    spans_to_tags,
    split_tag,
    tags_to_spans,
    validate_tags,
)

# Adjacent people, a one-word place, an entity at the sentence end.
SPANS = [("PER", 0, 2), ("PER", 2, 3), ("LOC", 4, 5), ("ORG", 6, 8)]
WRITTEN = {
    "iob1": ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "O", "I-ORG", "I-ORG"],
    "iob2": ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "O", "B-ORG", "I-ORG"],
    "iobes": ["B-PER", "E-PER", "S-PER", "O", "S-LOC", "O", "B-ORG", "E-ORG"],
}


@pytest.mark.parametrize("scheme", sorted(WRITTEN))
def test_spans_are_written_and_read_in_every_scheme(scheme):
    assert spans_to_tags(SPANS, 8, scheme) == WRITTEN[scheme]
    assert tags_to_spans(WRITTEN[scheme], scheme) == SPANS


@pytest.mark.parametrize("source", sorted(WRITTEN))
@pytest.mark.parametrize("target", sorted(WRITTEN))
def test_conversion_between_every_pair_of_schemes(source, target):
    assert convert_tags(WRITTEN[source], source, target) == WRITTEN[target]


def test_split_tag_reads_prefix_and_type():
    assert split_tag("B-PER") == ("B", "PER")
    assert split_tag("O") == ("O", None)
    with pytest.raises(InvalidTagSequenceError, match="Cannot read the tag 'PER'"):
        split_tag("PER")
    with pytest.raises(InvalidTagSequenceError):
        split_tag("X-PER")


@pytest.mark.parametrize(
    "tags, scheme, message",
    [
        (["O", "I-PER"], "iob2", r"Tag 1 \('I-PER'\) cannot follow 'O'.*I-PER must"),
        (["I-PER"], "iob2", "cannot follow the sentence start"),
        (["B-PER", "I-LOC"], "iob2", "I-LOC must follow B-LOC or I-LOC"),
        (["O", "B-PER"], "iob1", "begin with I-PER"),
        (["I-LOC", "B-PER"], "iob1", "begin with I-PER"),
        (["B-PER", "O"], "iobes", "must end with E-"),
        (["B-PER", "B-PER", "E-PER"], "iobes", "must end with E-"),
        (["O", "E-PER"], "iobes", "E-PER must follow B-PER or I-PER"),
        (["B-PER", "I-PER"], "iobes", "ends inside an entity"),
        (["S-PER"], "iob2", "belong to the IOBES scheme"),
    ],
)
def test_invalid_sequences_name_the_position_and_rule(tags, scheme, message):
    with pytest.raises(InvalidTagSequenceError, match=message):
        validate_tags(tags, scheme)


def test_valid_sequences_pass():
    validate_tags(["O", "I-PER", "I-PER", "B-PER"], "iob1")
    validate_tags(["B-PER", "I-PER", "B-PER", "B-LOC"], "iob2")
    validate_tags(["S-PER", "B-LOC", "I-LOC", "E-LOC", "O"], "iobes")
    validate_tags([], "iob2")


def test_unknown_scheme_and_overlapping_spans_are_refused():
    with pytest.raises(InvalidArgumentError, match="`scheme`"):
        validate_tags(["O"], "bilou")
    with pytest.raises(InvalidTagSequenceError, match="overlapping"):
        spans_to_tags([("PER", 0, 2), ("LOC", 1, 3)], 3, "iob2")
    with pytest.raises(InvalidTagSequenceError, match="does not fit"):
        spans_to_tags([("PER", 2, 5)], 3, "iob2")


@pytest.mark.parametrize(
    "tags, spans",
    [
        # Invalid IOB2 is still read: an I- after O begins an entity.
        (["O", "I-PER", "I-PER"], [("PER", 1, 3)]),
        # A change of type ends one entity and begins another.
        (["B-PER", "I-LOC"], [("PER", 0, 1), ("LOC", 1, 2)]),
        # B- after I- of the same type: two adjacent entities.
        (["I-PER", "B-PER"], [("PER", 0, 1), ("PER", 1, 2)]),
        # IOBES: S- and E- close the entity.
        (["S-PER", "I-PER", "E-PER"], [("PER", 0, 1), ("PER", 1, 3)]),
        (["B-PER", "E-PER", "E-PER"], [("PER", 0, 2), ("PER", 2, 3)]),
        (["O", "O"], []),
    ],
)
def test_conlleval_spans_are_lenient_like_the_script(tags, spans):
    assert conlleval_spans(tags) == spans


@pytest.mark.parametrize("scheme", sorted(WRITTEN))
def test_conlleval_reads_valid_sequences_like_the_strict_reader(scheme):
    assert conlleval_spans(WRITTEN[scheme]) == SPANS


def test_allowed_transitions_follow_each_scheme():
    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    iob2 = allowed_transitions(tags, "iob2")
    moves = dict(zip(tags, iob2["transitions"], strict=True))
    assert iob2["start"] == [True, True, False, True, False]
    assert iob2["end"] == [True] * 5
    assert moves["O"] == [True, True, False, True, False]
    assert moves["B-PER"] == [True, True, True, True, False]
    assert moves["I-LOC"] == [True, True, False, True, True]
    iob1 = allowed_transitions(["O", "B-PER", "I-PER"], "iob1")
    assert iob1["start"] == [True, False, True]
    assert iob1["transitions"][0] == [True, False, True]  # O -> B-PER is invalid
    assert iob1["transitions"][2] == [True, True, True]  # I-PER -> B-PER begins anew


def test_allowed_transitions_agree_with_validation_on_every_short_sequence():
    import itertools

    tags = ["O", "B-X", "I-X", "E-X", "S-X", "B-Y", "E-Y"]
    allowed = allowed_transitions(tags, "iobes")
    index = {t: i for i, t in enumerate(tags)}
    for length in (1, 2, 3):
        for sequence in itertools.product(tags, repeat=length):
            ids = [index[t] for t in sequence]
            local = (
                allowed["start"][ids[0]]
                and allowed["end"][ids[-1]]
                and all(
                    allowed["transitions"][a][b] for a, b in itertools.pairwise(ids)
                )
            )
            try:
                validate_tags(sequence, "iobes")
                valid = True
            except InvalidTagSequenceError:
                valid = False
            assert local == valid, sequence
