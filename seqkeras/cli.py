"""The `seqkeras` command: train, evaluate, predict, and manage data sets.

    seqkeras train sentiment --dataset sst2 --model bilstm --out runs/sst2
    seqkeras evaluate runs/sst2
    seqkeras predict runs/sst2 "A gorgeous, witty film."
    seqkeras datasets list
    seqkeras datasets fetch sst2

Mistakes a user can fix (an unknown data set, no network, a folder that
holds no model) end with one line on stderr and exit status 1; an
interrupted training run says how to resume it and exits with 130.
"""

import argparse
import contextlib
import json
import os
import pathlib
import sys

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
QUICK_SIZES = {"train": 2000, "validation": 300, "test": 500}


@contextlib.contextmanager
def _quiet_stderr():
    """Hides what native code prints to stderr (TensorFlow's start-up lines)."""
    if os.environ.get("SEQKERAS_VERBOSE_TF") == "1":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _import_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_stderr():
        import tensorflow as tf
        import tensorflow_text  # noqa: F401

        tf.config.list_physical_devices()  # probes for GPUs, and says so


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog="seqkeras", description="Recurrent sequence models with Keras."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a pipeline and export it")
    tasks = train.add_subparsers(dest="task", required=True)
    sentiment = tasks.add_parser(
        "sentiment", help="many-to-one sentiment classification"
    )
    sentiment.add_argument(
        "--dataset",
        default="sentiment-sample",
        help="a sentiment data set (seqkeras datasets list)",
    )
    sentiment.add_argument(
        "--model", default="lstm", choices=["dan", "rnn", "gru", "lstm", "bilstm"]
    )
    sentiment.add_argument(
        "--out",
        required=True,
        type=pathlib.Path,
        help="folder for the model, export, metrics and plots",
    )
    sentiment.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="epochs (default 10, or 1 with --quick)",
    )
    sentiment.add_argument("--batch-size", type=_positive_int, default=64)
    sentiment.add_argument(
        "--quick",
        action="store_true",
        help="a small subset and 1 epoch, for a smoke test",
    )
    sentiment.add_argument(
        "--overwrite", action="store_true", help="replace a finished run in --out"
    )
    model = sentiment.add_argument_group("model and preprocessing")
    model.add_argument("--units", type=_positive_int, default=None)
    model.add_argument("--num-layers", type=_positive_int, default=None)
    model.add_argument("--embedding-dim", type=_positive_int, default=None)
    model.add_argument("--dropout", type=float, default=None)
    model.add_argument("--learning-rate", type=float, default=None)
    model.add_argument("--clipnorm", type=float, default=None)
    model.add_argument("--max-vocabulary-size", type=_positive_int, default=20000)
    model.add_argument("--min-count", type=_positive_int, default=1)
    model.add_argument(
        "--no-bucketing",
        action="store_true",
        help="pad batches to their longest sentence, unsorted",
    )
    model.add_argument("--seed", type=int, default=0)

    evaluate = commands.add_parser("evaluate", help="evaluate a trained run")
    evaluate.add_argument("run", type=pathlib.Path, help="a folder from `train --out`")
    evaluate.add_argument(
        "--dataset",
        default=None,
        help="data set to evaluate on (default: the training one)",
    )
    evaluate.add_argument(
        "--split", default="test", choices=["train", "validation", "test"]
    )

    predict = commands.add_parser("predict", help="predict raw inputs")
    predict.add_argument("run", type=pathlib.Path, help="a folder from `train --out`")
    predict.add_argument("inputs", nargs="+", metavar="TEXT")
    predict.add_argument("--json", action="store_true", help="print JSON lines")

    datasets = commands.add_parser("datasets", help="list or download data sets")
    actions = datasets.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list the data sets")
    fetch = actions.add_parser("fetch", help="download (or find) a data set's files")
    fetch.add_argument("name")
    return parser


# === train ===


