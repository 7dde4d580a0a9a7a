"""Looking inside learned word vectors: nearest neighbours and 2-D maps.

Training moves the rows of an embedding table so that words used in similar
places end up close together. `nearest_neighbours` lists, for chosen words,
the words whose vectors point the same way (cosine similarity), and `project`
flattens the table to two dimensions for a plot
(`seqkeras.plots.plot_embeddings`): PCA keeps the directions of largest
spread, t-SNE (from scikit-learn) keeps each word's neighbourhood.
"""

import numpy as np

from seqkeras._validation import one_of, positive_int
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.text.vocabulary import RESERVED

PROJECTIONS = ("pca", "tsne")


def embedding_matrix(model, *, layer_name="token_embedding"):
    """The weights of a model's embedding layer, `(vocabulary_size, dim)`.

    Args:
        model: a Keras model, or a pipeline with a `.model`.
        layer_name: the embedding layer's name (seqkeras builders call it
            "token_embedding").

    Example:

    >>> from seqkeras.models import build_sentiment_classifier
    >>> embedding_matrix(build_sentiment_classifier(50, embedding_dim=4)).shape
    (50, 4)
    """
    model = getattr(model, "model", model)
    if model is None:
        raise InvalidArgumentError("The pipeline has no model yet: call fit first.")
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise InvalidArgumentError(
            f"The model has no layer named {layer_name!r} (its layers: "
            f"{', '.join(names)}). A model fed one-hot vectors has no "
            "embedding table to inspect; pass layer_name= for another layer."
        )
    return np.asarray(model.get_layer(layer_name).get_weights()[0])


def cosine_similarities(matrix, vectors):
    """Cosine similarity of each row of `vectors` with each row of `matrix`.

    Returns:
        `(len(vectors), len(matrix))`; a zero row has similarity 0 to all.
    """
    matrix = np.asarray(matrix, dtype="float64")
    vectors = np.asarray(vectors, dtype="float64")
    unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    queries = vectors / np.maximum(
        np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12
    )
    return queries @ unit.T


def nearest_neighbours(matrix, tokens, words, *, k=5, exclude=RESERVED):
    """The `k` words whose vectors are most similar (cosine) to each word's.

    Args:
        matrix: the embedding table, one row per token.
        tokens: the token of each row (a vocabulary's `tokens`).
        words: the words to look up.
        k: neighbours per word (the word itself is left out).
        exclude: tokens never listed as neighbours (padding, `[UNK]`,
            `[START]`, `[END]` by default).

    Returns:
        A dict from each word to a list of `(neighbour, similarity)` pairs,
        most similar first.

    Example:

    >>> table = np.array([[0, 0], [1, 0], [0.9, 0.1], [0, 1]])
    >>> nearest_neighbours(table, ["", "good", "great", "bad"], ["good"], k=2,
    ...                    exclude=[""])
    {'good': [('great', 0.99...), ('bad', 0.0)]}
    """
    matrix = np.asarray(matrix)
    tokens = list(tokens)
    if matrix.ndim != 2 or len(tokens) != len(matrix):
        raise InvalidInputError(
            f"Expected one token per row of a 2-D embedding table, got "
            f"{len(tokens)} tokens for a table of shape {matrix.shape}."
        )
    positive_int("k", k)
    index = {token: i for i, token in enumerate(tokens)}
    missing = [w for w in words if w not in index]
    if missing:
        raise InvalidInputError(
            f"Not in the vocabulary: {', '.join(map(repr, missing))}. Look up "
            "words the model was trained on (rare words became [UNK])."
        )
    excluded = np.isin(np.array(tokens, dtype=object), list(exclude))
    similarities = cosine_similarities(matrix, matrix[[index[w] for w in words]])
    result = {}
    for word, row in zip(words, similarities, strict=True):
        row = np.where(excluded, -np.inf, row)
        row[index[word]] = -np.inf
        best = np.argsort(-row, kind="stable")[:k]
        result[word] = [
            (tokens[i], round(float(row[i]), 6)) for i in best if np.isfinite(row[i])
        ]
    return result


def project(matrix, *, method="pca", seed=0, perplexity=None):
    """Flattens vectors to two dimensions for a plot.

    Args:
        matrix: `(n, dim)` vectors, for example the rows of the words to show.
        method: "pca" (a linear projection onto the two directions of
            largest variance; distances along them are meaningful) or "tsne"
            (scikit-learn's t-SNE: keeps who is near whom, but distances
            between clusters and the axes mean nothing).
        seed: t-SNE's random state.
        perplexity: t-SNE's effective number of neighbours; by default
            `min(30, (n - 1) / 3)`, as t-SNE needs fewer than `n`.

    Returns:
        `(n, 2)` coordinates.

    Example:

    >>> points = project(np.eye(3))
    >>> points.shape
    (3, 2)
    """
    one_of("method", method, PROJECTIONS)
    matrix = np.asarray(matrix, dtype="float64")
    if matrix.ndim != 2 or len(matrix) < 3:
        raise InvalidInputError(
            f"Expected at least 3 vectors as a 2-D array (n, dim), got shape "
            f"{matrix.shape}."
        )
    if not np.all(np.isfinite(matrix)):
        raise InvalidInputError(
            "The vectors contain NaN or infinite values: the model diverged; "
            "train it again with a smaller learning rate or with clipnorm."
        )
    if method == "pca":
        centred = matrix - matrix.mean(axis=0)
        # The right singular vectors are the directions of largest variance.
        _, _, directions = np.linalg.svd(centred, full_matrices=False)
        points = centred @ directions[:2].T
        if points.shape[1] < 2:  # one-dimensional vectors
            points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
        # Fix each axis' sign so that the picture does not flip between runs.
        signs = np.sign(points[np.argmax(np.abs(points), axis=0), range(2)])
        return points * np.where(signs == 0, 1.0, signs)
    from sklearn.manifold import TSNE

    if perplexity is None:
        perplexity = min(30.0, (len(matrix) - 1) / 3)
    return TSNE(
        n_components=2, perplexity=perplexity, init="pca", random_state=seed
    ).fit_transform(matrix)
