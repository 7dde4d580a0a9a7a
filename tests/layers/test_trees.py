import keras
import numpy as np
import pytest

from seqkeras.datasets.trees import Tree, batch_trees, parse_tree
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.trees import (
    RecursiveCell,
    TensorCell,
    TreeLSTMCell,
    TreeRNN,
    root_positions,
    tree_roots,
)
from tests.helpers import weight_gradients

TREES = [
    "(4 (3 (2 a) (3 (2 b) (2 c))) (4 (2 d) (4 e)))",
    "(1 (2 not) (3 (2 very) (3 good)))",
    "(3 good)",
    "(2 (2 x) (2 y))",
]
CELLS = {"rnn": RecursiveCell, "rntn": TensorCell, "tree-lstm": TreeLSTMCell}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_states(kind, weights, tree, leaves):
    """Every node's output, one node at a time in NumPy, from the equations."""
    states = []
    for x in leaves:
        if kind == "tree-lstm":
            i, o, u = np.split(x @ weights["W"] + weights["b_leaf"], 3)
            c = sigmoid(i) * np.tanh(u)
            states.append(np.concatenate([sigmoid(o) * np.tanh(c), c]))
        else:
            states.append(x)
    for left, right in tree.children:
        a, b = states[left], states[right]
        if kind == "tree-lstm":
            (h_l, c_l), (h_r, c_r) = np.split(a, 2), np.split(b, 2)
            gates = np.concatenate([h_l, h_r]) @ weights["U"] + weights["b"]
            i, f_l, f_r, o, u = np.split(gates, 5)
            c = sigmoid(i) * np.tanh(u) + sigmoid(f_l) * c_l + sigmoid(f_r) * c_r
            states.append(np.concatenate([sigmoid(o) * np.tanh(c), c]))
        else:
            ab = np.concatenate([a, b])
            p = ab @ weights["W"] + weights["b"]
            if kind == "rntn":
                p = p + np.einsum("i,ijk,j->k", ab, weights["V"], ab)
            states.append(np.tanh(p))
    units = len(states[0]) // (2 if kind == "tree-lstm" else 1)
    return np.array(states)[:, :units]


def node_rows(tree, num_leaves, width, schedule="height"):
    """Each node's row in `TreeRNN`'s output, node order of `tree`."""
    rows = list(range(tree.num_leaves))
    place = {}
    for height, level in enumerate(tree.levels(schedule), start=1):
        for slot, node in enumerate(level):
            place[node] = num_leaves + (height - 1) * width + slot
    return rows + [place[n] for n in range(tree.num_leaves, tree.num_nodes)]


def batch_inputs(trees, dim, seed=0, schedule="height"):
    batch = batch_trees(trees, schedule=schedule)
    leaves = np.random.default_rng(seed).normal(size=(*batch["words"].shape, dim))
    return leaves.astype("float32"), batch["children"]


def random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        weight.assign(rng.normal(0, 0.4, weight.shape).astype("float32"))
    return {w.name: keras.ops.convert_to_numpy(w) for w in layer.cell.weights}


@pytest.mark.parametrize(
    ("kind", "schedule"),
    [
        ("rnn", "height"),
        ("rntn", "height"),
        ("tree-lstm", "height"),
        ("rntn", "compact"),
    ],
)
def test_every_node_equals_the_numpy_reference(kind, schedule):
    trees = [parse_tree(text) for text in TREES]
    leaves, children = batch_inputs(trees, 3, schedule=schedule)
    layer = TreeRNN(CELLS[kind](3))
    layer(leaves, children)
    weights = random_weights(layer)
    nodes = keras.ops.convert_to_numpy(layer(leaves, children))
    num_leaves, width = leaves.shape[1], children.shape[2]
    assert nodes.shape == (4, num_leaves + children.shape[1] * width, 3)
    for i, tree in enumerate(trees):
        expected = reference_states(kind, weights, tree, leaves[i, : tree.num_leaves])
        rows = node_rows(tree, num_leaves, width, schedule)
        np.testing.assert_allclose(nodes[i, rows], expected, atol=1e-5)
        padding = np.setdiff1d(np.arange(num_leaves, nodes.shape[1]), rows)
        assert (nodes[i, padding] == 0).all()
    roots = keras.ops.convert_to_numpy(tree_roots(nodes, children))
    for i, tree in enumerate(trees):
        np.testing.assert_array_equal(
            roots[i], nodes[i, node_rows(tree, num_leaves, width, schedule)[-1]]
        )
    if schedule == "compact":
        return
    assert keras.ops.convert_to_numpy(
        root_positions(children, num_leaves)
    ).tolist() == [5 + 2 * 2, 5 + 1 * 2, 0, 5]


