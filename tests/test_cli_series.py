"""`seqkeras train forecasting` and `seqkeras train series-classification`:
what is particular to them (the contract test covers the rest)."""

import json

import pytest

from seqkeras import cli


@pytest.fixture(scope="module")
def forecast_run(quick_run):
    return quick_run("forecasting")


def test_forecast_writes_metrics_baselines_and_plots(forecast_run):
    for name in ("forecasts.png", "error_per_horizon.png", "model_comparison.png"):
        assert (forecast_run / name).is_file(), name
    metrics = json.loads((forecast_run / "metrics.json").read_text())
    assert metrics["task"] == "forecasting" and metrics["architecture"] == "lstm"
    assert metrics["dataset"] == "seattle-temps" and metrics["split"] == [0.7, 0.2]
    assert metrics["test"]["mae"] > 0 and len(metrics["test"]["mae_per_horizon"]) == 24
    baselines = metrics["baselines"]
    assert set(baselines) == {"persistence", "repeat"}
    # 876 test hours hold 876 - 48 + 1 windows of 24 inputs and 24 labels.
    assert baselines["persistence"]["num_windows"] == 829
    assert metrics["test"]["num_windows"] == 829


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
    argv = ["train", "forecast", "--architecture", "baseline", "--horizon", "3"]
    assert cli.main([*argv, "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 0
    assert metrics["test"]["mae"] == metrics["baselines"]["persistence"]["mae"]
    assert not (out / "training_curves.png").exists()


def test_weather_classifier(quick_run, capsys):
    out = quick_run("series-classification")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "series-classification"
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
    assert "Unknown forecasting data set 'sst2'" in capsys.readouterr().err
    csv = tmp_path / "s.csv"
    csv.write_text("t,v\n2024-01-01,1\n2024-01-02,x\n")
    argv = ["train", "forecast", "--dataset", str(csv), "--out", str(tmp_path / "y")]
    assert cli.main(argv) == cli.EXIT_ERROR
    assert "--time-column" in capsys.readouterr().err
    assert cli.main([*argv, "--time-column", "t"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "must be numeric" in err and "Traceback" not in err
