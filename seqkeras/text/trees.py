"""Bracketed trees to a tree model's arrays, inside the TensorFlow graph.

`tree_layout(texts)` reads a batch of bracketed binary trees, written as
`seqkeras.datasets.trees.parse_tree` reads them (with labels,
`(1 (2 not) (3 good))`, or without, `(not good)`), and gives what
`batch_trees` gives for the same trees: the leaves' words, and the inner
nodes' children placed by height and slot. Being TensorFlow ops, it runs in
a pipeline's input pipeline and inside an exported SavedModel, which needs
neither Python's parser nor seqkeras to read a tree.

The labels are read past, not returned: a served model predicts them. A
string that is not a binary tree (unbalanced brackets, a node with one or
three children, words outside the brackets) stops the call with an
`InvalidArgumentError` naming the string; `parse_tree` says in Python which
character is wrong.
"""

import tensorflow as tf

from seqkeras.datasets.text import _PTB_UNESCAPE

OPEN, CLOSE = -1, -2

# A label is an integer right after an opening bracket; a leaf, once its
# label is gone, is a word alone in brackets.
_LABEL = r"\(\s*[0-9]+([\s()])"
_LEAF = r"\(\s*([^\s()]+)\s*\)"


def _tokens(text):
    """One tree's tokens: "(", ")" and the words, labels left out."""
    text = tf.strings.regex_replace(text, _LABEL, r"(\1")
    text = tf.strings.regex_replace(text, _LEAF, r" \1 ")
    text = tf.strings.regex_replace(text, r"([()])", r" \1 ")
    return tf.strings.split(text)


def _unescape(words):
    for escaped, plain in _PTB_UNESCAPE.items():
        words = tf.where(tf.equal(words, escaped), plain, words)
    return tf.strings.regex_replace(words, r"\\([/*])", r"\1")


def _parse_one(text):
    """`(words (n,), children (heights, width, 4))` of one bracketed tree."""
    tokens = _tokens(text)
    is_open, is_close = tf.equal(tokens, "("), tf.equal(tokens, ")")
    is_word = tf.logical_not(tf.logical_or(is_open, is_close))
    words = _unescape(tf.boolean_mask(tokens, is_word))
    n = tf.size(words)
    # Each token as a code: OPEN, CLOSE, or the word's position.
    codes = tf.where(
        is_open,
        OPEN,
        tf.where(is_close, CLOSE, tf.cumsum(tf.cast(is_word, tf.int32)) - 1),
    )
    size = tf.size(codes)
    num_nodes = tf.maximum(2 * n - 1, 1)

    # A stack of OPEN marks and node ids; a CLOSE pops "( a b" and pushes the
    # new inner node (numbered after the leaves, in post-order), so the
    # nodes come out as `Tree` numbers them.
    def step(i, top, inner, stack, children, heights, good):
        code = codes[i]
        opening, closing = tf.equal(code, OPEN), tf.equal(code, CLOSE)
        below = [stack[tf.maximum(top - k, 0)] for k in (3, 2, 1)]  # "(", a, b
        binary = tf.logical_and(
            tf.logical_and(top >= 3, tf.equal(below[0], OPEN)),
            tf.logical_and(below[1] >= 0, below[2] >= 0),
        )
        good = tf.logical_and(good, tf.logical_or(tf.logical_not(closing), binary))
        node = n + inner
        at = tf.where(closing, top - 3, top)
        value = tf.where(closing, node, tf.where(opening, OPEN, code))
        stack = tf.tensor_scatter_nd_update(stack, [[tf.maximum(at, 0)]], [value])
        pair = tf.stack([below[1], below[2]])
        row = tf.minimum(inner, tf.shape(children)[0] - 1)
        children = tf.where(
            tf.logical_and(closing, binary),
            tf.tensor_scatter_nd_update(children, [[row]], [pair]),
            children,
        )
        height = 1 + tf.maximum(
            tf.gather(heights, tf.maximum(below[1], 0)),
            tf.gather(heights, tf.maximum(below[2], 0)),
        )
        spot = tf.minimum(node, num_nodes - 1)
        heights = tf.where(
            tf.logical_and(closing, binary),
            tf.tensor_scatter_nd_update(heights, [[spot]], [height]),
            heights,
        )
        top = tf.where(closing, top - 2, top + 1)
        inner = inner + tf.cast(closing, tf.int32)
        return i + 1, top, inner, stack, children, heights, good

    _, top, inner, stack, children, heights, good = tf.while_loop(
        lambda i, *_: i < size,
        step,
        (
            tf.constant(0),
            tf.constant(0),
            tf.constant(0),
            tf.zeros([size + 1], tf.int32),
            tf.zeros([tf.maximum(n - 1, 1), 2], tf.int32),
            tf.zeros([num_nodes], tf.int32),
            tf.constant(True),
        ),
    )
    good = tf.logical_and(good, tf.logical_and(n > 0, tf.equal(top, 1)))
    good = tf.logical_and(good, tf.logical_and(tf.equal(inner, n - 1), stack[0] >= 0))
    check = tf.debugging.Assert(
        good,
        [
            "Not a binary tree (unbalanced brackets, a node without exactly two "
            "children, or words outside the brackets); write it as "
            "(3 (2 very) (3 good)) or (very good):",
            text,
        ],
    )
    with tf.control_dependencies([check]):
        children = tf.identity(children[: n - 1])
    inner_heights = heights[n:]  # (n - 1,), each >= 1
    num_heights = tf.reduce_max(tf.concat([inner_heights, [0]], axis=0))
    level = tf.one_hot(inner_heights - 1, num_heights, dtype=tf.int32)  # (n-1, H)
    # A node's slot: how many nodes of its height come before it.
    slots = tf.reduce_sum(tf.cumsum(level, axis=0, exclusive=True) * level, axis=1)

    def place(node):  # (height, slot) of nodes, leaves at height 0
        inner_node = node >= n
        k = tf.maximum(node - n, 0)
        return (
            tf.where(inner_node, tf.gather(inner_heights, k), 0),
            tf.where(inner_node, tf.gather(slots, k), node),
        )

    left, right = place(children[:, 0]), place(children[:, 1])
    # Each inner node: its place in the grid, then its children's places.
    return words, tf.stack([inner_heights - 1, slots, *left, *right], axis=1)


