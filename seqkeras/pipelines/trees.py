"""Tree sentiment: parse trees in, a sentiment at every node out.

The pipeline trains a recursive network (`build_tree_classifier`: the plain
recursive net, the RNTN or the Tree-LSTM) on labelled binary trees, such as
the Stanford Sentiment Treebank's, with the loss over every labelled node.
It predicts a sentiment for every phrase of a sentence given as a bracketed
tree (labelled or not, `(not (very good))`), as a `Tree`, or as a raw
sentence, which gets a tree by `binarization` (see `Tree.from_words`): the
treebank's trees come from a parser, which this project does not have, so
a raw sentence is given a balanced tree by default; `evaluate(data,
trees=...)` measures what that costs against the treebank's own trees.

Scores, as Socher et al. (2013) report them: `fine_root` and `fine_all`, the
five-class accuracy at the root and over every node (words and phrases);
`binary_root` and `binary_all`, negative against positive over the nodes
whose gold label is not neutral, a five-class model choosing the side with
more probability (classes 0-1 against 3-4).

Training batches bucket trees of similar length and place their nodes by
the compact schedule (`Tree.levels("compact")`, spread over the steps of the
batch's tallest trees, see `step_budgets`); serving reads bracketed
strings in the graph (`seqkeras.text.trees.tree_layout`, nodes by height).
The nodes' values do not depend on where they are placed.
"""

import keras
import numpy as np
import tensorflow as tf

from seqkeras._validation import (
    class_names,
    one_of,
    positive_int,
    positive_int_or_none,
)
from seqkeras.datasets.tree_batches import batch_trees, step_budgets, tree_arrays
from seqkeras.datasets.trees import (
    BINARIZATIONS,
    SST2_LABELS,
    SST5_LABELS,
    Tree,
    Trees,
    parse_tree,
)
from seqkeras.errors import InvalidInputError
from seqkeras.layers.trees import tree_roots
from seqkeras.models.trees import build_tree_classifier
from seqkeras.pipelines.base import Pipeline
from seqkeras.pipelines.batching import _batched
from seqkeras.pipelines.data import JAX_LENGTH_MULTIPLE
from seqkeras.pipelines.preprocessing import EncoderPreprocessing
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.pipelines.stages import Staged
from seqkeras.text.encoder import TextEncoder
from seqkeras.text.trees import tree_layout
from seqkeras.text.words import WordEncoder

# `seqkeras train tree-sentiment --model NAME`, with the settings that
# bench/tree_sentiment.py measures on the treebank (BENCHMARKS.md, "Tree-
# structured networks"): Adam, an L2 penalty and dropout; the RNTN paper's
# 25 units (the Tree-LSTM's 150 of Tai et al. did no better than 100 here).
# Those runs train 20 epochs of batches of 32, the settings that the
# catalogue's "sst-trees" brings to the command line.
_REGULARISED = {"optimizer": "adam", "learning_rate": 0.001, "l2": 1e-4}
PRESETS = {
    "rnn": {"composition": "rnn", "units": 25, "dropout": 0.4, **_REGULARISED},
    "rntn": {"composition": "rntn", "units": 25, "dropout": 0.4, **_REGULARISED},
    "tree-lstm": {
        "composition": "tree-lstm",
        "units": 100,
        "dropout": 0.5,
        **_REGULARISED,
    },
}
BUILDER_DECIDES = {"vocabulary_size", "num_classes", "composition", "compile"}
_LAYOUT_SPECS = [
    tf.TensorSpec([None, None], tf.string, name="words"),
    tf.TensorSpec([None, None, None, 4], tf.int32, name="children"),
    tf.TensorSpec([None, None], tf.int32, name="nodes"),
]


class _ValidationScores(keras.callbacks.Callback):
    """Adds `val_root_accuracy` and `val_all_accuracy` to the logs, before
    the callbacks that keep the best epoch read them."""

    def __init__(self, pipeline, validation):
        super().__init__()
        self.pipeline, self.validation = pipeline, validation

    def on_epoch_end(self, epoch, logs=None):
        scores = self.pipeline.evaluate(self.validation)
        kind = "binary" if self.pipeline.binary else "fine"
        logs["val_root_accuracy"] = scores[f"{kind}_root"]
        logs["val_all_accuracy"] = scores[f"{kind}_all"]


