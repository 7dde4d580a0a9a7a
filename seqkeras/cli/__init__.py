"""The `seqkeras` command: train, evaluate, predict, export, and data sets.

    seqkeras train sentiment --dataset sst2 --architecture bilstm --out runs/sst2
    seqkeras train forecasting --dataset seattle-temps --architecture lstm \
        --input-width 24 --horizon 24 --out runs/temps
    seqkeras train translation --dataset dates --out runs/dates
    seqkeras train language-model --dataset tinyshakespeare --level char \
        --out runs/shakespeare
    seqkeras evaluate runs/sst2
    seqkeras predict runs/sst2 "A gorgeous, witty film."
    seqkeras predict runs/dates "25 March 2011" --method beam --beam-width 4
    seqkeras export runs/sst2 --out serving/sst2
    seqkeras generate runs/shakespeare --prompt "ROMEO:" --length 200
    seqkeras datasets list

`seqkeras train --help` lists the tasks. Each task is a module of this
package (`seqkeras/cli/<task>.py`, see `command.TaskCommand`), found through
the task registry that `load_pipeline` uses too, so `evaluate`, `predict` and
`export` work the same way for every task. The command words of earlier
versions (`train tag`, `translate`, `lm`, `caption`, `forecast`,
`weather-classifier`; `--model`, `--config`) still work.

Mistakes a user can fix (an unknown data set, no network, a folder that
holds no model) end with one line on stderr and exit status 1; an
interrupted training run says how to resume it and exits with 130.
"""

import argparse
import contextlib
import importlib
import json
import os
import pathlib
import sys

from seqkeras.cli.command import (
    BACKENDS,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    QUICK_SIZES,
    add_decoding_arguments,
    user_error,
)
from seqkeras.cli.devices import leave as _leave
from seqkeras.cli.devices import start_devices

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "QUICK_SIZES", "build_parser", "main"]


@contextlib.contextmanager
def _quiet_stderr():
    """Hides what native code prints to stderr (TensorFlow's start-up lines),
    unless SEQKERAS_VERBOSE_TF=1."""
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


