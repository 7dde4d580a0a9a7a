"""Averaging ensembles: one input fed to several trained models."""

import keras

from seqkeras.errors import InvalidArgumentError


def average_ensemble(models, *, name="average_ensemble"):
    """A model that runs every member on the same input and averages outputs.

    For classifiers whose outputs are probabilities this is the usual
    ensemble: the class probabilities of independently trained models (for
    example the same architecture from different seeds) averaged. The members
    keep their weights; the result is ready for `predict`, saving and export
    (compile it yourself to train all members jointly).

    Args:
        models: two or more functional Keras models with the same inputs
            (one tensor or a dict of named tensors) and output shapes.
        name: the ensemble model's name.

    Returns:
        A functional `keras.Model` with the members' input and their mean
        output.

    Example:

    >>> import numpy as np
    >>> from seqkeras.models import build_sentiment_classifier
    >>> members = [build_sentiment_classifier(50, units=4, embedding_dim=4)
    ...            for _ in range(2)]
    >>> ensemble = average_ensemble(members)
    >>> ids = np.array([[5, 6, 7]])
    >>> mean = np.mean([m.predict(ids, verbose=0) for m in members], axis=0)
    >>> bool(np.allclose(ensemble.predict(ids, verbose=0), mean, atol=1e-6))
    True
    """
    models = list(models)
    if len(models) < 2:
        raise InvalidArgumentError(
            f"An ensemble needs at least two models, got {len(models)}."
        )
    for i, model in enumerate(models):
        if not isinstance(model, keras.Model) or not model.inputs:
            raise InvalidArgumentError(
                f"Model {i} is not a built Keras model; pass trained functional "
                "models such as the seqkeras builders return."
            )
    first = models[0]
    for i, model in enumerate(models[1:], start=1):
        for what in ("inputs", "outputs"):
            named = what == "inputs"  # output tensors get generated names
            mine = _specs(getattr(model, what), named)
            theirs = _specs(getattr(first, what), named)
            if mine != theirs:
                raise InvalidArgumentError(
                    f"Model {i} has {what} {mine}, model 0 has {theirs}: members "
                    f"must share {what} (shapes and dtypes, and input names)."
                )
    # The same structure as the members' input: one tensor, or a dict.
    inputs = keras.tree.map_structure(
        lambda spec: keras.Input(
            shape=tuple(spec.shape[1:]), dtype=spec.dtype, name=spec.name
        ),
        first.input,
    )
    # Each member is re-wrapped under a unique name (its layers, hence its
    # weights, are shared, not copied): the builders name all models alike.
    outputs = [
        keras.Model(model.input, model.output, name=f"member_{i}")(inputs)
        for i, model in enumerate(models)
    ]
    averaged = keras.layers.Average(name="average")(outputs)
    return keras.Model(inputs, averaged, name=name)


def _specs(tensors, named):
    """A readable description: "token_ids (None, None) int32, ..."."""
    return ", ".join(
        (f"{t.name} " if named else "") + f"{tuple(t.shape)} {t.dtype}" for t in tensors
    )
