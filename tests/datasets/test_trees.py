import numpy as np
import pytest

from seqkeras.datasets.trees import (
    BINARIZATIONS,
    Tree,
    Trees,
    TreeSyntaxError,
    batch_trees,
    load_sst_trees,
    parse_tree,
    read_trees,
    step_budgets,
    tree_arrays,
)
from seqkeras.errors import InvalidArgumentError, InvalidInputError

NOT_VERY_GOOD = "(1 (2 not) (3 (2 very) (3 good)))"
# A tree whose inner nodes are not in height order from left to right: the
# left child is 2 high, the right child 1 high.
UNEVEN = "(4 (3 (2 a) (3 (2 b) (2 c))) (4 (2 d) (4 e)))"


def test_a_labelled_tree_reads_and_writes_back():
    tree = parse_tree(NOT_VERY_GOOD)
    assert tree.words == ("not", "very", "good")
    assert tree.children.tolist() == [[1, 2], [0, 3]]
    assert tree.labels.tolist() == [2, 2, 3, 3, 1]
    assert tree.heights().tolist() == [0, 0, 0, 1, 2]
    assert tree.levels() == [[3], [4]]
    assert [tree.phrase(n) for n in range(5)] == [
        "not",
        "very",
        "good",
        "very good",
        "not very good",
    ]
    assert str(tree) == NOT_VERY_GOOD
    assert tree.to_string(labels=False) == "(not (very good))"
    assert tree.labelled and tree.root == 4 and tree.height == 2


def test_an_unlabelled_tree_and_a_one_word_tree():
    tree = parse_tree("((a b) (c d))")
    assert tree.words == ("a", "b", "c", "d")
    assert tree.children.tolist() == [[0, 1], [2, 3], [4, 5]]
    assert (tree.labels == -1).all() and not tree.labelled
    assert str(tree) == "((a b) (c d))"
    assert parse_tree("good").words == ("good",)
    one = parse_tree("(4 good)")
    assert one.labels.tolist() == [4] and one.height == 0 and one.levels() == []


def test_bracketed_words_come_back_escaped():
    tree = parse_tree("(2 (2 -LRB-) (2 (2 sic) (2 -RRB-)))")
    assert tree.words == ("(", "sic", ")")
    assert str(tree) == "(2 (2 -LRB-) (2 (2 sic) (2 -RRB-)))"
    assert parse_tree(str(tree)).words == tree.words


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        ("", None, "empty text"),
        ("   ", None, "empty text"),
        ("(3 (2 a) (2 b)", 1, "a bracket that is never closed"),
        ("(3 (2 a) (2 b)))", 16, "text after the end of the tree: ')'"),
        (")", 1, "a closing bracket without an opening one"),
        ("(3 (2 a) (2 b) (2 c))", 1, "a node with 3 children"),
        ("(3 (2 a))", 1, "a node with one child"),
        ("(3 (2 a) ())", 10, "a node without a label"),
        ("((2 a) (2 b))", 1, "a node without a label"),
        ("(3 (a) (2 b))", 4, "a node without a label"),
        ("(3 a b)", 6, "the word 'b' beside another child"),
        ("(2 not (2 bad))", 8, "a subtree beside a word"),
        ("(3 (2 a) (2 b)) (2 c)", 17, "text after the end of the tree"),
        ("(7 good)", 2, "label 7 is not below 5"),
        ("(a b c)", 1, "a node with 3 children"),
        ("(a)", 1, "a node with one child"),
        ("a b", 1, "the word 'a' outside the brackets"),
        ("(not (1 dollar))", 1, "a node without a label"),
    ],
)
def test_malformed_trees_are_refused_with_the_place(text, position, problem):
    with pytest.raises(TreeSyntaxError) as error:
        parse_tree(text, num_classes=5, name="tree 12")
    where = f"tree 12, character {position}: " if position else "tree 12: "
    assert str(error.value).startswith(where + problem), str(error.value)


def test_a_labelled_tree_missing_one_label_is_not_read_as_words():
    # Without labels, "(2 a)" would be an inner node over the words "2" and
    # "a"; a labelled leaf elsewhere says the tree has labels.
    with pytest.raises(TreeSyntaxError, match="character 1: a node without a label"):
        parse_tree("((2 a) (2 b))")
    assert parse_tree("((2 a) (2 b))", labelled=False).words == ("2", "a", "2", "b")


