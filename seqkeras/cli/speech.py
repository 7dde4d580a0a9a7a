"""`seqkeras train speech`: spoken digits (a classifier) and connected
digits (CTC), from WAV files to transcripts."""

import json
import pathlib

from seqkeras.cli.command import (
    Report,
    TaskCommand,
    add_model_arguments,
    given_arguments,
    positive_int,
    user_error,
)

CLASSIFIER_DEFAULT = "bigru"
CTC_DEFAULT = "ctc"


class SpeechCommand(TaskCommand):
    """spoken digits (many-to-one) and connected digits with CTC"""

    task = "speech"
    default_dataset = "touch-tones"
    file_formats = "a folder of WAV files named {label}_{speaker}_{index}.wav"
    default_epochs = 20
    files = ("preprocessing.json", "confusion_matrix.png", "test_clip.png")
    unit = "utterances"
    smoke_arguments = ("--units", "8")

    def add_training_arguments(self, parser):
        super().add_training_arguments(parser)
        for action in parser._actions:
            if action.dest == "architecture":
                action.default = None
                action.help = (
                    f"the preset (default {CLASSIFIER_DEFAULT}; {CTC_DEFAULT} for "
                    "data whose transcripts are strings of several symbols, such "
                    "as fsdd-connected)"
                )

    def add_arguments(self, parser):
        group = add_model_arguments(
            parser, "cell", "units", "num_layers", "dropout", "learning_rate",
            "clipnorm", "beam_width",
        )  # fmt: skip
        group.add_argument("--features", choices=["mfcc", "log-mel"], default=None)
        group.add_argument("--num-mel-bins", type=positive_int, default=None)
        group.add_argument("--num-mfccs", type=positive_int, default=None)
        group.add_argument(
            "--stack", type=positive_int, default=None,
            help="feature frames (10 ms each) joined into one model step",
        )  # fmt: skip
        group.add_argument(
            "--max-seconds", type=float, default=None, help="the longest clip accepted"
        )
        group.add_argument(
            "--sample-rate",
            type=positive_int,
            default=None,
            help="the rate of your WAV files, in Hz (default 8000); frames stay "
            "25 ms every 10 ms",
        )
        group.add_argument(
            "--no-bucketing",
            action="store_true",
            help="batch training clips in random order rather than by length",
        )
        parser.add_argument(
            "--test-speaker",
            default="theo",
            help="with --dataset fsdd-speakers: the speaker held out (default theo)",
        )

    # === Data ===

    def load_data(self, args):
        from seqkeras import datasets

        if args.dataset == "fsdd-speakers":
            datasets.get_info(args.dataset, task=self.task)
            data = datasets.load_fsdd(split="speakers", test_speaker=args.test_speaker)
        else:
            data = super().load_data(args)
        if args.architecture is None:
            # Strings of one-character symbols ("4071") call for CTC; labels
            # that are whole words ("yes", "no") are classes.
            symbols = all(len(name) == 1 for name in data.label_names)
            several = any(len(t) > 1 for t in data.train.transcripts)
            args.architecture = (
                CTC_DEFAULT if symbols and several else CLASSIFIER_DEFAULT
            )
        return data

    def load_files(self, args, train, validation, test, split, seed):
        from seqkeras.datasets.speech import SpeechData, read_recordings
        from seqkeras.datasets.splits import from_files

        options = {
            "max_seconds": args.max_seconds or 20.0,
            "sample_rate": args.sample_rate or 8000,
        }
        parts = from_files(
            lambda path: read_recordings(path, **options),
            train,
            validation,
            test,
            split=split,
            seed=seed,
        )
        for name, part in zip(("training", "validation", "test"), parts, strict=True):
            if not len(part):
                speakers = len({s for p in parts for s in p.speakers})
                raise user_error(
                    f"--split {args.split} leaves the {name} part without clips: "
                    f"each of the {speakers} speakers stays whole in one part, so "
                    "a part needs at least one speaker's share. Change --split, "
                    "or name the parts' folders with --validation and --test."
                )
        symbols = sorted({t for part in parts for t in part.transcripts})
        return SpeechData(
            name=pathlib.Path(train).name,
            label_names=tuple(symbols),
            train=parts[0],
            validation=parts[1],
            test=parts[2],
            description=f"WAV files of {train}",
        )

    def pipeline_inputs(self, args, data):
        from seqkeras.models.speech import PRESETS

        names = data.label_names
        if PRESETS[args.architecture].get("ctc"):
            # The symbols of the transcripts, one character each.
            names = sorted({c for t in data.train.transcripts for c in t})
        return {"label_names": tuple(names), "bucketing": not args.no_bucketing}

    # === Report ===

    def report(self, pipeline, data, args):
        from seqkeras import plots

        test = pipeline.evaluate(data.test, verbose=1)
        metrics = {"test": test, "validation": pipeline.evaluate(data.validation)}
        figures = {"test_clip.png": self.test_clip_figure(pipeline, data)}
        if pipeline.ctc:
            beam = pipeline.evaluate(data.test, method="beam")
            metrics["test_beam"] = beam
            rate = pipeline.error_rate_name
            lines = [
                f"test {rate.replace('_', ' ')} {test[rate]:.4f} greedy, "
                f"{beam[rate]:.4f} beam {pipeline.beam_width}; whole "
                f"utterances right {test['exact_match']:.4f} / "
                f"{beam['exact_match']:.4f} on {test['num_utterances']:,} utterances"
            ]
        else:
            figures["confusion_matrix.png"] = plots.plot_confusion_matrix(
                test["confusion_matrix"],
                pipeline.label_names,
                title=f"{data.name} test",
            )
            lines = [
                f"test accuracy {test['accuracy']:.4f} on "
                f"{test['num_utterances']:,} utterances"
            ]
        return Report(metrics, figures, lines)

    @staticmethod
    def test_clip_figure(pipeline, data):
        """The first test clip: its waveform, its features and, for CTC, the
        model's outputs at every step."""
        import matplotlib.pyplot as plt
        import numpy as np

        from seqkeras import plots

        clip, transcript = data.test[0]
        features, steps = pipeline.audio.from_waveforms(clip[None], [len(clip)])
        features = features[0, : int(steps[0])].numpy()
        rows = 3 if pipeline.ctc else 2
        fig, axes = plt.subplots(rows, 1, figsize=(8, 2.4 * rows))
        predicted = pipeline.predict(clip)["transcript"]
        plots.plot_waveform(
            clip,
            pipeline.sample_rate,
            title=f"test clip: says {transcript!r}, heard {predicted!r}",
            ax=axes[0],
        )
        step = pipeline.audio.step_seconds
        plots.plot_features(
            features[:, : pipeline.audio.frame_features],
            step_seconds=step,
            kind=pipeline.features,
            ax=axes[1],
        )
        if pipeline.ctc:
            import keras

            logits = pipeline.model(features[None], training=False)
            log_probs = np.asarray(keras.ops.log_softmax(logits, axis=-1))[0]
            plots.plot_ctc_outputs(
                log_probs, pipeline.label_names, step_seconds=step, ax=axes[2]
            )
        fig.tight_layout()
        return fig

    # === Predictions ===

    def examples(self, pipeline, data):
        return list(data.test.audio[:3])

    def command_line_inputs(self, inputs, folder):
        """Writes the clips as WAV files; returns their paths."""
        from seqkeras.audio import wav_bytes

        paths = []
        for i, clip in enumerate(inputs):
            path = pathlib.Path(folder) / f"clip_{i}.wav"
            path.write_bytes(wav_bytes(clip))
            paths.append(str(path))
        return paths

    def read_inputs(self, texts, args):
        missing = [path for path in texts if not pathlib.Path(path).is_file()]
        if missing:
            raise user_error(
                f"{args.run} holds a speech run, which reads WAV files; "
                f"{missing[0]!r} is not a file."
            )
        return list(texts)

    def predict_options(self, args):
        options = given_arguments(args, ("method", "beam_width"))
        others = sorted(
            given_arguments(args, ("max_length", "temperature", "top_k", "seed"))
        )
        if others or options.get("method") == "sample":
            raise user_error(
                "speech decodes with --method greedy or beam (and --beam-width); "
                "sampling options do not apply."
            )
        return options

    def print_predictions(self, texts, predictions, pipeline, as_json):
        for path, row in zip(texts, predictions, strict=True):
            if as_json:
                line = {"input": path, "transcript": row["transcript"]}
                if "probabilities" in row:
                    line["probabilities"] = dict(
                        zip(pipeline.label_names, map(float, row["probabilities"]),
                            strict=True)
                    )  # fmt: skip
                else:
                    line["score"] = row["score"]
                print(json.dumps(line, ensure_ascii=False))
            else:
                print(f"{path}: {row['transcript']}")


COMMAND = SpeechCommand()
