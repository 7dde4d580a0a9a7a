"""ForecastingPipeline: baselines, training, original units, save, export."""

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.datasets.series import TimeSeries
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines import ForecastingPipeline, load_pipeline
from tests.helpers import serve_in_fresh_process


def make_series(values, columns=("a",), **kwargs):
    values = np.asarray(values, dtype="float32")
    time = np.datetime64("2024-01-01T00") + np.arange(len(values)).astype(
        "timedelta64[h]"
    )
    return TimeSeries("toy", time, values, columns, frequency="h", **kwargs)


RAMP = make_series(np.arange(40.0))  # value t at step t
# Two columns on very different scales; "b" follows "a" one step later.
t = np.arange(600)
WAVES = make_series(
    np.stack([np.sin(t / 5.0) * 20 + 50, np.sin((t - 1) / 5.0) * 0.5], axis=1),
    columns=("a", "b"),
    target_columns=("b",),
)
TRAIN, VALIDATION, TEST = WAVES.split(0.7, 0.15)


@pytest.fixture(scope="module")
def trained():
    pipeline = ForecastingPipeline(
        "gru", input_width=12, horizon=3, units=8, learning_rate=1e-2
    )
    pipeline.fit(TRAIN, VALIDATION, epochs=3, batch_size=32, verbose=0)
    return pipeline


def test_persistence_errors_on_a_ramp_are_exact():
    pipeline = ForecastingPipeline("persistence", input_width=5, horizon=3)
    pipeline.fit(RAMP)
    metrics = pipeline.evaluate(RAMP)
    # The forecast stays at the last input; the truth climbs by 1 per step.
    assert metrics["mae_per_horizon"] == pytest.approx([1, 2, 3])
    assert metrics["mae"] == pytest.approx(2)
    assert metrics["rmse"] == pytest.approx(np.sqrt(14 / 3))
    assert metrics["num_windows"] == 40 - 8 + 1
    assert metrics["mae_per_target"] == {"a": pytest.approx(2)}


def test_repeat_baseline_on_a_ramp():
    pipeline = ForecastingPipeline("repeat", input_width=5, horizon=3)
    pipeline.fit(RAMP)
    # Exact up to the round-off of normalising and back (XLA on JAX fuses it).
    forecast = pipeline.predict(np.arange(5.0)[:, None])[:, 0]
    assert forecast.tolist() == pytest.approx([2, 3, 4], abs=1e-5)
    assert pipeline.evaluate(RAMP)["mae_per_horizon"] == pytest.approx([3, 3, 3])


def test_statistics_come_from_the_training_part_only(trained):
    scaler = trained.scaler
    assert scaler.columns == ("a", "b")
    np.testing.assert_allclose(scaler.mean, TRAIN.values.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(scaler.std, TRAIN.values.std(axis=0), rtol=1e-5)
    assert not np.allclose(scaler.mean, WAVES.values.mean(axis=0), rtol=1e-3)


def test_predict_is_in_original_units(trained):
    inputs, labels = trained.windows(TEST)
    assert inputs.shape[1:] == (12, 2) and labels.shape[1:] == (3, 1)
    forecast = trained.predict(inputs[:7])
    features = trained.scaler.select(("a", "b"))
    targets = trained.scaler.select(("b",))
    normalised = trained.model.predict(features.transform(inputs[:7]), verbose=0)
    np.testing.assert_allclose(forecast, targets.inverse(normalised), atol=1e-5)
    metrics = trained.evaluate(TEST)
    assert len(metrics["mae_per_horizon"]) == 3
    assert metrics["num_windows"] == len(inputs)
    # "b" swings by +-0.5: an error in normalised units would be far larger.
    assert metrics["mae"] < 0.5


def test_save_and_load_predict_the_same(trained, tmp_path):
    trained.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    assert isinstance(loaded, ForecastingPipeline)
    assert loaded.get_config() == trained.get_config()
    inputs, _ = trained.windows(TEST)
    np.testing.assert_array_equal(loaded.predict(inputs), trained.predict(inputs))


def test_export_in_a_fresh_process_gives_the_same_forecasts(trained, tmp_path):
    exported = trained.export(tmp_path / "saved_model")
    inputs, _ = trained.windows(TEST)
    outputs, modules = serve_in_fresh_process(exported, inputs[:5].tolist(), tmp_path)
    assert "seqkeras" not in modules
    expected = trained.predict(inputs[:5])
    np.testing.assert_allclose(outputs["forecast"], expected, atol=1e-5)


def test_exported_signature_refuses_wrong_windows(trained, tmp_path):
    model = tf.saved_model.load(str(trained.export(tmp_path / "saved_model")))
    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        model.serve(tf.zeros([2, 10, 2]))
    assert "Expected windows of shape (batch, 12, 2)" in str(raised.value)
    assert "[a, b]" in str(raised.value)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected windows"):
        model.serve(tf.zeros([2, 12, 3]))
    window = np.zeros((1, 12, 2), "float32")
    window[0, 3, 1] = np.nan
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN"):
        model.serve(tf.constant(window))
    assert model.serve(tf.zeros([4, 12, 2]))["forecast"].shape == (4, 3, 1)


def test_predict_refuses_wrong_windows(trained):
    expected = "\\(batch, 12, 2\\).*got \\(1, 11, 2\\)"
    with pytest.raises(InvalidInputError, match=expected):
        trained.predict(np.zeros((1, 11, 2)))
    window = np.zeros((12, 2))
    window[5, 0] = np.inf
    with pytest.raises(InvalidInputError, match="first at \\(0, 5, 0\\)"):
        trained.predict(window)
    for windows, message in [
        ([], "got \\(0,\\)"),
        ("12.5", "hold numbers, got text \\(first item '12.5'\\)"),
        ([["1", "2"]] * 12, "got text"),
        ([[1.0, 2.0], [3.0]], "rows have different lengths"),
        (None, "got NoneType"),
    ]:
        with pytest.raises(InvalidInputError, match=message):
            trained.predict(windows)
    assert trained.predict(np.zeros((0, 12, 2))).shape[0] == 0  # an empty batch


def test_bad_data_and_arguments():
    with pytest.raises(InvalidInputError, match="Expected a TimeSeries"):
        ForecastingPipeline("linear", input_width=3).fit(np.arange(10.0))
    with pytest.raises(InvalidArgumentError, match="`architecture`"):
        ForecastingPipeline("prophet")
    with pytest.raises(InvalidArgumentError, match="Unknown model argument"):
        ForecastingPipeline("lstm", embedding_dim=3)
    persistence = ForecastingPipeline("persistence", feature_columns=["a"], horizon=2)
    with pytest.raises(InvalidArgumentError, match="not among the features"):
        persistence.fit(WAVES)  # the target "b" is not a feature
    short = ForecastingPipeline("linear", input_width=30, horizon=20)
    with pytest.raises(InvalidInputError, match="needs 50"):
        short.fit(RAMP, epochs=1, verbose=0)


@pytest.mark.parametrize("model", ["linear", "autoregressive"])
def test_other_models_train_and_evaluate(model):
    pipeline = ForecastingPipeline(model, input_width=8, horizon=4, units=4)
    history = pipeline.fit(TRAIN, epochs=1, batch_size=64, verbose=0)
    assert len(history["loss"]) == 1 and np.isfinite(history["loss"][0])
    assert pipeline.predict(TEST.values[:8]).shape == (4, 1)
    assert pipeline.predict(TEST.values[None, :8]).shape == (1, 4, 1)