@register_pipeline
class TreeSentimentPipeline(EncoderPreprocessing, Pipeline):
    """Parse trees in, a sentiment for every phrase out.

    Args:
        label_names: the class names, indexed by label id (the treebank's
            five by default).
        architecture: `"rnn"`, `"rntn"` or `"tree-lstm"` (see `PRESETS`).
        binary: train two classes on the trees' five-class labels, as
            Socher et al. do: 0-1 negative, 3-4 positive, neutral nodes
            without a label (`label_names` are then negative / positive).
        binarization: how a raw sentence gets a tree: `"balanced"`,
            `"right"` or `"left"` (`Tree.from_words`).
        lowercase: case-fold words before the vocabulary lookup.
        max_vocabulary_size, min_count: the vocabulary's limits.
        bucketing: batch trees of similar length together in training.
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to `build_tree_classifier` (`units`,
            `dropout`, `l2`, `optimizer`, `learning_rate`, ...); what is not
            given comes from the architecture's `PRESETS`, the settings the
            treebank benchmark trains (BENCHMARKS.md).

    Example:

    >>> from seqkeras.datasets.trees import Trees, parse_tree
    >>> trees = Trees([parse_tree("(1 (2 not) (3 good))"),
    ...                parse_tree("(3 (2 not) (1 bad))")])
    >>> pipeline = TreeSentimentPipeline(architecture="rntn", units=4)
    >>> _ = pipeline.fit(trees, epochs=1, verbose=0)
    >>> result = pipeline.predict("(not good)")
    >>> sorted(result), result["probabilities"].shape
    (['label', 'node_labels', 'probabilities', 'tree'], (5,))
    """

    task = "tree-sentiment"
    presets = PRESETS
    builder = staticmethod(build_tree_classifier)
    encoder_class = WordEncoder
    monitor = ("val_root_accuracy", "max")
    export_output = "probabilities"

    def __init__(
        self,
        label_names=SST5_LABELS,
        architecture="rntn",
        *,
        binary=False,
        binarization="balanced",
        lowercase=True,
        max_vocabulary_size=None,
        min_count=1,
        bucketing=True,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.binary = bool(binary)
        if self.binary and tuple(label_names) == SST5_LABELS:
            label_names = SST2_LABELS
        self.label_names = class_names("label_names", label_names, minimum=2)
        if self.binary and len(self.label_names) != 2:
            raise InvalidInputError(
                f"binary=True trains two classes, got label_names {self.label_names}"
            )
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.binarization = one_of("binarization", binarization, BINARIZATIONS)
        self.max_vocabulary_size = positive_int_or_none(
            "max_vocabulary_size", max_vocabulary_size
        )
        self.min_count = positive_int("min_count", min_count)
        self.lowercase = bool(lowercase)
        self.bucketing = bool(bucketing)
        self.model_kwargs = self._model_arguments(
            build_tree_classifier, model_kwargs, BUILDER_DECIDES
        )
        self.encoder = WordEncoder(lowercase=lowercase, digits_to_zero=False)
        self._splitter = TextEncoder(lowercase=False)

    @property
    def num_classes(self):
        return len(self.label_names)

    # === Data ===

    def _trees(self, data):
        """`data` as `Trees` with the labels this pipeline trains on, checked."""
        if isinstance(data, (list, tuple)) and all(isinstance(t, Tree) for t in data):
            data = Trees(data)
        if not isinstance(data, Trees):
            raise InvalidInputError(
                f"Expected Trees (seqkeras.datasets.trees) or a list of Tree, got "
                f"{type(data).__name__}: read a file of bracketed trees with "
                "seqkeras.datasets.trees.read_trees."
            )
        if not len(data):
            raise InvalidInputError("Got no trees: there is nothing to train or score.")
        top = max(int(tree.labels.max()) for tree in data)
        if self.binary:
            if top > 4:
                raise InvalidInputError(
                    f"binary=True maps the five classes 0-4 to two; got label {top}."
                )
            return data.binary()
        if top >= self.num_classes:
            raise InvalidInputError(
                f"A tree has label {top}, but there are {self.num_classes} classes "
                f"{list(self.label_names)}."
            )
        return data

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        trees = self._trees(data)
        dataset = tree_dataset(
            trees,
            self.encoder,
            batch_size=batch_size,
            shuffle=training,
            bucketing=training and self.bucketing,
            seed=self.seed,
            multiple=(JAX_LENGTH_MULTIPLE if keras.backend.backend() == "jax" else 1),
            drop_remainder=whole_batches,
        )
        return dataset, len(trees)

    # === Task hooks ===

    def _adapt(self, train):
        words = [list(tree.words) for tree in self._trees(train)]
        self.encoder.adapt(
            tf.ragged.constant(words, dtype=tf.string),
            max_size=self.max_vocabulary_size,
            min_count=self.min_count,
        )

    def _build_model(self):
        kwargs = {**PRESETS[self.architecture], **self.model_kwargs}
        return build_tree_classifier(
            self.encoder.vocabulary_size, num_classes=self.num_classes, **kwargs
        )

    def _fit_callbacks(self, validation):
        return [] if validation is None else [_ValidationScores(self, validation)]

    # === Inference ===

    def _as_text(self, item):
        """One input as a bracketed tree: a `Tree`, a bracketed string
        (checked by `parse_tree`, which names what is wrong), or a raw
        sentence given a tree by `binarization`."""
        if isinstance(item, Tree):
            return item.to_string(labels=False)
        if not isinstance(item, str):
            raise InvalidInputError(
                f"Expected a bracketed tree, a sentence or a Tree, got "
                f"{type(item).__name__}."
            )
        if "(" in item or ")" in item:
            return parse_tree(item, name=f"the tree {item[:40]!r}").to_string(
                labels=False
            )
        words = [
            w.decode("utf-8") for w in self._splitter.tokenize([item]).to_list()[0]
        ]
        return Tree.from_words(words, how=self.binarization).to_string()

    def _batch_of(self, inputs):
        single = isinstance(inputs, (str, Tree))
        items = [inputs] if single else list(inputs)
        return single, [self._as_text(item) for item in items]

    def _predict_batch(self, texts, *, batch_size, verbose):
        serve = self.serving_functions()["serve"]
        results = []
        for batch in self._batches(texts, batch_size, verbose):
            outputs = serve(tf.constant(batch))
            labels = outputs["node_labels"].to_list()
            for i, text in enumerate(batch):
                tree = parse_tree(text)
                node_labels = [int(v) for v in labels[i]]
                results.append(
                    {
                        "label": self.label_names[node_labels[-1]],
                        "probabilities": outputs["probabilities"][i].numpy(),
                        "node_labels": node_labels,
                        "tree": str(Tree(tree.words, tree.children, node_labels)),
                    }
                )
        return results

    def predict(self, inputs, *, batch_size=None, verbose=0):
        """A sentiment for every phrase.

        Args:
            inputs: one input or a list: a bracketed tree (its labels, if
                any, are ignored), a `Tree`, or a raw sentence (split as the
                treebank is tokenised, then given a tree by `binarization`).
            batch_size: trees per batch (default 256).
            verbose: 1 shows a progress bar.

        Returns:
            For each input a dict: `label` (the root's class name),
            `probabilities` (the root's, `(num_classes,)`), `node_labels`
            (one class id per node, numbered as `Tree` numbers them: the
            words, then the phrases with the root last) and `tree` (the
            bracketed tree with the predicted labels). One dict for one
            input, a list for a list.
        """
        return super().predict(inputs, batch_size=batch_size, verbose=verbose)

    def node_probabilities(self, trees, *, batch_size=None):
        """Every node's class probabilities for `Trees` (or a list of
        `Tree`): one `(nodes, num_classes)` array per tree, nodes numbered
        as `Tree` numbers them."""
        trees = list(trees)
        serve = self.serving_functions()["serve_layout"]
        size = self._inference_batch_size(batch_size)
        results = []
        for start in range(0, len(trees), size):
            part = trees[start : start + size]
            batch = batch_trees(part, schedule="compact")
            outputs = serve(
                tf.constant(batch["words"].astype(str)),
                tf.constant(batch["children"]),
                tf.constant(batch["nodes"]),
            )
            for row in outputs["node_probabilities"].to_list():
                results.append(np.asarray(row, dtype="float32"))
        return results

    def evaluate(self, data, *, batch_size=None, verbose=0, trees="given"):
        """Accuracy at the root and over every node, as the papers report it.

        Args:
            data: labelled `Trees`.
            trees: `"given"` scores on the data's own trees; `"balanced"`,
                `"right"` or `"left"` gives each sentence that tree instead
                (the labels of the root and of the words stay), which is
                what a raw sentence gets from `predict`.

        Returns:
            A dict: `fine_root`, `fine_all` (five-class models only),
            `binary_root`, `binary_all` (fractions), `num_trees`, `num_nodes`.
        """
        data = self._trees(data)
        if trees != "given":
            one_of("trees", trees, ("given", *BINARIZATIONS))
            data = Trees([_rebuilt(tree, trees) for tree in data])
        probabilities = self.node_probabilities(data, batch_size=batch_size)
        gold = [tree.labels for tree in data]
        return tree_scores(probabilities, gold, binary=self.binary)

    # === Serving ===

    def serving_functions(self):
        """The functions behind `predict` and the exported signatures.

        `serve` takes `(batch,)` bracketed trees (`tf.string`);
        `serve_layout` takes the arrays of `batch_trees`: `words` `(batch,
        leaves)`, `children` `(batch, heights, width, 4)` and `nodes`
        `(batch, nodes)`. Both return `probabilities` and `label` (the
        root's), `node_probabilities` and `node_labels` (ragged over each
        tree's nodes, in `Tree` order).
        """
        return self._compiled("serve", self._make_serving_functions)

    def _make_serving_functions(self):
        encoder, model = self.encoder, self.model
        names = tf.constant(self.label_names)

        def prepare_layout(words, children, nodes):
            token_ids = encoder(tf.RaggedTensor.from_tensor(words, padding=""))
            token_ids = token_ids["token_ids"]  # (batch, longest tree)
            # As many leaves as `words` has columns: `nodes` counts on them.
            extra = tf.shape(words)[1] - tf.shape(token_ids)[1]
            token_ids = tf.pad(token_ids, [[0, 0], [0, tf.maximum(extra, 0)]])
            return ({"token_ids": token_ids, "children": children},), nodes

        def prepare_trees(texts):
            layout = tree_layout(texts)
            return prepare_layout(layout["words"], layout["children"], layout["nodes"])

        def core(inputs):
            probabilities = model(inputs, training=False)  # (batch, nodes, classes)
            return probabilities, tree_roots(probabilities, inputs["children"])

        def finish(nodes, outputs):
            probabilities, roots = outputs
            lengths = tf.reduce_sum(tf.cast(nodes >= 0, tf.int32), axis=1)
            per_node = tf.gather(probabilities, tf.maximum(nodes, 0), batch_dims=1)
            per_node = tf.RaggedTensor.from_tensor(per_node, lengths=lengths)
            return {
                "probabilities": roots,
                "label": tf.gather(names, tf.argmax(roots, axis=-1)),
                "node_probabilities": per_node,
                "node_labels": per_node.with_flat_values(
                    tf.argmax(per_node.flat_values, axis=-1, output_type=tf.int32)
                ),
            }

        shapes = [{"token_ids": "(batch, leaves)", "children": "(batch, h, w, 4)"}]

        def staged(specs, prepare):
            return Staged(
                input_signature=specs,
                prepare=prepare,
                core=core,
                finish=finish,
                layers=[model],
                core_shapes=shapes,
            )

        return {
            "serve": staged(
                [tf.TensorSpec([None], tf.string, name="trees")], prepare_trees
            ),
            "serve_layout": staged(_LAYOUT_SPECS, prepare_layout),
        }

    def _endpoints(self):
        return self.serving_functions()


def _rebuilt(tree, how):
    """`tree`'s sentence under another binarisation, keeping the labels of
    its words and of its root (the phrases of the new tree have none)."""
    other = Tree.from_words(tree.words, how=how)
    labels = np.full(other.num_nodes, -1)
    labels[: tree.num_leaves] = tree.labels[: tree.num_leaves]
    labels[-1] = tree.labels[-1]
    return Tree(other.words, other.children, labels)


def tree_scores(probabilities, gold, *, binary=False):
    """Root and all-node accuracies (see the module docstring).

    Args:
        probabilities: one `(nodes, classes)` array per tree.
        gold: one label array per tree (-1: no label), five classes, or two
            with `binary`.
    """
    roots = np.array([p[-1] for p in probabilities])
    root_gold = np.array([g[-1] for g in gold])
    every = np.concatenate(probabilities)
    every_gold = np.concatenate(gold)
    scores = {}
    for name, (p, g) in {
        "root": (roots, root_gold),
        "all": (every, every_gold),
    }.items():
        kept = g >= 0
        if binary:
            scores[f"binary_{name}"] = _share(p[kept].argmax(-1) == g[kept])
            continue
        scores[f"fine_{name}"] = _share(p[kept].argmax(-1) == g[kept])
        # Negative against positive: gold not neutral; the side with more
        # probability.
        kept = (g >= 0) & (g != 2)
        positive = p[kept][:, 3:].sum(-1) > p[kept][:, :2].sum(-1)
        scores[f"binary_{name}"] = _share(positive == (g[kept] > 2))
    scores["num_trees"] = len(gold)
    scores["num_nodes"] = int((every_gold >= 0).sum())
    return scores


def _share(right):
    """The share of True in `right`; 0.0 when there is nothing to score."""
    return float(np.mean(right)) if len(right) else 0.0


def tree_dataset(
    trees,
    encoder,
    *,
    batch_size,
    shuffle=False,
    bucketing=False,
    pool_batches=32,
    seed=None,
    multiple=1,
    drop_remainder=False,
):
    """A `tf.data.Dataset` of `(inputs, node labels)` batches of trees.

    Each tree is laid out before batching by the compact schedule, spread
    over the steps `step_budgets` gives it (so that a batch of trees of
    similar length is about as narrow as `batch_trees` would make it):
    `inputs` holds `token_ids` `(batch, leaves)` and `children` `(batch,
    heights, width, 4)`; the labels `(batch, leaves + heights * width)` line
    up with the model's nodes (-1: no label, no loss). With `bucketing`,
    pools of `pool_batches` batches are sorted by length before they are cut
    (see `seqkeras.pipelines.batching`).
    """
    arrays = [
        tree_arrays(tree, "compact", steps)
        for tree, steps in zip(trees, step_budgets(trees), strict=True)
    ]
    words = tf.ragged.constant([list(t.words) for t in trees], dtype=tf.string)
    heights = [a["children"].shape[0] for a in arrays]
    widths = [a["children"].shape[1] for a in arrays]

    def grid(key, tail):
        flat = np.concatenate([a[key].reshape(-1, *tail) for a in arrays]).astype(
            "int32"
        )
        return tf.RaggedTensor.from_nested_row_lengths(
            flat, [heights, np.repeat(widths, heights)]
        )

    columns = {
        "token_ids": encoder.encode(words)["token_ids"],
        "children": grid("children", (4,)),
        "leaf_labels": tf.ragged.constant([a["leaf_labels"] for a in arrays], tf.int32),
        "phrase_labels": grid("phrase_labels", ()),
    }
    pads = {"token_ids": 0, "children": -1, "leaf_labels": -1, "phrase_labels": -1}
    dataset = _batched(
        tf.data.Dataset.from_tensor_slices(columns),
        len(arrays),
        to_row=None,
        lengths=lambda pool: pool["token_ids"].row_lengths(),
        pads={name: tf.constant(pad, tf.int32) for name, pad in pads.items()},
        label_pad=None,
        labelled=False,
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_buffer=len(arrays),
        bucketing=bucketing,
        pool_batches=pool_batches,
        seed=seed,
        label_padding=-1,
        length_multiple=1,  # the sizes are rounded below, each with its pad
        drop_remainder=drop_remainder,
    )
    padded = dataset.map(lambda batch: _padded_trees(batch, multiple))
    return padded.prefetch(tf.data.AUTOTUNE)


def _padded_trees(batch, multiple):
    """A padded batch of tree columns as model inputs and node labels, with
    at least one leaf, height and slot, each size rounded up to `multiple`."""

    def grown(tensor, axes, value):
        shape = tf.shape(tensor)
        paddings = [[0, 0] for _ in range(tensor.shape.rank)]
        for axis in axes:
            size = tf.maximum(shape[axis], 1)
            paddings[axis] = [
                0,
                (size + multiple - 1) // multiple * multiple - shape[axis],
            ]
        return tf.pad(tensor, paddings, constant_values=value)

    token_ids = grown(batch["token_ids"], [1], 0)
    children = grown(batch["children"], [1, 2], -1)
    leaf_labels = grown(batch["leaf_labels"], [1], -1)
    phrase = grown(batch["phrase_labels"], [1, 2], -1)
    labels = tf.concat(
        [leaf_labels, tf.reshape(phrase, [tf.shape(phrase)[0], -1])], axis=1
    )
    return {"token_ids": token_ids, "children": children}, labels
