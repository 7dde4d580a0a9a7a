"""average_ensemble: averaged outputs, shared weights, round trips, bad input."""

import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.models import average_ensemble, build_sentiment_classifier
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    deterministic_weights,
)

IDS = np.array([[5, 6, 7, 0], [9, 3, 0, 0]], dtype="int32")


def members(num_classes=2, count=2):
    models = []
    for k in range(count):
        model = build_sentiment_classifier(
            30, num_classes=num_classes, units=3, embedding_dim=4
        )
        deterministic_weights(model, scale=0.5 + 0.2 * k)
        models.append(model)
    return models


@pytest.mark.parametrize("num_classes", [2, 5])
def test_output_is_the_mean_of_the_members(num_classes):
    models = members(num_classes, count=3)
    ensemble = average_ensemble(models)
    outputs = [m.predict(IDS, verbose=0) for m in models]
    assert not np.allclose(outputs[0], outputs[1])  # members really differ
    np.testing.assert_allclose(
        ensemble.predict(IDS, verbose=0), np.mean(outputs, axis=0), atol=1e-6
    )


def test_members_keep_their_weights_shared_not_copied():
    models = members()
    ensemble = average_ensemble(models)
    assert ensemble.count_params() == sum(m.count_params() for m in models)
    models[0].set_weights([np.zeros_like(w) for w in models[0].get_weights()])
    zeroed = models[0].predict(IDS, verbose=0)  # sigmoid(0) = 0.5
    np.testing.assert_allclose(
        ensemble.predict(IDS, verbose=0),
        (zeroed + models[1].predict(IDS, verbose=0)) / 2,
        atol=1e-6,
    )


def test_round_trips(tmp_path):
    ensemble = average_ensemble(members())
    assert_config_round_trip(ensemble, IDS)
    loaded = assert_keras_round_trip(ensemble, IDS, tmp_path)
    assert [layer.name for layer in loaded.layers][1:3] == ["member_0", "member_1"]


@pytest.mark.parametrize(
    "models, message",
    [
        (lambda: members(count=1), "at least two models, got 1"),
        (lambda: [], "at least two models, got 0"),
        (lambda: [*members(), "model"], "Model 2 is not a built Keras model"),
        (
            lambda: [members(2, 1)[0], members(5, 1)[0]],
            r"Model 1 has outputs \(None, 5\) float32, model 0 has \(None, 1\)",
        ),
    ],
)
def test_bad_members_are_refused(models, message):
    with pytest.raises(InvalidArgumentError, match=message):
        average_ensemble(models())


def test_mismatched_input_dtype_is_refused():
    floats = keras.Input((None,), dtype="float32")
    other = keras.Model(
        floats, keras.layers.Dense(1)(keras.layers.Reshape((-1, 1))(floats))[:, 0]
    )
    with pytest.raises(InvalidArgumentError, match="Model 1 has input"):
        average_ensemble([members(count=1)[0], other])
