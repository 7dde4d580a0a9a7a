"""Captioning quality on the generated shapes: seen and unseen combinations.

Trains one captioner per `--model` on the shapes data set and reports, on
the test images (colour-shape pairs seen in training) and on the unseen
split (each image holds at least one pair never seen in training): exact
match against either reference, BLEU-1..4 and attribute accuracy, greedy
and beam. Target: the attention model at least 95% exact match on seen
combinations and at least 80% on unseen ones. Its defaults are the
benchmark's settings, kept in the shapes data set's catalogue entry (LSTM of
128 units, word vectors of 64, Adam 2e-3, batch 32, 15 epochs), which
`seqkeras train captioning --dataset shapes` uses as well. The trained
pipelines are saved under `--out/captioning_<model>` (for
`bench/caption_speed.py` and `bench/readme_figures.py`).

    python bench/captioning_quality.py --models inject merge attention
    python bench/captioning_quality.py --models attention --epochs 30
    python bench/captioning_quality.py --models inject --initial-state-norm none
"""

import argparse
import pathlib
import time

from common import record

from seqkeras import datasets
from seqkeras.pipelines import CaptioningPipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["inject", "merge", "attention"])
    parser.add_argument("--num-train", type=int, default=6000)
    parser.add_argument("--num-test", type=int, default=500)
    # The benchmark's settings, which `seqkeras train captioning --dataset
    # shapes` uses too (the data set's catalogue entry).
    best = datasets.get_info("shapes").settings_for()
    parser.add_argument("--epochs", type=int, default=best["epochs"])
    parser.add_argument("--batch-size", type=int, default=best["batch_size"])
    parser.add_argument("--units", type=int, default=best["units"])
    parser.add_argument("--embedding-dim", type=int, default=best["embedding_dim"])
    parser.add_argument("--learning-rate", type=float, default=best["learning_rate"])
    parser.add_argument("--word-dropout", type=float, default=0.0)
    parser.add_argument("--image-size", type=int, nargs=2, default=(64, 64))
    parser.add_argument(
        "--initial-state-norm",
        choices=["none", "layer"],
        help="normalise the injected initial state (default: the preset's)",
    )
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("runs"))
    parser.add_argument("--name", default="captioning_shapes")
    args = parser.parse_args()

    data = datasets.load(
        "shapes",
        num_train=args.num_train,
        num_validation=args.num_test,
        num_test=args.num_test,
    )
    options = {}
    if args.initial_state_norm:
        norm = args.initial_state_norm
        options["initial_state_norm"] = None if norm == "none" else norm
    results = {}
    for model in args.models:
        pipeline = CaptioningPipeline(
            architecture=model,
            **options,
            image_size=tuple(args.image_size),
            units=args.units,
            embedding_dim=args.embedding_dim,
            learning_rate=args.learning_rate,
            word_dropout=args.word_dropout,
        )
        start = time.perf_counter()
        history = pipeline.fit(
            data.train,
            data.validation,
            epochs=args.epochs,
            batch_size=args.batch_size,
            verbose=2,
        )
        minutes = (time.perf_counter() - start) / 60
        pipeline.save(args.out / f"captioning_{model}")
        results[model] = {
            "train_minutes": round(minutes, 1),
            "train_captions_per_second": round(pipeline.examples_per_second),
            "val_loss": history["val_loss"],
            "seen": pipeline.evaluate(data.test),
            "unseen": pipeline.evaluate(data.unseen),
            "seen_beam": pipeline.evaluate(data.test, method="beam"),
            "unseen_beam": pipeline.evaluate(data.unseen, method="beam"),
            "examples": dict(
                zip(
                    [refs[0] for refs in data.unseen.captions[:5]],
                    pipeline.caption(data.unseen.images[:5]),
                    strict=True,
                )
            ),
        }
    record(args.name, {"data": data.summary(), "epochs": args.epochs, **results})


if __name__ == "__main__":
    main()
