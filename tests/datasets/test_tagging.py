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


# A hand-written CoNLL-U file with every kind of line that is not a word of
# the sentence: comments, a multi-word token range and an empty node.
CONLLU = """# newdoc id = weblog-1
# sent_id = 1
# text = Il va au marché.
1\tIl\til\tPRON\tCLS\t_\t2\tnsubj\t_\t_
2\tva\taller\tVERB\tV\t_\t0\troot\t_\t_
3-4\tau\t_\t_\t_\t_\t_\t_\t_\t_
3\tà\tà\tADP\tP\t_\t5\tcase\t_\t_
4\tle\tle\tDET\tDET\t_\t5\tdet\t_\t_
5\tmarché\tmarché\tNOUN\tNC\t_\t2\tobl\t_\tSpaceAfter=No
6\t.\t.\tPUNCT\tPONCT\t_\t2\tpunct\t_\t_

# sent_id = 2
1\tJe\tje\tPRON\tCLS\t_\t2\tnsubj\t_\t_
2\tmange\tmanger\tVERB\tV\t_\t0\troot\t_\t_
2.1\tmange\tmanger\tVERB\tV\t_\t_\t_\t0:root\t_
3\tbien\tbien\tADV\tADV\t_\t2\tadvmod\t_\t_
"""


def test_conllu_skips_comments_ranges_and_empty_nodes(tmp_path):
    path = tmp_path / "fr-ud-train.conllu"
    path.write_text(CONLLU, encoding="utf-8")
    upos = datasets.read_conllu(path)
    assert upos.tokens == (
        ("Il", "va", "à", "le", "marché", "."),
        ("Je", "mange", "bien"),
    )
    assert upos.tags[0] == ("PRON", "VERB", "ADP", "DET", "NOUN", "PUNCT")
    xpos = datasets.read_conllu(path, tag_column="xpos")
    assert xpos.tags[1] == ("CLS", "V", "ADV")
    lemmas = datasets.read_conllu(path, token_column="lemma", tag_column=7)
    assert lemmas.tokens[1] == ("je", "manger", "bien")
    assert lemmas.tags[1] == ("nsubj", "root", "advmod")


def test_conllu_errors_name_the_line_and_the_fix(tmp_path):
    with pytest.raises(InvalidInputError, match="line 2: a CoNLL-U word line has 10"):
        datasets.parse_conllu(["# c", "1 Il il PRON"])
    with pytest.raises(InvalidInputError, match="line 1: the word 'Il' has no XPOS"):
        datasets.parse_conllu(
            ["1\tIl\til\tPRON\t_\t_\t0\troot\t_\t_"], tag_column="xpos"
        )
    with pytest.raises(InvalidInputError, match="ID column holds 'x'"):
        datasets.parse_conllu(["x\tIl\til\tPRON\t_\t_\t0\troot\t_\t_"])
    with pytest.raises(InvalidArgumentError, match="`tag_column`.*'pos'"):
        datasets.parse_conllu([], tag_column="pos")
    with pytest.raises(InvalidInputError, match="holds no CoNLL-U sentences"):
        datasets.parse_conllu(["# only a comment", ""])
    # The plain reader points at the CoNLL-U one when it meets a comment.
    path = tmp_path / "ud.txt"
    path.write_text(CONLLU, encoding="utf-8")
    with pytest.raises(InvalidInputError, match="line 2: .*read_conllu"):
        read_conll(path, token_column=1, tag_column=3)


def test_a_byte_order_mark_is_dropped_wherever_a_line_starts(tmp_path):
    # One at the start of the file, one on a line of its own, one before a
    # word: what joining files that editors saved with a mark leaves.
    text = "\ufeffEU B-ORG\nrejects O\n\ufeff\nPeter B-PER\n\n\ufeffBlackburn B-PER\n"
    path = tmp_path / "joined.conll"
    path.write_bytes(text.encode("utf-8"))
    data = read_conll(path, scheme="iob2")
    assert data.tokens == (("EU", "rejects"), ("Peter",), ("Blackburn",))
    conllu = tmp_path / "bom.conllu"
    conllu.write_text("\ufeff" + CONLLU, encoding="utf-8")
    assert datasets.read_conllu(conllu).tokens[0][0] == "Il"


def test_tagged_files_with_and_without_their_own_splits(tmp_path):
    sentences = [f"w{i} O\nx{i} B-PER\n" for i in range(20)]
    whole = tmp_path / "all.conll"
    whole.write_text("\n".join(sentences))
    data = datasets.load_tagged_sentences(whole, scheme="iob2", split=(0.6, 0.2))
    assert [len(p) for p in (data.train, data.validation, data.test)] == [12, 4, 4]
    assert data.tag_names == ("O", "B-PER") and data.scheme == "iob2"
    parts = (data.train, data.validation, data.test)
    seen = sorted(words for part in parts for words in part.tokens)
    assert seen == sorted(read_conll(whole).tokens)  # each sentence once
    again = datasets.load_tagged_sentences(whole, split=(0.6, 0.2))
    assert again.test.tokens == data.test.tokens  # the same seed, the same cut
    other = datasets.load_tagged_sentences(whole, split=(0.6, 0.2), seed=1)
    assert other.test.tokens != data.test.tokens
    # A test file of its own: the validation part is cut from training.
    test = tmp_path / "test.conllu"
    test.write_text(CONLLU, encoding="utf-8")
    with pytest.raises(InvalidInputError, match="read_conllu"):
        datasets.load_tagged_sentences(whole, test=test)  # one format for all
    mixed = datasets.load_tagged_sentences(whole, test=whole, split=(0.7, 0.25))
    assert (len(mixed.train), len(mixed.validation), len(mixed.test)) == (15, 5, 20)
