import pytest

from seqkeras import datasets
from seqkeras.datasets.translation import (
    SentencePairs,
    TranslationData,
    read_tab_pairs,
    split_by_source,
)
from seqkeras.errors import InvalidArgumentError, InvalidInputError


def test_tab_pairs_ignore_extra_columns_and_blank_lines(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("Go.\tVe.\tCC-BY 2.0 (France)\n\nHi.\tHola.\n", encoding="utf-8")
    pairs = read_tab_pairs(path)
    assert pairs.sources == ("Go.", "Hi.") and pairs.targets == ("Ve.", "Hola.")


@pytest.mark.parametrize("line", ["Go. Ve.", "Go.\t", "\tVe."])
def test_malformed_pairs_name_file_and_line(tmp_path, line):
    path = tmp_path / "bad.txt"
    path.write_text(f"Hi.\tHola.\n{line}\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"bad.txt, line 2: expected"):
        read_tab_pairs(path)


def test_empty_file_is_refused(tmp_path):
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(InvalidInputError, match="holds no sentence pairs"):
        read_tab_pairs(tmp_path / "empty.txt")


def test_split_keeps_every_translation_of_a_source_together():
    sources = [f"sentence {i // 3}" for i in range(3000)]  # 3 translations each
    pairs = SentencePairs(sources, [f"t{i}" for i in range(3000)])
    train, validation, test = split_by_source(pairs, validation=0.1, test=0.2)
    assert len(train) + len(validation) + len(test) == 3000
    sets = [set(split.sources) for split in (train, validation, test)]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert all(len(split) % 3 == 0 for split in (train, validation, test))
    assert 0.15 < len(test) / 3000 < 0.25 and 0.05 < len(validation) / 3000 < 0.15
    again = split_by_source(pairs, validation=0.1, test=0.2)
    assert again[2].sources == test.sources  # deterministic


def test_split_fractions_are_checked():
    pairs = SentencePairs(["a"], ["b"])
    with pytest.raises(InvalidArgumentError, match="`test`"):
        split_by_source(pairs, test=1.5)
    with pytest.raises(InvalidArgumentError, match="leave data for training"):
        split_by_source(pairs, validation=0.5, test=0.5)


def test_pairs_check_alignment_and_subset():
    with pytest.raises(InvalidInputError, match="2 sources but 1 targets"):
        SentencePairs(["a", "b"], ["c"])
    pairs = SentencePairs([str(i) for i in range(10)], [str(-i) for i in range(10)])
    small = pairs.subset(4, seed=1)
    assert len(small) == 4 and all(int(s) == -int(t) for s, t in zip(
        small.sources, small.targets, strict=True))  # fmt: skip
    data = TranslationData("toy", pairs, small, small, "en", "es")
    assert data.summary() == "toy: en -> es, 10 train / 4 validation / 4 test pairs"
    assert len(data.subset(train=3).train) == 3


@pytest.mark.mirror
def test_spa_eng_splits_by_english_sentence(mirror):
    data = datasets.load_spa_eng()
    total = len(data.train) + len(data.validation) + len(data.test)
    assert total == 118964
    assert not set(data.train.sources) & set(data.test.sources)
    assert data.train.sources[:3] == ("Go.", "Go.", "Go.")
    assert data.train.targets[:3] == ("Ve.", "Vete.", "Vaya.")
    short = datasets.load("spa-eng")  # the catalogue keeps at most 20 words
    assert max(len(s.split()) for s in short.train.sources) <= 20
    assert len(short.train) < len(data.train)
    with pytest.raises(InvalidArgumentError, match="`max_length`"):
        datasets.load_spa_eng(max_length=0)


def test_sentence_pair_files_split_by_source(tmp_path):
    lines = []
    for i in range(30):
        lines += [f"Sentence {i}.\tFrase {i}.", f"Sentence {i}.\tOración {i}."]
    path = tmp_path / "pairs.tsv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    data = datasets.load_sentence_pairs(path, split=(0.6, 0.2), target_language="es")
    sizes = [len(set(p.sources)) for p in (data.train, data.validation, data.test)]
    assert sizes == [18, 6, 6] and len(data.train) == 36
    # Every translation of a source is in the same part as the source.
    train, test = set(data.train.sources), set(data.test.sources)
    assert not train & test and "Sentence 0." in train | test | set(
        data.validation.sources
    )
    assert data.target_language == "es" and data.train.sources[0] != "\ufeff"
    with pytest.raises(InvalidInputError, match="No such file of sentence pairs"):
        datasets.load_sentence_pairs(tmp_path / "missing.tsv")
