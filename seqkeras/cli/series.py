"""What the two time-series commands (`forecasting`, `series-classification`)
share: a series split by time, and its arguments."""

import dataclasses
import pathlib

from seqkeras.cli.command import (
    TaskCommand,
    add_model_arguments,
    columns,
    positive_int,
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
            "--split",
            default="0.7,0.2",
            help="train and validation fractions, by time (the rest is the test)",
        )
        parser.add_argument(
            "--stride", type=positive_int, default=1, help="steps between train windows"
        )
        add_model_arguments(parser, "units", "num_layers", "dropout", "learning_rate")

    def load_data(self, args):
        return self.split(self.load_series(args), args)

    def pipeline_inputs(self, args, data):
        return {"feature_columns": columns(args.features)}

    def load_series(self, args):
        from seqkeras import datasets

        name = args.dataset
        if name.endswith(".csv") or pathlib.Path(name).is_file():
            if not args.time_column:
                raise user_error(f"{name} is a file: pass --time-column as well.")
            return datasets.load_csv_series(
                name,
                args.time_column,
                columns(args.features),
                columns(getattr(args, "targets", None)),
            )
        datasets.get_info(name, task=self.task)
        return datasets.load(name)

    def split(self, series, args):
        try:
            fractions = [float(x) for x in args.split.split(",")]
            train, validation = fractions
        except ValueError:
            raise user_error(
                f"--split expects two fractions such as 0.7,0.2, got {args.split!r}"
            ) from None
        return SeriesSplits(series, *series.split(train, validation), fractions)

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
