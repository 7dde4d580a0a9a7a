"""Text data containers and the Stanford Sentiment Treebank reader."""

import numpy as np
import pytest

from seqkeras import datasets
from seqkeras.datasets import load
from seqkeras.datasets.text import (
    LabelledTexts,
    TextClassificationData,
    parse_sst_tree,
    read_sst_split,
)
from seqkeras.errors import InvalidInputError

TREES = [
    "(3 (2 (2 The) (2 film)) (3 (2 is) (4 (3 very) (4 good))))",
    "(1 (2 A) (0 (1 -LRB- dull -RRB-) (2 ``) (0 mess) (2 '')))",
    "(2 (2 writer\\/director) (2 Kim))",
    "(3 (2 The) (2 film))",
]


def test_every_node_becomes_a_phrase_root_first():
    nodes = parse_sst_tree(TREES[0])
    assert nodes[0] == (3, "The film is very good")
    assert (4, "very good") in nodes and (2, "The film") in nodes
    assert len(nodes) == 9  # 5 words, 4 inner nodes


def test_penn_treebank_escapes_are_undone():
    assert parse_sst_tree(TREES[1])[0] == (1, 'A ( dull ) " mess "')
    assert parse_sst_tree(TREES[2])[0] == (2, "writer/director Kim")


@pytest.mark.parametrize(
    "line", ["(3 (2 good)", "(x (2 good))", "3 good)", "(9 (2 a))"]
)
def test_malformed_trees_are_reported(line):
    with pytest.raises(InvalidInputError, match="line"):
        parse_sst_tree(line)


def test_split_reading_sentences_phrases_and_binary(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("\n".join(TREES) + "\n\n")

    sentences = read_sst_split(path)
    assert sentences.texts[0] == "The film is very good"
    assert sentences.labels.tolist() == [3, 1, 2, 3]

    binary = read_sst_split(path, binary=True)
    assert binary.labels.tolist() == [1, 0, 1]  # the neutral sentence is gone

    phrases = read_sst_split(path, phrases=True)
    assert len(set(phrases.texts)) == len(phrases.texts)  # each text once
    assert "The film" in phrases.texts and "good" in phrases.texts

    binary_phrases = read_sst_split(path, phrases=True, binary=True)
    assert set(binary_phrases.labels.tolist()) == {0, 1}
    assert "The" not in binary_phrases.texts  # neutral phrases dropped


def test_labelled_texts_checks_lengths_and_subsets_reproducibly():
    with pytest.raises(InvalidInputError, match="2 texts but 3 labels"):
        LabelledTexts(["a", "b"], [0, 1, 0])
    data = LabelledTexts([str(i) for i in range(100)], np.arange(100) % 2)
    small = data.subset(10, seed=3)
    again = data.subset(10, seed=3)
    assert len(small) == 10 and small.texts == again.texts
    assert all(int(t) % 2 == y for t, y in zip(small.texts, small.labels, strict=True))
    assert data.subset(1000) is data


def test_data_set_summary_and_subset():
    split = LabelledTexts(["a", "b", "c"], [0, 1, 0])
    data = TextClassificationData("toy", ("neg", "pos"), split, split, split)
    assert data.num_classes == 2
    smaller = data.subset(train=2)
    assert len(smaller.train) == 2 and len(smaller.test) == 3
    assert (
        data.summary() == "toy: 3 train / 3 validation / 3 test, classes ['neg', 'pos']"
    )


@pytest.mark.mirror
def test_sst2_has_the_standard_splits(mirror):
    data = load("sst2")
    assert (len(data.validation), len(data.test)) == (872, 1821)
    assert len(data.train) == 77616  # every distinct labelled phrase
    assert set(np.unique(data.train.labels)) == {0, 1}
    assert np.bincount(data.test.labels).tolist() == [912, 909]
    sentences_only = load("sst2", train_phrases=False)
    assert len(sentences_only.train) == 6920


@pytest.mark.mirror
def test_sst5_has_five_classes_and_all_sentences(mirror):
    data = load("sst5", train_phrases=False)
    assert (len(data.train), len(data.validation), len(data.test)) == (8544, 1101, 2210)
    assert data.label_names[2] == "neutral"
    assert np.bincount(data.test.labels).tolist() == [279, 633, 389, 510, 399]


def test_labelled_texts_from_csv_tsv_and_json_lines(tmp_path):
    csv = tmp_path / "reviews.csv"
    csv.write_text('text,label\n"Great, really",pos\nNA,neg\n"Say ""no""",neg\n')
    texts, names = datasets.read_labelled_texts(csv)
    # Quoted commas and quotes are read as written; "NA" is text, not missing.
    assert texts.texts == ("Great, really", "NA", 'Say "no"')
    assert texts.labels.tolist() == [1, 0, 0] and names == ("neg", "pos")
    tsv = tmp_path / "reviews.tsv"
    tsv.write_text('\ufeffsentence\tstars\nIt is "fine"\t10\nBad\t2\nOK\t9\n')
    texts, names = datasets.read_labelled_texts(
        tsv, text_column="sentence", label_column="stars"
    )
    assert texts.texts[0] == 'It is "fine"'  # TSV keeps quotes
    assert names == ("2", "9", "10")  # numbers sort as numbers
    assert texts.labels.tolist() == [2, 0, 1]
    jsonl = tmp_path / "reviews.jsonl"
    jsonl.write_text('{"text": "Good", "label": 1}\n{"text": "Meh", "label": 0}\n')
    texts, names = datasets.read_labelled_texts(jsonl)
    assert texts.texts == ("Good", "Meh") and names == ("0", "1")


def test_labelled_text_files_say_what_is_wrong(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("review,label\nGood,pos\n")
    with pytest.raises(InvalidInputError, match="no column\\(s\\) \\['text'\\]"):
        datasets.read_labelled_texts(path)
    path.write_text("text,label\nGood,pos\n ,neg\n")
    with pytest.raises(InvalidInputError, match="'text' is empty in data row 2"):
        datasets.read_labelled_texts(path)
    path.write_text("text,label\nGood,pos\nBad,awful\n")
    with pytest.raises(InvalidInputError, match="row 2 has the label 'awful'"):
        datasets.read_labelled_texts(path, label_names=["neg", "pos"])
    (tmp_path / "x.dat").write_text("text,label\nGood,pos\n")
    with pytest.raises(InvalidInputError, match="from its suffix '.dat'"):
        datasets.read_labelled_texts(tmp_path / "x.dat")
    assert len(datasets.read_labelled_texts(tmp_path / "x.dat", format="csv")[0]) == 1
    with pytest.raises(InvalidInputError, match="No such file"):
        datasets.read_labelled_texts(tmp_path / "missing.csv")


def test_labelled_text_files_become_a_data_set(tmp_path):
    rows = [f"text {i},{'pos' if i % 3 else 'neg'}" for i in range(50)]
    train = tmp_path / "train.csv"
    train.write_text("text,label\n" + "\n".join(rows) + "\n")
    data = datasets.load_labelled_texts(train, split=(0.6, 0.2), seed=3)
    assert (len(data.train), len(data.validation), len(data.test)) == (30, 10, 10)
    everything = data.train.texts + data.validation.texts + data.test.texts
    assert sorted(everything) == sorted(f"text {i}" for i in range(50))
    assert data.label_names == ("neg", "pos") and data.name == "train.csv"
    test = tmp_path / "test.csv"
    test.write_text("text,label\nnew,pos\nother,unseen\n")
    with pytest.raises(InvalidInputError, match="classes \\['neg', 'pos'\\]"):
        datasets.load_labelled_texts(train, test=test)
