"""`seqkeras train tagging` (or `tag`): one tag per word, named entities or
parts of speech."""

import json

from seqkeras.cli.command import (
    EMBEDDING_OPTIONS,
    Report,
    TaskCommand,
    add_model_arguments,
    user_error,
)


class TaggingCommand(TaskCommand):
    """many-to-many tagging: named entities or parts of speech"""

    task = "tagging"
    default_dataset = "conll2003-ner"
    file_formats = "CoNLL columns, or CoNLL-U (.conllu)"
    default_epochs = 30
    averages = True  # `--seeds` writes members/
    files = ("members", "preprocessing.json", "entity_f1.png")
    unit = "sentences"
    smoke_arguments = ("--dataset", "toy-ner", "--units", "8", "--embedding-dim", "8")

    def add_arguments(self, parser):
        group = parser.add_argument_group("your own files (--dataset FILE)")
        group.add_argument(
            "--format", choices=["conll", "conllu"], default=None,
            help="default: conllu for a .conllu file, else conll",
        )  # fmt: skip
        group.add_argument(
            "--token-column", type=column, default=None,
            help="the words' column, a position or a CoNLL-U name (default: the "
            "first; form)",
        )  # fmt: skip
        group.add_argument(
            "--tag-column", type=column, default=None,
            help="the tags' column, a position (-1: the last) or a CoNLL-U name "
            "such as upos or xpos (default: the last; upos)",
        )  # fmt: skip
        group.add_argument(
            "--scheme", choices=["iob1", "iob2", "iobes"], default=None,
            help="entity tags in this scheme, checked and scored as spans "
            "(default: tags without spans, such as parts of speech)",
        )  # fmt: skip
        add_model_arguments(
            parser, "units", "num_layers", "embedding_dim", "char_encoder",
            "dropout", "word_dropout", "learning_rate", "min_count", "lowercase",
            *EMBEDDING_OPTIONS,
        )  # fmt: skip

    def load_files(self, args, **files):
        from seqkeras import datasets

        data = datasets.load_tagged_sentences(
            **files,
            format=args.format,
            token_column=args.token_column,
            tag_column=args.tag_column,
            scheme=args.scheme,
        )
        note_entity_tags(data.tag_names, args.scheme)
        return data

    def open_streams(self, args, train, validation, test):
        import pathlib

        from seqkeras.datasets.streams import ConllFile, StreamedData

        columns = {"token_column": args.token_column, "tag_column": args.tag_column}
        named = any(isinstance(c, str) for c in columns.values())
        suffixes = {pathlib.Path(p).suffix.lower() for p in (train, validation, test)}
        format = args.format or ("conllu" if ".conllu" in suffixes else "conll")
        if named or format == "conllu":
            raise user_error(
                "--stream reads CoNLL column files (words and tags by position); "
                "CoNLL-U files and named columns are read into memory: drop "
                "--stream."
            )
        options = {n: c for n, c in columns.items() if c is not None}
        options["on_bad_line"] = args.on_bad_line or "skip"
        train = ConllFile(train, **options)
        validation, test = (
            ConllFile(path, tag_names=train.tag_names, **options)
            for path in (validation, test)
        )
        note_entity_tags(train.tag_names, args.scheme)
        return StreamedData(
            train, validation, test, tag_names=train.tag_names, scheme=args.scheme
        )

    def pipeline_inputs(self, args, data):
        return {"tag_names": data.tag_names, "scheme": data.scheme}

    def report(self, pipeline, data, args):
        from seqkeras import plots

        test = pipeline.evaluate(data.test)
        figures = {}
        if "per_type" in test:
            per_type = {kind: s["f1"] for kind, s in test["per_type"].items()}
            figures["entity_f1.png"] = plots.plot_model_comparison(
                {**per_type, "overall": test["f1"]},
                metric="test F1",
                title=f"{data.name}: entity F1 per type",
                highlight="overall",
            )
        headline = (
            f"test F1 {test['f1']:.4f}, token accuracy {test['accuracy']:.4f}"
            if "f1" in test
            else f"test accuracy {test['accuracy']:.4f}"
        )
        return Report(
            metrics={"test": test, "validation": pipeline.evaluate(data.validation)},
            figures=figures,
            lines=[f"{headline} on {test['num_sentences']:,} sentences"],
        )

    def examples(self, pipeline, data):
        from seqkeras.datasets.streams import head

        return [" ".join(words) for words in head(data.test, 3).tokens[:3]]

    def print_predictions(self, texts, predictions, pipeline, as_json):
        for result in predictions:
            if as_json:
                print(json.dumps(result, ensure_ascii=False))
            else:
                pairs = zip(result["tokens"], result["tags"], strict=True)
                print(" ".join(f"{word}/{tag}" for word, tag in pairs))


def column(text):
    """argparse type: a column position (an integer) or a CoNLL-U name."""
    try:
        return int(text)
    except ValueError:
        return text


def note_entity_tags(tag_names, scheme):
    """Suggests `--scheme` when the tags look like entity tags and none was
    given."""
    spans = all(t == "O" or t[:2] in ("B-", "I-", "E-", "S-") for t in tag_names)
    if scheme is None and spans and len(tag_names) > 1:
        print(
            "note: the tags look like entity tags; pass --scheme iob2 (or iob1, "
            "iobes) to check them and score entities (F1), not tokens"
        )


COMMAND = TaggingCommand()
