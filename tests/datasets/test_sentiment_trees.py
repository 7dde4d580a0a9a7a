from seqkeras.datasets import load
from seqkeras.datasets.sentiment_trees import (
    SPLIT_SIZES,
    generate_sentiment_trees,
    sentiment_tree,
)


def labels_of(tree):
    return {tree.phrase(node): int(tree.labels[node]) for node in range(tree.num_nodes)}


def test_the_rules_label_every_phrase():
    tree = sentiment_tree(
        ["the", "acting"], ["very", "good"], (["the", "plot"], ["not", "bad"])
    )
    labels = labels_of(tree)
    assert labels["good"] == 3 and labels["very good"] == 4
    assert labels["bad"] == 1 and labels["not bad"] == 3
    assert labels["the acting was very good"] == 4
    assert labels["but the plot was not bad"] == 3
    assert labels[" ".join(tree.words)] == 3  # the clause after "but" decides
    assert labels["the"] == labels["but"] == labels["."] == 2
    weak = labels_of(sentiment_tree(["the", "film"], ["not", "very", "awful"]))
    assert weak["very awful"] == 0 and weak["not very awful"] == 3


def test_the_data_set_is_deterministic_and_split():
    data = load("sentiment-trees")
    assert [len(data.train), len(data.validation), len(data.test)] == list(
        SPLIT_SIZES.values()
    )
    assert data.num_classes == 5 and all(tree.labelled for tree in data.test)
    again = generate_sentiment_trees(5, seed=0)
    assert [str(t) for t in again] == [str(t) for t in data.train.trees[:5]]
    assert str(generate_sentiment_trees(1, seed=1)[0]) != str(again[0])
    roots = data.train.root_labels
    assert {0, 1, 3, 4} <= set(roots.tolist())
