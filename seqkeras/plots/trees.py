"""Plots of parse trees: a sentence drawn as its binary tree, every phrase
coloured by its sentiment."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

# The treebank's classes, from very negative to very positive.
SENTIMENT_CMAP = "RdBu"
NEUTRAL = "#a6a6a6"
NO_LABEL = "white"


def class_colours(num_classes):
    """One colour per class, along a diverging map from the most negative
    class (red) to the most positive (blue); the middle class of an odd
    number is neutral grey.

    Example:

    >>> from matplotlib.colors import to_hex
    >>> [to_hex(colour) for colour in class_colours(3)]
    ['#b1182b', '#a6a6a6', '#2065ab']
    """
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"Expected at least 2 classes, got {num_classes!r}.")
    cmap = plt.get_cmap(SENTIMENT_CMAP)
    # The map's ends are too dark to read a circle's edge against; its middle
    # is nearly white, which reads as "no label", hence grey for neutral.
    colours = [cmap(x) for x in np.linspace(0.1, 0.9, num_classes)]
    if num_classes % 2:
        colours[num_classes // 2] = to_rgba(NEUTRAL)
    return colours


def plot_tree(
    tree, *, node_labels=None, probabilities=None, label_names=None, title=None, ax=None
):
    """A binary parse tree, top down: the words at the leaves, every node a
    circle coloured by its sentiment class.

    Leaves sit on the bottom row in sentence order; an inner node is drawn
    one row above its taller child, midway between its children, so the
    root is on top. A node without a label (-1) is a white circle.

    Args:
        tree: a `seqkeras.datasets.trees.Tree`, or a bracketed tree as
            `parse_tree` reads it (such as the `tree` of
            `TreeSentimentPipeline.predict`, which carries the predicted
            label of every node).
        node_labels: one class id per node, numbered as `Tree` numbers
            them (the words, then the phrases, the root last), -1 for none;
            None: the tree's own labels.
        probabilities: instead of `node_labels`, `(nodes, num_classes)`
            class probabilities (`TreeSentimentPipeline.node_probabilities`
            gives one such array per tree); each node takes its most
            probable class.
        label_names: the class names, indexed by class id, for the legend;
            None: the treebank's five (very negative .. very positive), or
            negative / positive for two columns of `probabilities`. Pass a
            two-class pipeline's `label_names` with its labels.
        title: the axes' title (default: the sentence).
        ax: draw into this matplotlib axes instead of a new figure.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> fig = plot_tree("(1 (2 not) (3 (2 very) (3 good)))")
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['not', 'very', 'good']
    """
    tree = _as_tree(tree)
    labels, num_classes = _node_classes(tree, node_labels, probabilities, label_names)
    label_names = _label_names(label_names, num_classes)
    colours = class_colours(num_classes)

    x, y = _positions(tree)
    if ax is None:
        size = (max(4.0, 1.5 + 0.75 * tree.num_leaves), 1.8 + 0.55 * y.max())
        fig, ax = plt.subplots(figsize=size)
    else:
        fig = ax.figure
    # The edges, parent to child, under the circles.
    edges = [
        [(x[parent], y[parent]), (x[child], y[child])]
        for parent, pair in enumerate(tree.children, start=tree.num_leaves)
        for child in pair
    ]
    ax.add_collection(LineCollection(edges, colors="0.55", linewidths=1.0, zorder=1))
    faces = [colours[label] if label >= 0 else NO_LABEL for label in labels]
    ax.scatter(x, y, s=170, c=faces, edgecolors="0.3", linewidths=0.8, zorder=2)
    many = tree.num_leaves > 12
    for i, word in enumerate(tree.words):
        ax.text(
            x[i],
            y[i] - 0.35,
            word,
            ha="right" if many else "center",
            va="top",
            rotation=45 if many else 0,
            rotation_mode="anchor",
            fontsize=9,
        )
    handles = [
        Line2D([], [], ls="", marker="o", ms=9, mfc=colour, mec="0.3", label=name)
        for colour, name in zip(colours, label_names, strict=True)
    ]
    if (labels < 0).any():
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=9,
                mfc=NO_LABEL,
                mec="0.3",
                label="no label",
            )
        )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        frameon=False,
    )
    ax.set_xlim(-0.6, tree.num_leaves - 0.4)
    ax.set_ylim(-1.6 if many else -0.9, y.max() + 0.5)
    ax.axis("off")
    ax.set_title(title if title is not None else _short(" ".join(tree.words)))
    fig.tight_layout()
    return fig


def _as_tree(tree):
    from seqkeras.datasets.trees import Tree, parse_tree

    if isinstance(tree, str):
        return parse_tree(tree)
    if not isinstance(tree, Tree):
        raise ValueError(
            "Expected a Tree (seqkeras.datasets.trees) or a bracketed tree such "
            f"as '(1 (2 not) (3 good))', got {type(tree).__name__}."
        )
    return tree


def _node_classes(tree, node_labels, probabilities, label_names):
    """Each node's class (-1: none) and the number of classes."""
    if node_labels is not None and probabilities is not None:
        raise ValueError(
            "Pass node_labels or probabilities, not both: the colours come "
            "from one of them."
        )
    expected = f"{tree.num_nodes} for a tree of {tree.num_leaves} words"
    if probabilities is not None:
        probabilities = np.asarray(probabilities, dtype="float64")
        if probabilities.ndim != 2 or len(probabilities) != tree.num_nodes:
            raise ValueError(
                f"Expected probabilities of shape (nodes, classes), one row per "
                f"node ({expected}), got shape {probabilities.shape}."
            )
        num_classes = probabilities.shape[1]
        if label_names is not None and len(label_names) != num_classes:
            raise ValueError(
                f"Got {len(label_names)} label names for {num_classes} classes "
                "of probabilities."
            )
        return probabilities.argmax(axis=1), num_classes
    labels = tree.labels if node_labels is None else node_labels
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != tree.num_nodes:
        raise ValueError(
            f"Expected one label per node ({expected}: the words, then the "
            f"phrases, the root last), got {labels.size}."
        )
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"Expected integer class ids as labels, got {labels.dtype}.")
    labels = labels.astype("int64")
    num_classes = 5 if label_names is None else len(label_names)
    bad = (labels < -1) | (labels >= num_classes)
    if bad.any():
        hint = "" if label_names is not None else ": pass label_names for more classes"
        raise ValueError(
            f"Expected labels from 0 to {num_classes - 1} (-1 for none), got "
            f"{int(labels[bad][0])} at node {int(np.argmax(bad))}{hint}."
        )
    return labels, num_classes


def _label_names(label_names, num_classes):
    from seqkeras.datasets.text import SST2_LABELS, SST5_LABELS

    if label_names is not None:
        if len(label_names) < 2:
            raise ValueError(f"Expected at least 2 label names, got {label_names!r}.")
        return [str(name) for name in label_names]
    defaults = {2: SST2_LABELS, 5: SST5_LABELS}
    return list(defaults.get(num_classes, [f"class {k}" for k in range(num_classes)]))


def _positions(tree):
    """`(x, y)` of every node: a leaf at its position in the sentence on row
    0, an inner node on the row of its height, midway between its children."""
    x = np.zeros(tree.num_nodes)
    x[: tree.num_leaves] = np.arange(tree.num_leaves)
    for parent, (left, right) in enumerate(tree.children, start=tree.num_leaves):
        x[parent] = (x[left] + x[right]) / 2
    return x, tree.heights().astype("float64")


def _short(text, width=70):
    return text if len(text) <= width else text[: width - 3] + "..."
