import pytest

from seqkeras.errors import InvalidInputError
from seqkeras.metrics import attribute_accuracy, entity_scores, token_accuracy


def scores(gold, predicted):
    result = entity_scores(gold, predicted)
    return (
        result["gold_entities"],
        result["predicted_entities"],
        result["correct_entities"],
    )


def test_entity_at_the_sentence_end_counts_only_with_its_last_word():
    gold = [["O", "B-PER", "I-PER"]]
    assert scores(gold, [["O", "B-PER", "I-PER"]]) == (1, 1, 1)
    assert scores(gold, [["O", "B-PER", "O"]]) == (1, 1, 0)
    assert scores(gold, [["B-PER", "I-PER", "I-PER"]]) == (1, 1, 0)


def test_adjacent_entities_of_one_type_are_two_entities():
    gold = [["B-PER", "B-PER"]]
    assert scores(gold, [["B-PER", "I-PER"]]) == (2, 1, 0)
    assert scores(gold, [["B-PER", "B-PER"]]) == (2, 2, 2)


def test_iob1_gold_against_iob2_predictions():
    gold = [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]]
    predicted = [["B-PER", "I-PER", "B-PER", "O", "B-LOC"]]
    result = entity_scores(gold, predicted)
    assert scores(gold, predicted) == (3, 3, 3)
    assert result["f1"] == 1.0


def test_i_tag_after_outside_begins_an_entity_as_in_conlleval():
    assert scores([["O", "B-PER"]], [["O", "I-PER"]]) == (1, 1, 1)


def test_entities_never_cross_a_sentence_boundary():
    # The I-PER opening the second sentence begins a new entity.
    assert scores([["B-PER"], ["I-PER"]], [["B-PER"], ["B-PER"]]) == (2, 2, 2)


def test_overall_and_per_type_figures_by_hand():
    gold = [["B-ORG", "O", "B-PER", "I-PER"], ["B-LOC", "O"]]
    predicted = [["B-ORG", "O", "B-PER", "O"], ["B-LOC", "B-MISC"]]
    result = entity_scores(gold, predicted)
    # Gold: ORG, PER(2-4), LOC; predicted: ORG, PER(2-3), LOC, MISC; 2 correct.
    assert result["precision"] == pytest.approx(2 / 4)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    per_type = result["per_type"]
    assert sorted(per_type) == ["LOC", "MISC", "ORG", "PER"]
    assert per_type["ORG"]["f1"] == 1.0
    assert per_type["PER"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 1,
        "predicted": 1,
    }
    assert per_type["MISC"]["support"] == 0
    assert per_type["MISC"]["predicted"] == 1
    assert token_accuracy(gold, predicted) == pytest.approx(4 / 6)


def test_no_entities_scores_zero_not_nan():
    result = entity_scores([["O", "O"]], [["O", "O"]])
    assert (result["precision"], result["recall"], result["f1"]) == (0.0, 0.0, 0.0)
    assert token_accuracy([["O", "O"]], [["O", "O"]]) == 1.0


def test_misaligned_input_is_refused():
    with pytest.raises(InvalidInputError, match="2 gold sentences but 1"):
        entity_scores([["O"], ["O"]], [["O"]])
    with pytest.raises(InvalidInputError, match="Sentence 0 has 2 gold tags but 1"):
        token_accuracy([["O", "O"]], [["O"]])
    with pytest.raises(InvalidInputError, match="got a string"):
        entity_scores(["B-PER"], ["B-PER"])


def test_attribute_accuracy():
    references = [
        ["a large red square above a small blue circle"],
        ["a small green circle", "one small green circle"],
    ]
    perfect = ["a small blue circle below a large red square", "one small green circle"]
    scores = attribute_accuracy(perfect, references)
    assert scores == {
        "size": 1.0,
        "colour": 1.0,
        "shape": 1.0,
        "relation": 1.0,
        "objects": 1.0,
        "parsed": 1.0,
    }
    wrong = ["a large red square above a small green circle", "nonsense"]
    scores = attribute_accuracy(wrong, references)
    # 3 objects in all: the green circle's colour and the nonsense are wrong.
    assert scores["colour"] == pytest.approx(1 / 3)
    assert scores["size"] == scores["shape"] == pytest.approx(2 / 3)
    assert scores["relation"] == 1.0
    assert scores["parsed"] == 0.5 and scores["objects"] == 0.5
    # The objects are right but the relation word is not.
    swapped = attribute_accuracy(
        ["a large red square below a small blue circle"], references[:1]
    )
    assert swapped["relation"] == 0.0 and swapped["colour"] == 1.0
    with pytest.raises(InvalidInputError, match="shapes caption"):
        attribute_accuracy(["a dog runs"], [["A dog runs on grass ."]])
    with pytest.raises(InvalidInputError, match="one list of references"):
        attribute_accuracy(["a"], [])
