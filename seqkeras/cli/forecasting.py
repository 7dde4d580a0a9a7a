"""`seqkeras train forecasting` (or `forecast`): the next steps of a series."""

from seqkeras.cli.command import Report, positive_int
from seqkeras.cli.files import columns
from seqkeras.cli.series import SeriesCommand


class ForecastingCommand(SeriesCommand):
    """time-series forecasting"""

    task = "forecasting"
    default_dataset = "seattle-temps"
    default_epochs = 20
    files = ("preprocessing.json", "forecasts.png", "error_per_horizon.png")
    files += ("model_comparison.png",)

    def add_arguments(self, parser):
        parser.add_argument("--input-width", type=positive_int, default=24)
        parser.add_argument("--horizon", type=positive_int, default=24)
        parser.add_argument(
            "--targets",
            default=None,
            help="comma-separated target columns (default: the data set's)",
        )
        self.add_series_arguments(parser)

    def pipeline_inputs(self, args, data):
        inputs = super().pipeline_inputs(args, data)
        return {**inputs, "target_columns": columns(args.targets)}

    def baselines(self, pipeline, data, inputs):
        """The persistence and repeat baselines' scores and forecasts, when
        the targets are among the features (they repeat the past)."""
        scores, forecasts = {}, {}
        if set(pipeline.target_columns) <= set(pipeline.feature_columns):
            windows = {
                name: getattr(pipeline, name)
                for name in ("input_width", "horizon", "feature_columns")
            }
            for kind in ("persistence", "repeat"):
                baseline = self.pipeline_class(
                    kind, target_columns=pipeline.target_columns, **windows
                )
                baseline.fit(data.train)
                scores[kind] = baseline.evaluate(data.test)
                forecasts[kind] = baseline.predict(inputs)
        return scores, forecasts

    def report(self, pipeline, data, args):
        from seqkeras import plots

        test = pipeline.evaluate(data.test)
        inputs, labels = pipeline.windows(data.test)
        baselines, forecasts = self.baselines(pipeline, data, inputs)
        name = pipeline.architecture
        forecasts[name] = pipeline.predict(inputs)
        target = pipeline.target_columns[0]
        column = (
            pipeline.feature_columns.index(target)
            if target in pipeline.feature_columns
            else None
        )
        maes = {kind: m["mae"] for kind, m in baselines.items()}
        maes[name] = test["mae"]
        per_horizon = {kind: m["mae_per_horizon"] for kind, m in baselines.items()}
        per_horizon[name] = test["mae_per_horizon"]
        figures = {
            "forecasts.png": plots.plot_forecasts(
                inputs, labels, forecasts, input_column=column, target_name=target,
                title=f"{data.name} test windows",
            ),
            "error_per_horizon.png": plots.plot_error_per_horizon(per_horizon),
            "model_comparison.png": plots.plot_model_comparison(
                maes, metric="test MAE", highlight=name
            ),
        }  # fmt: skip
        metrics = {
            "split": data.fractions,
            "test": test,
            "validation": pipeline.evaluate(data.validation),
            "baselines": baselines,
        }
        summary = ", ".join(f"{kind} {mae:.3f}" for kind, mae in maes.items())
        return Report(metrics, figures, [f"test MAE ({target}): {summary}"])


COMMAND = ForecastingCommand()