def test_from_words_builds_the_three_binarisations():
    words = "a b c d e".split()
    assert str(Tree.from_words(words, how="right")) == "(a (b (c (d e))))"
    assert str(Tree.from_words(words, how="left")) == "((((a b) c) d) e)"
    balanced = Tree.from_words(" ".join(words))
    assert str(balanced) == "((a b) (c (d e)))"
    assert balanced.height == 3 == int(np.ceil(np.log2(len(words))))
    assert Tree.from_words(["solo"]).num_nodes == 1
    with pytest.raises(InvalidInputError, match="empty sentence"):
        Tree.from_words("  ")
    with pytest.raises(InvalidArgumentError, match="`how`"):
        Tree.from_words(words, how="middle")


def test_trees_check_their_arrays():
    with pytest.raises(InvalidInputError, match="2 inner nodes, got 1"):
        Tree(["a", "b", "c"], [[0, 1]], [-1] * 5)
    with pytest.raises(InvalidInputError, match="post-order"):
        Tree(["a", "b", "c"], [[0, 4], [1, 2]], [-1] * 5)
    with pytest.raises(InvalidInputError, match="post-order"):
        Tree(["a", "b", "c"], [[0, 0], [1, 3]], [-1] * 5)
    with pytest.raises(InvalidInputError, match="5 labels"):
        Tree(["a", "b", "c"], [[0, 1], [3, 2]], [-1] * 4)
    with pytest.raises(InvalidInputError, match="without spaces"):
        Tree(["a b"], np.zeros((0, 2)), [-1])


def test_binary_labels_leave_neutral_nodes_out():
    tree = parse_tree(NOT_VERY_GOOD).binary()
    assert tree.labels.tolist() == [-1, -1, 1, 1, 0]
    assert str(tree.unlabelled()) == "(not (very good))"


@pytest.mark.parametrize(
    "text",
    [UNEVEN, NOT_VERY_GOOD, "((a b) ((c d) ((e f) (g h))))", "(3 good)"]
    + [str(Tree.from_words("a b c d e f g h i j k l m", how=h)) for h in BINARIZATIONS],
)
def test_the_compact_schedule_takes_as_many_steps_in_fewer_slots(text):
    tree = parse_tree(text)
    by_height = tree.levels()
    widest = max(map(len, by_height), default=0)
    for steps in (None, tree.height, tree.height + 3, 2 * tree.num_leaves):
        compact = tree.levels("compact", steps=steps)
        if steps is None:
            assert len(compact) == len(by_height) == tree.height
        assert len(compact) <= (steps or tree.height)
        assert sorted(sum(compact, [])) == list(range(tree.num_leaves, tree.num_nodes))
        step = {node: i for i, level in enumerate(compact, start=1) for node in level}
        step.update({leaf: 0 for leaf in range(tree.num_leaves)})
        for k, (left, right) in enumerate(tree.children):
            assert step[left] < step[tree.num_leaves + k] > step[right]
        assert max(map(len, compact), default=0) <= widest
        widest = max(map(len, compact), default=0)  # more steps: never wider
    # One node a step when there are as many steps as inner nodes.
    assert widest == min(1, tree.num_leaves - 1)


def test_steps_must_be_enough_for_the_tree_and_the_compact_schedule():
    tree = parse_tree(UNEVEN)
    with pytest.raises(InvalidArgumentError, match="height 3 needs at least 3 steps"):
        tree.levels("compact", steps=2)
    with pytest.raises(InvalidArgumentError, match="compact schedule only"):
        tree.levels("height", steps=5)


def test_a_batch_spreads_shorter_trees_over_the_tallest_ones_steps():
    chain = Tree.from_words(list("abcdefgh"), how="right")  # height 7
    balanced = Tree.from_words(list("abcdefgh"), how="balanced")  # height 3
    assert max(map(len, balanced.levels("compact"))) == 4
    batch = batch_trees([chain, balanced], schedule="compact")
    assert batch["children"].shape == (2, 7, 1, 4)  # one slot a step for both
    # Each node's row among the outputs still points at its place.
    assert batch["nodes"][1, -1] == 8 + 6  # the root, at the last step
    # Laid out before batching, a tree is given the steps of the tall trees
    # of its length.
    assert step_budgets([chain, balanced], quantile=1.0) == [7, 7]
    assert step_budgets([chain, balanced], quantile=0.0) == [7, 3]


