"""Recursive networks: a composition cell applied over binary trees.

A recursive network computes a vector for every node of a parse tree,
bottom up: a leaf's vector comes from its word, an inner node's from its
two children `a` (left) and `b` (right). The course's module 3 names the
recursive neural tensor network; the three compositions here are those of
the papers the benchmarks compare with:

- `RecursiveCell`, the plain recursive network (Socher et al., 2011):
  `p = tanh(W [a; b] + bias)`, with `W` of shape `(2d, d)`; a leaf's vector
  is its word vector (`d` wide).
- `TensorCell`, the RNTN (Socher et al., 2013) adds a bilinear term, one
  `(2d, 2d)` slice `V[k]` of a tensor per output unit:
  `p_k = tanh([a; b]^T V[k] [a; b] + (W [a; b] + bias)_k)`. The product of
  a child's units with the other child's lets one word scale or flip the
  meaning of the other ("not" times "good"), which a sum cannot.
- `TreeLSTMCell`, the binary constituency Tree-LSTM (Tai et al., 2015): an
  LSTM whose memory flows up the tree, with one forget gate per child, so
  a node can keep the memory of one child and drop the other's.

`TreeRNN(cell)` runs a cell over a batch of trees laid out as in
`seqkeras.datasets.trees` (leaves, then the inner nodes step by step, each
after its children: by height, or spread by the compact schedule), one
step at a time: the nodes of one step, in every tree of the batch, gather
their children's states, are composed in one call, and are scattered into
the states of all nodes. A batch costs as many steps as its tallest tree is
high, not as many as it has nodes. The loop over steps is
`keras.ops.scan`, so it runs the same on TensorFlow and on JAX.
"""

import keras
from keras import ops

from seqkeras._validation import last_axis, positive_int
from seqkeras.errors import InvalidArgumentError

# === Cells ===


