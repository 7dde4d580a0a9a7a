import numpy as np
import pytest
import tensorflow as tf

from seqkeras.datasets import load
from seqkeras.datasets.trees import Tree, Trees, TreeSyntaxError, parse_tree
from seqkeras.errors import InvalidInputError
from seqkeras.pipelines.trees import TreeSentimentPipeline, tree_scores


@pytest.fixture(scope="module")
def trained():
    """An RNTN trained for a few epochs on part of the generated trees."""
    data = load("sentiment-trees").subset(train=1200, validation=100, test=200)
    pipeline = TreeSentimentPipeline(units=12, optimizer="adam", learning_rate=0.01)
    pipeline.fit(data.train, data.validation, epochs=6, batch_size=32, verbose=0)
    return pipeline, data


def test_it_learns_negation_at_every_node(trained):
    pipeline, data = trained
    scores = pipeline.evaluate(data.test)
    assert scores["num_trees"] == 200
    assert scores["fine_all"] > 0.9 and scores["binary_root"] > 0.9
    assert pipeline.history["val_root_accuracy"]
    result = pipeline.predict("((the plot) (was (not bad)))")
    assert result["tree"].startswith(f"({result['node_labels'][-1]} ")
    words = ["the", "plot", "was", "not", "bad"]
    assert len(result["node_labels"]) == 2 * len(words) - 1


def test_inputs_in_every_form_give_the_same_prediction(trained):
    pipeline, _ = trained
    bracketed = "((the plot) (was (not (very good))))"
    tree = parse_tree(bracketed)
    labelled = "(1 (2 (2 the) (2 plot)) (1 (2 was) (1 (2 not) (4 (2 very) (3 good)))))"
    assert parse_tree(labelled).children.tolist() == tree.children.tolist()
    forms = [bracketed, tree, labelled]
    results = [pipeline.predict(form) for form in forms]
    for result in results[1:]:
        np.testing.assert_allclose(result["probabilities"], results[0]["probabilities"])
    # A raw sentence gets the balanced tree of its words.
    sentence = pipeline.predict("the plot was not very good")
    balanced = pipeline.predict(Tree.from_words("the plot was not very good"))
    np.testing.assert_allclose(sentence["probabilities"], balanced["probabilities"])


def test_the_two_signatures_agree(trained):
    pipeline, data = trained
    trees = list(data.test.trees[:20])
    by_layout = pipeline.node_probabilities(trees)
    by_text = [
        pipeline.serving_functions()["serve"](tf.constant([str(tree.unlabelled())]))[
            "node_probabilities"
        ].to_list()[0]
        for tree in trees[:5]
    ]
    for layout, text in zip(by_layout, by_text, strict=False):
        np.testing.assert_allclose(layout, np.array(text), atol=1e-5)


def test_other_trees_for_the_same_sentences_can_be_scored(trained):
    pipeline, data = trained
    right = pipeline.evaluate(data.test, trees="right")
    assert right["num_trees"] == 200
    assert set(right) == set(pipeline.evaluate(data.test))


def test_an_average_of_tree_models_scores_and_exports_as_one(trained, tmp_path):
    pipeline, data = trained
    other = TreeSentimentPipeline(
        units=12, optimizer="adam", learning_rate=0.01, seed=1
    )
    other.fit(data.train.subset(300), epochs=1, batch_size=32, verbose=0)
    with pytest.raises(InvalidInputError, match="prepares its input differently"):
        TreeSentimentPipeline.average([pipeline, other])
    other = TreeSentimentPipeline(
        units=12, optimizer="adam", learning_rate=0.01, seed=1
    )
    other.fit(data.train, epochs=1, batch_size=32, verbose=0)
    ensemble = TreeSentimentPipeline.average([pipeline, other])
    trees = list(data.test.trees[:10])
    for mine, theirs, mean in zip(
        pipeline.node_probabilities(trees),
        other.node_probabilities(trees),
        ensemble.node_probabilities(trees),
        strict=True,
    ):
        np.testing.assert_allclose(mean, (mine + theirs) / 2, atol=1e-6)
    scores = ensemble.evaluate(data.test)
    assert set(scores) == set(pipeline.evaluate(data.test))
    sentence = "the plot was not very good"
    expected = (
        pipeline.predict(sentence)["probabilities"]
        + other.predict(sentence)["probabilities"]
    ) / 2
    np.testing.assert_allclose(
        ensemble.predict(sentence)["probabilities"], expected, atol=1e-6
    )


