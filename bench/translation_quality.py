"""Translation quality: spa-eng BLEU / chrF, and dates exact match.

Trains `TranslationPipeline` and scores the full test split with sacrebleu
(corpus BLEU and chrF, case-insensitive, against every reference of each
English sentence), with greedy search and with beam search. Keeps the
epoch with the lowest validation loss. Reports training time.

Anchor: no Keras or TensorFlow tutorial reports BLEU on this data. Targets:
spa-eng attention model at or above 35 BLEU with beam search, beam at or
above greedy, the plain encoder-decoder reported beside it; dates exact
match at least 99.5% on held-out days.

    python bench/translation_quality.py --dataset spa-eng --model seq2seq-attention
    python bench/translation_quality.py --dataset spa-eng --model seq2seq
    python bench/translation_quality.py --dataset dates --model seq2seq-attention
"""

import argparse
import time

from common import record

from seqkeras import datasets
from seqkeras.pipelines import TranslationPipeline

# Settings per data set (chosen on validation loss; see BENCHMARKS.md), kept
# in the catalogue so that `seqkeras train` uses the same ones.
CONFIGS = {}
for _name in ("spa-eng", "dates"):
    _settings = datasets.get_info(_name).settings_for()
    CONFIGS[_name] = {
        "epochs": _settings.pop("epochs"),
        "batch_size": _settings.pop("batch_size"),
        "settings": _settings,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=CONFIGS, default="spa-eng")
    parser.add_argument("--model", default="seq2seq-attention")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, help="save the trained pipeline")
    parser.add_argument(
        "--checkpoint-dir", default=None, help="resumable checkpoints (and best epoch)"
    )
    parser.add_argument(
        "--load",
        default=None,
        help="score a pipeline saved by --save instead of training one "
        "(training time and history come from its pipeline.json)",
    )
    args = parser.parse_args()

    config = CONFIGS[args.dataset]
    epochs = args.epochs or config["epochs"]
    data = datasets.load(args.dataset)
    print(data.summary())
    if args.load:
        pipeline = TranslationPipeline.load(args.load)
        history, train_seconds = pipeline.history, pipeline.train_seconds
    else:
        pipeline = TranslationPipeline(
            architecture=args.model, seed=args.seed, **config["settings"]
        )
        start = time.perf_counter()
        history = pipeline.fit(
            data.train,
            data.validation,
            epochs=epochs,
            batch_size=config["batch_size"],
            checkpoint_dir=args.checkpoint_dir,
            verbose=2,
        )
        train_seconds = time.perf_counter() - start
    model = pipeline.get_config()["architecture"]
    if args.save:
        pipeline.save(args.save)
    scores = {}
    for method in ("greedy", "beam"):
        start = time.perf_counter()
        result = pipeline.evaluate(data.test, method=method, batch_size=128)
        result["seconds"] = round(time.perf_counter() - start, 1)
        scores[method] = result
        print(method, result)
    examples = data.test.grouped()[0][:8]
    figures = {
        "model": model,
        "dataset": data.summary(),
        "settings": {
            **config["settings"],
            "epochs": epochs,
            "batch_size": config["batch_size"],
        },
        "best_epoch": history["val_loss"].index(min(history["val_loss"])) + 1,
        "val_loss": [round(v, 4) for v in history["val_loss"]],
        "test": scores,
        "train_seconds": round(train_seconds, 1),
        "pairs_per_second": round(pipeline.examples_per_second, 1),
        "examples": dict(
            zip(examples, pipeline.translate(examples, method="beam"), strict=True)
        ),
    }
    if args.load:
        figures["note"] = (
            f"scored the pipeline saved in {args.load}; training time and "
            "history are those recorded when it was trained"
        )
    if args.dataset == "dates":
        best = max(s["exact_match"] for s in scores.values())
        figures.update(target="test exact match >= 0.995", met=best >= 0.995)
    elif model != "seq2seq":
        beam, greedy = scores["beam"]["bleu"], scores["greedy"]["bleu"]
        figures.update(
            target="test BLEU with beam >= 35 and beam >= greedy",
            met=beam >= 35 and beam >= greedy,
        )
    record(f"translation_{args.dataset}_{model}", figures)


if __name__ == "__main__":
    main()
