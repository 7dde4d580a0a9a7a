"""Binary parse trees with a sentiment label at every node, and the Stanford
Sentiment Treebank kept as trees.

A sentence is a tree: its words are the leaves, and every inner node joins
two smaller phrases ("very" + "good" -> "very good", "not" + "very good" ->
"not very good"). The treebank (Socher et al., 2013) writes each tree in
brackets with a label from 0 (very negative) to 4 (very positive) after
every opening bracket::

    (1 (2 not) (3 (2 very) (3 good)))

`parse_tree` reads that form, or the same brackets without labels
(`(not (very good))`), into a `Tree`, and refuses anything else with the
tree's name and the character where it went wrong. `Tree.from_words` gives a
raw sentence a tree when it has none (balanced, right- or left-branching).

A recursive network computes every node from its two children, so a node
can be computed once its children are: `Tree.levels` groups the inner nodes
by height (a leaf has height 0, a node one more than its taller child), and
all nodes of one height, in every tree of a batch, are computed at once.
`seqkeras.datasets.tree_batches` writes trees as the arrays a model takes
(`tree_arrays`, `batch_trees`); they can be imported from here too.
"""

import dataclasses
import pathlib
import re

import numpy as np

from seqkeras._validation import one_of
from seqkeras.datasets import registry
from seqkeras.datasets.splits import Examples
from seqkeras.datasets.text import (
    SST2_LABELS,
    SST5_LABELS,
    TextClassificationData,
    _unescape,
)
from seqkeras.datasets.tree_batches import batch_trees, step_budgets, tree_arrays
from seqkeras.errors import InvalidArgumentError, InvalidInputError

__all__ = [
    "SST2_LABELS",
    "SST5_LABELS",
    "Tree",
    "TreeSyntaxError",
    "TreebankData",
    "Trees",
    "batch_trees",
    "load_sst_trees",
    "parse_tree",
    "read_trees",
    "step_budgets",
    "tree_arrays",
]
BINARIZATIONS = ("balanced", "right", "left")
SCHEDULES = ("height", "compact")

# Brackets inside words are written as the Penn Treebank writes them.
_ESCAPE = {"(": "-LRB-", ")": "-RRB-"}
# Words are split on ASCII white space only: the treebank has a word with a
# no-break space inside ("8\xa01\\/2", the film).
_TOKEN = re.compile(r"\(|\)|[^ \t\r\n\f\v()]+")
_ASCII_SPACE = re.compile(r"[ \t\r\n\f\v]")
_LABEL = re.compile(r"\d+")
_LABELLED_NODE = re.compile(r"\(\s*\d+(?=[\s()])")


class TreeSyntaxError(InvalidInputError):
    """A bracketed tree that cannot be read (unbalanced brackets, a node that
    is not binary, a missing label)."""


