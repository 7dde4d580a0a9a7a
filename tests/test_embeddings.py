"""seqkeras.embeddings: the table, nearest neighbours, 2-D projections."""

import numpy as np
import pytest

from seqkeras.embeddings import (
    cosine_similarities,
    embedding_matrix,
    nearest_neighbours,
    project,
)
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.models import build_sentiment_classifier

TOKENS = ["", "[UNK]", "[START]", "[END]", "good", "great", "fine", "bad", "awful"]
# Positive words point along the first axis, negative ones along the second.
TABLE = np.array(
    [
        [0.0, 0.0],
        [5.0, 0.5],  # [UNK], the nearest to "good" if it were not excluded
        [1.0, 1.0],
        [1.0, 1.0],
        [1.0, 0.1],
        [2.0, 0.3],
        [1.0, 0.5],
        [0.1, 1.0],
        [0.2, 3.0],
    ]
)


def test_embedding_matrix_is_the_layer_weights_of_a_model_or_pipeline():
    model = build_sentiment_classifier(30, embedding_dim=5, units=4)
    weights = model.get_layer("token_embedding").get_weights()[0]
    np.testing.assert_array_equal(embedding_matrix(model), weights)

    class Pipeline:
        pass

    pipeline = Pipeline()
    pipeline.model = model
    np.testing.assert_array_equal(embedding_matrix(pipeline), weights)
    pipeline.model = None
    with pytest.raises(InvalidArgumentError, match="call fit first"):
        embedding_matrix(pipeline)
    one_hot = build_sentiment_classifier(30, embedding_dim=None, units=4)
    with pytest.raises(InvalidArgumentError, match="one-hot vectors has no"):
        embedding_matrix(one_hot)


def test_cosine_similarity_golden_numbers():
    similarity = cosine_similarities([[3.0, 4.0], [0.0, 0.0]], [[4.0, 3.0]])
    np.testing.assert_allclose(similarity, [[24 / 25, 0.0]])


def test_nearest_neighbours_rank_by_cosine_and_skip_reserved_tokens():
    result = nearest_neighbours(TABLE, TOKENS, ["good", "awful"], k=3)
    assert [w for w, _ in result["good"]] == ["great", "fine", "bad"]
    assert [w for w, _ in result["awful"]] == ["bad", "fine", "great"]
    good, great = TABLE[4], TABLE[5]
    expected = good @ great / np.linalg.norm(good) / np.linalg.norm(great)
    assert result["good"][0][1] == pytest.approx(expected, abs=1e-6)
    # k larger than the vocabulary lists every other real word, once.
    everything = nearest_neighbours(TABLE, TOKENS, ["good"], k=50)["good"]
    assert sorted(w for w, _ in everything) == ["awful", "bad", "fine", "great"]
    with_unk = nearest_neighbours(TABLE, TOKENS, ["good"], k=1, exclude=[""])
    assert with_unk["good"][0][0] == "[UNK]"


def test_nearest_neighbours_bad_inputs():
    with pytest.raises(InvalidInputError, match="'gud'.*rare words became"):
        nearest_neighbours(TABLE, TOKENS, ["good", "gud"])
    with pytest.raises(InvalidInputError, match="one token per row"):
        nearest_neighbours(TABLE, TOKENS[:-1], ["good"])
    with pytest.raises(InvalidArgumentError, match="`k`"):
        nearest_neighbours(TABLE, TOKENS, ["good"], k=0)


def test_pca_is_the_projection_on_the_directions_of_largest_variance():
    rng = np.random.default_rng(0)
    # Spread 10 along one direction, 3 along another, 0.1 along a third.
    basis = np.linalg.qr(rng.normal(size=(5, 5)))[0][:, :3]
    vectors = rng.normal(size=(200, 3)) * [10.0, 3.0, 0.1] @ basis.T + 7.0
    points = project(vectors)
    assert points.shape == (200, 2)
    np.testing.assert_allclose(points.mean(axis=0), 0.0, atol=1e-9)
    spread = points.std(axis=0)
    assert 9.0 < spread[0] < 11.0 and 2.5 < spread[1] < 3.5
    # Distances barely change: almost all the variance is in the two axes.
    before = np.linalg.norm(vectors[0] - vectors[1])
    after = np.linalg.norm(points[0] - points[1])
    assert after == pytest.approx(before, rel=0.02)
    # The same picture for a flipped table (signs are fixed).
    np.testing.assert_allclose(project(-vectors), points, atol=1e-9)


def test_tsne_keeps_clusters_apart():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 20)) * 10
    vectors = np.concatenate([c + rng.normal(size=(15, 20)) for c in centres])
    points = project(vectors, method="tsne", seed=0)
    assert points.shape == (45, 2)
    labels = np.repeat([0, 1, 2], 15)
    for label in range(3):
        inside = points[labels == label]
        others = points[labels != label]
        centre = inside.mean(axis=0)
        radius = np.linalg.norm(inside - centre, axis=1).max()
        nearest_other = np.linalg.norm(others - centre, axis=1).min()
        assert nearest_other > radius
    np.testing.assert_allclose(project(vectors, method="tsne", seed=0), points)


def test_project_bad_inputs():
    with pytest.raises(InvalidInputError, match="at least 3 vectors"):
        project(np.ones((2, 4)))
    with pytest.raises(InvalidInputError, match="NaN.*clipnorm"):
        project(np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(InvalidArgumentError, match="`method`"):
        project(np.eye(4), method="umap")
