"""What every task's command line shares: `TaskCommand`.

A task's CLI module (`seqkeras/cli/<task>.py`) defines one subclass of
`TaskCommand` and names an instance `COMMAND`. The subclass declares the
task's arguments, how its data loads, how its pipeline is made, what the
run reports (metrics and figures), the files it writes, and how its
predictions print. The rest is written once here: the training run (refuse
or clear a finished run, load, fit with checkpoints, save, export, write
`metrics.json`, `history.json` and the figures), and the arguments every
task takes (`--dataset`, `--validation`, `--test`, `--split`,
`--architecture`, `--epochs`, `--batch-size`, `--quick`, `--overwrite`,
`--seed`, `--out`).

A catalogue data set brings the settings its benchmark found best
(`DatasetInfo.settings`); they fill in every option not given, so that a
command copied from the README reaches the quality BENCHMARKS.md quotes.
`--seeds 0 1 2` (tasks whose pipelines average) trains one model per seed
and reports, saves and exports their average as one model.

`--dataset` takes a catalogue name or the user's own file. With a file,
`--validation` and `--test` name the other parts' files; a part without one
is cut from the training file at random (`--split` fractions, `--seed`), or
in reading order for text streams and time series.
"""

import argparse
import dataclasses
import json
import pathlib
import shutil
import sys

from seqkeras.cli.decoding import (  # noqa: F401  (part of this module's API)
    DECODING_OPTIONS,
    add_decoding_arguments,
    decoding_options,
    given_arguments,
)
from seqkeras.cli.devices import (
    add_device_arguments,
    device_counts,
    first_line,
    lost_peer,
)
from seqkeras.cli.files import (  # noqa: F401  (part of this module's API)
    columns,
    file_arguments,
    is_file_name,
    split_fractions,
    user_error,
)
from seqkeras.cli.options import (  # noqa: F401  (part of this module's API)
    EMBEDDING_OPTIONS,
    MODEL_OPTIONS,
    add_model_arguments,
    positive_int,
)
from seqkeras.errors import DistributedError

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
QUICK_SIZES = {"train": 1000, "validation": 100, "test": 200}

# What `train` writes for every task (a task adds its own `files`).
COMMON_FILES = (
    "checkpoints",
    "logs",
    "saved_model",
    "model.keras",
    "pipeline.json",
    "metrics.json",
    "history.json",
    "training_curves.png",
)
# Arguments that say where and how a run goes, not what it trains on;
# `metrics.json` keeps the others so that `evaluate` can load the data again.
RUN_ARGUMENTS = ("out", "overwrite", "quick", "handler", "command", "task", "epochs")
RUN_ARGUMENTS += ("devices", "coordinator", "num_processes", "process_id")
RUN_ARGUMENTS += ("heartbeat_timeout", "export")


# The Keras backends `train --backend` takes.
BACKENDS = ("tensorflow", "jax")


def keras_backend():
    import keras

    return keras.backend.backend()


@dataclasses.dataclass
class Report:
    """What a finished training run reports.

    Args:
        metrics: task-specific entries of `metrics.json` (`test`,
            `validation`, baselines, ...).
        figures: file name -> matplotlib figure, saved in `--out`.
        lines: printed at the end, the headline first.
    """

    metrics: dict
    figures: dict = dataclasses.field(default_factory=dict)
    lines: list = dataclasses.field(default_factory=list)