def test_arrays_place_each_node_by_height_and_slot():
    arrays = tree_arrays(parse_tree(UNEVEN))
    # Leaves a b c d e are slots 0-4 of height 0. Height 1: (b c) and (d e);
    # height 2: (a (b c)); height 3: the root.
    assert arrays["children"].tolist() == [
        [[0, 1, 0, 2], [0, 3, 0, 4]],
        [[0, 0, 1, 0], [-1, -1, -1, -1]],
        [[2, 0, 1, 1], [-1, -1, -1, -1]],
    ]
    assert arrays["leaf_labels"].tolist() == [2, 2, 2, 2, 4]
    assert arrays["phrase_labels"].tolist() == [[3, 4], [3, -1], [4, -1]]


def test_a_batch_pads_every_array():
    trees = [parse_tree(UNEVEN), parse_tree("(3 good)"), parse_tree(NOT_VERY_GOOD)]
    batch = batch_trees(trees)
    assert batch["words"].shape == (3, 5) and batch["words"][1].tolist() == [
        "good",
        "",
        "",
        "",
        "",
    ]
    assert batch["children"].shape == (3, 3, 2, 4)
    assert (batch["children"][1] == -1).all()
    assert batch["leaf_labels"][2].tolist() == [2, 2, 3, -1, -1]
    assert batch["phrase_labels"][2].tolist() == [[3, -1], [1, -1], [-1, -1]]
    padded = batch_trees(trees, multiple=4)
    assert padded["words"].shape == (3, 8) and padded["children"].shape == (3, 4, 4, 4)
    with pytest.raises(InvalidInputError, match="empty list"):
        batch_trees([])


def test_a_file_of_trees_names_the_bad_line(tmp_path):
    path = tmp_path / "trees.txt"
    path.write_text(f"{NOT_VERY_GOOD}\n\n(3 (2 a) (2 b)\n")
    with pytest.raises(TreeSyntaxError, match=r"^line 3 of trees.txt, character 1"):
        read_trees(path)
    path.write_text(f"{NOT_VERY_GOOD}\n\n{UNEVEN}\n")
    trees = read_trees(path)
    assert isinstance(trees, Trees) and len(trees) == 2
    assert trees.texts == ("not very good", "a b c d e")
    assert trees.root_labels.tolist() == [1, 4]
    assert len(trees.subset(1)) == 1


@pytest.mark.mirror
def test_the_treebank_keeps_every_tree_and_label(mirror):
    data = load_sst_trees()
    assert [len(data.train), len(data.validation), len(data.test)] == [
        8544,
        1101,
        2210,
    ]
    for split in (data.train, data.test):
        assert all(tree.labelled for tree in split)
        assert all(tree.labels.max() <= 4 for tree in split)
    # The phrases, and the sentence-level loader's roots, are the same text.
    from seqkeras.datasets.text import load_sst

    sentences = load_sst(binary=False, train_phrases=False)
    assert data.test.texts == sentences.test.texts
    np.testing.assert_array_equal(data.test.root_labels, sentences.test.labels)
    assert max(tree.height for tree in data.train) < 64
    # The compact schedule leaves far fewer empty slots in batches of
    # similar length.
    ordered = sorted(data.train.trees[:2000], key=lambda tree: tree.num_leaves)
    cells = {"height": 0, "compact": 0}
    for start in range(0, len(ordered), 32):
        for schedule in cells:
            children = batch_trees(ordered[start : start + 32], schedule=schedule)[
                "children"
            ]
            cells[schedule] += children[..., 0].size
    # Laid out one tree at a time (as `tree_dataset` does, with
    # `step_budgets`), nearly as few.
    assert cells["compact"] < 0.4 * cells["height"]
    budgets = step_budgets(ordered)
    laid_out = 0
    for start in range(0, len(ordered), 32):
        arrays = [
            tree_arrays(tree, "compact", steps)
            for tree, steps in zip(
                ordered[start : start + 32], budgets[start : start + 32], strict=True
            )
        ]
        laid_out += (
            len(arrays)
            * max(a["children"].shape[0] for a in arrays)
            * max(a["children"].shape[1] for a in arrays)
        )
    assert laid_out < 1.2 * cells["compact"]