def _start_tensorflow():
    """Imports TensorFlow, tensorflow-text and the pipelines quietly. Only
    what TensorFlow prints while it starts is hidden; its device discovery
    runs as usual, so a GPU that is there is used."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_stderr():
        import tensorflow as tf
        import tensorflow_text  # noqa: F401

        import seqkeras.pipelines  # noqa: F401  (registers the tasks)

        tf.config.list_physical_devices()  # probes for GPUs, and says so


def task_commands():
    """The `TaskCommand` of every registered task, in registration order."""
    from seqkeras.pipelines import registry

    return [
        importlib.import_module(registry.command_module(task)).COMMAND
        for task in registry.tasks()
    ]


def command_for(task):
    """The `TaskCommand` of `task` (a name or an alias)."""
    from seqkeras.pipelines import registry

    return importlib.import_module(registry.command_module(task)).COMMAND


def build_parser():
    """The argument parser, with a `train` sub-command per registered task."""
    from seqkeras.cli import datasets

    parser = argparse.ArgumentParser(
        prog="seqkeras", description="Recurrent sequence models with Keras."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train",
        help="train a task's pipeline and export it",
        description="Train a pipeline, evaluate it, save it and export a "
        "SavedModel into --out. `seqkeras train TASK --help` lists a task's "
        "arguments.",
    )
    tasks = train.add_subparsers(
        dest="task", required=True, title="tasks", metavar="TASK"
    )
    parser.train_parsers = {}
    for command in task_commands():
        sub = tasks.add_parser(command.task, aliases=command.aliases, help=command.help)
        command.add_training_arguments(sub)
        command.add_arguments(sub)
        sub.set_defaults(handler=command.train)
        parser.train_parsers[command.task] = sub

    evaluate = commands.add_parser("evaluate", help="evaluate a trained run")
    evaluate.add_argument("run", type=pathlib.Path, help="a folder from `train --out`")
    evaluate.add_argument(
        "--dataset", default=None, help="data set to evaluate on (default: the run's)"
    )
    evaluate.add_argument(
        "--split", default="test", choices=["train", "validation", "test"]
    )
    evaluate.set_defaults(handler=lambda args: _evaluate(args, parser))

    predict = commands.add_parser("predict", help="predict raw inputs")
    predict.add_argument("run", type=pathlib.Path, help="a folder from `train --out`")
    predict.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="texts, prompts, or image files for a captioner",
    )
    predict.add_argument("--json", action="store_true", help="print JSON lines")
    add_decoding_arguments(predict)
    predict.set_defaults(handler=_predict)

    export = commands.add_parser("export", help="export a trained run as a SavedModel")
    export.add_argument("run", type=pathlib.Path, help="a folder from `train --out`")
    export.add_argument(
        "--out", type=pathlib.Path, default=None, help="default: RUN/saved_model"
    )
    export.set_defaults(handler=_export)

    for command in task_commands():
        command.add_commands(commands)
    datasets.add_commands(commands)
    return parser


def _evaluate(args, parser):
    from seqkeras.pipelines import load_pipeline

    pipeline = load_pipeline(args.run)
    command = command_for(pipeline.task)
    metrics_path = args.run / "metrics.json"
    run = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    if not (args.dataset or run.get("dataset")):
        raise user_error(f"{metrics_path} is missing: pass --dataset NAME.")
    train_parser = parser.train_parsers[command.task]
    data = command.evaluation_data(train_parser, run, args.dataset)
    result = pipeline.evaluate(getattr(data, args.split))
    print(json.dumps({"dataset": data.name, "split": args.split, **result}, indent=2))
    return 0


def _predict(args):
    from seqkeras.pipelines import load_pipeline

    pipeline = load_pipeline(args.run)
    command = command_for(pipeline.task)
    inputs = command.read_inputs(args.inputs, args)
    predictions = pipeline.predict(inputs, **command.predict_options(args))
    command.print_predictions(args.inputs, predictions, pipeline, args.json)
    return 0


def _export(args):
    from seqkeras.pipelines import load_pipeline

    pipeline = load_pipeline(args.run)
    path = pipeline.export(args.out or args.run / "saved_model")
    print(f"wrote {path}/: the {pipeline.task} SavedModel")
    return 0


def choose_backend(argv):
    """Sets `KERAS_BACKEND` from a `--backend` among `argv` before Keras
    starts (Keras reads it once, when it is first imported). In a process
    where Keras already runs on another backend, says to start a new one."""
    requested = None
    for i, argument in enumerate(argv):
        if argument == "--backend" and i + 1 < len(argv):
            requested = argv[i + 1]
        elif argument.startswith("--backend="):
            requested = argument.partition("=")[2]
    if requested not in BACKENDS:
        return  # none, or one that argparse refuses with the choices
    if "keras" in sys.modules:
        import keras

        running = keras.backend.backend()
        if running != requested:
            raise user_error(
                f"Keras already runs on {running} in this process, and a process "
                f"cannot change its backend: run `seqkeras` anew (or set "
                f"KERAS_BACKEND={requested}) to train on {requested}."
            )
    os.environ["KERAS_BACKEND"] = requested


def main(argv=None):
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        from seqkeras.errors import SeqkerasError

        argv = sys.argv[1:] if argv is None else list(argv)
        try:
            choose_backend(argv)
            start_devices(argv)
        except SeqkerasError as error:
            print(f"seqkeras: error: {error}", file=sys.stderr)
            return _leave(EXIT_ERROR)
        _start_tensorflow()
        args = build_parser().parse_args(argv)

        try:
            return _leave(args.handler(args))
        except SeqkerasError as error:
            print(f"seqkeras: error: {error}", file=sys.stderr)
            return _leave(EXIT_ERROR)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return _leave(EXIT_INTERRUPTED)