@dataclasses.dataclass(frozen=True, eq=False)
class Tree:
    """A binary tree over a sentence, with an optional label at every node.

    Nodes are numbered leaves first (`0 .. len(words) - 1`, left to right),
    then inner nodes in post-order (children before their parent), so the
    root is the last node.

    Args:
        words: the leaves, left to right.
        children: `(inner nodes, 2)` integers: each inner node's left and
            right child.
        labels: one integer per node, -1 for a node without a label.

    Example:

    >>> tree = parse_tree("(1 (2 not) (3 (2 very) (3 good)))")
    >>> tree.words
    ('not', 'very', 'good')
    >>> tree.children.tolist()  # node 3 = very good, node 4 = the root
    [[1, 2], [0, 3]]
    >>> tree.labels.tolist(), tree.phrase(3)
    ([2, 2, 3, 3, 1], 'very good')
    >>> str(tree)
    '(1 (2 not) (3 (2 very) (3 good)))'
    """

    words: tuple
    children: np.ndarray
    labels: np.ndarray

    def __post_init__(self):
        words = tuple(str(word) for word in self.words)
        children = np.asarray(self.children, dtype="int64").reshape(-1, 2)
        labels = np.asarray(self.labels, dtype="int64").reshape(-1)
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "children", children)
        object.__setattr__(self, "labels", labels)
        if not words or any(not word or _ASCII_SPACE.search(word) for word in words):
            raise InvalidInputError(
                f"A tree needs at least one word, each without spaces; got {words!r}"
            )
        if len(children) != len(words) - 1:
            raise InvalidInputError(
                f"A binary tree over {len(words)} words has {len(words) - 1} inner "
                f"nodes, got {len(children)}"
            )
        if len(labels) != self.num_nodes:
            raise InvalidInputError(
                f"Expected {self.num_nodes} labels (one per node, -1 for none), "
                f"got {len(labels)}"
            )
        # Post-order: every child comes before its parent, and each node but
        # the root is a child exactly once.
        parents = np.arange(len(words), self.num_nodes)
        if len(children) and (
            (children < 0).any()
            or (children >= parents[:, None]).any()
            or np.bincount(children.ravel(), minlength=self.num_nodes)[:-1].min() != 1
        ):
            raise InvalidInputError(
                "Inner nodes must come in post-order (children before parents, "
                f"each node the child of one parent); got children {children.tolist()}"
            )

    @property
    def num_leaves(self):
        return len(self.words)

    @property
    def num_nodes(self):
        return 2 * len(self.words) - 1

    @property
    def root(self):
        return self.num_nodes - 1

    @property
    def labelled(self):
        """True when every node has a label."""
        return bool((self.labels >= 0).all())

    def heights(self):
        """Each node's height: 0 for a leaf, one more than its taller child."""
        heights = np.zeros(self.num_nodes, dtype="int64")
        for i, (left, right) in enumerate(self.children, start=self.num_leaves):
            heights[i] = 1 + max(heights[left], heights[right])
        return heights

    @property
    def height(self):
        return int(self.heights()[-1])

    def levels(self, schedule="height", steps=None):
        """The inner nodes in the order a batched model computes them: one
        list per step, each node after its children (leaves come first).

        Args:
            schedule: `"height"` puts each node at its height (`levels[h -
                1]` lists the nodes of height `h`, in post-order), as soon as
                its children are done. `"compact"` takes as many steps (the
                tree's height) but spreads the nodes over them so that the
                widest step holds as few as possible: Hu's list scheduling
                (1961), nodes farthest from the root first, with the fewest
                slots per step that still finish in `steps` steps. The
                padded grid of a batch then holds about half as many empty
                slots on the treebank.
            steps: for `"compact"`, how many steps the nodes may take (at
                least the tree's height; None: its height). A tree shorter
                than the tallest of its batch can spread its nodes over the
                batch's steps, which narrows the grid further.

        Example:

        >>> tree = parse_tree("((a b) ((c d) ((e f) (g h))))")
        >>> tree.levels()  # the four pairs of words first
        [[8, 9, 10, 11], [12], [13], [14]]
        >>> tree.levels("compact")  # two nodes a step at most, in as many steps
        [[10, 11], [9, 12], [8, 13], [14]]
        >>> tree.levels("compact", steps=7)  # one node a step, in seven
        [[10], [11], [9], [12], [8], [13], [14]]
        """
        one_of("schedule", schedule, SCHEDULES)
        if schedule == "height":
            if steps is not None:
                raise InvalidArgumentError(
                    "steps applies to the compact schedule only, got "
                    f"schedule='height' with steps={steps}"
                )
            heights = self.heights()
            return [
                np.flatnonzero(heights == h).tolist() for h in range(1, self.height + 1)
            ]
        if steps is None:
            steps = self.height
        elif steps < self.height:
            raise InvalidArgumentError(
                f"A tree of height {self.height} needs at least {self.height} "
                f"steps, got steps={steps}"
            )
        return self._compact_levels(steps)

    def _compact_levels(self, steps):
        n, inner = self.num_leaves, len(self.children)
        if not inner:
            return []
        parent = [-1] * inner
        depth = [0] * inner  # steps from the root
        for k in range(inner - 1, -1, -1):
            for child in self.children[k].tolist():
                if child >= n:
                    parent[child - n], depth[child - n] = k, depth[k] + 1
        waiting = [int((c >= n).sum()) for c in self.children]
        width = -(-inner // steps)  # no fewer slots than this
        while True:
            left, levels = list(waiting), []
            ready = [k for k in range(inner) if left[k] == 0]
            while ready:
                ready.sort(key=lambda k: (-depth[k], k))
                now, ready = sorted(ready[:width]), ready[width:]
                levels.append([n + k for k in now])
                for k in now:
                    if parent[k] >= 0:
                        left[parent[k]] -= 1
                        if left[parent[k]] == 0:
                            ready.append(parent[k])
            if len(levels) <= steps:
                return levels
            width += 1

    def spans(self):
        """`(first word, last word + 1)` of every node's phrase."""
        spans = [(i, i + 1) for i in range(self.num_leaves)]
        for left, right in self.children:
            spans.append((spans[left][0], spans[right][1]))
        return spans

    def phrase(self, node):
        """The words under `node`, joined with spaces."""
        start, end = self.spans()[node]
        return " ".join(self.words[start:end])

    def map_labels(self, mapping):
        """A copy with every label `l >= 0` replaced by `mapping[l]` (a
        sequence; -1 there removes the label)."""
        table = np.asarray(mapping, dtype="int64")
        labels = np.where(self.labels >= 0, table[np.maximum(self.labels, 0)], -1)
        return dataclasses.replace(self, labels=labels)

    def binary(self):
        """The two-class tree of Socher et al. (2013): 0-1 negative, 3-4
        positive, and neutral (2) nodes without a label."""
        return self.map_labels([0, 0, -1, 1, 1])

    def unlabelled(self):
        """A copy without labels."""
        return dataclasses.replace(self, labels=np.full(self.num_nodes, -1))

    def to_string(self, labels=True):
        """The bracketed form `parse_tree` reads; `labels=False` leaves them
        out (so does a tree without labels)."""
        labels = labels and self.labelled
        parts = []
        for i in range(self.num_nodes):
            if i < self.num_leaves:
                word = _ESCAPE.get(self.words[i], self.words[i])
                parts.append(f"({self.labels[i]} {word})" if labels else word)
            else:
                left, right = self.children[i - self.num_leaves]
                head = f"{self.labels[i]} " if labels else ""
                parts.append(f"({head}{parts[left]} {parts[right]})")
        return parts[-1]

    def __str__(self):
        return self.to_string()

    @classmethod
    def from_words(cls, words, how="balanced"):
        """A tree for a sentence that has none, without labels.

        Args:
            words: the sentence as a list of words, or a string split on
                white space.
            how: `"balanced"` (split each span in the middle: the height is
                about log2 of the length), `"right"` (each word joins the
                phrase after it, `(a (b (c d)))`) or `"left"` (`(((a b) c) d)`).

        Example:

        >>> Tree.from_words("not very good", how="right").to_string()
        '(not (very good))'
        >>> Tree.from_words("a b c d e").to_string()
        '((a b) (c (d e)))'
        """
        if how not in BINARIZATIONS:
            raise InvalidArgumentError(
                "Received an invalid value for argument `how`, expected one of "
                f"{', '.join(map(repr, BINARIZATIONS))}, got {how!r}"
            )
        words = _ASCII_SPACE.split(words) if isinstance(words, str) else list(words)
        words = [word for word in words if word]
        if not words:
            raise InvalidInputError("Cannot build a tree over an empty sentence.")
        children = []

        def build(start, end):  # returns the node id of words[start:end]
            if end - start == 1:
                return start
            if how == "balanced":
                middle = (start + end) // 2
            else:
                middle = start + 1 if how == "right" else end - 1
            left, right = build(start, middle), build(middle, end)
            children.append((left, right))
            return len(words) + len(children) - 1

        build(0, len(words))
        return cls(words, np.reshape(children, (-1, 2)), [-1] * (2 * len(words) - 1))


def parse_tree(text, *, labelled=None, num_classes=None, name="the tree"):
    """Reads one bracketed binary tree.

    Args:
        text: `(LABEL WORD)` for a leaf and `(LABEL LEFT RIGHT)` for an inner
            node, as in the Stanford Sentiment Treebank; or, without labels,
            a bare word for a leaf and `(LEFT RIGHT)` for an inner node.
        labelled: True or False for the form above; None reads the tree as
            labelled when an integer follows any opening bracket, so that a
            labelled tree with a label missing is refused rather than read
            as words; pass False for an unlabelled tree with a bracket before
            a number, `(not (1 dollar))`.
        num_classes: labels must be below it (None: any label >= 0).
        name: how errors name the tree (`"line 7 of train.txt"`).

    Returns:
        A `Tree` (without labels when `labelled` is False).

    Raises:
        TreeSyntaxError: naming `name`, the character where the problem is,
            and how to fix it.

    Example:

    >>> parse_tree("(not (very good))").to_string()
    '(not (very good))'
    >>> parse_tree("(3 (2 It) (4 (2 's) (4 great)))").phrase(4)
    "It 's great"
    >>> parse_tree("(3 (2 a) (2 b) (2 c))", name="line 3")
    Traceback (most recent call last):
    ...
    seqkeras.datasets.trees.TreeSyntaxError: line 3, character 1: a node with 3 ...
    """
    tokens = [(m.group(), m.start() + 1) for m in _TOKEN.finditer(str(text))]

    def fail(problem, position=None):
        where = f", character {position}" if position is not None else ""
        raise TreeSyntaxError(f"{name}{where}: {problem}")

    if not tokens:
        fail("empty text; write a tree such as (3 (2 very) (3 good))")
    if labelled is None:
        labelled = bool(_LABELLED_NODE.search(str(text)))
    words, children, labels = [], [], []
    # Open nodes: [position of the bracket, label, child node ids, word].
    stack = []
    root = None
    i = 0
    while i < len(tokens):
        token, position = tokens[i]
        if root is not None:
            fail(f"text after the end of the tree: {token!r}", position)
        if token == "(":
            label = -1
            if labelled:
                following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
                if not _LABEL.fullmatch(following):
                    fail(
                        "a node without a label; write an integer after every "
                        "opening bracket, as in (3 (2 very) (3 good)), or pass "
                        "labelled=False for trees without labels",
                        position,
                    )
                label = int(following)
                if num_classes is not None and label >= num_classes:
                    fail(f"label {label} is not below {num_classes}", tokens[i + 1][1])
                i += 1
            stack.append([position, label, [], None])
        elif token == ")":
            if not stack:
                fail("a closing bracket without an opening one", position)
            opened, label, nodes, word = stack.pop()
            if word is not None:  # a labelled leaf: (LABEL WORD)
                node = len(words)
                words.append(word)
                labels.append((node, label))
            elif len(nodes) == 2:
                node = ("inner", len(children))
                children.append(nodes)
                labels.append((node, label))
            elif not nodes:
                fail("an empty node; a node has one word or two children", opened)
            elif len(nodes) == 1:
                fail(
                    "a node with one child; every node of a binary tree has one "
                    "word or two children",
                    opened,
                )
            else:
                fail(
                    f"a node with {len(nodes)} children; every node of a binary "
                    "tree has one word or two children",
                    opened,
                )
            if stack and stack[-1][3] is not None:
                fail(
                    "a subtree beside a word; in a labelled tree a word stands "
                    "alone in its node: (2 word)",
                    opened,
                )
            if stack:
                stack[-1][2].append(node)
            else:
                root = node
        else:  # a word
            word = _unescape(token)
            if not stack:
                if labelled or len(tokens) > 1:
                    fail(f"the word {token!r} outside the brackets", position)
                words.append(word)
                root = 0
            elif labelled:
                top = stack[-1]
                if top[2] or top[3] is not None:
                    fail(
                        f"the word {token!r} beside another child; in a labelled "
                        "tree a word stands alone in its node: (2 word)",
                        position,
                    )
                top[3] = word
            else:
                node = len(words)
                words.append(word)
                labels.append((node, -1))
                stack[-1][2].append(node)
        i += 1
    if stack:
        fail("a bracket that is never closed", stack[-1][0])

    # Inner nodes were numbered in the order they closed (post-order); they
    # come after the leaves.
    def node_id(node):
        return node if isinstance(node, int) else len(words) + node[1]

    children = [[node_id(left), node_id(right)] for left, right in children]
    node_labels = np.full(2 * len(words) - 1, -1, dtype="int64")
    for node, label in labels:
        node_labels[node_id(node)] = label
    return Tree(words, np.reshape(children, (-1, 2)), node_labels)


# === Containers and the treebank ===


@dataclasses.dataclass(frozen=True, eq=False)
class Trees(Examples):
    """Labelled trees, one per sentence.

    Args:
        trees: `Tree`s.
    """

    trees: tuple

    def __post_init__(self):
        object.__setattr__(self, "trees", tuple(self.trees))

    def __iter__(self):
        return iter(self.trees)

    def __getitem__(self, index):
        return self.trees[index]

    @property
    def texts(self):
        """The sentences, words joined with spaces."""
        return tuple(" ".join(tree.words) for tree in self.trees)

    @property
    def root_labels(self):
        return np.array([tree.labels[-1] for tree in self.trees], dtype="int64")

    def binary(self):
        """`Tree.binary` of every tree."""
        return Trees([tree.binary() for tree in self.trees])


@dataclasses.dataclass(frozen=True, eq=False)
class TreebankData(TextClassificationData):
    """Trees with their standard splits: `TextClassificationData` whose
    `train`, `validation` and `test` are `Trees`."""

    train: Trees
    validation: Trees
    test: Trees

    def summary(self):
        """One line: name, split sizes and classes."""
        return (
            f"{self.name}: {self.split_sizes('trees')}, "
            f"classes {list(self.label_names)}"
        )


def read_trees(path, *, labelled=None, num_classes=None):
    """Reads a file of bracketed trees, one per line (blank lines skipped);
    an error names the line and the character."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {path}")
    trees = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                trees.append(
                    parse_tree(
                        line,
                        labelled=labelled,
                        num_classes=num_classes,
                        name=f"line {number} of {path.name}",
                    )
                )
    if not trees:
        raise InvalidInputError(f"{path} has no trees.")
    return Trees(trees)


def load_sst_trees(*, cache_dir=None):
    """Loads the Stanford Sentiment Treebank as labelled binary trees, with
    the five classes at every node (`Trees.binary()` gives the two-class
    version).

    Returns:
        A `TreebankData` of 8,544 / 1,101 / 2,210 trees.
    """
    folder = pathlib.Path(registry.fetch("sst", cache_dir=cache_dir)) / "trees"
    splits = {
        split: read_trees(folder / f"{file}.txt", labelled=True, num_classes=5)
        for split, file in [("train", "train"), ("validation", "dev"), ("test", "test")]
    }
    return TreebankData(
        name="sst-trees",
        label_names=SST5_LABELS,
        description="Stanford Sentiment Treebank (Socher et al., 2013): binary "
        "parse trees with five sentiment classes at every node",
        **splits,
    )