def _train_sentiment(args):
    from seqkeras import datasets, plots
    from seqkeras.pipelines import SentimentPipeline

    out = args.out
    if (out / "metrics.json").exists():
        if not args.overwrite:
            raise _user_error(
                f"{out} already holds a finished run. Choose another --out, or "
                "pass --overwrite to replace it."
            )
        _remove_run(out)
    datasets.get_info(args.dataset, task="sentiment")
    data = datasets.load(args.dataset)
    if args.quick:
        data = data.subset(**QUICK_SIZES)
    epochs = args.epochs or (1 if args.quick else 10)
    overrides = {
        "units": args.units,
        "num_layers": args.num_layers,
        "embedding_dim": args.embedding_dim,
        "dropout": args.dropout,
        "learning_rate": args.learning_rate,
        "clipnorm": args.clipnorm,
    }
    pipeline = SentimentPipeline(
        data.label_names,
        architecture=args.model,
        max_vocabulary_size=args.max_vocabulary_size,
        min_count=args.min_count,
        bucketing=not args.no_bucketing,
        seed=args.seed,
        **{k: v for k, v in overrides.items() if v is not None},
    )
    checkpoints = out / "checkpoints"
    if (checkpoints / "backup").exists():
        print(f"Resuming the interrupted run in {out}.")
    print(data.summary())
    try:
        pipeline.fit(
            data.train,
            data.validation,
            epochs=epochs,
            batch_size=args.batch_size,
            checkpoint_dir=checkpoints,
            log_dir=out / "logs",
        )
    except KeyboardInterrupt:
        print(
            f"\nInterrupted. The last finished epoch is saved in {checkpoints}; "
            "run the same command again to resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    test = pipeline.evaluate(data.test)
    validation = pipeline.evaluate(data.validation)
    pipeline.save(out)
    pipeline.export(out / "saved_model")
    metrics = {
        "task": "sentiment",
        "dataset": data.name,
        "model": args.model,
        "quick": args.quick,
        "epochs": len(pipeline.history.get("loss", [])),
        "test": test,
        "validation": validation,
        "train_seconds": round(pipeline.train_seconds, 2),
        "examples_per_second": round(pipeline.examples_per_second, 1),
        "config": pipeline.get_config(),
    }
    _write_json(out / "metrics.json", metrics)
    _write_json(out / "history.json", pipeline.history)
    _save_figure(
        plots.plot_history(pipeline.history, title=f"{args.model} on {data.name}"),
        out / "training_curves.png",
    )
    _save_figure(
        plots.plot_confusion_matrix(
            test["confusion_matrix"], data.label_names, title=f"{data.name} test"
        ),
        out / "confusion_matrix.png",
    )
    print(
        f"test accuracy {test['accuracy']:.4f} on {test['num_examples']:,} examples; "
        f"trained in {pipeline.train_seconds:.0f} s "
        f"({pipeline.examples_per_second:,.0f} examples/s)"
    )
    print(
        f"wrote {out}/: model.keras, saved_model/, metrics.json, history.json, "
        "training_curves.png, confusion_matrix.png, logs/"
    )
    return 0


RUN_FILES = (
    "checkpoints", "logs", "saved_model", "model.keras", "pipeline.json",
    "preprocessing.json", "metrics.json", "history.json", "training_curves.png",
    "confusion_matrix.png",
)  # fmt: skip


def _remove_run(out):
    """Deletes what `train` wrote in `out`, and nothing else."""
    import shutil

    for name in RUN_FILES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _write_json(path, value):
    path.write_text(json.dumps(value, indent=2) + "\n")


def _save_figure(fig, path):
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)


# === evaluate and predict ===


def _load_run(run):
    from seqkeras.pipelines import load_pipeline

    return load_pipeline(run)


def _evaluate(args):
    from seqkeras import datasets

    pipeline = _load_run(args.run)
    name = args.dataset
    if name is None:
        metrics_path = args.run / "metrics.json"
        if not metrics_path.exists():
            raise _user_error(f"{metrics_path} is missing: pass --dataset NAME.")
        name = json.loads(metrics_path.read_text())["dataset"]
    datasets.get_info(name, task=pipeline.task)
    split = getattr(datasets.load(name), args.split)
    result = pipeline.evaluate(split)
    print(json.dumps({"dataset": name, "split": args.split, **result}, indent=2))
    return 0


def _predict(args):
    pipeline = _load_run(args.run)
    probabilities = pipeline.predict(args.inputs)
    for text, row in zip(args.inputs, probabilities, strict=True):
        label = pipeline.label_names[int(row.argmax())]
        if args.json:
            scores = dict(zip(pipeline.label_names, map(float, row), strict=True))
            print(json.dumps({"input": text, "label": label, "probabilities": scores}))
        else:
            print(f"{label:>14} {row.max():.3f}  {text}")
    return 0


# === datasets ===


def _datasets(args):
    from seqkeras import datasets
    from seqkeras.datasets import registry

    if args.action == "list":
        mirror = registry.mirror_location()
        print(f"{'name':18} {'task':10} {'source':28} description")
        for info in datasets.catalogue():
            if info.embedded:
                source = "embedded"
            else:
                spec = registry.get_remote_file(info.files[0])
                cached = registry.cached_path(spec).exists()
                source = spec.filename + (" (cached)" if cached else "")
            print(f"{info.name:18} {info.task:10} {source:28} {info.description}")
        print(f"\nmirror ({registry.MIRROR_VARIABLE}): {mirror or 'not set'}")
        print(f"cache: {registry.default_cache_dir()}")
        return 0
    name = args.name
    files = (name,) if name in registry.REMOTE_FILES else datasets.get_info(name).files
    if not files:
        print(f"{name} is embedded in seqkeras: nothing to download.")
    for file in files:
        print(registry.fetch(file))
    return 0


def _user_error(message):
    from seqkeras.errors import InvalidArgumentError

    return InvalidArgumentError(message)


TRAINERS = {"sentiment": _train_sentiment}
COMMANDS = {
    "train": lambda args: TRAINERS[args.task](args),
    "evaluate": _evaluate,
    "predict": _predict,
    "datasets": _datasets,
}


def main(argv=None):
    args = build_parser().parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        _import_tensorflow()
        from seqkeras.errors import SeqkerasError

        try:
            return COMMANDS[args.command](args)
        except SeqkerasError as error:
            print(f"seqkeras: error: {error}", file=sys.stderr)
            return EXIT_ERROR
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