@pytest.mark.parametrize("architecture", ["rnn", "rntn", "tree-lstm"])
def test_each_model_defaults_to_the_benchmarks_settings(architecture):
    from seqkeras.datasets import get_info
    from seqkeras.pipelines.trees import PRESETS

    data = load("sentiment-trees").subset(train=40, validation=10, test=10)
    pipeline = TreeSentimentPipeline(architecture=architecture)
    pipeline.fit(data.train, epochs=1, verbose=0)
    preset, model = PRESETS[architecture], pipeline.model
    cell = model.get_layer("tree_rnn").cell
    assert cell.units == preset["units"]
    assert model.get_layer("node_dropout").rate == preset["dropout"]
    assert cell.kernel_regularizer.l2 == pytest.approx(preset["l2"])
    assert type(model.optimizer).__name__.lower() == preset["optimizer"]
    assert float(model.optimizer.learning_rate) == pytest.approx(
        preset["learning_rate"]
    )
    # bench/tree_sentiment.py trains them for the epochs and batch size that
    # the command line takes from the catalogue with --dataset sst-trees.
    assert get_info("sst-trees").settings_for(architecture) == {
        "epochs": 20,
        "batch_size": 32,
    }


def test_scores_count_as_the_papers_do():
    # Two trees of two nodes each: root first class 4 then 1.
    probabilities = [
        np.array([[0, 0, 1, 0, 0], [0, 0, 0, 0.6, 0.4]]),
        np.array([[0.5, 0.4, 0, 0, 0.1], [0, 0.2, 0.7, 0.1, 0]]),
    ]
    gold = [np.array([2, 4]), np.array([0, 1])]
    scores = tree_scores(probabilities, gold)
    assert scores["fine_root"] == 0.0  # 3 for 4; 2 for 1
    assert scores["fine_all"] == pytest.approx(2 / 4)
    # Not neutral: 4 (positive, 1.0 > 0), 0 (0.9 > 0.1), 1 (0.2 > 0.1).
    assert scores["binary_root"] == 1.0 and scores["binary_all"] == 1.0
    binary = tree_scores(
        [np.array([[0.9, 0.1], [0.3, 0.7]])], [np.array([-1, 1])], binary=True
    )
    assert binary == {
        "binary_root": 1.0,
        "binary_all": 1.0,
        "num_trees": 1,
        "num_nodes": 1,
    }


def test_binary_training_leaves_neutral_nodes_out():
    data = load("sentiment-trees").subset(train=200, validation=20, test=20)
    pipeline = TreeSentimentPipeline(binary=True, units=4)
    assert pipeline.label_names == ("negative", "positive")
    pipeline.fit(data.train, epochs=1, verbose=0)
    scores = pipeline.evaluate(data.test)
    assert set(scores) == {"binary_root", "binary_all", "num_trees", "num_nodes"}
    neutral = sum(int((tree.labels == 2).sum()) for tree in data.test)
    every = sum(tree.num_nodes for tree in data.test)
    assert scores["num_nodes"] == every - neutral


def test_bad_inputs_are_refused_with_the_fix(trained):
    pipeline, _ = trained
    with pytest.raises(TreeSyntaxError, match="a node with 3 children"):
        pipeline.predict("(a b c)")
    with pytest.raises(InvalidInputError, match="Expected a bracketed tree"):
        pipeline.predict([3])
    with pytest.raises(InvalidInputError, match="Expected Trees"):
        pipeline.evaluate(["(3 good)"])
    with pytest.raises(InvalidInputError, match="label 7"):
        TreeSentimentPipeline(units=4).fit(Trees([parse_tree("(7 good)")]), epochs=1)
    with pytest.raises(InvalidInputError, match="two classes"):
        TreeSentimentPipeline(("a", "b", "c"), binary=True)
