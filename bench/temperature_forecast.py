"""24-hour-ahead hourly temperature forecasts against the baselines.

Seattle hourly temperature 2010 (vega_datasets), split by time 70 / 20 / 10;
every model reads 24 hours and forecasts the next 24 at once (the
autoregressive one step at a time). Trained models keep the epoch with the
best validation loss. Reports each model's test MAE in degrees F beside the
persistence (last value) and repeat (yesterday's 24 hours) baselines.
Target: the best recurrent model at or below 0.8x the persistence MAE.
With `--out`, each trained pipeline is saved under `--out/forecasting_<model>`
(for `bench/readme_figures.py`).

    python bench/temperature_forecast.py
    python bench/temperature_forecast.py --models lstm --out runs
"""

import argparse
import pathlib
import time

import numpy as np
from common import record

from seqkeras import datasets
from seqkeras.pipelines import ForecastingPipeline

MODELS = {
    "persistence": {},
    "repeat": {},
    "linear": {},
    "rnn": {"units": 32},
    "gru": {"units": 32},
    "lstm": {"units": 32},
    "bilstm": {"units": 32},
    "autoregressive": {"units": 32},
}
RECURRENT = ("rnn", "gru", "lstm", "bilstm", "autoregressive")


def best_epoch(history):
    """The epoch (from 1) whose weights were kept; None for baselines."""
    return int(np.argmin(history["val_loss"])) + 1 if history else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument(
        "--out", type=pathlib.Path, default=None, help="save the trained pipelines"
    )
    args = parser.parse_args()
    train, validation, test = datasets.load("seattle-temps").split(0.7, 0.2)
    runs = {}
    for name in args.models:
        pipeline = ForecastingPipeline(
            name, input_width=24, horizon=24, seed=0, **MODELS[name]
        )
        start = time.perf_counter()
        pipeline.fit(train, validation, epochs=args.epochs, batch_size=32, verbose=2)
        seconds = time.perf_counter() - start
        if args.out:
            pipeline.save(args.out / f"forecasting_{name}")
        metrics = pipeline.evaluate(test)
        runs[name] = {
            "test_mae": round(metrics["mae"], 4),
            "test_rmse": round(metrics["rmse"], 4),
            "test_mae_per_horizon": [round(x, 3) for x in metrics["mae_per_horizon"]],
            "validation_mae": round(pipeline.evaluate(validation)["mae"], 4),
            "best_epoch": best_epoch(pipeline.history),
            "train_seconds": round(seconds, 1),
            "parameters": int(pipeline.model.count_params()),
        }
        print(name, runs[name]["test_mae"], flush=True)
    persistence = runs.get("persistence", {}).get("test_mae")
    recurrent = {k: v["test_mae"] for k, v in runs.items() if k in RECURRENT}
    best = min(recurrent, key=recurrent.get) if recurrent else None
    ratio = recurrent[best] / persistence if best and persistence else None
    record(
        "temperature_forecast",
        {
            "target": "best recurrent test MAE <= 0.8 x persistence",
            "best_recurrent": best,
            "ratio_to_persistence": None if ratio is None else round(ratio, 4),
            "met": None if ratio is None else ratio <= 0.8,
            "epochs": args.epochs,
            "windows": {"input_width": 24, "horizon": 24},
            "split_steps": [len(train), len(validation), len(test)],
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
