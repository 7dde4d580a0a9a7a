import keras
import numpy as np
import pytest

from seqkeras.datasets.trees import batch_trees, parse_tree
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.trees import tree_roots
from seqkeras.models.trees import NodeAccuracy, build_tree_classifier, node_labels
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    fit_one_step,
)

TREES = [
    "(1 (2 not) (3 (2 very) (3 good)))",
    "(4 (3 (2 a) (3 (2 b) (2 c))) (4 (2 d) (4 e)))",
    "(0 awful)",
]


def batch(trees=TREES, binary=False):
    trees = [parse_tree(text) for text in trees]
    if binary:
        trees = [tree.binary() for tree in trees]
    arrays = batch_trees(trees)
    words = sorted({word for tree in trees for word in tree.words})
    ids = {word: i + 1 for i, word in enumerate(words)}
    token_ids = np.vectorize(lambda w: ids.get(w, 0), otypes=["int32"])(arrays["words"])
    return {"token_ids": token_ids, "children": arrays["children"]}, node_labels(arrays)


@pytest.mark.parametrize("composition", ["rnn", "rntn", "tree-lstm"])
def test_round_trips_and_training(composition, tmp_path):
    x, y = batch()
    model = build_tree_classifier(16, composition=composition, units=6)
    assert model.output_shape == (None, None, 5)
    assert_config_round_trip(model, x)
    loaded = assert_keras_round_trip(model, x, tmp_path)
    assert isinstance(
        loaded.get_layer("tree_rnn").cell, type(model.get_layer("tree_rnn").cell)
    )
    fit_one_step(model, x, y)


def test_the_loss_is_the_mean_over_labelled_nodes_only():
    x, y = batch(binary=True)  # neutral nodes and padding: label -1
    model = build_tree_classifier(16, composition="rntn", units=4, num_classes=2)
    probabilities = model.predict(x, verbose=0)
    labelled = y >= 0
    assert 0 < labelled.sum() < (y.shape[0] * y.shape[1])
    picked = np.take_along_axis(probabilities, np.maximum(y, 0)[..., None], -1)[..., 0]
    expected = -np.log(picked[labelled]).mean()
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(expected, rel=1e-5)
    right = probabilities.argmax(-1) == y
    assert accuracy == pytest.approx(right[labelled].mean())
    # What the model says at unlabelled nodes and padding changes nothing.
    y_other = np.where(labelled, y, -1)
    assert model.evaluate(x, y_other, verbose=0)[0] == pytest.approx(loss, rel=1e-6)


def test_node_accuracy_counts_labelled_nodes():
    metric = NodeAccuracy()
    y_true = np.array([[1, -1, 0, 2]])
    y_pred = np.eye(3)[[[1, 0, 2, 2]]]
    metric.update_state(y_true, y_pred)
    assert float(metric.result()) == pytest.approx(2 / 3)


def test_training_fits_a_negation():
    # "not" flips the phrase after it: the RNTN's product can learn that.
    texts = [
        "(3 (2 very) (3 good))",
        "(1 (2 very) (1 bad))",
        "(1 (2 not) (3 good))",
        "(3 (2 not) (1 bad))",
        "(1 (2 not) (3 (2 very) (3 good)))",
        "(3 (2 not) (1 (2 very) (1 bad)))",
    ]
    x, y = batch(texts)
    keras.utils.set_random_seed(0)
    model = build_tree_classifier(
        16, composition="rntn", units=8, optimizer="adam", learning_rate=0.01
    )
    model.fit(x, y, epochs=150, batch_size=6, verbose=0)
    roots = tree_roots(model.predict(x, verbose=0), x["children"])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(roots).argmax(-1), [3, 1, 1, 3, 1, 3]
    )


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(InvalidArgumentError, match="`composition`"):
        build_tree_classifier(10, composition="lstm")
    with pytest.raises(InvalidArgumentError, match="embedding_dim must be units"):
        build_tree_classifier(10, composition="rntn", units=8, embedding_dim=16)
    with pytest.raises(InvalidArgumentError, match="`optimizer`"):
        build_tree_classifier(10, optimizer="sgd")
    model = build_tree_classifier(10, composition="tree-lstm", units=8, embedding_dim=6)
    assert model.get_layer("token_embedding").output_dim == 6
