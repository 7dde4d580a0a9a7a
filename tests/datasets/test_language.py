"""Language-modelling corpora: streams, splits, vocabularies, PTB and
Tiny Shakespeare."""

import pytest

from seqkeras import datasets
from seqkeras.datasets.language import (
    LanguageModelData,
    TextStream,
    load_ptb,
    load_text,
    load_tinyshakespeare,
)
from seqkeras.errors import DatasetUnavailableError, InvalidArgumentError

POEM = "the cat sat\nthe cat ran\n\nthe dog sat down\na cat\nthe end\n"


def test_word_stream_wraps_sentences_and_counts_predicted_tokens():
    stream = TextStream([["the", "cat"], ["hi"]])
    assert stream.tokens() == [
        "[START]", "the", "cat", "[END]", "[START]", "hi", "[END]",
    ]  # fmt: skip
    # [START] is given, never predicted: words plus one [END] per sentence.
    assert stream.num_tokens == 5
    assert stream.subset(1).units == (("the", "cat"),)
    assert stream.subset(5) is stream


def test_char_stream_is_the_text():
    stream = TextStream(["ab\n", "c"], level="char")
    assert stream.tokens() == ["a", "b", "\n", "c"]
    assert stream.num_tokens == 4
    with pytest.raises(InvalidArgumentError, match="`level`"):
        TextStream(["x"], level="byte")


def test_load_text_at_word_level_splits_in_reading_order(tmp_path):
    path = tmp_path / "poem.txt"
    path.write_text(POEM, encoding="utf-8")
    data = load_text(path, validation=0.2, test=0.2)
    assert isinstance(data, LanguageModelData) and data.level == "word"
    # 5 non-empty lines: 3 to train, 1 to validate, 1 to test, in order.
    assert data.train.units == (
        ("the", "cat", "sat"), ("the", "cat", "ran"), ("the", "dog", "sat", "down"),
    )  # fmt: skip
    assert data.validation.units == (("a", "cat"),)
    assert data.test.units == (("the", "end"),)
    assert "3 train / 1 validation / 1 test sentences" in data.summary()


def test_vocabulary_is_pruned_by_frequency(tmp_path):
    path = tmp_path / "poem.txt"
    path.write_text(POEM, encoding="utf-8")
    data = load_text(path, validation=0.2, test=0.2)
    everything = data.build_vocabulary()
    assert everything.tokens[:6] == ("", "[UNK]", "[START]", "[END]", "the", "cat")
    assert len(everything) == 4 + 6  # the cat sat ran dog down
    frequent = data.build_vocabulary(min_count=2)
    assert frequent.tokens[4:] == ("the", "cat", "sat")
    assert data.build_vocabulary(max_size=5).tokens[4:] == ("the",)


def test_load_text_at_char_level_splits_by_characters(tmp_path):
    path = tmp_path / "lines.txt"
    lines = [f"line {i:02d}\n" for i in range(20)]  # 8 characters each
    path.write_text("".join(lines), encoding="utf-8")
    data = load_text(path, level="char", validation=0.1, test=0.0)
    assert data.train.units == tuple(lines[:18])
    assert data.validation.units == tuple(lines[18:])
    assert data.test.units == ()
    vocabulary = data.build_vocabulary()
    assert "\n" in vocabulary.tokens and " " in vocabulary.tokens


def test_bad_text_files(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="No text file"):
        load_text(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(DatasetUnavailableError, match="holds no text"):
        load_text(empty)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café\n".encode("latin-1"))
    with pytest.raises(DatasetUnavailableError, match="not UTF-8.*iconv"):
        load_text(latin)
    short = tmp_path / "short.txt"
    short.write_text("one line\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="leaves a split empty"):
        load_text(short)
    with pytest.raises(InvalidArgumentError, match="`validation`"):
        load_text(short, validation=1.5)
    with pytest.raises(InvalidArgumentError, match="`size`"):
        TextStream(["x"], level="char").subset(0)


@pytest.mark.mirror
def test_ptb_has_mikolovs_split_and_vocabulary(mirror):
    data = load_ptb()
    assert (len(data.train), len(data.validation), len(data.test)) == (
        42068, 3370, 3761,
    )  # fmt: skip
    # 887,521 words + 42,068 [END]: the 929,589 tokens papers count.
    assert data.train.num_tokens == 929_589
    assert data.test.num_tokens == 82_430
    vocabulary = data.build_vocabulary()
    assert len(vocabulary) == 4 + 9_998  # <unk> is [UNK], <eos> is [END]
    assert "<unk>" not in vocabulary.tokens
    assert data.train.units[1][:3] == ("pierre", "[UNK]", "N")
    assert datasets.load("ptb").summary() == data.summary()


@pytest.mark.mirror
def test_tinyshakespeare_holds_out_the_last_tenth(mirror):
    data = load_tinyshakespeare()
    total = data.train.num_tokens + data.validation.num_tokens
    assert total == 1_115_394
    assert data.validation.num_tokens == pytest.approx(111_539, abs=100)
    assert data.train.units[0] == "First Citizen:\n"
    assert data.test is data.validation
    assert len(data.build_vocabulary()) == 4 + 65
    assert datasets.load("tinyshakespeare").level == "char"


def test_text_files_split_in_reading_order(tmp_path):
    train = tmp_path / "train.txt"
    train.write_text("".join(f"line {i}\n" for i in range(20)))
    data = datasets.load_text_files(train, split=(0.5, 0.25))
    assert [len(p) for p in (data.train, data.validation, data.test)] == [10, 5, 5]
    assert data.validation.units[0] == ("line", "10")  # contiguous, not random
    held_out = tmp_path / "test.txt"
    held_out.write_text("a test line\n")
    data = datasets.load_text_files(train, test=held_out, split=(0.5, 0.25))
    assert [len(p) for p in (data.train, data.validation, data.test)] == [15, 5, 1]
    assert data.validation.units[-1] == ("line", "19")
    chars = datasets.load_text_files(train, level="char", split=(0.5, 0.25))
    lines = chars.train.units + chars.validation.units + chars.test.units
    assert lines == tuple(f"line {i}\n" for i in range(20))  # cut at line breaks
    # Half the characters: lines 0-9 hold 70, line 10 ends at 78 (nearer 75).
    assert chars.validation.units[0] == "line 11\n"