class _TreeCell(keras.layers.Layer):
    """Shared by the composition cells.

    A cell has a `state_size` (the width of what a node keeps: `units`, or
    the hidden state and the memory of a Tree-LSTM), an `output_size`
    (`units`), and three computations on tensors with any leading axes:
    `leaf(x)` gives a leaf's state from its word vector, `call(left, right)`
    composes two children's states into their parent's, and `output(state)`
    gives what a node shows the classifier. `compose(pairs)` is `call` on
    both children's states stacked `(..., 2, state_size)`, as `TreeRNN`
    gathers them; a cell implements `compose`.
    """

    def __init__(
        self,
        units,
        *,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = positive_int("units", units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.state_size = self.units
        self.output_size = self.units

    def _kernel(self, shape, name, initializer=None):
        return self.add_weight(
            shape=shape,
            initializer=initializer or self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            name=name,
        )

    def leaf(self, x):
        return x

    def call(self, left, right):
        return self.compose(ops.stack([left, right], axis=-2))

    def compose(self, pairs):
        raise NotImplementedError

    def output(self, state):
        return state

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }


@keras.saving.register_keras_serializable(package="seqkeras")
class RecursiveCell(_TreeCell):
    """The plain recursive network's composition, `p = tanh(W [a; b] + b)`.

    Leaves are their word vectors, so the words must be `units` wide.

    Args:
        units: `d`, the width of every node's vector and of the words'.
        kernel_initializer, bias_initializer: for `W` `(2d, d)` and `b` `(d,)`.
        kernel_regularizer: a penalty on `W` (and the RNTN's `V`).

    Example:

    >>> cell = RecursiveCell(2, kernel_initializer="ones")
    >>> cell.build((None, 2))
    >>> a, b = np.array([[0.1, 0.2]]), np.array([[0.3, -0.1]])
    >>> np.round(keras.ops.convert_to_numpy(cell(a, b)), 4)  # tanh(0.5) twice
    array([[0.4621, 0.4621]], dtype=float32)
    """

    def build(self, input_shape):
        input_dim = last_axis(type(self).__name__, input_shape)
        if input_dim != self.units:
            raise InvalidArgumentError(
                f"{type(self).__name__}({self.units}) composes word vectors as "
                f"they are, so they must be {self.units} wide, got {input_dim}: "
                f"give the embedding {self.units} dimensions"
            )
        d = self.units
        self.W = self._kernel((2 * d, d), "W")
        self.b = self.add_weight(
            shape=(d,), initializer=self.bias_initializer, name="b"
        )

    def _linear(self, pairs):
        children = ops.reshape(pairs, (*ops.shape(pairs)[:-2], 2 * self.units))
        return children, ops.matmul(children, self.W) + self.b  # [a; b], (..., d)

    def compose(self, pairs):
        return ops.tanh(self._linear(pairs)[1])


@keras.saving.register_keras_serializable(package="seqkeras")
class TensorCell(RecursiveCell):
    """The RNTN's composition, `p_k = tanh([a; b]^T V[k] [a; b] + (W [a; b] + b)_k)`.

    Args:
        units: `d`, the width of every node's vector and of the words'.
        tensor_initializer: for `V`, shape `(2d, 2d, d)`: `V[:, :, k]` is
            the slice of output unit `k`.
        kernel_initializer, bias_initializer: for `W` and `b`, as in
            `RecursiveCell`.

    Example:

    >>> cell = TensorCell(1, tensor_initializer="ones", kernel_initializer="zeros")
    >>> cell.build((None, 1))
    >>> a, b = np.array([[0.5]]), np.array([[-1.0]])
    >>> # [a; b]^T V [a; b] = (a + b)^2 = 0.25, and W = 0
    >>> np.round(keras.ops.convert_to_numpy(cell(a, b)), 4)
    array([[0.2449]], dtype=float32)
    """

    def __init__(self, units, *, tensor_initializer="glorot_uniform", **kwargs):
        super().__init__(units, **kwargs)
        self.tensor_initializer = keras.initializers.get(tensor_initializer)

    def build(self, input_shape):
        super().build(input_shape)
        d = self.units
        self.V = self._kernel((2 * d, 2 * d, d), "V", self.tensor_initializer)

    def compose(self, pairs):
        children, linear = self._linear(pairs)  # (..., 2d), (..., d)
        d = self.units
        # [a; b]^T V[k]: one row of 2d per output unit k, for all k in one
        # matrix product; then each row times [a; b]. (Forming every product
        # c_i c_j first and multiplying by V as one (4d^2, d) matrix does the
        # same arithmetic, but measured slower in batches: BENCHMARKS.md.)
        rows = ops.matmul(children, ops.reshape(self.V, (2 * d, 2 * d * d)))
        rows = ops.reshape(rows, (*ops.shape(children)[:-1], 2 * d, d))
        bilinear = ops.einsum("...i,...ik->...k", children, rows)  # (..., d)
        return ops.tanh(bilinear + linear)

    def get_config(self):
        return {
            **super().get_config(),
            "tensor_initializer": keras.initializers.serialize(self.tensor_initializer),
        }


@keras.saving.register_keras_serializable(package="seqkeras")
class TreeLSTMCell(_TreeCell):
    """The binary constituency Tree-LSTM (Tai et al., 2015).

    A node keeps a hidden state `h` and a memory `c`. A leaf reads its word
    `x`: `i, o = σ(W_i x + b_i), σ(W_o x + b_o)`, `u = tanh(W_u x + b_u)`,
    `c = i * u`, `h = o * tanh(c)`. An inner node reads its children's
    hidden states `[h_l; h_r]` through `U`, with a forget gate for each
    child: `c = i * u + f_l * c_l + f_r * c_r` and `h = o * tanh(c)`.

    Args:
        units: the width of `h` and `c`; the words can be any width.
        kernel_initializer: for `W` `(input_dim, 3 units)` (gates i, o, u)
            and `U` `(2 units, 5 units)` (gates i, f_l, f_r, o, u).
        bias_initializer: for the biases; the forget gates' start at 1 when
            `unit_forget_bias` is True (as in Keras' LSTM).
    """

    def __init__(self, units, *, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = 2 * self.units

    def build(self, input_shape):
        input_dim = last_axis(type(self).__name__, input_shape)
        u = self.units
        self.W = self._kernel((input_dim, 3 * u), "W")
        self.b_leaf = self.add_weight(
            shape=(3 * u,), initializer=self.bias_initializer, name="b_leaf"
        )
        self.U = self._kernel((2 * u, 5 * u), "U")

        def node_bias(shape, dtype=None):
            bias = self.bias_initializer(shape, dtype=dtype)
            if not self.unit_forget_bias:
                return bias
            forget = ops.concatenate(
                [ops.zeros((u,)), ops.ones((2 * u,)), ops.zeros((2 * u,))]
            )
            return ops.cast(forget, bias.dtype) + bias

        self.b = self.add_weight(shape=(5 * u,), initializer=node_bias, name="b")

    def leaf(self, x):
        gates = ops.matmul(x, self.W) + self.b_leaf  # (..., 3 units)
        i, o, u = ops.split(gates, 3, axis=-1)
        c = ops.sigmoid(i) * ops.tanh(u)
        h = ops.sigmoid(o) * ops.tanh(c)
        return ops.concatenate([h, c], axis=-1)

    def compose(self, pairs):
        n = self.units
        hidden, memory = ops.split(pairs, 2, axis=-1)  # (..., 2, units) each
        hidden = ops.reshape(hidden, (*ops.shape(pairs)[:-2], 2 * n))  # [h_l; h_r]
        gates = ops.matmul(hidden, self.U) + self.b
        i, f, o, u = ops.split(gates, [n, 3 * n, 4 * n], axis=-1)
        forget = ops.reshape(ops.sigmoid(f), ops.shape(memory))  # f_l, f_r
        c = ops.sigmoid(i) * ops.tanh(u) + ops.sum(forget * memory, axis=-2)
        h = ops.sigmoid(o) * ops.tanh(c)
        return ops.concatenate([h, c], axis=-1)

    def output(self, state):
        return state[..., : self.units]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


TREE_CELLS = {"rnn": RecursiveCell, "rntn": TensorCell, "tree-lstm": TreeLSTMCell}


# === The layer ===


@keras.saving.register_keras_serializable(package="seqkeras")
class TreeRNN(keras.layers.Layer):
    """Runs a composition cell over a batch of binary trees, bottom up.

    Args:
        cell: a `RecursiveCell`, `TensorCell` or `TreeLSTMCell` (or any layer
            with their `leaf` / `call` / `output` and `state_size`).

    Call arguments:
        leaves: `(batch, leaves, input_dim)` word vectors, left to right.
        children: `(batch, steps, width, 4)` integers: for the node in
            slot `s` of step `h + 1`, the (step, slot) of its left and of its
            right child (step 0: a leaf, whose slot is its position); -1
            where there is no node (see `seqkeras.datasets.trees.batch_trees`).

    Returns:
        Every node's output `(batch, leaves + steps * width, units)`: the
        leaves first, then each step's slots in turn (zeros where there is
        no node). `tree_roots` picks each tree's root from them.

    Example:

    >>> from seqkeras.datasets.trees import batch_trees, parse_tree
    >>> batch = batch_trees([parse_tree("(a (b c))"), parse_tree("(a b)")])
    >>> layer = TreeRNN(RecursiveCell(4))
    >>> nodes = layer(np.ones((2, 3, 4)), batch["children"])
    >>> tuple(nodes.shape)  # 3 leaves + 2 steps x 1 slot
    (2, 5, 4)
    >>> tuple(tree_roots(nodes, batch["children"]).shape)
    (2, 4)
    """

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, dict):
            cell = keras.saving.deserialize_keras_object(cell)
        if not (hasattr(cell, "leaf") and hasattr(cell, "state_size")):
            raise InvalidArgumentError(
                "Received an invalid value for argument `cell`, expected a tree "
                f"cell such as RecursiveCell, TensorCell or TreeLSTMCell, got {cell!r}"
            )
        self.cell = cell
        self.supports_masking = True

    def build(self, leaves_shape, children_shape=None):
        if not self.cell.built:
            self.cell.build(leaves_shape)

    def compute_mask(self, leaves, children, mask=None):
        return None

    def call(self, leaves, children, mask=None):
        children = ops.cast(children, "int32")
        batch, num_leaves = ops.shape(leaves)[0], ops.shape(leaves)[1]
        heights, width = ops.shape(children)[1], ops.shape(children)[2]
        num_nodes = num_leaves + heights * width
        size = self.cell.state_size
        leaf_states = self.cell.leaf(leaves)  # (batch, leaves, size)
        states = ops.concatenate(
            [leaf_states, ops.zeros((batch, heights * width, size), leaf_states.dtype)],
            axis=1,
        )
        # One row per node of the batch: tree i's node n is row i * nodes + n.
        states = ops.reshape(states, (batch * num_nodes, size))
        # Every step's rows, worked out before the loop so that a step only
        # gathers, composes and scatters: for each slot, its left and right
        # children's rows (0 for an empty slot, whose result is zeroed) and
        # its own row. (batch, heights, width, 3)
        first_row = ops.arange(batch, dtype="int32")[:, None, None] * num_nodes
        level, slot = children[..., 0::2], children[..., 1::2]  # (b, h, w, 2)
        kids = first_row[..., None] + ops.where(
            level > 0, num_leaves + (level - 1) * width + slot, slot
        )
        kids = ops.where(slot >= 0, kids, -1)
        own = (
            first_row
            + num_leaves
            + ops.arange(heights, dtype="int32")[None, :, None] * width
            + ops.arange(width, dtype="int32")[None, None, :]
        )
        rows = ops.concatenate([kids, own[..., None]], axis=-1)

        def step(states, rows):
            # rows: (batch, width, 3) for one step
            exists = ops.cast(rows[..., :1] >= 0, states.dtype)  # (batch, width, 1)
            pairs = ops.take(states, ops.maximum(rows[..., :2], 0), axis=0)
            parents = self.cell.compose(pairs) * exists  # (batch, width, size)
            states = ops.scatter_update(
                states,
                ops.reshape(rows[..., 2], (-1, 1)),
                ops.reshape(parents, (-1, size)),
            )
            return states, None

        if not (isinstance(heights, int) and heights == 0):  # only one-word trees
            states, _ = ops.scan(step, states, ops.moveaxis(rows, 1, 0))
        return self.cell.output(ops.reshape(states, (batch, num_nodes, size)))

    def compute_output_shape(self, leaves_shape, children_shape):
        batch, num_leaves = leaves_shape[0], leaves_shape[1]
        heights, width = children_shape[1], children_shape[2]
        num_nodes = (
            None
            if None in (num_leaves, heights, width)
            else num_leaves + heights * width
        )
        return (batch, num_nodes, self.cell.output_size)

    def get_config(self):
        return {
            **super().get_config(),
            "cell": keras.saving.serialize_keras_object(self.cell),
        }


def root_positions(children, num_leaves):
    """Where each tree's root is among the nodes of `TreeRNN`'s output:
    `(batch,)` integers. The root is the one node of the tree's last step
    (it needs every other node first), in slot 0, or leaf 0 when the tree is
    one word."""
    children = ops.cast(children, "int32")
    width = ops.shape(children)[2]
    has_level = ops.any(children[..., 0] >= 0, axis=2)  # (batch, heights)
    tree_heights = ops.sum(ops.cast(has_level, "int32"), axis=1)
    return ops.where(tree_heights > 0, num_leaves + (tree_heights - 1) * width, 0)


def tree_roots(nodes, children):
    """Each tree's root row of `nodes` `(batch, nodes, ...)`, the output of
    `TreeRNN` or of a classifier on it: `(batch, ...)`."""
    children = ops.cast(children, "int32")
    num_nodes = ops.shape(nodes)[1]
    num_leaves = num_nodes - ops.shape(children)[1] * ops.shape(children)[2]
    batch = ops.shape(nodes)[0]
    flat = ops.reshape(nodes, (batch * num_nodes, *ops.shape(nodes)[2:]))
    rows = ops.arange(batch, dtype="int32") * num_nodes
    return ops.take(flat, rows + root_positions(children, num_leaves), axis=0)
