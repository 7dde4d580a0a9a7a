"""`seqkeras train forecast` and `seqkeras train weather-classifier`."""

import json

import pytest

from seqkeras import cli

SMALL = ["--units", "8", "--batch-size", "64", "--quick"]


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "forecast"
    argv = [
        "train", "forecast", "--dataset", "seattle-temps", "--model", "gru",
        "--input-width", "24", "--horizon", "6", "--stride", "4",
        "--out", str(out), *SMALL,
    ]  # fmt: skip
    assert cli.main(argv) == 0
    return out


def test_forecast_writes_metrics_baselines_and_plots(forecast_run):
    for name in (
        "model.keras", "pipeline.json", "preprocessing.json", "history.json",
        "training_curves.png", "forecasts.png", "error_per_horizon.png",
        "model_comparison.png",
    ):  # fmt: skip
        assert (forecast_run / name).is_file(), name
    assert (forecast_run / "saved_model" / "saved_model.pb").is_file()
    metrics = json.loads((forecast_run / "metrics.json").read_text())
    assert metrics["task"] == "forecast" and metrics["model"] == "gru"
    assert metrics["dataset"] == "seattle-temps" and metrics["split"] == [0.7, 0.2]
    assert metrics["test"]["mae"] > 0 and len(metrics["test"]["mae_per_horizon"]) == 6
    baselines = metrics["baselines"]
    assert set(baselines) == {"persistence", "repeat"}
    # 876 test hours hold 876 - 30 + 1 windows of 24 inputs and 6 labels.
    assert baselines["persistence"]["num_windows"] == 847
    assert metrics["test"]["num_windows"] == 847


def test_evaluate_a_forecast_run_on_its_own_split(forecast_run, capsys):
    capsys.readouterr()
    assert cli.main(["evaluate", str(forecast_run)]) == 0
    result = json.loads(capsys.readouterr().out)
    metrics = json.loads((forecast_run / "metrics.json").read_text())
    assert result["mae"] == pytest.approx(metrics["test"]["mae"], rel=1e-5)


def test_predict_explains_that_a_forecast_run_reads_numbers(forecast_run, capsys):
    assert cli.main(["predict", str(forecast_run), "hello"]) == cli.EXIT_ERROR
    assert "windows of numbers" in capsys.readouterr().err


def test_baseline_model_needs_no_training(tmp_path):
    out = tmp_path / "persistence"
    argv = ["train", "forecast", "--model", "baseline", "--horizon", "3"]
    assert cli.main([*argv, "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 0
    assert metrics["test"]["mae"] == metrics["baselines"]["persistence"]["mae"]
    assert not (out / "training_curves.png").exists()


def test_weather_classifier(tmp_path, capsys):
    out = tmp_path / "weather"
    argv = ["train", "weather-classifier", "--model", "lstm", "--out", str(out)]
    assert cli.main([*argv, *SMALL]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "weather-classifier"
    assert 0 <= metrics["test"]["accuracy"] <= 1
    majority = metrics["baselines"]["majority"]["accuracy"]
    assert majority == metrics["test"]["majority_accuracy"]
    assert (out / "confusion_matrix.png").is_file()
    config = json.loads((out / "pipeline.json").read_text())["config"]
    assert "weather=sun" in config["feature_columns"]  # past labels are inputs
    capsys.readouterr()
    assert cli.main(["evaluate", str(out), "--split", "validation"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["accuracy"] == pytest.approx(metrics["validation"]["accuracy"])


def test_series_errors_are_one_line(tmp_path, capsys):
    argv = ["train", "forecast", "--dataset", "sst2", "--out", str(tmp_path / "x")]
    assert cli.main(argv) == cli.EXIT_ERROR
    assert "Unknown series data set 'sst2'" in capsys.readouterr().err
    csv = tmp_path / "s.csv"
    csv.write_text("t,v\n2024-01-01,1\n2024-01-02,x\n")
    argv = ["train", "forecast", "--dataset", str(csv), "--out", str(tmp_path / "y")]
    assert cli.main(argv) == cli.EXIT_ERROR
    assert "--time-column" in capsys.readouterr().err
    assert cli.main([*argv, "--time-column", "t"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "must be numeric" in err and "Traceback" not in err