class TaskCommand:
    """One task on the command line. Subclasses set the class attributes
    and override the methods marked "Task hooks"."""

    task = None  # the registered task name
    default_dataset = None
    default_split = "0.8,0.1"
    file_formats = ""  # what `--dataset FILE` reads, for --help
    averages = False  # whether `--seeds` can average the pipelines
    default_epochs = 10
    files = ()  # what `train` writes besides COMMON_FILES
    unit = "examples"  # what `examples_per_second` counts
    # Arguments of a `train` that runs in seconds on embedded data (tests).
    smoke_arguments = ()

    @property
    def pipeline_class(self):
        from seqkeras.pipelines import registry

        return registry.pipeline_class(self.task)

    @property
    def streams(self):
        """Whether `--stream` reads the user's files as streams: the task
        implements `open_streams`."""
        return type(self).open_streams is not TaskCommand.open_streams

    @property
    def aliases(self):
        from seqkeras.pipelines import registry

        return registry.aliases(self.task)

    # === Task hooks ===

    def add_arguments(self, parser):
        """Adds the task's own arguments to its `train` parser."""

    def architectures(self):
        """The names `--architecture` takes: the pipeline's presets."""
        return list(self.pipeline_class.presets)

    @property
    def default_architecture(self):
        import inspect

        parameters = inspect.signature(self.pipeline_class.__init__).parameters
        return parameters["architecture"].default

    def load_data(self, args):
        """The data set named by `args.dataset` (and the task's data
        arguments): an object with `name`, `train`, `validation`, `test`,
        `summary()` and `subset(**QUICK_SIZES)`. A file goes to `load_files`."""
        from seqkeras import datasets

        stream = getattr(args, "stream", False)
        if is_file_name(args.dataset):
            files = file_arguments(args)
            if stream:
                return self.load_streams(args, files)
            if getattr(args, "on_bad_line", None):
                raise user_error(
                    "--on-bad-line goes with --stream; a file read into memory "
                    "is refused at its first bad line, with the line's number."
                )
            return self.load_files(args, **files)
        if stream:
            raise user_error(
                f"--stream reads your own files (--dataset FILE --validation FILE "
                f"--test FILE); {args.dataset!r} is a catalogue data set, which is "
                "read into memory."
            )
        if args.validation or args.test:
            raise user_error(
                f"--validation and --test name files that go with a file as "
                f"--dataset; {args.dataset!r} is a catalogue data set with its own "
                "splits."
            )
        datasets.get_info(args.dataset, task=self.task)
        return datasets.load(args.dataset)

    def load_streams(self, args, files):
        """`--stream`: the training, validation and test files read through
        `tf.data` a batch of lines at a time (never held in memory)."""
        missing = [f"--{name}" for name in ("validation", "test") if not files[name]]
        if missing:
            raise user_error(
                f"--stream needs {' and '.join(missing)} FILE: a streamed file is "
                "read in order and never held, so it cannot be cut into parts "
                "(--split). Split it once beforehand, or drop --stream."
            )
        return self.open_streams(
            args, files["train"], files["validation"], files["test"]
        )

    def load_files(self, args, train, validation, test, split, seed):
        """The user's files as a data set (see `load_data`); `split` is the
        `(train, validation)` fractions of `--split`."""
        raise user_error(f"{self.task} trains on catalogue data sets only.")

    def open_streams(self, args, train, validation, test):
        """The three files (paths) as the task's streams: a
        `seqkeras.datasets.streams.StreamedData` (see `load_streams`)."""
        raise NotImplementedError

    def pipeline_inputs(self, args, data):
        """Pipeline arguments that come from the data (class names, a
        tagging scheme) or need converting from the command line."""
        return {}

    def pipeline_class_for(self, args):
        """The pipeline class that trains for these arguments (the task's;
        music picks the class of its representation)."""
        return self.pipeline_class

    def make_pipeline(self, args, data):
        """The task's pipeline: the architecture, then every command-line
        value that names an argument of the pipeline or of its builder (the
        ones left out keep their defaults), then `pipeline_inputs`."""
        import inspect

        cls = self.pipeline_class_for(args)
        accepted = set(inspect.signature(cls.__init__).parameters)
        accepted |= set(inspect.signature(cls.builder).parameters)
        given = {
            name: value
            for name, value in vars(args).items()
            if name in accepted and value is not None and name != "architecture"
        }
        given.update(self.pipeline_inputs(args, data))
        return cls(architecture=args.architecture, **given)

    def report(self, pipeline, data, args):
        """The run's metrics, figures and printed lines (a `Report`)."""
        raise NotImplementedError

    def examples(self, pipeline, data):
        """A few raw test inputs that `pipeline.predict` takes."""
        raise NotImplementedError

    def command_line_inputs(self, inputs, folder):
        """`examples` as `seqkeras predict` arguments (strings), writing
        files into `folder` if the task reads files; None if `predict` does
        not read its inputs from the command line."""
        return [str(x) for x in inputs]

    def serving_inputs(self, inputs, folder):
        """`examples` as JSON values for `seqkeras/serving.py`."""
        return self.command_line_inputs(inputs, folder)

    def read_inputs(self, texts, args):
        """`seqkeras predict`'s arguments -> inputs for `pipeline.predict`."""
        return list(texts)

    def predict_options(self, args):
        """`pipeline.predict`'s options from `seqkeras predict`'s arguments."""
        given = sorted(given_arguments(args, DECODING_OPTIONS))
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise user_error(
                f"{flags}: decoding options apply to the tasks that write text "
                f"(translation, captioning, language models), not to {self.task}."
            )
        return {}

    def print_predictions(self, texts, predictions, pipeline, as_json):
        """Prints one line per input."""
        for text, prediction in zip(texts, predictions, strict=True):
            if as_json:
                print(json.dumps({"input": text, **prediction}, ensure_ascii=False))
            else:
                print(prediction)

    def add_commands(self, commands):
        """Adds top-level commands of the task's own (`generate`)."""

    # === Training ===

    @property
    def help(self):
        """One line for `seqkeras train --help`: the class docstring's."""
        return (type(self).__doc__ or "").strip().splitlines()[0]

    def add_training_arguments(self, parser):
        """The arguments every task's `train` takes."""
        parser.add_argument(
            "--out",
            required=True,
            type=pathlib.Path,
            help="folder for the model, export, metrics and plots",
        )
        files = f", or your own file ({self.file_formats})" if self.file_formats else ""
        parser.add_argument(
            "--dataset",
            default=self.default_dataset,
            help=f"a {self.task} data set (seqkeras datasets list; default "
            f"{self.default_dataset}){files}",
        )
        parser.add_argument(
            "--validation",
            default=None,
            metavar="FILE",
            help="with a file as --dataset: the validation file (default: cut "
            "from the training file, see --split)",
        )
        parser.add_argument(
            "--test",
            default=None,
            metavar="FILE",
            help="with a file as --dataset: the test file (default: cut from the "
            "training file)",
        )
        parser.add_argument(
            "--split",
            default=self.default_split,
            metavar="TRAIN,VALIDATION",
            help="fractions of the training file for training and validation; "
            f"the rest is the test (default {self.default_split})",
        )
        parser.add_argument(
            "--architecture",
            "--model",
            dest="architecture",
            default=self.default_architecture,
            choices=self.architectures(),
            help=f"the preset (default {self.default_architecture})",
        )
        parser.add_argument(
            "--epochs",
            type=positive_int,
            default=None,
            help=f"epochs (default {self.default_epochs}, or 1 with --quick)",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=None,
            help="training examples per batch (default 32)",
        )
        parser.add_argument(
            "--quick", action="store_true", help="1 epoch on a slice: a smoke test"
        )
        parser.add_argument(
            "--overwrite", action="store_true", help="replace a finished run in --out"
        )
        parser.add_argument(
            "--no-export",
            dest="export",
            action="store_false",
            help="write no SavedModel (for a run you only evaluate or compare; "
            "`seqkeras export RUN` writes it later from model.keras)",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--backend",
            choices=BACKENDS,
            default=None,
            help="the Keras backend to train on (default: the KERAS_BACKEND "
            "variable, else tensorflow); the export is the same from both",
        )
        parser.add_argument(
            "--jit-compile",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="compile the whole training step with XLA (default: the "
            "faster setting on a CPU for the backend, see BENCHMARKS.md)",
        )
        add_device_arguments(parser)
        if self.streams:
            parser.add_argument(
                "--stream",
                action="store_true",
                help="read --dataset, --validation and --test through tf.data a "
                "batch of lines at a time, never whole in memory (for corpora "
                "larger than memory)",
            )
            parser.add_argument(
                "--on-bad-line",
                choices=["skip", "fail"],
                default=None,
                help="with --stream: leave out lines that cannot be examples, "
                "counted and reported with their numbers (skip, the default), or "
                "stop at the first (fail)",
            )
        if self.averages:
            parser.add_argument(
                "--seeds",
                type=int,
                nargs="+",
                default=None,
                metavar="SEED",
                help="train one model per seed and keep their average as one "
                "model (the averaged figures of BENCHMARKS.md)",
            )

    def epochs(self, args):
        return args.epochs or (1 if args.quick else self.default_epochs)

    def train(self, args):
        """`seqkeras train TASK ...`: returns the exit status. The run folder
        is locked while it trains (`seqkeras.locking`); with several
        processes, process 0 holds it and writes the run."""
        from seqkeras import distribute
        from seqkeras.locking import FolderLock, describe

        if not distribute.is_writer():
            return self.train_run(args)
        with FolderLock(args.out) as lock:
            if lock.stale:
                print(
                    f"cleared the lock of a run that ended without releasing it: "
                    f"{describe(lock.stale)}"
                )
            return self.train_run(args)

    def train_run(self, args):
        from seqkeras import distribute

        writer = distribute.is_writer()
        if writer:
            self.prepare_out(args)
        data = self.load_data(args)
        applied = self.apply_settings(args)
        if args.quick:
            data = data.subset(**QUICK_SIZES)
        print(data.summary())
        if applied:
            print(
                f"the settings of the {args.dataset} benchmark: {', '.join(applied)} "
                "(options given override them)"
            )
        seeds = getattr(args, "seeds", None) or [args.seed]
        members = []
        for seed in seeds:
            pipeline, interrupted = self.train_member(data, args, seed, len(seeds) > 1)
            if interrupted:
                return interrupted
            members.append(pipeline)
        if not writer:
            print(
                f"process {distribute.process_index()} of "
                f"{distribute.process_count()}: trained; process 0 evaluates and "
                "writes the run"
            )
            return 0
        if len(members) > 1:
            pipeline = self.pipeline_class.average(members)
            pipeline.history = members[0].history
            print(f"the average of the models of seeds {', '.join(map(str, seeds))}")
        report = self.report(pipeline, data, args)
        self.finish(pipeline, data, args, report)
        for line in report.lines:
            print(line)
        print(
            f"trained in {pipeline.train_seconds:.0f} s "
            f"({pipeline.examples_per_second:,.0f} {self.unit}/s)"
        )
        return 0

    def apply_settings(self, args):
        """Fills in the options not given from the catalogue data set's
        benchmark settings (`DatasetInfo.settings`); returns what it set."""
        from seqkeras import datasets

        if is_file_name(args.dataset):
            return []
        info = datasets.get_info(args.dataset, task=self.task)
        applied = []
        for name, value in info.settings_for(args.architecture).items():
            if name == "epochs" and args.quick:
                continue  # a smoke test stays one epoch
            if getattr(args, name, None) is None:
                setattr(args, name, value)
                applied.append(f"{name}={value}")
        return applied

    def train_member(self, data, args, seed, several):
        """One pipeline trained with `seed`: `(pipeline, exit status or None)`.
        With several seeds, each trains in `members/seed_N/` of `--out`, and a
        finished one is loaded from there when the command runs again."""
        from seqkeras.pipelines import load_pipeline

        args.seed = seed
        folder = args.out / "members" / f"seed_{seed}" if several else args.out
        if several and (folder / "pipeline.json").exists():
            print(f"seed {seed}: trained before, loaded from {folder}")
            return load_pipeline(folder), None
        pipeline = self.make_pipeline(args, data)
        interrupted = self.fit(pipeline, data, args, folder=folder)
        if several and not interrupted:
            pipeline.save(folder)
        return pipeline, interrupted

    def prepare_out(self, args):
        """Refuses to overwrite a finished run unless asked to; clears it if so."""
        if (args.out / "metrics.json").exists():
            if not args.overwrite:
                raise user_error(
                    f"{args.out} already holds a finished run. Choose another "
                    "--out, or pass --overwrite to replace it."
                )
            self.remove_run(args.out)

    def remove_run(self, out):
        """Deletes what `train` writes in `out`, and nothing else."""
        for name in (*COMMON_FILES, *self.files):
            path = pathlib.Path(out) / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)

    def fit(self, pipeline, data, args, folder=None, **kwargs):
        """Trains with checkpoints in `folder` (default `--out`); returns an
        exit status on Ctrl-C."""
        from seqkeras import distribute

        folder = args.out if folder is None else folder
        checkpoints = folder / "checkpoints"
        if (checkpoints / "backup").exists():
            print(f"Resuming the interrupted run in {folder}.")
        processes = distribute.process_count()
        try:
            pipeline.fit(
                data.train,
                data.validation,
                epochs=self.epochs(args),
                batch_size=args.batch_size,
                checkpoint_dir=checkpoints,
                log_dir=folder / "logs",
                jit_compile=args.jit_compile,
                distribute="all" if processes > 1 else args.devices,
                **kwargs,
            )
        except Exception as error:
            if processes > 1 and lost_peer(error):
                raise DistributedError(
                    f"training stopped: another process of this run failed or "
                    f"left ({first_line(error)}). The last finished epoch is "
                    f"saved in {checkpoints} (process 0's folder); start every "
                    "process again with the same command to resume."
                ) from error
            raise
        except KeyboardInterrupt:
            print(
                f"\nInterrupted. The last finished epoch is saved in {checkpoints}; "
                "run the same command again to resume.",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        return None

    def finish(self, pipeline, data, args, report):
        """Saves, exports, writes metrics.json, history.json and the figures."""
        from seqkeras import plots

        out = args.out
        compiled = getattr(pipeline.model, "compiled", False)
        pipeline.save(out)
        if args.export:
            pipeline.export(out / "saved_model")
        metrics = {
            "task": self.task,
            "dataset": data.name,
            "architecture": args.architecture,
            **report.metrics,
            **coverage(pipeline),
            "quick": args.quick,
            "epochs": len(pipeline.history.get("loss", [])),
            "backend": keras_backend(),
            **device_counts(args),
            "jit_compile": bool(pipeline.model.jit_compile) if compiled else None,
            "train_seconds": round(pipeline.train_seconds, 2),
            "examples_per_second": round(pipeline.examples_per_second, 1),
            "config": pipeline.get_config(),
            "arguments": data_arguments(args),
        }
        write_json(out / "metrics.json", metrics)
        write_json(out / "history.json", pipeline.history)
        figures = dict(report.figures)
        if pipeline.history:
            title = f"{args.architecture} on {data.name}"
            curves = plots.plot_history(pipeline.history, title=title)
            figures = {"training_curves.png": curves, **figures}
        for name, figure in figures.items():
            save_figure(figure, out / name)
        saved_model = ["saved_model/"] if args.export else []
        written = ["model.keras", *saved_model, "metrics.json", "history.json"]
        print(f"wrote {out}/: {', '.join([*written, *figures, 'logs/'])}")

    # === evaluate ===

    def evaluation_data(self, parser, run_metrics, dataset):
        """The data a finished run was trained on (or `dataset`), loaded
        again from the arguments its `metrics.json` kept."""
        args = parser.parse_args(["--out", "."])
        saved = run_metrics.get("arguments", {})
        for name, value in saved.items():
            setattr(args, name, value)
        if dataset or "dataset" not in saved:
            args.dataset = dataset or run_metrics.get("dataset") or args.dataset
        if dataset:  # another data set: not the run's other files
            args.validation = args.test = None
        args.quick = False
        return self.load_data(args)


def coverage(pipeline):
    """`{"embedding_coverage": ...}` for a run that started from pretrained
    vectors, else nothing."""
    report = getattr(pipeline, "embedding_coverage", None)
    return {} if report is None else {"embedding_coverage": report}


def data_arguments(args):
    """The arguments of a `train` run worth keeping in `metrics.json`."""
    kept = {}
    for name, value in vars(args).items():
        if name in RUN_ARGUMENTS or callable(value):
            continue
        kept[name] = str(value) if isinstance(value, pathlib.Path) else value
    return kept


def write_json(path, value):
    path.write_text(json.dumps(value, indent=2) + "\n")


def save_figure(figure, path):
    import matplotlib.pyplot as plt

    figure.savefig(path, dpi=110)
    plt.close(figure)


class GenerativeCommand(TaskCommand):
    """A task whose pipeline writes text (a `GenerativePipeline`)."""

    def predict_options(self, args):
        return decoding_options(args)

    def print_predictions(self, texts, predictions, pipeline, as_json):
        for text, prediction in zip(texts, predictions, strict=True):
            if as_json:
                line = {"input": text, pipeline.text_output: prediction}
                print(json.dumps(line, ensure_ascii=False))
            else:
                print(prediction)
