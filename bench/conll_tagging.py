"""CoNLL-2003 English: NER test F1 and POS test accuracy, random embeddings.

Trains `TaggingPipeline` on the training split with word vectors learned
from scratch (no pretrained embeddings), keeps the epoch with the best
validation F1 (NER) or accuracy (POS), and reports the test figures as
conlleval computes them, with training time. With several seeds it also
scores their average (`TaggingPipeline.average`: CRF potentials or tag
probabilities averaged, one exportable model).

Anchors, NER test F1: the Keras NER example (one Transformer block) 67.9 on
validation; BiLSTM-CRF with character features 90.9 with pretrained
embeddings and 83.6 without (Lample et al. 2016). Targets: NER at least 85.0
test F1 without pretrained embeddings; POS at least 92% test accuracy.

    python bench/conll_tagging.py --task ner                  # one seed
    python bench/conll_tagging.py --task ner --seeds 0 1 2    # and their average
    python bench/conll_tagging.py --task pos --config bilstm-char
    python bench/conll_tagging.py --config bilstm-char-crf-lower \
        --embeddings bench/results/skipgram_100d.txt    # a start from vectors
"""

import argparse
import pathlib
import statistics
import time

from common import record

from seqkeras import datasets
from seqkeras.pipelines import TaggingPipeline

# Chosen on the validation set (see BENCHMARKS.md for the search); the best
# is kept in the catalogue, so that `seqkeras train tagging` uses it too.
_BEST = datasets.get_info("conll2003-ner").settings_for("bilstm-char-crf")
_BEST.pop("epochs")
CONFIGS = {
    "bilstm-char-crf": {"architecture": "bilstm-char-crf"},
    "bilstm-char-crf-lower": {"architecture": "bilstm-char-crf", **_BEST},
    "bilstm-charlstm-crf-lower": {
        "architecture": "bilstm-char-crf",
        "char_encoder": "bilstm",
        "char_units": 25,
        "lowercase": True,
        "word_dropout": 0.1,
    },
    "bilstm-char": {"architecture": "bilstm-char"},
    "bilstm-crf": {"architecture": "bilstm-crf"},
    "bilstm": {"architecture": "bilstm"},
}
TARGETS = {"ner": ("f1", 0.85), "pos": ("accuracy", 0.92)}


def train_and_test(data, config_name, seed, epochs, batch_size, vectors=None):
    settings = dict(CONFIGS[config_name])
    if vectors:
        settings.update(embeddings=vectors[0], embeddings_training=vectors[1])
    pipeline = TaggingPipeline(
        data.tag_names, scheme=data.scheme, seed=seed, **settings
    )
    start = time.perf_counter()
    history = pipeline.fit(
        data.train, data.validation, epochs=epochs, batch_size=batch_size, verbose=2
    )
    wall = time.perf_counter() - start
    metric = "val_f1" if data.scheme else "val_accuracy"
    test = pipeline.evaluate(data.test)
    return pipeline, {
        "config": config_name,
        "seed": seed,
        "settings": {**settings, "epochs": epochs, "batch": batch_size},
        "embedding_coverage": pipeline.embedding_coverage,
        "validation": max(history[metric]),
        "best_epoch": history[metric].index(max(history[metric])) + 1,
        "test": {
            k: test[k] for k in ("f1", "accuracy", "invalid_sequences") if k in test
        },  # noqa: E501
        "test_per_type_f1": {k: v["f1"] for k, v in test.get("per_type", {}).items()},
        "train_seconds": round(wall, 1),
        "sentences_per_second": round(pipeline.examples_per_second, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=TARGETS, default="ner")
    parser.add_argument("--config", default="bilstm-char-crf", choices=CONFIGS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--save", default=None, help="save the (averaged) pipeline")
    parser.add_argument("--embeddings", default=None, help="pretrained vectors")
    parser.add_argument(
        "--embeddings-training",
        default="fine-tuned",
        choices=["fine-tuned", "frozen", "frozen-then-fine-tuned"],
    )
    args = parser.parse_args()

    data = datasets.load(f"conll2003-{args.task}")
    print(data.summary())
    metric, target = TARGETS[args.task]
    results = [
        train_and_test(
            data,
            args.config,
            seed,
            args.epochs,
            args.batch_size,
            (args.embeddings, args.embeddings_training) if args.embeddings else None,
        )
        for seed in args.seeds
    ]
    runs = [run for _, run in results]
    scores = [run["test"][metric] for run in runs]
    summary = {
        f"test_{metric}_mean": statistics.mean(scores),
        f"test_{metric}_min": min(scores),
        f"test_{metric}_max": max(scores),
        "seeds": len(scores),
    }
    best = summary[f"test_{metric}_mean"]
    pipeline = results[0][0]
    if len(results) > 1:
        pipeline = TaggingPipeline.average([p for p, _ in results])
        test = pipeline.evaluate(data.test)
        summary[f"ensemble_test_{metric}"] = test[metric]
        if "invalid_sequences" in test:
            summary["ensemble_invalid_sequences"] = test["invalid_sequences"]
        best = max(best, test[metric])
    if args.save:
        pipeline.save(args.save)
    vectors = f"_{pathlib.Path(args.embeddings).stem}" if args.embeddings else ""
    record(
        f"conll_{args.task}_{args.config}{vectors}"
        + ("" if len(args.seeds) == 1 else f"_{len(args.seeds)}seeds"),
        {
            "target": f"test {metric} >= {target}",
            "met": best >= target,
            "summary": summary,
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
