"""Accuracy on the Stanford Sentiment Treebank's trees: the recursive net,
the RNTN and the Tree-LSTM, from random word vectors.

Trains `TreeSentimentPipeline` on the 8,544 training trees (every node
labelled), keeps the epoch with the best root accuracy on the 1,101
development trees, and scores the 2,210 test trees the way Socher et al.
(2013) report: five classes and negative / positive, at the root and over
every node. Also scores the same test sentences on balanced trees (what a
raw sentence gets from `predict`), to measure what the parser's trees are
worth. Every model trains with its pipeline defaults
(`seqkeras.pipelines.trees.PRESETS`) for 20 epochs of 32 trees (the
catalogue's settings for "sst-trees"): what `seqkeras train tree-sentiment
--dataset sst-trees --model NAME` trains; `--set` changes them.

    python bench/tree_sentiment.py                        # every model, seed 0
    python bench/tree_sentiment.py --architectures rntn --seeds 0 1 2
    python bench/tree_sentiment.py --seeds 0 1 2 --average  # and their averages
    python bench/tree_sentiment.py --epochs 2 --train 500  # a smoke run
    python bench/tree_sentiment.py --architectures rntn \
        --set optimizer=adagrad learning_rate=0.05 --name tree_sentiment_adagrad

Writes bench/results/tree_sentiment.json.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

ARCHITECTURES = ["rnn", "rntn", "tree-lstm"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architectures", nargs="+", default=ARCHITECTURES)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--epochs", type=int, default=None, help="default: the catalogue's, 20"
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="default: the catalogue's, 32"
    )
    parser.add_argument("--train", type=int, default=None, help="fewer training trees")
    parser.add_argument("--binary", action="store_true", help="train two classes")
    parser.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting of every model (units=50 optimizer=adam ...)",
    )
    parser.add_argument(
        "--name", default=None, help="results file name (default tree_sentiment)"
    )
    parser.add_argument(
        "--average",
        action="store_true",
        help="also score the average of each model's seeds (one ensemble), and "
        "with several models the average of them all",
    )
    args = parser.parse_args()
    overrides = {}
    for item in args.set:
        name, value = item.split("=", 1)
        try:
            value = int(value) if value.isdigit() else float(value)
        except ValueError:
            pass
        overrides[name.replace("-", "_")] = value

    from common import record

    from seqkeras.datasets import get_info
    from seqkeras.datasets.trees import load_sst_trees
    from seqkeras.pipelines import TreeSentimentPipeline
    from seqkeras.pipelines.trees import PRESETS

    # Each model trains with its pipeline defaults (`PRESETS`) for the epochs
    # and batch size the catalogue gives "sst-trees": what `seqkeras train
    # tree-sentiment --dataset sst-trees --model NAME` trains, unless --set.
    catalogue = get_info("sst-trees").settings_for()
    args.epochs = args.epochs or catalogue["epochs"]
    args.batch_size = args.batch_size or catalogue["batch_size"]

    data = load_sst_trees()
    if args.train:
        data = data.subset(train=args.train)

    def scored_average(members, name):
        ensemble = TreeSentimentPipeline.average(members)
        averaged = {
            "architecture": name,
            "seeds": args.seeds,
            "validation": ensemble.evaluate(data.validation),
            "test": ensemble.evaluate(data.test),
        }
        print(name, "average", averaged["test"], flush=True)
        return averaged

    runs, ensembles, everyone = [], [], []
    for architecture in args.architectures:
        members = []
        for seed in args.seeds:
            settings = {**PRESETS[architecture], **overrides}
            del settings["composition"]
            pipeline = TreeSentimentPipeline(
                architecture=architecture, binary=args.binary, seed=seed, **overrides
            )
            start = time.perf_counter()
            pipeline.fit(
                data.train,
                data.validation,
                epochs=args.epochs,
                batch_size=args.batch_size,
                verbose=2,
            )
            seconds = time.perf_counter() - start
            history = pipeline.history["val_root_accuracy"]
            run = {
                "architecture": architecture,
                "seed": seed,
                "settings": settings,
                "epochs": args.epochs,
                "best_epoch": int(max(range(len(history)), key=history.__getitem__))
                + 1,
                "train_seconds": round(seconds, 1),
                "trees_per_second": round(pipeline.examples_per_second, 1),
                "validation": pipeline.evaluate(data.validation),
                "test": pipeline.evaluate(data.test),
                "test_on_balanced_trees": pipeline.evaluate(
                    data.test, trees="balanced"
                ),
            }
            print(architecture, seed, run["test"], flush=True)
            runs.append(run)
            members.append(pipeline)
        if args.average and len(members) > 1:
            ensembles.append(scored_average(members, architecture))
        everyone += members
    if args.average and len(args.architectures) > 1:
        # Every model of the run in one average, architectures mixed.
        ensembles.append(scored_average(everyone, "+".join(args.architectures)))
    record(
        args.name or "tree_sentiment" + ("_binary" if args.binary else ""),
        {
            "batch_size": args.batch_size,
            "train_trees": len(data.train),
            "binary": args.binary,
            "runs": runs,
            **({"averages": ensembles} if ensembles else {}),
        },
    )


if __name__ == "__main__":
    main()
