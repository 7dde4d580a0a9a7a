"""Tomorrow's weather label from the previous days: memory against none.

Seattle daily weather 2012-2015 (vega_datasets), split by time 70 / 20 / 10.
Inputs are the day's measurements (precipitation, temperatures, wind) and
its weather label as one-hot columns. The feedforward network sees only the
last day of each window, as the course's network without memory; the
recurrent ones read the whole window. Accuracy on the test days beside
always answering the most common training class, over several seeds.

    python bench/weather_classifier.py
"""

import argparse
import statistics
import time

from common import record

from seqkeras import datasets
from seqkeras.pipelines import SequenceClassifierPipeline

MODELS = {
    "feedforward": {"units": 32},
    "gru": {"units": 32, "dropout": 0.2},
    "lstm": {"units": 32, "dropout": 0.2},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--input-width", type=int, default=7)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    series = datasets.load("seattle-weather").with_label_indicators()
    train, validation, test = series.split(0.7, 0.2)
    runs, majority = [], None
    for name, kwargs in MODELS.items():
        for seed in args.seeds:
            pipeline = SequenceClassifierPipeline(
                series.label_names,
                name,
                input_width=args.input_width,
                seed=seed,
                **kwargs,
            )
            start = time.perf_counter()
            pipeline.fit(train, validation, epochs=args.epochs, verbose=0)
            metrics = pipeline.evaluate(test)
            majority = metrics["majority_accuracy"]
            runs.append(
                {
                    "model": name,
                    "seed": seed,
                    "test_accuracy": round(metrics["accuracy"], 4),
                    "validation_accuracy": round(
                        pipeline.evaluate(validation)["accuracy"], 4
                    ),
                    "train_seconds": round(time.perf_counter() - start, 1),
                }
            )
            print(runs[-1], flush=True)
    summary = {
        name: {
            "test_accuracy_mean": round(
                statistics.mean(r["test_accuracy"] for r in runs if r["model"] == name),
                4,
            ),
            "test_accuracy_all": [
                r["test_accuracy"] for r in runs if r["model"] == name
            ],
        }
        for name in MODELS
    }
    record(
        "weather_classifier",
        {
            "task": "next-day weather label, seattle-weather",
            "input_width": args.input_width,
            "epochs": args.epochs,
            "test_windows": len(test) - args.input_width,
            "majority_class_accuracy": round(majority, 4),
            "summary": summary,
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
