"""Tree-structured sentiment classifiers: a recursive network over a parse
tree, with a softmax classifier at every node.

The model reads a batch of trees as `seqkeras.datasets.trees.batch_trees`
lays them out: the leaves' token ids `(batch, leaves)` (0 pads) and the
inner nodes' children `(batch, heights, width, 4)`. It gives every node's
class probabilities, leaves first and then the inner nodes step by step,
so that they line up with `node_labels(batch)`; the loss is the mean
cross-entropy over every labelled node (label -1: no label, no loss), as in
Socher et al. (2013), who label every phrase of the treebank.
"""

import keras
import numpy as np
from keras import ops

from seqkeras._validation import (
    int_at_least,
    non_negative_float,
    one_of,
    positive_float,
    positive_int,
    rate,
)
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.trees import TREE_CELLS, TreeRNN

COMPOSITIONS = tuple(TREE_CELLS)


@keras.saving.register_keras_serializable(package="seqkeras")
class NodeAccuracy(keras.metrics.Mean):
    """The share of labelled nodes (label >= 0) whose most probable class is
    their label."""

    def __init__(self, name="accuracy", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        labelled = ops.cast(y_true >= 0, self.dtype)
        right = ops.cast(
            ops.equal(ops.argmax(y_pred, axis=-1), ops.maximum(y_true, 0)), self.dtype
        )
        return super().update_state(right, sample_weight=labelled)


def node_labels(batch):
    """The labels of a `batch_trees` batch in the order of the model's nodes:
    `(batch, leaves + heights * width)`, -1 where there is no label."""
    phrase = np.asarray(batch["phrase_labels"])
    return np.concatenate(
        [np.asarray(batch["leaf_labels"]), phrase.reshape(len(phrase), -1)], axis=1
    )


def build_tree_classifier(
    vocabulary_size,
    *,
    composition="rntn",
    units=25,
    num_classes=5,
    embedding_dim=None,
    dropout=0.0,
    l2=0.0,
    optimizer="adagrad",
    learning_rate=0.01,
    compile=True,
    name="tree_classifier",
):
    """Builds a recursive network that classifies every node of a tree.

    Args:
        vocabulary_size: number of token ids, padding (id 0) included.
        composition: `"rnn"` (the plain recursive network), `"rntn"` (with
            the tensor) or `"tree-lstm"` (binary constituency Tree-LSTM);
            see `seqkeras.layers.trees`.
        units: the width of every node's vector.
        num_classes: classes at every node (5 for the treebank's fine-grained
            labels, 2 for negative / positive).
        embedding_dim: the word vectors' width. The recursive network and the
            RNTN compose word vectors as they are, so for them it is `units`
            (None, or the same number); the Tree-LSTM takes any (None: units).
        dropout: dropout rate on the word vectors and on each node's vector
            before the classifier.
        l2: L2 penalty on every weight (word vectors, composition, classifier),
            added to the loss; Socher et al. regularise this way.
        optimizer: `"adagrad"` (the papers') or `"adam"`.
        learning_rate: the optimizer's learning rate.
        compile: compile with the optimizer, the node loss and `NodeAccuracy`.
        name: the model's name.

    Returns:
        A functional `keras.Model` from `{"token_ids": (batch, leaves),
        "children": (batch, heights, width, 4)}` to every node's class
        probabilities `(batch, leaves + heights * width, num_classes)`
        (`seqkeras.layers.trees.tree_roots` picks the roots').

    Example:

    >>> from seqkeras.datasets.trees import batch_trees, parse_tree
    >>> batch = batch_trees([parse_tree("(not (very good))")])
    >>> model = build_tree_classifier(10, composition="rnn", units=4)
    >>> inputs = {"token_ids": np.array([[3, 4, 5]]), "children": batch["children"]}
    >>> model.predict(inputs, verbose=0).shape  # 3 leaves, 2 inner nodes
    (1, 5, 5)
    """
    positive_int("vocabulary_size", vocabulary_size)
    one_of("composition", composition, COMPOSITIONS)
    positive_int("units", units)
    int_at_least("num_classes", num_classes, 2)
    if embedding_dim is None:
        embedding_dim = units
    positive_int("embedding_dim", embedding_dim)
    if composition != "tree-lstm" and embedding_dim != units:
        raise InvalidArgumentError(
            f"The {composition!r} composition reads word vectors as node vectors, "
            f"so embedding_dim must be units ({units}) or None, got {embedding_dim}"
        )
    dropout = rate("dropout", dropout)
    l2 = non_negative_float("l2", l2)
    one_of("optimizer", optimizer, ("adagrad", "adam"))
    positive_float("learning_rate", learning_rate)
    regularizer = keras.regularizers.L2(l2) if l2 else None

    # === Layers ===
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    children = keras.Input(shape=(None, None, 4), dtype="int32", name="children")
    embedding = keras.layers.Embedding(
        vocabulary_size,
        embedding_dim,
        embeddings_initializer=keras.initializers.RandomUniform(-0.1, 0.1),
        embeddings_regularizer=regularizer,
        name="token_embedding",
    )
    cell = TREE_CELLS[composition](
        units,
        kernel_regularizer=regularizer,
        name=f"{composition.replace('-', '_')}_cell",
    )
    classifier = keras.layers.Dense(
        num_classes,
        activation="softmax",
        kernel_regularizer=regularizer,
        name="classifier",
    )

    # === Functional model ===
    x = embedding(token_ids)  # (batch, leaves, embedding_dim)
    if dropout:
        x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    nodes = TreeRNN(cell, name="tree_rnn")(x, children)  # (batch, nodes, units)
    if dropout:
        nodes = keras.layers.Dropout(dropout, name="node_dropout")(nodes)
    outputs = classifier(nodes)  # (batch, nodes, num_classes)
    model = keras.Model(
        {"token_ids": token_ids, "children": children}, outputs, name=name
    )

    # === Compile ===
    if compile:
        optimizers = {
            "adagrad": keras.optimizers.Adagrad,
            "adam": keras.optimizers.Adam,
        }
        model.compile(
            optimizer=optimizers[optimizer](learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=-1),
            metrics=[NodeAccuracy()],
        )
    return model
