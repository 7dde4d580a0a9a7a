"""Pretrained word vectors: the file formats, the starting table, coverage."""

import gzip

import numpy as np
import pytest

from seqkeras.errors import InvalidInputError
from seqkeras.text import Vocabulary
from seqkeras.text.vectors import WordVectors, load_word_vectors

GLOVE = "the 0.5 -0.5 1.0\nParis 1.0 2.0 3.0\nparis 9.0 9.0 9.0\nNew York 4.0 4.0 4.0\n"


def test_glove_word2vec_gzip_and_npy_files_read_the_same(tmp_path):
    glove = tmp_path / "glove.txt"
    glove.write_text(GLOVE)
    word2vec = tmp_path / "vectors.vec"
    word2vec.write_text("4 3\n" + GLOVE)
    packed = tmp_path / "glove.txt.gz"
    with gzip.open(packed, "wt") as f:
        f.write(GLOVE)
    matrix = tmp_path / "vectors.npy"
    np.save(matrix, load_word_vectors(glove).vectors)
    (tmp_path / "vectors.vocab").write_text("the\nParis\nparis\nNew York\n")
    for path in (glove, word2vec, packed, matrix):
        vectors = load_word_vectors(path)
        assert vectors.words == ("the", "Paris", "paris", "New York"), path
        assert vectors.dim == 3 and vectors.source == str(path)
        np.testing.assert_array_equal(vectors.vector("New York"), [4.0, 4.0, 4.0])
    assert len(load_word_vectors(glove, max_words=2)) == 2


def test_case_is_matched_to_the_vectors():
    vectors = WordVectors(["Paris", "the", "berlin"], np.eye(3))
    assert vectors.row("Paris") == 0
    assert vectors.row("paris") == 0  # a lower-cased vocabulary finds "Paris"
    assert vectors.row("The") == 1  # a cased vocabulary finds GloVe's "the"
    assert vectors.row("BERLIN") == 2 and vectors.row("rome") is None
    exact = WordVectors(["Paris", "paris"], [[1.0], [2.0]])
    assert exact.vector("paris").tolist() == [2.0]  # its own vector first


def test_the_starting_table_and_coverage():
    vectors = WordVectors(["the", "cat", "sat"], [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    vocabulary = Vocabulary(("", "[UNK]", "[START]", "[END]", "the", "Cat", "dog"))
    matrix, found = vectors.matrix_for(vocabulary, seed=0)
    assert found.tolist() == [False] * 4 + [True, True, False]
    np.testing.assert_array_equal(matrix[0], [0.0, 0.0])  # padding
    np.testing.assert_array_equal(matrix[4:6], [[1.0, 1.0], [2.0, 2.0]])
    assert not np.allclose(matrix[6], 0.0)  # drawn, not zero
    again, _ = vectors.matrix_for(vocabulary, seed=0)
    np.testing.assert_array_equal(matrix, again)
    report = vectors.coverage(vocabulary, {"the": 6, "Cat": 2, "dog": 1, "rare": 1})
    assert report["vocabulary_found"] == 2 and report["vocabulary_size"] == 3
    assert report["found_by_case"] == 1  # "Cat" found as "cat"
    assert report["token_share"] == pytest.approx(0.8)


def test_bad_vector_files_name_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("the 0.1 0.2\ncat 0.1\n")
    with pytest.raises(InvalidInputError, match="line 2: expected a word and 2"):
        load_word_vectors(path)
    path.write_text("the 0.1 0.2\ncat x 0.3\n")
    with pytest.raises(InvalidInputError, match="line 2"):
        load_word_vectors(path)
    with pytest.raises(InvalidInputError, match="No such word-vectors file"):
        load_word_vectors(tmp_path / "missing.txt")
    np.save(tmp_path / "m.npy", np.zeros((3, 2)))
    with pytest.raises(InvalidInputError, match="without its words"):
        load_word_vectors(tmp_path / "m.npy")
    (tmp_path / "m.words").write_text("a\nb\n")
    with pytest.raises(InvalidInputError, match="2 words but .* 3 vectors"):
        load_word_vectors(tmp_path / "m.npy")
