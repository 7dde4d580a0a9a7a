"""Trees as the arrays a tree model takes, one tree or a padded batch.

A recursive network computes a node once its children are, so the inner
nodes are placed step by step (`Tree.levels`), and all nodes of one step, in
every tree of a batch, are computed at once. `tree_arrays` writes one tree
that way, and `batch_trees` pads several into one batch:

- `words` `(leaves,)`: the leaves, left to right;
- `children` `(steps, width, 4)`: for the node in slot `s` of step `h + 1`,
  the (step, slot) of its left child and of its right child, where a leaf
  is at step 0 and its slot is its position in the sentence; -1 pads;
- `leaf_labels` `(leaves,)` and `phrase_labels` `(steps, width)`: the labels
  in the same places, -1 where a node has no label or there is no node;
- `places` `(nodes, 2)`: the (step, slot) of each node, in `Tree` order.
"""

import numpy as np

from seqkeras.errors import InvalidInputError

__all__ = ["batch_trees", "step_budgets", "tree_arrays"]


def tree_arrays(tree, schedule="height", steps=None):
    """One tree as the arrays a tree model takes (see the module docstring),
    its inner nodes placed by `Tree.levels(schedule, steps)`.

    Example:

    >>> from seqkeras.datasets.trees import parse_tree
    >>> arrays = tree_arrays(parse_tree("(1 (2 not) (3 (2 very) (3 good)))"))
    >>> arrays["children"].tolist()  # height 1: very good; height 2: the root
    [[[0, 1, 0, 2]], [[0, 0, 1, 0]]]
    >>> arrays["leaf_labels"].tolist(), arrays["phrase_labels"].tolist()
    ([2, 2, 3], [[3], [1]])
    """
    levels = tree.levels(schedule, steps)
    width = max((len(level) for level in levels), default=0)
    # Where each node lives: (height, slot); a leaf's slot is its position.
    place = {i: (0, i) for i in range(tree.num_leaves)}
    for height, level in enumerate(levels, start=1):
        for slot, node in enumerate(level):
            place[node] = (height, slot)
    children = np.full((len(levels), width, 4), -1, dtype="int32")
    phrase_labels = np.full((len(levels), width), -1, dtype="int32")
    for height, level in enumerate(levels, start=1):
        for slot, node in enumerate(level):
            left, right = tree.children[node - tree.num_leaves]
            children[height - 1, slot] = (*place[left], *place[right])
            phrase_labels[height - 1, slot] = tree.labels[node]
    return {
        "words": np.array(tree.words, dtype=object),
        "places": np.array([place[n] for n in range(tree.num_nodes)], dtype="int32"),
        "children": children,
        "leaf_labels": tree.labels[: tree.num_leaves].astype("int32"),
        "phrase_labels": phrase_labels,
    }


def step_budgets(trees, *, quantile=0.9, around=2):
    """How many steps each tree may spread its nodes over (`Tree.levels`'s
    `steps`) when the batches are cut later, among trees of similar length.

    `batch_trees` knows its batch and gives every tree as many steps as the
    tallest one takes. A `tf.data` pipeline lays each tree out before it
    knows its batch; bucketed batches hold trees of about the same number of
    words, so each tree is given the `quantile` of the heights of the trees
    with as many words (give or take `around`), or its own height if it is
    taller. A batch then seldom takes more steps than its tallest tree, and
    its grid is about as narrow as `batch_trees` makes it (on the treebank's
    training trees, in batches of 32: 6% more slots, 1% more steps).

    Example:

    >>> from seqkeras.datasets.trees import Tree
    >>> trees = [Tree.from_words(["a"] * 8, how=how) for how in ("balanced", "right")]
    >>> [tree.height for tree in trees]
    [3, 7]
    >>> step_budgets(trees, quantile=1.0)
    [7, 7]
    """
    counts = np.array([tree.num_leaves for tree in trees])
    heights = np.array([tree.height for tree in trees])
    budgets = {}
    for count in np.unique(counts):
        near = heights[np.abs(counts - count) <= around]
        budgets[count] = int(np.quantile(near, quantile, method="lower"))
    return [
        max(int(height), budgets[count])
        for count, height in zip(counts, heights, strict=True)
    ]


def _round_up(size, multiple):
    return -(-size // multiple) * multiple if multiple > 1 else size


def batch_trees(trees, *, multiple=1, schedule="height"):
    """Pads the arrays of several trees into one batch.

    Args:
        trees: `Tree`s.
        multiple: round the padded number of leaves, of heights and the width
            up to a multiple of it (so that JAX compiles fewer shapes).
        schedule: how inner nodes are placed, see `Tree.levels`; with
            `"compact"`, every tree may spread its nodes over as many steps
            as the tallest tree of the batch takes.

    Returns:
        A dict of `words` `(batch, leaves)` (empty strings pad), `children`
        `(batch, height, width, 4)`, `leaf_labels` `(batch, leaves)` and
        `phrase_labels` `(batch, height, width)` (-1 pads), and `nodes`
        `(batch, 2 * leaves - 1)`: where each tree's node `j` (numbered as
        `Tree` numbers them) is among a tree model's `leaves + height *
        width` outputs (-1 pads).
    """
    if not len(trees):
        raise InvalidInputError("Cannot batch an empty list of trees.")
    steps = max(tree.height for tree in trees) if schedule == "compact" else None
    arrays = [tree_arrays(tree, schedule, steps) for tree in trees]
    # At least one height and one slot, so that a batch of one-word trees
    # has the same number of axes' sizes above zero as any other.
    leaves = _round_up(max(len(a["words"]) for a in arrays), multiple)
    height = _round_up(max(1, *(a["children"].shape[0] for a in arrays)), multiple)
    width = _round_up(max(1, *(a["children"].shape[1] for a in arrays)), multiple)
    batch = {
        "words": np.full((len(arrays), leaves), "", dtype=object),
        "children": np.full((len(arrays), height, width, 4), -1, dtype="int32"),
        "leaf_labels": np.full((len(arrays), leaves), -1, dtype="int32"),
        "phrase_labels": np.full((len(arrays), height, width), -1, dtype="int32"),
        "nodes": np.full(
            (len(arrays), max(len(a["places"]) for a in arrays)), -1, dtype="int32"
        ),
    }
    for i, a in enumerate(arrays):
        h, w = a["phrase_labels"].shape
        level, slot = a["places"].T
        rows = np.where(level > 0, leaves + (level - 1) * width + slot, slot)
        batch["nodes"][i, : len(rows)] = rows
        batch["words"][i, : len(a["words"])] = a["words"]
        batch["leaf_labels"][i, : len(a["words"])] = a["leaf_labels"]
        batch["children"][i, :h, :w] = a["children"]
        batch["phrase_labels"][i, :h, :w] = a["phrase_labels"]
    return batch
