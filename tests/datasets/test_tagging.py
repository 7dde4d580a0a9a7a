import pytest

from seqkeras import datasets
from seqkeras.datasets.tagging import (
    TaggedSentences,
    TaggingData,
    parse_conll,
    read_conll,
)
from seqkeras.errors import InvalidArgumentError, InvalidInputError

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O


Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER
-DOCSTART- -X- -X- O
BRUSSELS NNP B-NP B-LOC
"""


def test_sentences_documents_and_columns(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(CONLL)
    ner = read_conll(path, tag_column=3, scheme="iob2")
    assert ner.tokens == (
        ("EU", "rejects", "German", "call"),
        ("Peter", "Blackburn"),
        ("BRUSSELS",),
    )
    assert ner.tags[1] == ("B-PER", "I-PER")
    assert ner.num_tokens == 7
    assert ner.tag_set() == ("O", "B-LOC", "B-MISC", "B-ORG", "B-PER", "I-PER")
    pos = read_conll(path, tag_column=1)
    assert pos.tags[0] == ("NNP", "VBZ", "JJ", "NN")
    chunks = read_conll(path, token_column=1, tag_column=-2)
    assert chunks.tokens[0][0] == "NNP" and chunks.tags[0][0] == "B-NP"


def test_two_column_files_and_any_white_space():
    data = parse_conll(["I\tPRON", "like  VERB", "", "", "apples NOUN"])
    assert data.tokens == (("I", "like"), ("apples",))
    assert data.tags == (("PRON", "VERB"), ("NOUN",))


def test_ragged_columns_name_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("EU NNP B-NP B-ORG\nrejects VBZ O\n")
    with pytest.raises(InvalidInputError, match=r"bad.txt, line 2: expected 4 columns"):
        read_conll(path)


def test_missing_tag_column_names_line_and_choices():
    with pytest.raises(InvalidInputError, match=r"line 3: there is no tag column 4"):
        parse_conll(["-DOCSTART- -X- -X- O", "", "EU NNP B-NP B-ORG"], tag_column=4)
    with pytest.raises(InvalidInputError, match="no token column -3"):
        parse_conll(["EU B-ORG"], token_column=-3)


def test_empty_input_and_missing_file_are_refused(tmp_path):
    with pytest.raises(InvalidInputError, match="holds no sentences"):
        parse_conll(["", "-DOCSTART- O", ""])
    with pytest.raises(InvalidInputError, match="No such CoNLL file"):
        read_conll(tmp_path / "nothing.txt")


def test_scheme_check_names_the_sentence(tmp_path):
    path = tmp_path / "iob1.txt"
    path.write_text("Peter I-PER\n\nEU O\nrejects I-ORG\n")
    read_conll(path, scheme="iob1")
    with pytest.raises(InvalidInputError, match=r"iob1.txt, sentence 1: Tag 0"):
        read_conll(path, scheme="iob2")


def test_tagged_sentences_check_lengths_and_subset():
    with pytest.raises(InvalidInputError, match="Sentence 0 has 2 words but 1 tags"):
        TaggedSentences([["a", "b"]], [["X"]])
    with pytest.raises(InvalidInputError, match="Sentence 0 is empty"):
        TaggedSentences([[]], [[]])
    with pytest.raises(InvalidInputError, match="2 sentences of words but 1"):
        TaggedSentences([["a"], ["b"]], [["X"]])
    data = TaggedSentences([[str(i)] for i in range(10)], [["X"]] * 10)
    assert data.subset(4, seed=1).tokens == data.subset(4, seed=1).tokens
    assert len(data.subset(4)) == 4 and data.subset(20) is data
    whole = TaggingData("toy", ("X",), data, data.subset(2), data.subset(3))
    assert "10 train / 2 validation / 3 test sentences, 1 tags" in whole.summary()
    assert len(whole.subset(train=5).train) == 5


def test_unknown_tag_set_is_refused():
    with pytest.raises(InvalidArgumentError, match="`tags`"):
        datasets.load_conll2003(tags="chunk")


@pytest.mark.mirror
def test_conll2003_standard_splits(mirror):
    ner = datasets.load("conll2003-ner")
    assert (len(ner.train), len(ner.validation), len(ner.test)) == (14041, 3250, 3453)
    assert ner.train.num_tokens == 203621
    assert ner.scheme == "iob2"
    assert ner.tag_names == (
        "O", "B-LOC", "B-MISC", "B-ORG", "B-PER", "I-LOC", "I-MISC", "I-ORG", "I-PER"
    )  # fmt: skip
    assert ner.train.tokens[0] == (
        "EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."
    )  # fmt: skip
    pos = datasets.load("conll2003-pos")
    assert pos.scheme is None and len(pos.tag_names) == 45
    assert pos.train.tags[0][:3] == ("NNP", "VBZ", "JJ")
