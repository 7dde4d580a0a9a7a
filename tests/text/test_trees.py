import numpy as np
import pytest
import tensorflow as tf

from seqkeras.datasets.trees import Tree, batch_trees, parse_tree
from seqkeras.text.trees import tree_layout

TEXTS = [
    "(4 (3 (2 a) (3 (2 b) (2 c))) (4 (2 d) (4 e)))",
    "(1 (2 not) (3 (2 very) (3 good)))",
    "(3 good)",
    "((x y) (z (u v)))",
    "(2 (2 -LRB-) (2 (2 1\\/2) (2 -RRB-)))",
    "(2 (2 8\xa01\\/2) (2 ``))",
]


def test_the_graph_lays_trees_out_as_python_does():
    layout = tree_layout(tf.constant(TEXTS))
    expected = batch_trees([parse_tree(text) for text in TEXTS])
    words = [[w.decode("utf-8") for w in row] for row in layout["words"].numpy()]
    assert words == expected["words"].tolist()
    np.testing.assert_array_equal(layout["children"].numpy(), expected["children"])
    np.testing.assert_array_equal(layout["nodes"].numpy(), expected["nodes"])


def test_balanced_and_branching_trees_of_many_lengths():
    texts = [
        str(Tree.from_words([f"w{i}" for i in range(n)], how=how))
        for n in (1, 2, 3, 7, 16, 33)
        for how in ("balanced", "right", "left")
    ]
    layout = tree_layout(tf.constant(texts))
    expected = batch_trees([parse_tree(text) for text in texts])
    np.testing.assert_array_equal(layout["children"].numpy(), expected["children"])


def test_a_batch_of_one_word_trees_still_has_a_slot():
    layout = tree_layout(tf.constant(["(3 good)", "bad"]))
    assert layout["children"].shape == (2, 1, 1, 4)
    assert (layout["children"].numpy() == -1).all()


@pytest.mark.parametrize(
    "text",
    ["(3 (2 a) (2 b)", "(3 (2 a) (2 b) (2 c))", "(3 (2 a))", "not good", "", "()"],
)
def test_a_string_that_is_not_a_binary_tree_stops_the_call(text):
    with pytest.raises(tf.errors.InvalidArgumentError, match="Not a binary tree"):
        tree_layout(tf.constant([text]))


@pytest.mark.mirror
def test_every_test_tree_of_the_treebank_reads_the_same_in_the_graph(mirror):
    from seqkeras.datasets.trees import load_sst_trees

    trees = load_sst_trees().test.trees
    for start in range(0, len(trees), 500):
        part = trees[start : start + 500]
        layout = tree_layout(tf.constant([str(tree) for tree in part]))
        expected = batch_trees(part)
        np.testing.assert_array_equal(layout["children"].numpy(), expected["children"])
        np.testing.assert_array_equal(layout["nodes"].numpy(), expected["nodes"])
        words = [[w.decode("utf-8") for w in row] for row in layout["words"].numpy()]
        assert words == expected["words"].tolist()
