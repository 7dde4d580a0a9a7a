"""SequenceClassifierPipeline: windows of days in, tomorrow's class out."""

import numpy as np
import pytest

from seqkeras.datasets.series import TimeSeries
from seqkeras.errors import InvalidInputError
from seqkeras.pipelines import SequenceClassifierPipeline, load_pipeline
from tests.helpers import serve_in_fresh_process

NAMES = ("calm", "storm")


def toy_weather(steps=500, seed=0):
    """Storms follow three days of falling pressure: memory is needed."""
    rng = np.random.default_rng(seed)
    pressure = np.cumsum(rng.normal(size=steps))
    falling = np.r_[np.zeros(3), pressure[3:] < pressure[:-3]]
    labels = np.r_[0, falling[:-1]].astype(int)  # known the next day
    values = np.stack([pressure, rng.normal(size=steps)], axis=1)
    time = np.datetime64("2020-01-01") + np.arange(steps).astype("timedelta64[D]")
    return TimeSeries(
        "toy-weather", time, values, ("pressure", "noise"),
        labels=labels, label_names=NAMES,
    )  # fmt: skip


SERIES = toy_weather()
TRAIN, VALIDATION, TEST = SERIES.split(0.7, 0.15)


@pytest.fixture(scope="module")
def trained():
    pipeline = SequenceClassifierPipeline(
        NAMES, "gru", input_width=5, units=16, learning_rate=1e-2
    )
    pipeline.fit(TRAIN, VALIDATION, epochs=8, batch_size=32, verbose=0)
    return pipeline


def test_windows_label_the_day_after(trained):
    inputs, labels = trained.windows(TEST)
    assert inputs.shape == (len(TEST) - 5, 5, 2) and labels.shape == (len(TEST) - 5, 1)
    np.testing.assert_array_equal(labels[:, 0], TEST.labels[5:])
    np.testing.assert_array_equal(inputs[0], TEST.values[:5])


def test_evaluate_reports_accuracy_beside_the_majority_class(trained):
    metrics = trained.evaluate(TEST)
    assert np.sum(metrics["confusion_matrix"]) == metrics["num_windows"]
    majority = int(np.argmax(np.bincount(TRAIN.labels)))
    assert metrics["majority_class"] == NAMES[majority]
    inputs, labels = trained.windows(TEST)
    assert metrics["majority_accuracy"] == pytest.approx(np.mean(labels == majority))
    # The rule needs the last three days: the recurrent model learns it.
    assert metrics["accuracy"] > metrics["majority_accuracy"] + 0.15


def test_probabilities_and_export_in_a_fresh_process(trained, tmp_path):
    inputs, _ = trained.windows(TEST)
    probabilities = trained.predict(inputs)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    exported = trained.export(tmp_path / "saved_model")
    outputs, modules = serve_in_fresh_process(exported, inputs[:6].tolist(), tmp_path)
    assert "seqkeras" not in modules
    np.testing.assert_allclose(outputs["probabilities"], probabilities[:6], atol=1e-5)
    expected = [NAMES[i] for i in probabilities[:6].argmax(axis=1)]
    assert [label.decode() for label in outputs["label"]] == expected


def test_save_and_load(trained, tmp_path):
    trained.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    assert loaded.class_counts == trained.class_counts
    inputs, _ = trained.windows(TEST)
    np.testing.assert_array_equal(loaded.predict(inputs), trained.predict(inputs))


def test_feedforward_pipeline_sees_only_the_last_day():
    pipeline = SequenceClassifierPipeline(NAMES, "feedforward", input_width=5, units=4)
    pipeline.fit(TRAIN, epochs=1, verbose=0)
    inputs, _ = pipeline.windows(TEST)
    changed = inputs.copy()
    changed[:, :-1] += 3.0
    np.testing.assert_allclose(pipeline.predict(changed), pipeline.predict(inputs))


def test_series_without_labels_or_with_other_classes():
    pipeline = SequenceClassifierPipeline(NAMES, "gru", units=4)
    unlabelled = TimeSeries("plain", SERIES.time, SERIES.values, SERIES.columns)
    with pytest.raises(InvalidInputError, match="plain has no labels"):
        pipeline.fit(unlabelled, epochs=1, verbose=0)
    other = SequenceClassifierPipeline(("sun", "rain"), "gru", units=4)
    with pytest.raises(InvalidInputError, match="classes \\['calm', 'storm'\\]"):
        other.fit(SERIES, epochs=1, verbose=0)
