"""`seqkeras train language-model` (or `lm`) and `seqkeras generate`: a word-
or character-level language model that scores and writes text."""

import argparse
import pathlib

from seqkeras.cli.command import (
    GenerativeCommand,
    Report,
    add_model_arguments,
    positive_int,
    user_error,
)


class LanguageModelCommand(GenerativeCommand):
    """a word- or character-level language model"""

    task = "language-model"
    default_dataset = "ptb"
    files = ("preprocessing.json",)
    unit = "tokens"
    smoke_arguments = ("--dataset", "toy-language", "--units", "16")
    smoke_arguments += ("--embedding-dim", "8", "--num-steps", "8")
    smoke_arguments += ("--optimizer", "adam", "--learning-rate", "0.01")

    def add_arguments(self, parser):
        parser.add_argument(
            "--level",
            choices=["word", "char"],
            default=None,
            help="word or char (default: the data set's; word for a file)",
        )
        group = add_model_arguments(
            parser, "cell", "embedding_dim", "dropout", "optimizer",
            "learning_rate", "clipnorm", "tie_embeddings", "num_steps",
            "max_vocabulary_size", "min_count",
        )  # fmt: skip
        group.add_argument(
            "--units", type=positive_int, nargs="+", default=None, help="per layer"
        )
        # `--config small` was the preset's name before `--architecture`.
        parser.add_argument(
            "--config",
            dest="architecture",
            default=argparse.SUPPRESS,
            help="the same as --architecture (its name before)",
        )

    def load_files(self, args, **files):
        from seqkeras import datasets

        del files["seed"]  # a text is cut in reading order
        return datasets.load_text_files(**files, level=args.level or "word")

    def open_streams(self, args, train, validation, test):
        from seqkeras.datasets.streams import StreamedData, TextLinesFile

        level = args.level or "word"
        options = {"level": level, "on_bad_line": args.on_bad_line or "skip"}
        return StreamedData(
            *(TextLinesFile(path, **options) for path in (train, validation, test)),
            level=level,
        )

    def load_data(self, args):
        data = super().load_data(args)
        if args.level and args.level != data.level:
            raise user_error(
                f"{args.dataset} is {data.level}-level text; drop --level or pass "
                f"--level {data.level}."
            )
        return data

    def epochs(self, args):
        from seqkeras.models.language import PRESETS

        preset = PRESETS[args.architecture].get("epochs")
        if args.epochs or args.quick or preset is None:
            return super().epochs(args)
        return preset

    def pipeline_inputs(self, args, data):
        return {"level": data.level}

    def report(self, pipeline, data, args):
        from seqkeras.datasets.streams import head

        prompt = "" if data.level == "word" else head(data.test, 1).units[0][:1]
        length = 60 if data.level == "word" else 200
        samples = {
            str(t): pipeline.predict(prompt, max_length=length, temperature=t, seed=0)
            for t in (0.5, 1.0)
        }
        test = pipeline.evaluate(data.test)
        metrics = {
            "level": data.level,
            "test": test,
            "validation": pipeline.evaluate(data.validation),
            "samples": samples,
        }
        return Report(
            metrics,
            lines=[
                f"sample (temperature 1.0): {prompt}{samples['1.0']}",
                f"test perplexity {test['perplexity']:.2f} "
                f"({test['cross_entropy']:.3f} nats, {test['bits_per_token']:.3f} "
                f"bits per {data.level}) on {test['tokens']:,} tokens",
            ],
        )

    def examples(self, pipeline, data):
        from seqkeras.datasets.streams import head

        first = head(data.test, 1).units[0]
        return [first[:1], ""] if data.level == "char" else ["", " ".join(first[:2])]

    def print_predictions(self, texts, predictions, pipeline, as_json):
        if as_json:
            return super().print_predictions(texts, predictions, pipeline, as_json)
        for prompt, text in zip(texts, predictions, strict=True):
            separator = " " if pipeline.level == "word" and prompt and text else ""
            print(f"{prompt}{separator}{text}")

    # === seqkeras generate ===

    def add_commands(self, commands):
        parser = commands.add_parser(
            "generate",
            help="continue a prompt with a trained language model or music model",
        )
        parser.add_argument(
            "run",
            type=pathlib.Path,
            help="a folder from `train language-model` or `train music`",
        )
        parser.add_argument(
            "--prompt",
            default="",
            help="the text to continue (music: notes such as 'C4/1 D4/0.5')",
        )
        parser.add_argument(
            "--out",
            type=pathlib.Path,
            default=None,
            help="also write the result to this file (music: .mid, .musicxml or "
            ".wav; text: a text file)",
        )
        parser.add_argument(
            "--length", type=positive_int, default=100, help="tokens to generate"
        )
        parser.add_argument(
            "--temperature",
            type=float,
            default=1.0,
            help="sampling temperature; 0 picks the likeliest token (greedy)",
        )
        parser.add_argument("--top-k", type=positive_int, default=None)
        parser.add_argument(
            "--beam-width", type=positive_int, default=None, help="beam search instead"
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.set_defaults(handler=self.generate)

    def generate(self, args):
        from seqkeras.pipelines import load_pipeline

        pipeline = load_pipeline(args.run)
        if pipeline.task != self.task:
            from seqkeras.cli import command_for

            other = command_for(pipeline.task)
            if not hasattr(other, "generate_run"):
                raise user_error(
                    f"{args.run} holds a {pipeline.task} run, not a language or "
                    "music model: use `seqkeras predict`."
                )
            return other.generate_run(pipeline, args, self.generate_options(args))
        text = pipeline.predict(
            args.prompt, max_length=args.length, **self.generate_options(args)
        )
        self.print_predictions([args.prompt], [text], pipeline, as_json=False)
        if args.out is not None:
            separator = " " if pipeline.level == "word" and args.prompt else ""
            args.out.write_text(f"{args.prompt}{separator}{text}\n", encoding="utf-8")
        return 0

    @staticmethod
    def generate_options(args):
        """The decoding options of `seqkeras generate`'s arguments."""
        if args.beam_width:
            options = {"method": "beam", "beam_width": args.beam_width}
        elif args.temperature <= 0:
            options = {"method": "greedy"}
        else:
            options = {"method": "sample", "temperature": args.temperature}
            options.update(top_k=args.top_k, seed=args.seed)
        return options


COMMAND = LanguageModelCommand()
