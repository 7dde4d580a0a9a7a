"""What the two time-series commands (`forecasting`, `series-classification`)
share: a series split by time, and its arguments."""

import dataclasses

from seqkeras.cli.command import (
    TaskCommand,
    add_model_arguments,
    columns,
    file_arguments,
    is_file_name,
    positive_int,
    split_fractions,
    user_error,
)


@dataclasses.dataclass
class SeriesSplits:
    """A series cut by time into train, validation and test."""

    series: object
    train: object
    validation: object
    test: object
    fractions: list

    @property
    def name(self):
        return self.series.name

    def summary(self):
        sizes = f"{len(self.train):,} / {len(self.validation):,} / {len(self.test):,}"
        return f"{self.series.summary()}\nsplit by time: {sizes} steps"

    def subset(self, **sizes):
        return self  # windows of a series are cheap; --quick trains 1 epoch


class SeriesCommand(TaskCommand):
    """A task trained on windows of a time series."""

    unit = "windows"
    default_split = "0.7,0.2"
    file_formats = "CSV with a time column: --time-column"
    smoke_arguments = ("--units", "8", "--batch-size", "64")

    def add_series_arguments(self, parser):
        parser.add_argument(
            "--time-column", default=None, help="for a CSV file as --dataset"
        )
        parser.add_argument(
            "--features",
            default=None,
            help="comma-separated feature columns (default: the data set's)",
        )
        parser.add_argument(
            "--time-format",
            default=None,
            help="how the timestamps are written, e.g. '%%d.%%m.%%Y %%H:%%M:%%S' "
            "(default: ISO dates, or see --dayfirst)",
        )
        parser.add_argument(
            "--dayfirst",
            action="store_true",
            default=None,
            help="dates are written day first (13.01.2009)",
        )
        parser.add_argument(
            "--monthfirst",
            dest="dayfirst",
            action="store_false",
            help="dates are written month first (01/13/2009)",
        )
        parser.add_argument(
            "--resample",
            default=None,
            help="resample the series to this step first, e.g. 1h or 1D (the mean "
            "of each step)",
        )
        parser.add_argument(
            "--stride", type=positive_int, default=1, help="steps between train windows"
        )
        add_model_arguments(parser, "units", "num_layers", "dropout", "learning_rate")

    def load_data(self, args):
        fractions = split_fractions(args.split)
        if not is_file_name(args.dataset):
            if args.validation or args.test:
                super().load_data(args)  # refuses files with a catalogue name
            return self.split(self.load_series(args), fractions)
        files = file_arguments(args)
        series = self.read_csv(files["train"], args)
        if not (files["validation"] or files["test"]):
            return self.split(series, fractions)
        # A part without a file is cut from the end of the training file, its
        # own share of it (as `seqkeras.datasets.splits.from_files` does).
        parts = {}
        for name in ("validation", "test"):
            if files[name]:
                parts[name] = self.read_csv(files[name], args)
        share = {"validation": fractions[1], "test": 1.0 - sum(fractions)}
        missing = [name for name in share if name not in parts]
        train = series
        if missing:
            cut = len(series) - int(round(len(series) * share[missing[0]]))
            train, parts[missing[0]] = series[:cut], series[cut:]
        return SeriesSplits(
            series, train, parts["validation"], parts["test"], list(fractions)
        )

    def pipeline_inputs(self, args, data):
        return {"feature_columns": columns(args.features)}

    def load_series(self, args):
        from seqkeras import datasets

        datasets.get_info(args.dataset, task=self.task)
        return self.prepare_series(datasets.load(args.dataset), args)

    def prepare_series(self, series, args):
        """The task's checks and changes to every series it loads."""
        return series

    def read_csv(self, path, args):
        from seqkeras import datasets

        if not args.time_column:
            raise user_error(f"{path} is a file: pass --time-column as well.")
        series = datasets.load_csv_series(
            path,
            args.time_column,
            columns(args.features),
            columns(getattr(args, "targets", None)),
            label_column=getattr(args, "label_column", None),
            time_format=args.time_format,
            dayfirst=args.dayfirst,
            resample=args.resample,
        )
        return self.prepare_series(series, args)

    def split(self, series, fractions):
        return SeriesSplits(series, *series.split(*fractions), list(fractions))

    def examples(self, pipeline, data):
        inputs, _ = pipeline.windows(data.test)
        return inputs[:3]

    def command_line_inputs(self, inputs, folder):
        return None  # windows of numbers do not come from the command line

    def serving_inputs(self, inputs, folder):
        return [window.tolist() for window in inputs]

    def read_inputs(self, texts, args):
        raise user_error(
            f"{args.run} holds a {self.task} run, which reads windows of numbers, "
            "not text: use `seqkeras evaluate`, or call "
            "`load_pipeline(...).predict(windows)` or the SavedModel's `serve`."
        )
