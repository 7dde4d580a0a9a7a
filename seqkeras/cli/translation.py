"""`seqkeras train translation` (or `translate`): sequence to sequence."""

from seqkeras.cli.command import (
    EMBEDDING_OPTIONS,
    GenerativeCommand,
    Report,
    add_model_arguments,
)


class TranslationCommand(GenerativeCommand):
    """sequence to sequence: an encoder-decoder translator"""

    task = "translation"
    default_dataset = "dates"
    file_formats = "source<TAB>target lines"
    files = ("source_preprocessing.json", "target_preprocessing.json", "attention.png")
    unit = "pairs"
    smoke_arguments = ("--units", "16", "--embedding-dim", "8", "--beam-width", "2")

    def add_arguments(self, parser):
        add_model_arguments(
            parser, "cell", "units", "num_layers", "bidirectional", "embedding_dim",
            "dropout", "learning_rate", "max_vocabulary_size", "min_count",
            "beam_width", *EMBEDDING_OPTIONS,
        )  # fmt: skip

    def load_files(self, args, **files):
        from seqkeras import datasets

        return datasets.load_sentence_pairs(**files)

    def open_streams(self, args, train, validation, test):
        from seqkeras.datasets.streams import SentencePairFile, StreamedData

        options = {"on_bad_line": args.on_bad_line or "skip"}
        return StreamedData(
            *(SentencePairFile(path, **options) for path in (train, validation, test))
        )

    def report(self, pipeline, data, args):
        from seqkeras import plots
        from seqkeras.datasets.streams import head

        test = pipeline.evaluate(data.test, method="greedy")
        test_beam = pipeline.evaluate(data.test, method="beam")
        example = head(data.test, 1).sources[0]
        detail = pipeline.predict_details(example)
        figures = {}
        if pipeline.has_attention:
            figures["attention.png"] = plots.plot_attention(
                detail["attention"],
                detail["source_tokens"],
                detail["tokens"],
                title=f"{example} -> {detail['text']}",
            )
        return Report(
            metrics={
                "test": test,
                "test_beam": test_beam,
                "validation": pipeline.evaluate(data.validation),
            },
            figures=figures,
            lines=[
                f"test BLEU {test['bleu']:.2f} greedy, {test_beam['bleu']:.2f} beam "
                f"{pipeline.beam_width}; exact match {test['exact_match']:.4f} "
                f"greedy, {test_beam['exact_match']:.4f} beam; "
                f"{test['num_sentences']:,} sentences",
                f"{example!r} -> {detail['text']!r}",
            ],
        )

    def examples(self, pipeline, data):
        from seqkeras.datasets.streams import head

        return list(dict.fromkeys(head(data.test, 30).sources))[:3]


COMMAND = TranslationCommand()
