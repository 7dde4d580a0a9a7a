"""Streamed files: examples in file order, bad lines counted, reported with
their numbers, or refused at the first."""

import pytest

from seqkeras.datasets.streams import (
    REPORTED_LINES,
    LabelledTextFile,
    SentencePairFile,
    as_stream,
)
from seqkeras.errors import InvalidInputError


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def decoded(dataset):
    return [
        tuple(v.decode() if isinstance(v, bytes) else int(v) for v in row)
        for row in dataset.as_numpy_iterator()
    ]


def test_labelled_texts_come_in_file_order_with_label_ids(tmp_path):
    text = 'id\tlabel\ttext\n1\tpos\tGreat fun\n2\tneg\tDull, "slow"\n'
    path = write(tmp_path, "r.tsv", text)
    reviews = LabelledTextFile(path)
    assert reviews.label_names == ("neg", "pos")  # found in the file, sorted
    assert decoded(reviews.examples()) == [("Great fun", 1), ('Dull, "slow"', 0)]
    assert len(reviews) == 2 and reviews.report.bad == 0


def test_numeric_labels_sort_as_numbers(tmp_path):
    rows = "".join(f"t{i}\t{label}\n" for i, label in enumerate([10, 2, 1, 2]))
    path = write(tmp_path, "n.tsv", "text\tlabel\n" + rows)
    assert LabelledTextFile(path).label_names == ("1", "2", "10")


def test_bad_lines_are_left_out_counted_and_reported_by_number(tmp_path):
    lines = [
        b"text\tlabel",
        b"good one\tpos",  # line 2
        b"no label",  # 3: one column
        b"\tneg",  # 4: empty text
        b"caf\xe9\tneg",  # 5: Latin-1, not UTF-8
        b"odd label\tmaybe",  # 6: not a class
        b"good two\tneg",  # 7
    ]
    path = write(tmp_path, "bad.tsv", b"\n".join(lines) + b"\n")
    reviews = LabelledTextFile(path, label_names=["neg", "pos"])
    assert decoded(reviews.examples()) == [("good one", 1), ("good two", 0)]
    report = reviews.report
    assert (report.lines, report.examples, report.bad) == (6, 2, 4)
    assert report.first == [
        (3, "1 column, 2 needed"),
        (4, "an empty field"),
        (5, "bytes that are not UTF-8"),
        (6, "a label that is not one of ['neg', 'pos']"),
    ]
    assert "4 bad lines left out: line 3 (1 column, 2 needed)" in report.summary()


def test_the_first_bad_line_fails_when_asked(tmp_path):
    path = write(tmp_path, "bad.tsv", "text\tlabel\nfine\tpos\nbroken\n")
    reviews = LabelledTextFile(path, on_bad_line="fail")
    with pytest.raises(InvalidInputError, match=r"bad.tsv, line 3: 1 column, 2 need"):
        len(reviews)
    with pytest.raises(ValueError, match="on_bad_line"):
        LabelledTextFile(path, on_bad_line="ignore")


def test_a_report_keeps_the_first_lines_and_counts_them_all(tmp_path):
    rows = "".join(f"text {i}\n" for i in range(REPORTED_LINES + 5))
    path = write(tmp_path, "many.tsv", "text\tlabel\nok\tpos\n" + rows)
    report = LabelledTextFile(path).report
    assert report.bad == REPORTED_LINES + 5 and len(report.first) == REPORTED_LINES
    assert report.summary().endswith(", ...")


def test_sentence_pairs_ignore_further_columns(tmp_path):
    path = write(
        tmp_path,
        "spa.txt",
        "Go.\tVe.\tCC-BY 2.0 (France)\nHi.\tHola.\nalone\n",
    )
    pairs = SentencePairFile(path)
    assert decoded(pairs.examples()) == [("Go.", "Ve."), ("Hi.", "Hola.")]
    assert pairs.report.first == [(3, "1 column, 2 needed")]


