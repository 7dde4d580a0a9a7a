"""The `seqkeras` command: train, evaluate, predict, and manage data sets.

    seqkeras train sentiment --dataset sst2 --model bilstm --out runs/sst2
    seqkeras train forecast --dataset seattle-temps --model lstm \
        --input-width 24 --horizon 24 --out runs/temps
    seqkeras train weather-classifier --model lstm --out runs/weather
    seqkeras train translate --dataset dates --model seq2seq-attention \
        --out runs/dates
    seqkeras train lm --dataset tinyshakespeare --level char --out runs/shakespeare
    seqkeras generate runs/shakespeare --prompt "ROMEO:" --length 200 \
        --temperature 0.8
    seqkeras evaluate runs/sst2
    seqkeras predict runs/sst2 "A gorgeous, witty film."
    seqkeras predict runs/spa-eng "Do you have a pet?" --beam-width 4
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
    _add_common_training_arguments(sentiment, epochs_default=10, batch_size=64)
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

    _add_forecast_parser(tasks)
    _add_classifier_parser(tasks)
    _add_tag_parser(tasks)
    _add_translate_parser(tasks)
    _add_lm_parser(tasks)
    _add_caption_parser(tasks)

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
    predict.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="texts, or image files for a captioner",
    )
    predict.add_argument("--json", action="store_true", help="print JSON lines")
    predict.add_argument(
        "--beam-width",
        type=_positive_int,
        default=None,
        help="translation, captioning: beam search of this width (default: greedy)",
    )

    generate = commands.add_parser(
        "generate", help="continue a prompt with a trained language model"
    )
    generate.add_argument("run", type=pathlib.Path, help="a folder from `train lm`")
    generate.add_argument("--prompt", default="", help="the text to continue")
    generate.add_argument(
        "--length", type=_positive_int, default=100, help="tokens to generate"
    )
    generate.add_argument(
        "--temperature",
        type=float,
        default=1.0,
        help="sampling temperature; 0 picks the likeliest token (greedy)",
    )
    generate.add_argument("--top-k", type=_positive_int, default=None)
    generate.add_argument(
        "--beam-width", type=_positive_int, default=None, help="beam search instead"
    )
    generate.add_argument("--seed", type=int, default=0)

    datasets = commands.add_parser("datasets", help="list or download data sets")
    actions = datasets.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list the data sets")
    fetch = actions.add_parser("fetch", help="download (or find) a data set's files")
    fetch.add_argument("name")
    return parser


def _add_common_training_arguments(parser, epochs_default, batch_size=32):
    parser.add_argument(
        "--out",
        required=True,
        type=pathlib.Path,
        help="folder for the model, export, metrics and plots",
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help=f"epochs (default {epochs_default}, or 1 with --quick)",
    )
    parser.add_argument("--batch-size", type=_positive_int, default=batch_size)
    parser.add_argument(
        "--quick", action="store_true", help="1 epoch (and less data), a smoke test"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a finished run in --out"
    )
    parser.add_argument("--seed", type=int, default=0)


def _add_series_arguments(parser):
    parser.add_argument(
        "--features",
        default=None,
        help="comma-separated feature columns (default: the data set's)",
    )
    parser.add_argument(
        "--split",
        default="0.7,0.2",
        help="train and validation fractions, by time (the rest is the test)",
    )
    parser.add_argument(
        "--stride", type=_positive_int, default=1, help="steps between train windows"
    )
    model = parser.add_argument_group("model")
    model.add_argument("--units", type=_positive_int, default=None)
    model.add_argument("--num-layers", type=_positive_int, default=None)
    model.add_argument("--dropout", type=float, default=None)
    model.add_argument("--learning-rate", type=float, default=None)


def _add_forecast_parser(tasks):
    from seqkeras.pipelines.forecasting import PRESETS

    parser = tasks.add_parser("forecast", help="time-series forecasting")
    parser.add_argument(
        "--dataset",
        default="seattle-temps",
        help="a series data set (seqkeras datasets list) or a CSV file "
        "(with --time-column)",
    )
    parser.add_argument("--time-column", default=None, help="for a CSV --dataset")
    parser.add_argument("--model", default="lstm", choices=list(PRESETS))
    parser.add_argument("--input-width", type=_positive_int, default=24)
    parser.add_argument("--horizon", type=_positive_int, default=24)
    parser.add_argument(
        "--targets",
        default=None,
        help="comma-separated target columns (default: the data set's)",
    )
    _add_series_arguments(parser)
    _add_common_training_arguments(parser, epochs_default=20)


def _add_classifier_parser(tasks):
    from seqkeras.pipelines.series_classification import PRESETS

    parser = tasks.add_parser(
        "weather-classifier",
        help="a class for the day after a window of days (sequence classification)",
    )
    parser.add_argument(
        "--dataset",
        default="seattle-weather",
        help="a series data set with labels (seqkeras datasets list)",
    )
    parser.add_argument("--model", default="lstm", choices=list(PRESETS))
    parser.add_argument("--input-width", type=_positive_int, default=7)
    parser.add_argument(
        "--shift",
        type=int,
        default=1,
        help="label the step this far after the window (0: its last step)",
    )
    parser.add_argument(
        "--no-label-features",
        action="store_true",
        help="do not give the model the labels of the window's days as inputs",
    )
    _add_series_arguments(parser)
    _add_common_training_arguments(parser, epochs_default=30)


def _add_tag_parser(tasks):
    from seqkeras.models.tagging import PRESETS

    parser = tasks.add_parser(
        "tag", help="many-to-many tagging: named entities or parts of speech"
    )
    parser.add_argument(
        "--dataset",
        default="conll2003-ner",
        help="a tagging data set (seqkeras datasets list)",
    )
    parser.add_argument("--model", default="bilstm-char-crf", choices=list(PRESETS))
    _add_common_training_arguments(parser, epochs_default=30)
    model = parser.add_argument_group("model and preprocessing")
    model.add_argument("--units", type=_positive_int, default=None)
    model.add_argument("--num-layers", type=_positive_int, default=None)
    model.add_argument("--embedding-dim", type=_positive_int, default=None)
    model.add_argument("--char-encoder", choices=["cnn", "bilstm"], default=None)
    model.add_argument("--dropout", type=float, default=None)
    model.add_argument("--word-dropout", type=float, default=None)
    model.add_argument("--learning-rate", type=float, default=None)
    model.add_argument("--min-count", type=_positive_int, default=1)
    model.add_argument(
        "--lowercase", action="store_true", help="case-fold words before lookup"
    )


def _add_translate_parser(tasks):
    from seqkeras.models.recurrent import CELLS
    from seqkeras.models.translation import PRESETS

    parser = tasks.add_parser(
        "translate", help="sequence to sequence: an encoder-decoder translator"
    )
    parser.add_argument(
        "--dataset",
        default="dates",
        help="a translation data set: dates (embedded) or spa-eng",
    )
    parser.add_argument("--model", default="seq2seq-attention", choices=list(PRESETS))
    _add_common_training_arguments(parser, epochs_default=10, batch_size=64)
    model = parser.add_argument_group("model and preprocessing")
    model.add_argument("--cell", choices=list(CELLS), default=None)
    model.add_argument("--units", type=_positive_int, default=None)
    model.add_argument("--num-layers", type=_positive_int, default=None)
    model.add_argument("--bidirectional", action="store_true", default=None)
    model.add_argument("--embedding-dim", type=_positive_int, default=None)
    model.add_argument("--dropout", type=float, default=None)
    model.add_argument("--learning-rate", type=float, default=None)
    model.add_argument("--max-vocabulary-size", type=_positive_int, default=20000)
    model.add_argument("--min-count", type=_positive_int, default=1)
    model.add_argument(
        "--beam-width",
        type=_positive_int,
        default=4,
        help="beam of the test scores and of the exported translate_beam",
    )


def _add_caption_parser(tasks):
    from seqkeras.models.captioning import PRESETS
    from seqkeras.models.recurrent import CELLS

    parser = tasks.add_parser(
        "caption", help="one to many: an image encoder and an RNN that captions"
    )
    parser.add_argument(
        "--dataset",
        default="shapes",
        help="a captioning data set: shapes (generated) or flickr8k",
    )
    parser.add_argument("--model", default="attention", choices=list(PRESETS))
    _add_common_training_arguments(parser, epochs_default=15, batch_size=32)
    model = parser.add_argument_group("model and preprocessing")
    model.add_argument(
        "--image-size",
        type=_positive_int,
        nargs=2,
        default=None,
        metavar=("HEIGHT", "WIDTH"),
        help="the size images are resized to (default 64 64; 224 224 for flickr8k)",
    )
    model.add_argument("--cell", choices=list(CELLS), default=None)
    model.add_argument("--units", type=_positive_int, default=None)
    model.add_argument("--num-layers", type=_positive_int, default=None)
    model.add_argument("--embedding-dim", type=_positive_int, default=None)
    model.add_argument("--dropout", type=float, default=None)
    model.add_argument("--learning-rate", type=float, default=None)
    model.add_argument("--max-vocabulary-size", type=_positive_int, default=10000)
    model.add_argument("--min-count", type=_positive_int, default=1)
    model.add_argument(
        "--beam-width",
        type=_positive_int,
        default=3,
        help="beam of the test scores and of the exported caption_beam",
    )


def _add_lm_parser(tasks):
    from seqkeras.models.language import CONFIGS

    parser = tasks.add_parser("lm", help="a word- or character-level language model")
    parser.add_argument(
        "--dataset",
        default="ptb",
        help="ptb, tinyshakespeare, or the path of a UTF-8 text file",
    )
    parser.add_argument(
        "--level",
        choices=["word", "char"],
        default=None,
        help="word or char (default: the data set's; word for a file)",
    )
    parser.add_argument("--model", default="lstm", choices=list(LM_CELLS))
    parser.add_argument(
        "--config",
        choices=list(CONFIGS),
        default=None,
        help="small: Zaremba et al.'s PTB set-up; course: the course's model",
    )
    _add_common_training_arguments(parser, epochs_default=10, batch_size=None)
    model = parser.add_argument_group("model and preprocessing")
    model.add_argument("--units", type=_positive_int, nargs="+", default=None)
    model.add_argument("--embedding-dim", type=_positive_int, default=None)
    model.add_argument("--dropout", type=float, default=None)
    model.add_argument("--optimizer", choices=["sgd", "adam"], default=None)
    model.add_argument("--learning-rate", type=float, default=None)
    model.add_argument("--clipnorm", type=float, default=None)
    model.add_argument("--tie-embeddings", action="store_true", default=None)
    model.add_argument("--num-steps", type=_positive_int, default=None)
    model.add_argument("--max-vocabulary-size", type=_positive_int, default=None)
    model.add_argument("--min-count", type=_positive_int, default=1)


# `train lm --model NAME` -> the cell.
LM_CELLS = {
    "lstm": "lstm",
    "gru": "gru",
    "rnn": "simple_rnn",
    "peephole-lstm": "peephole_lstm",
    "simplified-gru": "simplified_gru",
}


# === train ===


def _prepare_out(args):
    """Refuses to overwrite a finished run unless asked to; clears it if so."""
    if (args.out / "metrics.json").exists():
        if not args.overwrite:
            raise _user_error(
                f"{args.out} already holds a finished run. Choose another --out, "
                "or pass --overwrite to replace it."
            )
        _remove_run(args.out)


def _fit(pipeline, train, validation, args, epochs):
    """Trains with checkpoints in `--out`; returns an exit status on Ctrl-C."""
    checkpoints = args.out / "checkpoints"
    if (checkpoints / "backup").exists():
        print(f"Resuming the interrupted run in {args.out}.")
    try:
        pipeline.fit(
            train,
            validation,
            epochs=epochs,
            batch_size=args.batch_size,
            checkpoint_dir=checkpoints,
            log_dir=args.out / "logs",
        )
    except KeyboardInterrupt:
        print(
            f"\nInterrupted. The last finished epoch is saved in {checkpoints}; "
            "run the same command again to resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return None


def _finish(pipeline, args, metrics, figures):
    """Saves, exports, writes metrics.json, history.json and the figures."""
    from seqkeras import plots

    out = args.out
    pipeline.save(out)
    pipeline.export(out / "saved_model")
    metrics = {
        **metrics,
        "quick": args.quick,
        "epochs": len(pipeline.history.get("loss", [])),
        "train_seconds": round(pipeline.train_seconds, 2),
        "examples_per_second": round(pipeline.examples_per_second, 1),
        "config": pipeline.get_config(),
    }
    _write_json(out / "metrics.json", metrics)
    _write_json(out / "history.json", pipeline.history)
    written = ["model.keras", "saved_model/", "metrics.json", "history.json"]
    if pipeline.history:
        title = f"{metrics['model']} on {metrics['dataset']}"
        figures = {
            "training_curves.png": plots.plot_history(pipeline.history, title=title),
            **figures,
        }
    for name, fig in figures.items():
        _save_figure(fig, out / name)
    written += [*figures, "logs/"]
    print(f"wrote {out}/: {', '.join(written)}")


def _load_series(args):
    from seqkeras import datasets

    name = args.dataset
    if name.endswith(".csv") or pathlib.Path(name).is_file():
        if not getattr(args, "time_column", None):
            raise _user_error(f"{name} is a file: pass --time-column as well.")
        targets = _columns(getattr(args, "targets", None))
        return datasets.load_csv_series(
            name, args.time_column, _columns(args.features), targets
        )
    datasets.get_info(name, task="series")
    return datasets.load(name)


def _columns(text):
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def _fractions(args):
    try:
        train, validation = (float(x) for x in args.split.split(","))
    except ValueError:
        raise _user_error(
            f"--split expects two fractions such as 0.7,0.2, got {args.split!r}"
        ) from None
    return [train, validation]


def _split(series, args):
    return series.split(*_fractions(args))


MODEL_OPTIONS = (
    "cell",
    "bidirectional",
    "units",
    "num_layers",
    "embedding_dim",
    "char_encoder",
    "dropout",
    "word_dropout",
    "learning_rate",
    "clipnorm",
    "optimizer",
    "tie_embeddings",
)


def _model_overrides(args):
    """The model options given on the command line (those left out: None)."""
    values = {name: getattr(args, name, None) for name in MODEL_OPTIONS}
    return {k: v for k, v in values.items() if v is not None}


def _load_task_data(args, task, default_epochs):
    """Refuses an existing run, loads `--dataset` for `task`; returns the data
    (a slice with --quick) and the number of epochs."""
    from seqkeras import datasets

    _prepare_out(args)
    datasets.get_info(args.dataset, task=task)
    data = datasets.load(args.dataset)
    if args.quick:
        data = data.subset(**QUICK_SIZES)
    return data, args.epochs or (1 if args.quick else default_epochs)


def _train_and_evaluate(pipeline, data, args, epochs, task):
    """Fits on train / validation; returns the metrics dict, or the exit
    status of an interrupted run."""
    print(data.summary())
    interrupted = _fit(pipeline, data.train, data.validation, args, epochs)
    if interrupted:
        return interrupted
    return {
        "task": task,
        "dataset": data.name,
        "model": args.model,
        "test": pipeline.evaluate(data.test),
        "validation": pipeline.evaluate(data.validation),
    }


def _train_forecast(args):
    from seqkeras import plots
    from seqkeras.pipelines import ForecastingPipeline

    _prepare_out(args)
    series = _load_series(args)
    train, validation, test = _split(series, args)
    epochs = args.epochs or (1 if args.quick else 20)
    windows = dict(
        input_width=args.input_width,
        horizon=args.horizon,
        feature_columns=_columns(args.features),
        target_columns=_columns(args.targets),
    )
    pipeline = ForecastingPipeline(
        args.model,
        stride=args.stride,
        seed=args.seed,
        **windows,
        **_model_overrides(args),
    )
    print(series.summary())
    print(f"split by time: {len(train):,} / {len(validation):,} / {len(test):,} steps")
    interrupted = _fit(pipeline, train, validation, args, epochs)
    if interrupted:
        return interrupted
    test_metrics = pipeline.evaluate(test)
    baselines, forecasts = {}, {}
    inputs, labels = pipeline.windows(test)
    targets_in_features = set(pipeline.target_columns) <= set(pipeline.feature_columns)
    for kind in ("persistence", "repeat") if targets_in_features else ():
        baseline = ForecastingPipeline(kind, **windows)
        baseline.fit(train)
        baselines[kind] = baseline.evaluate(test)
        forecasts[kind] = baseline.predict(inputs)
    forecasts[args.model] = pipeline.predict(inputs)
    target = pipeline.target_columns[0]
    column = (
        pipeline.feature_columns.index(target)
        if target in pipeline.feature_columns
        else None
    )
    maes = {name: m["mae"] for name, m in baselines.items()}
    maes[args.model] = test_metrics["mae"]
    per_horizon = {name: m["mae_per_horizon"] for name, m in baselines.items()}
    per_horizon[args.model] = test_metrics["mae_per_horizon"]
    figures = {
        "forecasts.png": plots.plot_forecasts(
            inputs, labels, forecasts, input_column=column, target_name=target,
            title=f"{series.name} test windows",
        ),
        "error_per_horizon.png": plots.plot_error_per_horizon(per_horizon),
        "model_comparison.png": plots.plot_model_comparison(
            maes, metric="test MAE", highlight=args.model
        ),
    }  # fmt: skip
    metrics = {
        "task": "forecast",
        "dataset": series.name,
        "model": args.model,
        "split": _fractions(args),
        "test": test_metrics,
        "validation": pipeline.evaluate(validation),
        "baselines": baselines,
    }
    _finish(pipeline, args, metrics, figures)
    summary = ", ".join(f"{name} {mae:.3f}" for name, mae in maes.items())
    print(f"test MAE ({target}): {summary}")
    return 0


def _train_classifier(args):
    from seqkeras import plots
    from seqkeras.pipelines import SequenceClassifierPipeline

    _prepare_out(args)
    series = _load_series(args)
    if series.labels is None:
        raise _user_error(f"{series.name} has no labels to classify.")
    if not args.no_label_features:
        series = series.with_label_indicators()
    train, validation, test = _split(series, args)
    epochs = args.epochs or (1 if args.quick else 30)
    pipeline = SequenceClassifierPipeline(
        series.label_names,
        args.model,
        input_width=args.input_width,
        shift=args.shift,
        feature_columns=_columns(args.features),
        stride=args.stride,
        seed=args.seed,
        **_model_overrides(args),
    )
    print(series.summary())
    interrupted = _fit(pipeline, train, validation, args, epochs)
    if interrupted:
        return interrupted
    test_metrics = pipeline.evaluate(test)
    metrics = {
        "task": "weather-classifier",
        "dataset": series.name,
        "model": args.model,
        "split": _fractions(args),
        "test": test_metrics,
        "validation": pipeline.evaluate(validation),
        "baselines": {"majority": {"accuracy": test_metrics["majority_accuracy"]}},
    }
    figures = {
        "confusion_matrix.png": plots.plot_confusion_matrix(
            test_metrics["confusion_matrix"],
            series.label_names,
            title=f"{series.name} test",
        )
    }
    _finish(pipeline, args, metrics, figures)
    print(
        f"test accuracy {test_metrics['accuracy']:.4f} on "
        f"{test_metrics['num_windows']:,} windows (always "
        f"{test_metrics['majority_class']!r}: {test_metrics['majority_accuracy']:.4f})"
    )
    return 0


def _train_sentiment(args):
    from seqkeras import plots
    from seqkeras.pipelines import SentimentPipeline

    data, epochs = _load_task_data(args, "sentiment", default_epochs=10)
    pipeline = SentimentPipeline(
        data.label_names,
        architecture=args.model,
        max_vocabulary_size=args.max_vocabulary_size,
        min_count=args.min_count,
        bucketing=not args.no_bucketing,
        seed=args.seed,
        **_model_overrides(args),
    )
    metrics = _train_and_evaluate(pipeline, data, args, epochs, "sentiment")
    if not isinstance(metrics, dict):
        return metrics
    test = metrics["test"]
    figures = {
        "confusion_matrix.png": plots.plot_confusion_matrix(
            test["confusion_matrix"], data.label_names, title=f"{data.name} test"
        )
    }
    _finish(pipeline, args, metrics, figures)
    print(
        f"test accuracy {test['accuracy']:.4f} on {test['num_examples']:,} examples; "
        f"trained in {pipeline.train_seconds:.0f} s "
        f"({pipeline.examples_per_second:,.0f} examples/s)"
    )
    return 0


def _train_tag(args):
    from seqkeras import plots
    from seqkeras.pipelines import TaggingPipeline

    data, epochs = _load_task_data(args, "tagging", default_epochs=30)
    pipeline = TaggingPipeline(
        data.tag_names,
        scheme=data.scheme,
        architecture=args.model,
        min_count=args.min_count,
        lowercase=args.lowercase,
        seed=args.seed,
        **_model_overrides(args),
    )
    metrics = _train_and_evaluate(pipeline, data, args, epochs, "tagging")
    if not isinstance(metrics, dict):
        return metrics
    test = metrics["test"]
    figures = {}
    if "per_type" in test:
        per_type = {kind: s["f1"] for kind, s in test["per_type"].items()}
        figures["entity_f1.png"] = plots.plot_model_comparison(
            {**per_type, "overall": test["f1"]},
            metric="test F1",
            title=f"{data.name}: entity F1 per type",
            highlight="overall",
        )
    _finish(pipeline, args, metrics, figures)
    headline = (
        f"test F1 {test['f1']:.4f}, token accuracy {test['accuracy']:.4f}"
        if "f1" in test
        else f"test accuracy {test['accuracy']:.4f}"
    )
    print(
        f"{headline} on {test['num_sentences']:,} sentences; trained in "
        f"{pipeline.train_seconds:.0f} s "
        f"({pipeline.examples_per_second:,.0f} sentences/s)"
    )
    return 0


def _train_translate(args):
    from seqkeras import plots
    from seqkeras.pipelines import TranslationPipeline

    data, epochs = _load_task_data(args, "translation", default_epochs=10)
    pipeline = TranslationPipeline(
        architecture=args.model,
        max_vocabulary_size=args.max_vocabulary_size,
        min_count=args.min_count,
        beam_width=args.beam_width,
        seed=args.seed,
        **_model_overrides(args),
    )
    print(data.summary())
    interrupted = _fit(pipeline, data.train, data.validation, args, epochs)
    if interrupted:
        return interrupted
    test = pipeline.evaluate(data.test, method="greedy")
    test_beam = pipeline.evaluate(data.test, method="beam")
    metrics = {
        "task": "translation",
        "dataset": data.name,
        "model": args.model,
        "test": test,
        "test_beam": test_beam,
        "validation": pipeline.evaluate(data.validation),
    }
    example = data.test.sources[0]
    [detail] = pipeline.translate_with_attention([example])
    figures = {}
    if pipeline.has_attention:
        figures["attention.png"] = plots.plot_attention(
            detail["attention"],
            detail["source_tokens"],
            detail["target_tokens"],
            title=f"{example} -> {detail['translation']}",
        )
    _finish(pipeline, args, metrics, figures)
    print(f"{example!r} -> {detail['translation']!r}")
    print(
        f"test BLEU {test['bleu']:.2f} greedy, {test_beam['bleu']:.2f} beam "
        f"{args.beam_width}; exact match {test['exact_match']:.4f} greedy, "
        f"{test_beam['exact_match']:.4f} beam; {test['num_sentences']:,} sentences; "
        f"trained in {pipeline.train_seconds:.0f} s "
        f"({pipeline.examples_per_second:,.0f} pairs/s)"
    )
    return 0


def _train_caption(args):
    from seqkeras import plots
    from seqkeras.pipelines import CaptioningPipeline

    data, epochs = _load_task_data(args, "captioning", default_epochs=15)
    image_size = args.image_size or (
        (224, 224) if data.name == "flickr8k" else (64, 64)
    )
    pipeline = CaptioningPipeline(
        architecture=args.model,
        image_size=image_size,
        max_vocabulary_size=args.max_vocabulary_size,
        min_count=args.min_count,
        beam_width=args.beam_width,
        seed=args.seed,
        **_model_overrides(args),
    )
    print(data.summary())
    interrupted = _fit(pipeline, data.train, data.validation, args, epochs)
    if interrupted:
        return interrupted
    metrics = {
        "task": "captioning",
        "dataset": data.name,
        "model": args.model,
        "test": pipeline.evaluate(data.test, verbose=1),
        "test_beam": pipeline.evaluate(data.test, method="beam"),
        "validation": pipeline.evaluate(data.validation),
    }
    if data.unseen is not None:
        metrics["unseen"] = pipeline.evaluate(data.unseen)
    sample = data.test.subset(8, seed=args.seed)
    figures = {
        "test_captions.png": plots.plot_caption_grid(
            sample.images,
            pipeline.caption(sample.images),
            references=sample.captions,
            title=f"{args.model} on {data.name}: test images",
        )
    }
    if pipeline.has_attention:
        [detail] = pipeline.caption_with_attention(sample.images[:1])
        figures["attention.png"] = plots.plot_caption_attention(
            sample.images[0], detail["tokens"], detail["attention"]
        )
    _finish(pipeline, args, metrics, figures)
    test = metrics["test"]
    line = (
        f"test BLEU-4 {test['bleu4']:.2f} greedy, {metrics['test_beam']['bleu4']:.2f} "
        f"beam {args.beam_width}; exact match {test['exact_match']:.4f}"
    )
    if "unseen" in metrics:
        line += f" (unseen combinations {metrics['unseen']['exact_match']:.4f})"
    print(
        f"{line}; {test['num_images']:,} images; trained in "
        f"{pipeline.train_seconds:.0f} s ({pipeline.examples_per_second:,.0f} "
        "captions/s)"
    )
    return 0


def _train_lm(args):
    from seqkeras import datasets
    from seqkeras.pipelines import LanguageModelPipeline

    _prepare_out(args)
    path = pathlib.Path(args.dataset)
    if path.suffix or path.is_file():
        data = datasets.load_text(path, level=args.level or "word")
    else:
        datasets.get_info(args.dataset, task="language")
        data = datasets.load(args.dataset)
        if args.level and args.level != data.level:
            raise _user_error(
                f"{args.dataset} is {data.level}-level text; drop --level or pass "
                f"--level {data.level}."
            )
    if args.quick:
        data = data.subset(**QUICK_SIZES)
    epochs = args.epochs or (1 if args.quick else 10)
    overrides = _model_overrides(args)
    if "units" in overrides:
        overrides["units"] = list(overrides["units"])
    pipeline = LanguageModelPipeline(
        level=data.level,
        config=args.config,
        num_steps=args.num_steps,
        batch_size=args.batch_size,
        max_vocabulary_size=args.max_vocabulary_size,
        min_count=args.min_count,
        seed=args.seed,
        cell=LM_CELLS[args.model],
        **overrides,
    )
    if args.config and not args.epochs and not args.quick:
        epochs = CONFIG_EPOCHS.get(args.config, epochs)
    args.batch_size = pipeline.batch_size
    print(data.summary())
    interrupted = _fit(pipeline, data.train, data.validation, args, epochs)
    if interrupted:
        return interrupted
    prompt = "" if data.level == "word" else data.test.units[0][:1]
    samples = {
        str(t): pipeline.generate(
            prompt,
            max_length=60 if data.level == "word" else 200,
            temperature=t,
            seed=args.seed,
        )
        for t in (0.5, 1.0)
    }
    metrics = {
        "task": "language",
        "dataset": data.name,
        "dataset_path": str(path.resolve()) if path.is_file() else None,
        "level": data.level,
        "model": args.model,
        "test": pipeline.evaluate(data.test),
        "validation": pipeline.evaluate(data.validation),
        "samples": samples,
    }
    _finish(pipeline, args, metrics, {})
    test = metrics["test"]
    print(f"sample (temperature 1.0): {prompt}{samples['1.0']}")
    print(
        f"test perplexity {test['perplexity']:.2f} ({test['cross_entropy']:.3f} nats, "
        f"{test['bits_per_token']:.3f} bits per {data.level}) on "
        f"{test['tokens']:,} tokens; trained in {pipeline.train_seconds:.0f} s "
        f"({pipeline.examples_per_second:,.0f} tokens/s)"
    )
    return 0


# Epochs of `train lm --config NAME` unless --epochs says otherwise.
CONFIG_EPOCHS = {"small": 13, "course": 10}


RUN_FILES = (
    "checkpoints", "logs", "saved_model", "model.keras", "pipeline.json",
    "preprocessing.json", "metrics.json", "history.json", "training_curves.png",
    "confusion_matrix.png", "forecasts.png", "error_per_horizon.png",
    "model_comparison.png", "entity_f1.png", "source_preprocessing.json",
    "target_preprocessing.json", "attention.png",
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
    metrics_path = args.run / "metrics.json"
    run = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    name = args.dataset or run.get("dataset")
    if name is None:
        raise _user_error(f"{metrics_path} is missing: pass --dataset NAME.")
    if pipeline.task == "language" and (args.dataset or run.get("dataset_path")):
        path = pathlib.Path(args.dataset or run["dataset_path"])
        if path.is_file():  # a text file rather than a catalogued corpus
            data = datasets.load_text(path, level=pipeline.level)
            result = pipeline.evaluate(getattr(data, args.split))
            print(json.dumps({"dataset": str(path), "split": args.split, **result}))
            return 0
    datasets.get_info(name, task=pipeline.dataset_task or pipeline.task)
    data = datasets.load(name)
    if pipeline.dataset_task == "series":
        if data.labels is not None and not set(pipeline.feature_columns) <= set(
            data.columns
        ):
            data = data.with_label_indicators()  # the run read the labels too
        splits = data.split(*run.get("split", (0.7, 0.2)))
        data = dict(zip(("train", "validation", "test"), splits, strict=True))
        split = data[args.split]
    else:
        split = getattr(data, args.split)
    result = pipeline.evaluate(split)
    print(json.dumps({"dataset": name, "split": args.split, **result}, indent=2))
    return 0


def _generate(args):
    pipeline = _load_run(args.run)
    if pipeline.task != "language":
        raise _user_error(
            f"{args.run} holds a {pipeline.task} run, not a language model: use "
            "`seqkeras predict`."
        )
    if args.beam_width:
        method, options = "beam", {"beam_width": args.beam_width}
    elif args.temperature <= 0:
        method, options = "greedy", {}
    else:
        method = "top_k" if args.top_k else "sample"
        options = {"temperature": args.temperature, "top_k": args.top_k}
        options["seed"] = args.seed
    text = pipeline.generate(
        args.prompt, max_length=args.length, method=method, **options
    )
    separator = " " if pipeline.level == "word" and args.prompt and text else ""
    print(f"{args.prompt}{separator}{text}")
    return 0


def _predict(args):
    pipeline = _load_run(args.run)
    if pipeline.task == "language":
        raise _user_error(
            f"{args.run} holds a language model: continue text with `seqkeras "
            f"generate {args.run} --prompt TEXT`, score it with "
            "`load_pipeline(...).score(texts)`."
        )
    if pipeline.dataset_task == "series":
        raise _user_error(
            f"{args.run} holds a {pipeline.task} run, which reads windows of "
            "numbers, not text: use `seqkeras evaluate`, or call "
            "`load_pipeline(...).predict(windows)` or the SavedModel's `serve`."
        )
    if pipeline.task == "captioning":
        return _predict_captions(pipeline, args)
    if pipeline.task == "translation":
        method, options = "greedy", {}
        if args.beam_width:
            method, options = "beam", {"beam_width": args.beam_width}
        translations = pipeline.translate(args.inputs, method=method, **options)
        for text, translation in zip(args.inputs, translations, strict=True):
            if args.json:
                line = {"input": text, "translation": translation}
                print(json.dumps(line, ensure_ascii=False))
            else:
                print(translation)
        return 0
    if pipeline.task == "tagging":
        for result in pipeline.predict(args.inputs):
            if args.json:
                print(json.dumps(result, ensure_ascii=False))
            else:
                pairs = zip(result["tokens"], result["tags"], strict=True)
                print(" ".join(f"{word}/{tag}" for word, tag in pairs))
        return 0
    probabilities = pipeline.predict(args.inputs)
    for text, row in zip(args.inputs, probabilities, strict=True):
        label = pipeline.label_names[int(row.argmax())]
        if args.json:
            scores = dict(zip(pipeline.label_names, map(float, row), strict=True))
            print(json.dumps({"input": text, "label": label, "probabilities": scores}))
        else:
            print(f"{label:>14} {row.max():.3f}  {text}")
    return 0


def _predict_captions(pipeline, args):
    missing = [path for path in args.inputs if not pathlib.Path(path).is_file()]
    if missing:
        raise _user_error(
            f"{args.run} holds a captioning run, which reads image files; "
            f"{missing[0]!r} is not a file."
        )
    method, options = "greedy", {}
    if args.beam_width:
        method, options = "beam", {"beam_width": args.beam_width}
    captions = pipeline.caption(args.inputs, method=method, **options)
    for path, caption in zip(args.inputs, captions, strict=True):
        if args.json:
            print(json.dumps({"input": path, "caption": caption}, ensure_ascii=False))
        else:
            print(f"{path}: {caption}")
    return 0


# === datasets ===


def _datasets(args):
    from seqkeras import datasets
    from seqkeras.datasets import registry

    if args.action == "list":
        mirror = registry.mirror_location()
        print(f"{'name':18} {'task':12} {'source':28} description")
        for info in datasets.catalogue():
            if info.embedded:
                source = "embedded"
            else:
                spec = registry.get_remote_file(info.files[0])
                cached = registry.cached_path(spec).exists()
                source = spec.filename + (" (cached)" if cached else "")
            print(f"{info.name:18} {info.task:12} {source:28} {info.description}")
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


TRAINERS = {
    "sentiment": _train_sentiment,
    "forecast": _train_forecast,
    "weather-classifier": _train_classifier,
    "tag": _train_tag,
    "translate": _train_translate,
    "lm": _train_lm,
    "caption": _train_caption,
}
COMMANDS = {
    "train": lambda args: TRAINERS[args.task](args),
    "evaluate": _evaluate,
    "predict": _predict,
    "generate": _generate,
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