def tree_layout(texts):
    """A batch of bracketed trees as `batch_trees` lays them out.

    Args:
        texts: `(batch,)` `tf.string`: one bracketed binary tree each, with
            or without labels (labels are read past).

    Returns:
        A dict: `words` `(batch, leaves)` `tf.string` ("" pads),
        `children` `(batch, heights, width, 4)` int32 (-1 pads), with at
        least one height and one slot, and `nodes` `(batch, 2 * leaves - 1)`
        int32, where each tree's nodes are among a tree model's outputs
        (-1 pads), as in `batch_trees`.

    Example:

    >>> layout = tree_layout(tf.constant(["(1 (2 not) (3 (2 very) (3 good)))"]))
    >>> layout["words"].numpy().tolist()
    [[b'not', b'very', b'good']]
    >>> layout["children"].numpy().tolist()
    [[[[0, 1, 0, 2]], [[0, 0, 1, 0]]]]
    """
    return _layout(tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1]))


# Compiled: run eagerly, the loop over each tree's tokens would dispatch its
# ops one at a time, about a hundred times slower.
@tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
def _layout(texts):
    words, nodes = tf.map_fn(
        _parse_one,
        texts,
        fn_output_signature=(
            tf.RaggedTensorSpec([None], tf.string, ragged_rank=0),
            tf.RaggedTensorSpec([None, 6], tf.int32, ragged_rank=0),
        ),
    )
    # nodes: (batch, inner nodes, 6) ragged: height - 1, slot, then the
    # children's (height, slot) pairs.
    flat = nodes.flat_values
    tree = tf.cast(nodes.value_rowids(), tf.int32)
    shape = tf.stack(
        [
            tf.shape(texts)[0],
            tf.maximum(tf.reduce_max(tf.concat([flat[:, 0], [-1]], 0)) + 1, 1),
            tf.maximum(tf.reduce_max(tf.concat([flat[:, 1], [-1]], 0)) + 1, 1),
            4,
        ]
    )
    where = tf.stack([tree, flat[:, 0], flat[:, 1]], axis=1)
    children = tf.scatter_nd(where, flat[:, 2:] + 1, shape) - 1
    words = words.to_tensor(default_value="")
    # Each node's row among the model's outputs, in `Tree` order: the
    # leaves, then the inner nodes in post-order.
    leaves = tf.ragged.range(tf.cast(nodes.row_lengths() + 1, tf.int32))
    inner = nodes.with_flat_values(
        tf.shape(words)[1] + flat[:, 0] * shape[2] + flat[:, 1]
    )
    rows = tf.concat([leaves, inner], axis=1).to_tensor(default_value=-1)
    return {"words": words, "children": children, "nodes": rows}
