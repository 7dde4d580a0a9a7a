"""Long-range agreement: which cells learn "the cat ... was / the cats ... were".

The generated `agreement` data set (4,000 / 500 / 500 texts) at two filler
distances, SimpleRNN, GRU and LSTM (`SentimentPipeline`: embeddings of 16,
32 units, Adam 3e-3, batches of 32, 10 epochs), three seeds each; test
accuracy (chance is 50%). No target: the figures back notebook 04's claim
that a SimpleRNN learns the long dependency less reliably than an LSTM.

    python bench/agreement_distance.py
"""

import argparse
import time

from common import record

from seqkeras import datasets
from seqkeras.pipelines import SentimentPipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distances", nargs="+", default=["20-30", "40-50"])
    parser.add_argument("--models", nargs="+", default=["rnn", "gru", "lstm"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()

    results = {}
    for distance in args.distances:
        low, high = (int(d) for d in distance.split("-"))
        data = datasets.load(
            "agreement", num_train=4000, min_distance=low, max_distance=high
        )
        for model in args.models:
            accuracies, seconds = [], []
            for seed in args.seeds:
                start = time.perf_counter()
                pipeline = SentimentPipeline(
                    data.label_names,
                    architecture=model,
                    units=32,
                    embedding_dim=16,
                    learning_rate=3e-3,
                    seed=seed,
                )
                pipeline.fit(
                    data.train,
                    data.validation,
                    epochs=args.epochs,
                    batch_size=32,
                    verbose=0,
                )
                accuracies.append(round(pipeline.evaluate(data.test)["accuracy"], 3))
                seconds.append(round(time.perf_counter() - start, 1))
                print(distance, model, seed, accuracies[-1], seconds[-1], flush=True)
            results[f"{distance} {model}"] = {
                "test_accuracy_per_seed": accuracies,
                "learned (>= 0.9)": sum(a >= 0.9 for a in accuracies),
                "seconds_per_seed": seconds,
            }
    record(
        "agreement_distance",
        {"epochs": args.epochs, "seeds": args.seeds, "results": results},
    )


if __name__ == "__main__":
    main()
