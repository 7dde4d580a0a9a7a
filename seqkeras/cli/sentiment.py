"""`seqkeras train sentiment`: many-to-one classification of raw text."""

import json

from seqkeras.cli.command import (
    EMBEDDING_OPTIONS,
    Report,
    TaskCommand,
    add_model_arguments,
    user_error,
)


class SentimentCommand(TaskCommand):
    """many-to-one sentiment classification"""

    task = "sentiment"
    default_dataset = "sentiment-sample"
    file_formats = "CSV, TSV or JSON lines with a text and a label column"
    averages = True  # `--seeds` writes members/
    files = ("members", "preprocessing.json", "confusion_matrix.png")
    smoke_arguments = ("--units", "8", "--embedding-dim", "8")

    def add_arguments(self, parser):
        self.add_file_arguments(parser)
        group = add_model_arguments(
            parser, "units", "num_layers", "embedding_dim", "dropout",
            "learning_rate", "clipnorm", "max_vocabulary_size", "min_count",
            *EMBEDDING_OPTIONS,
        )  # fmt: skip
        group.add_argument(
            "--no-bucketing",
            action="store_true",
            help="pad batches to their longest sentence, unsorted",
        )

    def add_file_arguments(self, parser):
        group = parser.add_argument_group("your own files (--dataset FILE)")
        group.add_argument("--text-column", default="text", help="default: text")
        group.add_argument("--label-column", default="label", help="default: label")
        group.add_argument(
            "--format", choices=["csv", "tsv", "jsonl"], default=None,
            help="default: from the file's suffix",
        )  # fmt: skip

    def load_files(self, args, **files):
        from seqkeras import datasets

        return datasets.load_labelled_texts(
            **files,
            text_column=args.text_column,
            label_column=args.label_column,
            format=args.format,
        )

    def open_streams(self, args, train, validation, test):
        from seqkeras.datasets.streams import LabelledTextFile, StreamedData
        from seqkeras.datasets.text import table_format

        for path in (train, validation, test):
            if table_format(path, args.format) != "tsv":
                raise user_error(
                    f"{path}: --stream reads tab-separated files with a header "
                    "row (.tsv); save it as TSV (or pass --format tsv if it is "
                    "one), or drop --stream."
                )
        options = {
            "text_column": args.text_column,
            "label_column": args.label_column,
            "on_bad_line": args.on_bad_line or "skip",
        }
        train = LabelledTextFile(train, **options)
        validation, test = (
            LabelledTextFile(path, label_names=train.label_names, **options)
            for path in (validation, test)
        )
        return StreamedData(train, validation, test, label_names=train.label_names)

    def pipeline_inputs(self, args, data):
        return {"label_names": data.label_names, "bucketing": not args.no_bucketing}

    def report(self, pipeline, data, args):
        from seqkeras import plots

        test = pipeline.evaluate(data.test)
        matrix = plots.plot_confusion_matrix(
            test["confusion_matrix"], data.label_names, title=f"{data.name} test"
        )
        return Report(
            metrics={"test": test, "validation": pipeline.evaluate(data.validation)},
            figures={"confusion_matrix.png": matrix},
            lines=[
                f"test accuracy {test['accuracy']:.4f} on "
                f"{test['num_examples']:,} examples"
            ],
        )

    def examples(self, pipeline, data):
        from seqkeras.datasets.streams import head

        return list(head(data.test, 3).texts[:3])

    def print_predictions(self, texts, predictions, pipeline, as_json):
        for text, row in zip(texts, predictions, strict=True):
            label = pipeline.label_names[int(row.argmax())]
            if as_json:
                scores = dict(zip(pipeline.label_names, map(float, row), strict=True))
                line = {"input": text, "label": label, "probabilities": scores}
                print(json.dumps(line, ensure_ascii=False))
            else:
                print(f"{label:>14} {row.max():.3f}  {text}")


COMMAND = SentimentCommand()