def test_files_that_cannot_be_read_are_refused(tmp_path):
    with pytest.raises(InvalidInputError, match="No such file"):
        SentencePairFile(tmp_path / "missing.txt")
    path = write(tmp_path, "h.tsv", "review\tstars\nok\t5\n")
    with pytest.raises(InvalidInputError, match=r"no column\(s\) \['text', 'label'\]"):
        LabelledTextFile(path)
    empty = write(tmp_path, "e.tsv", "text\tlabel\n\n")
    with pytest.raises(InvalidInputError, match="no usable example"):
        len(LabelledTextFile(empty, label_names=["a"]))


def test_paths_become_files_and_lists_stay_lists(tmp_path):
    path = write(tmp_path, "p.txt", "a\tb\n")
    assert isinstance(as_stream(str(path), SentencePairFile), SentencePairFile)
    assert isinstance(as_stream(path, SentencePairFile), SentencePairFile)
    assert as_stream((["a"], ["b"]), SentencePairFile) is None
    with pytest.raises(InvalidInputError, match="Expected a SentencePairFile"):
        as_stream(LabelledTextFile(write(tmp_path, "l.tsv", "text\tlabel\na\tb\n")),
                  SentencePairFile)  # fmt: skip


def test_conll_sentences_stream_with_their_tags_found(tmp_path):
    from seqkeras.datasets.streams import ConllFile

    text = "\ufeff-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\n"
    conll = ConllFile(write(tmp_path, "n.conll", text))
    assert conll.tag_names == ("O", "B-ORG", "B-PER")
    rows = [
        ([w.decode() for w in words], [t.decode() for t in tags])
        for words, tags in conll.examples().as_numpy_iterator()
    ]
    assert rows == [(["EU", "rejects"], ["B-ORG", "O"]), (["Peter"], ["B-PER"])]
    assert conll.report.summary() == "n.conll: 2 sentences from 6 lines"


def first_fields(container, size):
    """A container's fields, each cut to its first `size` items."""
    return {
        name: value if isinstance(value, str) else list(value)[:size]
        for name, value in vars(container).items()
    }


def test_the_first_examples_and_lines_of_every_kind_of_file(tmp_path):
    from seqkeras.datasets import (
        TextStream,
        read_conll,
        read_labelled_texts,
        read_tab_pairs,
        read_text_units,
    )
    from seqkeras.datasets.streams import ConllFile, TextLinesFile, head

    reviews = write(tmp_path, "r.tsv", "text\tlabel\nfun\tpos\ndull\tneg\nok\tpos\n")
    pairs = write(tmp_path, "p.tsv", "one\tuno\ntwo\tdos\nthree\ttres\n")
    conll = write(tmp_path, "n.conll", "EU B-ORG\nsays O\n\nPeter B-PER\n\nHi O\n")
    text = write(tmp_path, "t.txt", "the cat\n\nsat on\nthe mat\n")
    for stream, whole in [
        (LabelledTextFile(reviews), read_labelled_texts(reviews)[0]),
        (SentencePairFile(pairs), read_tab_pairs(pairs)),
        (ConllFile(conll), read_conll(conll)),
        (TextLinesFile(text), TextStream(read_text_units(text))),
        (
            TextLinesFile(text, level="char"),
            TextStream(read_text_units(text, "char"), "char"),
        ),
    ]:
        first = stream.head(2)  # the in-memory container of the same examples
        assert type(first) is type(whole)
        assert first_fields(first, 2) == first_fields(whole, 2)
        assert head(whole, 2) is whole
    # `subset` reads the first lines only, and reports on those.
    part = LabelledTextFile(reviews).subset(2)
    assert part.head(5).texts == ("fun", "dull")
    assert part.report.summary() == "r.tsv: 2 examples from 2 lines"
    part = ConllFile(conll).subset(4)  # the second sentence ends at line 4
    assert part.head(5).tokens == (("EU", "says"), ("Peter",))
    assert part.report.summary() == "n.conll: 2 sentences from 4 lines"
