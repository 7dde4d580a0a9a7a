"""`seqkeras train tagging` (or `tag`): one tag per word, named entities or
parts of speech."""

import json

from seqkeras.cli.command import Report, TaskCommand, add_model_arguments


class TaggingCommand(TaskCommand):
    """many-to-many tagging: named entities or parts of speech"""

    task = "tagging"
    default_dataset = "conll2003-ner"
    default_epochs = 30
    files = ("preprocessing.json", "entity_f1.png")
    unit = "sentences"
    smoke_arguments = ("--dataset", "toy-ner", "--units", "8", "--embedding-dim", "8")

    def add_arguments(self, parser):
        add_model_arguments(
            parser, "units", "num_layers", "embedding_dim", "char_encoder",
            "dropout", "word_dropout", "learning_rate", "min_count", "lowercase",
        )  # fmt: skip

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
        return [" ".join(words) for words in data.test.tokens[:3]]

    def print_predictions(self, texts, predictions, pipeline, as_json):
        for result in predictions:
            if as_json:
                print(json.dumps(result, ensure_ascii=False))
            else:
                pairs = zip(result["tokens"], result["tags"], strict=True)
                print(" ".join(f"{word}/{tag}" for word, tag in pairs))


COMMAND = TaggingCommand()
