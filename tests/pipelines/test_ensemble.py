"""SentimentPipeline.average: one pipeline, one export, for several members."""

import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines import SentimentPipeline, load_pipeline
from tests.helpers import serve_in_fresh_process

TEXTS = ["John enjoys eating the shark.", "The shark enjoys eating John.", ""]


@pytest.fixture(scope="module")
def members(trained_sentiment, sample_data):
    """The session's trained LSTM and a GRU trained on the same data."""
    other = SentimentPipeline(
        sample_data.label_names, architecture="gru", units=8, embedding_dim=8, seed=1
    )
    small = sample_data.subset(train=1500, validation=200)
    other.fit(small.train, epochs=1, verbose=0)
    return [trained_sentiment, other]


@pytest.fixture(scope="module")
def ensemble(members):
    return SentimentPipeline.average(members)


def test_predictions_are_the_members_mean(members, ensemble, sample_data):
    first, second = (m.predict(TEXTS) for m in members)
    assert not np.allclose(first, second)
    np.testing.assert_allclose(ensemble.predict(TEXTS), (first + second) / 2, atol=1e-6)
    assert ensemble.get_config() == members[0].get_config()
    assert ensemble.train_examples == sum(m.train_examples for m in members)
    metrics = ensemble.evaluate(sample_data.test.subset(100))
    assert metrics["num_examples"] == 100 and 0 <= metrics["accuracy"] <= 1


def test_save_load_and_export_in_a_fresh_process(ensemble, tmp_path):
    ensemble.save(tmp_path / "saved")
    loaded = load_pipeline(tmp_path / "saved")
    np.testing.assert_array_equal(loaded.predict(TEXTS), ensemble.predict(TEXTS))
    exported = ensemble.export(tmp_path / "saved_model")
    outputs, modules = serve_in_fresh_process(exported, TEXTS, tmp_path)
    assert "seqkeras" not in modules
    np.testing.assert_allclose(
        outputs["probabilities"], ensemble.predict(TEXTS), atol=1e-5
    )


def test_members_must_share_their_preprocessing(trained_sentiment, sample_data):
    other = SentimentPipeline(sample_data.label_names, units=4, embedding_dim=4)
    other.fit(sample_data.subset(train=300).train, epochs=1, verbose=0)
    with pytest.raises(
        InvalidInputError, match="Member 1 prepares its input differently"
    ):
        SentimentPipeline.average([trained_sentiment, other])


def test_bad_members_are_refused(trained_sentiment, sample_data):
    with pytest.raises(InvalidInputError, match="Member 1 is not trained"):
        SentimentPipeline.average([trained_sentiment, SentimentPipeline()])
    with pytest.raises(InvalidInputError, match="Member 0 is a str"):
        SentimentPipeline.average(["runs/demo", trained_sentiment])
    with pytest.raises(InvalidArgumentError, match="at least two models, got 1"):
        SentimentPipeline.average([trained_sentiment])
