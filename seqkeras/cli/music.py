"""`seqkeras train music`: melodies (a language model of note events) and
four-part harmony (a piano-roll model) from Bach's chorales; `seqkeras
generate RUN --prompt "C4/1 E4/1" --out piece.mid` writes a piece."""

import pathlib

from seqkeras.cli.command import (
    GenerativeCommand,
    Report,
    add_model_arguments,
    positive_int,
    user_error,
)

QUICK_LIMIT = 8  # chorales per split in a --quick run
SAMPLES = 20  # melodies sampled per temperature for the statistics
QUICK_SAMPLES = 4
TEMPERATURES = (0.5, 1.0)


class MusicCommand(GenerativeCommand):
    """melodies and four-part harmony from Bach's chorales (one-to-many)"""

    task = "music"
    default_dataset = "bach-chorales"
    file_formats = "a folder of MusicXML or MIDI files, one piece each"
    default_epochs = 80  # melodies; 40 for the polyphonic model (`epochs`)
    # start_state.npz: where a melody model's generation starts (melody runs).
    files = (
        "preprocessing.json",
        "start_state.npz",
        "samples",
        "piano_roll.png",
        "statistics.png",
    )
    unit = "events"
    smoke_arguments = ("--units", "16", "--embedding-dim", "8")
    smoke_arguments += ("--num-steps", "8", "--batch-size", "4")

    def add_arguments(self, parser):
        parser.add_argument(
            "--representation",
            choices=["melody", "polyphonic"],
            default="melody",
            help="melody: the soprano's notes as events (default); polyphonic: "
            "the four voices as a piano roll of sixteenth notes",
        )
        parser.add_argument(
            "--transpose",
            choices=["normalize", "augment", "none"],
            default="normalize",
            help="normalize: every chorale in C major or A minor (default); "
            "augment: training chorales in every key within the voices' "
            "ranges; none: as written",
        )
        parser.add_argument(
            "--limit",
            type=positive_int,
            default=None,
            help=f"read only the first N chorales of each split (--quick: "
            f"{QUICK_LIMIT})",
        )
        parser.add_argument(
            "--steps-per-quarter",
            type=positive_int,
            default=None,
            help="polyphonic: the piano roll's grid, steps per quarter note "
            "(default 4, sixteenth notes; 1 keeps the notes on each beat)",
        )
        add_model_arguments(
            parser, "cell", "units", "num_layers", "embedding_dim", "dropout",
            "learning_rate", "clipnorm", "num_steps",
        )  # fmt: skip

    # === Data and pipeline ===

    def load_data(self, args):
        from seqkeras import datasets
        from seqkeras.cli.files import is_file_name

        if is_file_name(args.dataset):
            if args.limit is not None:
                raise user_error(
                    "--limit reads part of the chorales; with your own files, "
                    "bring fewer files instead."
                )
            return super().load_data(args)
        datasets.get_info(args.dataset, task=self.task)  # names the choices
        if args.quick and args.limit is None:
            args.limit = QUICK_LIMIT  # kept in metrics.json for `evaluate`
        return datasets.load(
            args.dataset,
            representation=args.representation,
            transpose=None if args.transpose == "none" else args.transpose,
            steps_per_quarter=self.steps_per_quarter(args),
            limit=args.limit,
        )

    @staticmethod
    def steps_per_quarter(args):
        if args.steps_per_quarter is not None and args.representation == "melody":
            raise user_error(
                "--steps-per-quarter sets the piano roll's grid: it goes with "
                "--representation polyphonic (a melody's events keep their "
                "durations)."
            )
        return args.steps_per_quarter or 4

    def load_files(self, args, train, validation, test, split, seed):
        from seqkeras.datasets.music import music_data, read_pieces
        from seqkeras.datasets.splits import from_files

        parts = from_files(read_pieces, train, validation, test, split=split, seed=seed)
        for name, part in zip(("training", "validation", "test"), parts, strict=True):
            if len(part) == 0:
                raise user_error(
                    f"The {name} part holds no piece: bring more files, or give "
                    "--validation and --test folders."
                )
        return music_data(
            *(part.chorales for part in parts),
            name=pathlib.Path(train).name,
            representation=args.representation,
            steps_per_quarter=self.steps_per_quarter(args),
            transpose=None if args.transpose == "none" else args.transpose,
            description=f"your pieces in {train}",
        )

    def pipeline_class_for(self, args):
        from seqkeras.pipelines.music import MelodyPipeline, PolyphonicPipeline

        if args.representation == "melody":
            return MelodyPipeline
        return PolyphonicPipeline

    def pipeline_inputs(self, args, data):
        if args.representation == "melody":
            return {"representation": "melody"}
        return {
            "representation": "polyphonic",
            "steps_per_quarter": data.steps_per_quarter,
        }

    def epochs(self, args):
        # The benchmark's: the melody model was still improving at epoch 78
        # of 80 (bench/music.py); the polyphonic one needs fewer passes
        # over its windows.
        default = 80 if args.representation == "melody" else 40
        return args.epochs or (1 if args.quick else default)

    # === Report ===

    def report(self, pipeline, data, args):
        if pipeline.representation == "melody":
            return self.melody_report(pipeline, data, args)
        return self.polyphonic_report(pipeline, data, args)

    def melody_report(self, pipeline, data, args):
        from seqkeras import plots
        from seqkeras.music.files import write_midi
        from seqkeras.music.notes import parse_notes
        from seqkeras.pipelines.music import (
            melody_baselines,
            melody_statistics,
            sample_melodies,
        )

        test = pipeline.evaluate(data.test)
        validation = pipeline.evaluate(data.validation)
        models, baselines = melody_baselines(data)
        count = QUICK_SAMPLES if args.quick else SAMPLES
        reference = [c.melody for c in data.chorales["test"]]
        length = pipeline.max_length
        samples, statistics = {}, {}
        for t in TEMPERATURES:
            texts = pipeline.predict([""] * count, temperature=t, seed=0)
            samples[f"model, T={t}"] = [parse_notes(text) for text in texts]
        bigram = models["bigram"]
        samples["bigram"] = sample_melodies(
            lambda seed: " ".join(bigram.sample(max_length=length, seed=seed)), count
        )
        for name, melodies in samples.items():
            statistics[name] = melody_statistics(melodies, reference)
        from seqkeras.music.statistics import describe

        chorales = describe([(melody,) for melody in reference])
        folder = args.out / "samples"
        folder.mkdir(parents=True, exist_ok=True)
        for name, melodies in samples.items():
            stem = name.replace(", T=", "_t").replace(" ", "_")
            write_midi([melodies[0]], folder / f"{stem}.mid")
        shown = samples[f"model, T={TEMPERATURES[-1]}"][0]
        figures = {
            "piano_roll.png": plots.plot_piano_roll(
                [shown], title=f"a sampled melody (T={TEMPERATURES[-1]})"
            ),
            "statistics.png": plots.plot_music_statistics(
                {
                    "test chorales": chorales,
                    **{k: v["statistics"] for k, v in statistics.items()},
                }
            ),
        }
        metrics = {
            "representation": "melody",
            "transpose": data.transpose,
            "skipped": [list(pair) for pair in data.skipped],
            "test": test,
            "validation": validation,
            "baselines": baselines,
            "statistics": {"test chorales": chorales, **statistics},
            "samples": {
                name: " ".join(str(n) for n in melodies[0])
                for name, melodies in samples.items()
            },
        }
        ratio = test["perplexity"] / baselines["bigram"]["perplexity"]
        distances = ", ".join(
            f"{name} {v['distance']['pitch_classes']:.3f} / "
            f"{v['distance']['intervals']:.3f}"
            for name, v in statistics.items()
        )
        hottest = f"model, T={TEMPERATURES[-1]}"
        return Report(
            metrics,
            figures,
            lines=[
                f"sample ({hottest}): {metrics['samples'][hottest]}",
                f"test perplexity per event {test['perplexity']:.2f}: bigram "
                f"{baselines['bigram']['perplexity']:.2f} (x{ratio:.2f}), unigram "
                f"{baselines['unigram']['perplexity']:.2f}",
                f"distance to the test chorales (pitch classes / intervals): "
                f"{distances}",
                f"{len(data.skipped)} chorales skipped (not four voices on the "
                "sixteenth-note grid)",
            ],
        )

    def polyphonic_report(self, pipeline, data, args):
        from seqkeras import plots
        from seqkeras.music.files import write_midi
        from seqkeras.pipelines.music import polyphonic_statistics

        test = pipeline.evaluate(data.test)
        validation = pipeline.evaluate(data.validation)
        count = QUICK_SAMPLES if args.quick else SAMPLES
        steps = 4 * 16  # four bars of 4/4 on sixteenths
        samples = {
            f"model, T={t}": [
                pipeline.generate(steps=steps, temperature=t, seed=seed)
                for seed in range(count)
            ]
            for t in TEMPERATURES
        }
        statistics = polyphonic_statistics(
            samples, data.test.rolls, steps_per_quarter=data.steps_per_quarter
        )
        folder = args.out / "samples"
        folder.mkdir(parents=True, exist_ok=True)
        from seqkeras.music.statistics import roll_voices

        for name, rolls in samples.items():
            stem = name.replace(", T=", "_t").replace(" ", "_")
            write_midi(roll_voices(rolls[0]), folder / f"{stem}.mid")
        shown = f"model, T={TEMPERATURES[-1]}"
        figures = {
            "piano_roll.png": plots.plot_piano_roll(
                roll_voices(samples[shown][0]),
                title=f"four sampled bars ({shown})",
            ),
            "statistics.png": plots.plot_music_statistics(
                {name: v["statistics"] for name, v in statistics.items()}
            ),
        }
        metrics = {
            "representation": "polyphonic",
            "transpose": data.transpose,
            "skipped": [list(pair) for pair in data.skipped],
            "test": test,
            "validation": validation,
            "statistics": statistics,
        }
        distances = ", ".join(
            f"{name} {v['distance']['pitch_classes']:.3f} / "
            f"{v['distance']['intervals']:.3f}"
            for name, v in statistics.items()
            if "distance" in v
        )
        return Report(
            metrics,
            figures,
            lines=[
                f"test negative log-likelihood {test['nll_per_step']:.3f} nats per "
                f"step of 1/{data.steps_per_quarter} quarter "
                f"({test['steps']:,} steps); frame accuracy "
                f"{test['frame_accuracy']:.3f}",
                f"distance to the test chorales (pitch classes / intervals): "
                f"{distances}",
                f"{len(data.skipped)} chorales skipped (not four voices on the "
                "sixteenth-note grid)",
            ],
        )

    # === Prediction ===

    def examples(self, pipeline, data):
        if pipeline.representation == "melody":
            return ["", " ".join(data.test.units[0][:2])]
        return pipeline.examples(data)

    def command_line_inputs(self, inputs, folder):
        if inputs and not isinstance(inputs[0], str):
            return None  # rolls of numbers, not text
        return super().command_line_inputs(inputs, folder)

    def serving_inputs(self, inputs, folder):
        if inputs and not isinstance(inputs[0], str):
            return [roll.tolist() for roll in inputs]
        return super().serving_inputs(inputs, folder)

    def print_predictions(self, texts, predictions, pipeline, as_json):
        if as_json:
            return super().print_predictions(texts, predictions, pipeline, as_json)
        for prompt, notes in zip(texts, predictions, strict=True):
            print(f"{prompt} {notes}".strip())

    # === seqkeras generate (the language model's command) ===

    def generate_run(self, pipeline, args, options):
        """`seqkeras generate` for a music run: prints the notes, and with
        `--out` writes them as MIDI (.mid), MusicXML (.musicxml, .xml) or
        audio (.wav)."""
        from seqkeras.music.notes import parse_notes

        notes = pipeline.predict(args.prompt, max_length=args.length, **options)
        piece = f"{args.prompt} {notes}".strip()
        print(piece)
        if args.out is not None:
            write_piece([parse_notes(piece)], args.out)
            print(f"wrote {args.out}")
        return 0


def write_piece(voices, path):
    """Writes voices as MIDI, MusicXML or WAV, by `path`'s suffix."""
    from seqkeras.music import files

    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix in (".mid", ".midi"):
        return files.write_midi(voices, path)
    if suffix in (".musicxml", ".xml", ".mxl"):
        return files.write_musicxml(voices, path)
    if suffix == ".wav":
        from seqkeras.audio import wav_bytes

        audio = files.synthesize(voices)
        path.write_bytes(wav_bytes(audio, files.SAMPLE_RATE))
        return path
    raise user_error(
        f"--out {path}: write a .mid (MIDI), .musicxml (MusicXML) or .wav (audio) file."
    )


COMMAND = MusicCommand()