def test_the_tree_lstm_golden_numbers():
    # One unit, every weight 1, biases 0: a leaf x = 0.5 has i = o =
    # sigmoid(0.5), u = tanh(0.5); the root of (x x) reads both leaves.
    cell = TreeLSTMCell(1, kernel_initializer="ones", unit_forget_bias=False)
    layer = TreeRNN(cell)
    nodes = layer(np.full((1, 2, 1), 0.5, "float32"), np.array([[[[0, 0, 0, 1]]]]))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(nodes)[0, :, 0],
        [0.17427, 0.17427, 0.286226],
        atol=1e-6,
    )


@pytest.mark.parametrize("kind", list(CELLS))
def test_a_batch_equals_one_tree_at_a_time_in_values_and_gradients(kind):
    from seqkeras.models.trees import build_tree_classifier

    trees = [parse_tree(text) for text in TREES]
    model = build_tree_classifier(20, composition=kind, units=4, compile=False)
    rng = np.random.default_rng(3)
    ids = [rng.integers(1, 20, tree.num_leaves) for tree in trees]

    def inputs(indices):
        batch = batch_trees([trees[i] for i in indices])
        token_ids = np.zeros(batch["words"].shape, "int32")
        for row, i in enumerate(indices):
            token_ids[row, : len(ids[i])] = ids[i]
        return {"token_ids": token_ids, "children": batch["children"]}

    def root_log_likelihood(outputs, x):
        roots = tree_roots(outputs, x["children"])  # (batch, classes)
        return keras.ops.sum(keras.ops.log(roots[:, 0]))

    together = inputs(range(len(trees)))
    batched = keras.ops.convert_to_numpy(model(together))
    gradients = weight_gradients(model, together, root_log_likelihood)
    separate = [
        weight_gradients(model, inputs([i]), root_log_likelihood) for i in range(4)
    ]
    for i, tree in enumerate(trees):
        alone = keras.ops.convert_to_numpy(model(inputs([i])))[0]
        rows = node_rows(
            tree, together["token_ids"].shape[1], together["children"].shape[2]
        )
        one = inputs([i])
        single_rows = node_rows(
            tree, one["token_ids"].shape[1], one["children"].shape[2]
        )
        np.testing.assert_allclose(batched[i, rows], alone[single_rows], atol=1e-6)
    for name, batch_gradient, *one_by_one in zip(
        [w.path for w in model.trainable_weights], gradients, *separate, strict=True
    ):
        np.testing.assert_allclose(
            batch_gradient, np.sum(one_by_one, axis=0), atol=1e-5, err_msg=name
        )


def test_the_tensor_term_passes_a_numerical_gradient_check():
    # The layer's gradient with respect to V, against central differences of
    # the NumPy composition (in float64) over a tree two tensor steps deep.
    tree = parse_tree("((a b) (c (d e)))")
    leaves, children = batch_inputs([tree], 2, seed=5)
    layer = TreeRNN(TensorCell(2))
    layer(leaves, children)
    weights = random_weights(layer, seed=7)
    probe = np.array([0.7, -1.3])

    def objective(outputs, _):
        return keras.ops.sum(tree_roots(outputs, children) * probe.astype("float32"))

    analytic = weight_gradients(layer, (leaves, children), objective, [layer.cell.V])
    weights = {name: value.astype("float64") for name, value in weights.items()}
    numeric = np.zeros_like(weights["V"])
    step = 1e-6
    for index in np.ndindex(numeric.shape):
        values = []
        for sign in (1, -1):
            moved = dict(weights, V=weights["V"].copy())
            moved["V"][index] += sign * step
            root = reference_states("rntn", moved, tree, leaves[0].astype("float64"))[
                -1
            ]
            values.append(root @ probe)
        numeric[index] = (values[0] - values[1]) / (2 * step)
    np.testing.assert_allclose(analytic[0], numeric, rtol=1e-3, atol=1e-5)
    assert np.abs(numeric).max() > 1e-2  # the tensor term matters here


def test_cells_refuse_word_vectors_of_the_wrong_width():
    with pytest.raises(InvalidArgumentError, match="must be 4 wide, got 3"):
        TreeRNN(TensorCell(4))(np.zeros((1, 2, 3)), np.array([[[[0, 0, 0, 1]]]]))
    with pytest.raises(InvalidArgumentError, match="expected a tree cell"):
        TreeRNN(keras.layers.Dense(3))
    # The Tree-LSTM reads words of any width.
    out = TreeRNN(TreeLSTMCell(4))(np.zeros((1, 2, 3)), np.array([[[[0, 0, 0, 1]]]]))
    assert tuple(out.shape) == (1, 3, 4)


def test_a_one_word_batch_has_no_heights_to_compute():
    leaves = np.arange(6, dtype="float32").reshape(2, 1, 3)
    children = np.zeros((2, 0, 0, 4), "int32")
    nodes = TreeRNN(RecursiveCell(3))(leaves, children)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(nodes), leaves)
    assert Tree.from_words(["solo"]).height == 0
