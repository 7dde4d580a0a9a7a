"""`seqkeras train series-classification` (or `weather-classifier`): a class
for the step after a window of steps."""

from seqkeras.cli.command import Report, positive_int, user_error
from seqkeras.cli.series import SeriesCommand


class SeriesClassificationCommand(SeriesCommand):
    """a class for the day after a window of days (sequence classification)"""

    task = "series-classification"
    default_dataset = "seattle-weather"
    default_epochs = 30
    files = ("preprocessing.json", "confusion_matrix.png")

    def add_arguments(self, parser):
        parser.add_argument("--input-width", type=positive_int, default=7)
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
        self.add_series_arguments(parser)
        self.add_file_arguments(parser)

    def add_file_arguments(self, parser):
        parser.add_argument(
            "--label-column",
            default=None,
            help="for a CSV file as --dataset: the column of the classes",
        )

    def prepare_series(self, series, args):
        if series.labels is None:
            raise user_error(
                f"{series.name} has no labels to classify: name the column of the "
                "classes with --label-column."
            )
        if not args.no_label_features:
            series = series.with_label_indicators()
        return series

    def pipeline_inputs(self, args, data):
        inputs = super().pipeline_inputs(args, data)
        return {**inputs, "label_names": data.series.label_names}

    def report(self, pipeline, data, args):
        from seqkeras import plots

        test = pipeline.evaluate(data.test)
        matrix = plots.plot_confusion_matrix(
            test["confusion_matrix"],
            pipeline.label_names,
            title=f"{data.name} test",
        )
        metrics = {
            "split": data.fractions,
            "test": test,
            "validation": pipeline.evaluate(data.validation),
            "baselines": {"majority": {"accuracy": test["majority_accuracy"]}},
        }
        line = (
            f"test accuracy {test['accuracy']:.4f} on {test['num_windows']:,} "
            f"windows (always {test['majority_class']!r}: "
            f"{test['majority_accuracy']:.4f})"
        )
        return Report(metrics, {"confusion_matrix.png": matrix}, [line])


COMMAND = SeriesClassificationCommand()
