"""Trees per second: level-by-level batching against one tree at a time.

`TreeRNN` computes the nodes of one height in every tree of a batch at once,
so a batch takes as many steps as its tallest tree. This script trains and
runs the same model, in the same process, on batches of `--batch-size`
treebank sentences and on one sentence at a time, and reports trees per
second for both and their ratio (issue 22 asks for at least 10x).

    python bench/tree_batching.py                      # every composition
    python bench/tree_batching.py --compositions rntn --trees 320

Writes bench/results/tree_batching.json (with `--backend jax`:
tree_batching_jax.json; another `--batch-size N`: tree_batching_batchN.json;
or `--name NAME`: NAME.json).
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--compositions", nargs="+", default=["rnn", "rntn", "tree-lstm"]
    )
    parser.add_argument(
        "--units",
        type=int,
        nargs="+",
        default=None,
        help="one per composition (default: the pipeline's, PRESETS)",
    )
    parser.add_argument("--trees", type=int, default=640, help="training trees timed")
    parser.add_argument(
        "--single-trees", type=int, default=128, help="trees timed one at a time"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--bucketing",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="batch trees of similar length together",
    )
    parser.add_argument("--schedule", default="compact", choices=["compact", "height"])
    parser.add_argument(
        "--backend", default="tensorflow", choices=["tensorflow", "jax"]
    )
    parser.add_argument("--name", default=None, help="results file name")
    args = parser.parse_args()
    os.environ["KERAS_BACKEND"] = args.backend

    import keras
    from common import record

    from seqkeras.datasets.trees import batch_trees, load_sst_trees
    from seqkeras.models.trees import build_tree_classifier, node_labels
    from seqkeras.pipelines.trees import PRESETS

    if args.units is None:
        args.units = [PRESETS[name]["units"] for name in args.compositions]

    trees = list(load_sst_trees().train.trees)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(trees))
    sample = [trees[i] for i in order[: args.trees]]
    vocabulary = {
        w: i + 1 for i, w in enumerate(sorted({w for t in sample for w in t.words}))
    }
    multiple = 8 if args.backend == "jax" else 1

    def batches(group, size):
        for start in range(0, len(group), size):
            part = batch_trees(
                group[start : start + size], multiple=multiple, schedule=args.schedule
            )
            ids = np.vectorize(lambda w: vocabulary.get(w, 0), otypes=["int32"])(
                part["words"]
            )
            yield {"token_ids": ids, "children": part["children"]}, node_labels(part)

    def rate(model, group, size, train):
        if args.bucketing:
            # Trees of similar length together, batches in random order, as
            # the pipeline trains.
            group = sorted(group, key=lambda tree: tree.num_leaves)
        data = list(batches(group, size))
        data = [data[i] for i in rng.permutation(len(data))]
        step = (
            model.train_on_batch if train else (lambda x, y: model.predict_on_batch(x))
        )
        for x, y in data[:3]:  # warm up: tracing, compiling
            step(x, y)
        # The best of three passes: a first pass still traces the shapes the
        # warm-up did not meet.
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            for x, y in data:
                step(x, y)
            seconds.append(time.perf_counter() - start)
        return len(group) / min(seconds)

    figures = {
        "backend": args.backend,
        "batch_size": args.batch_size,
        "bucketing": args.bucketing,
        "schedule": args.schedule,
        "results": {},
    }
    for composition, units in zip(args.compositions, args.units, strict=False):
        keras.utils.set_random_seed(0)
        model = build_tree_classifier(
            len(vocabulary) + 1, composition=composition, units=units
        )
        single = sample[: args.single_trees]
        result = {"units": units}
        for mode, train in (("train", True), ("predict", False)):
            batched = rate(model, sample, args.batch_size, train)
            alone = rate(model, single, 1, train)
            result[mode] = {
                "batched_trees_per_second": round(batched, 1),
                "one_at_a_time_trees_per_second": round(alone, 1),
                "speedup": round(batched / alone, 1),
            }
            print(composition, mode, result[mode], flush=True)
        figures["results"][composition] = result
    name = "tree_batching" + ("_jax" if args.backend == "jax" else "")
    if args.batch_size != 32:
        name += f"_batch{args.batch_size}"
    record(args.name or name, figures)


if __name__ == "__main__":
    main()
