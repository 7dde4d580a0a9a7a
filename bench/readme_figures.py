"""The README's figures, drawn from saved runs as small PNGs.

Draws into `--out` (default `docs/figures/`):

- `attention.png`: a translation run's attention map for one sentence;
- `forecast.png`: a forecasting run's forecasts against the truth on its
  test series;
- `tagged.png`: a tagging run's entities on one sentence, with the true ones
  underneath;
- `caption.png`: an attention captioning run on one picture: its caption
  and where three of its words looked;
- `training_curve.png`: a run's training curves.

Each run is a folder written by `seqkeras train TASK --out DIR` or by the
benchmark scripts below; a figure whose run is not given is skipped. The
example is fixed: the first suitable one of the test split of the data set
the run's `metrics.json` names (a `seqkeras train` run), else of the data set
of the benchmark commands below; `--sentence`, `--tagged-sentence` and
`--image` choose others. The benchmark runs the figures come from:

    python bench/translation_quality.py --dataset spa-eng --save runs/translation
    python bench/temperature_forecast.py --models lstm --out runs
    python bench/conll_tagging.py --task ner --save runs/tagging
    python bench/captioning_quality.py --models attention --out runs
    python bench/readme_figures.py --translation runs/translation \\
        --forecasting runs/forecasting_lstm --tagging runs/tagging \\
        --captioning runs/captioning_attention --history runs/translation

A translation run trained on another data set than spa-eng (such as
`--dataset dates`) and saved by the benchmark needs `--sentence`. The
README's `attention.png` comes from the dates run (the spa-eng run takes
hours on two cores), `forecast.png` and `tagged.png` from the forecasting
and tagging runs above:

    python bench/translation_quality.py --dataset dates \\
        --model seq2seq-attention --save runs/translation_dates
    python bench/readme_figures.py --translation runs/translation_dates \\
        --sentence "Sunday, July 4, 1976" --forecasting runs/forecasting_lstm \\
        --tagging runs/tagging
"""

import argparse
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from seqkeras import plots  # noqa: E402
from seqkeras.errors import InvalidInputError  # noqa: E402
from seqkeras.pipelines import load_pipeline, registry  # noqa: E402

OUT = pathlib.Path("docs/figures")
DPI = 90
# The figure, the option naming its run and the task of that run.
FIGURES = {
    "attention.png": ("translation", "translation"),
    "forecast.png": ("forecasting", "forecasting"),
    "tagged.png": ("tagging", "tagging"),
    "caption.png": ("captioning", "captioning"),
    "training_curve.png": ("history", None),
}
# The data set of each benchmark script above, for a run without metrics.json.
BENCHMARK_DATA = {
    "translation": "spa-eng",
    "forecasting": "seattle-temps",
    "tagging": "conll2003-ner",
    "captioning": "shapes",
}
# How to get a run with attention, by task.
ATTENTION_FIX = {
    "translation": "train one with attention (python bench/translation_quality.py "
    "--model seq2seq-attention, or seqkeras train translation --architecture "
    "seq2seq-attention).",
    "captioning": "train one with attention (python bench/captioning_quality.py "
    "--models attention, or seqkeras train captioning --architecture attention).",
}
# Words of a caption not worth a panel of attention.
FUNCTION_WORDS = {"a", "an", "the", "of", "to", "and", "is", "on", "in", "[END]"}


class FigureError(Exception):
    """A run that cannot give its figure, with what to do instead."""


class Run:
    """A saved run: its folder, pipeline, `metrics.json` (if any) and name."""

    def __init__(self, folder, task):
        self.folder = pathlib.Path(folder)
        try:
            info = registry.read_info(self.folder)
        except InvalidInputError as error:
            raise FigureError(str(error)) from None
        if task is not None and info["task"] != task:
            raise FigureError(
                f"{self.folder} holds a {info['task']!r} run, not a {task!r} one."
            )
        self.info = info
        self.task = info["task"]
        self.pipeline = load_pipeline(self.folder) if task else None
        path = self.folder / "metrics.json"
        self.metrics = json.loads(path.read_text()) if path.is_file() else None
        architecture = info["config"].get("architecture", self.task)
        self.dataset = (self.metrics or {}).get("dataset") or BENCHMARK_DATA.get(
            self.task
        )
        self.title = architecture
        if self.dataset:
            self.title += f" on {self.dataset}"

    def test_split(self):
        """The test split of the run's data set (`metrics.json`'s, with the
        arguments it kept), else of its benchmark's."""
        from seqkeras import cli, datasets

        if self.metrics is not None:
            command = cli.command_for(self.task)
            parser = cli.build_parser().train_parsers[command.task]
            return command.evaluation_data(parser, self.metrics, None).test
        data = datasets.load(self.dataset)
        if self.task == "forecasting":
            return data.split(0.7, 0.2)[2]  # bench/temperature_forecast.py's
        return data.test


def require_attention(run):
    if not run.pipeline.has_attention:
        architecture = run.info["config"].get("architecture")
        raise FigureError(
            f"{run.folder} holds a {run.task} run of the {architecture!r} "
            f"architecture, which has no attention to draw: {ATTENTION_FIX[run.task]}"
        )


def translation_figure(run, sentence=None):
    from seqkeras.datasets.streams import head

    if sentence is None:
        sources = list(dict.fromkeys(head(run.test_split(), 200).sources))
        fitting = [s for s in sources if 4 <= len(s.split()) <= 8]
        sentence = fitting[0] if fitting else max(sources[:50], key=len)
    detail = run.pipeline.translate_with_attention(sentence)
    return plots.plot_attention(
        detail["attention"],
        detail["source_tokens"],
        detail["tokens"],
        title=f"{sentence} -> {detail['text']}",
    )


def forecasting_figure(run):
    pipeline = run.pipeline
    inputs, labels = pipeline.windows(run.test_split())
    target = pipeline.target_columns[0]
    column = (
        pipeline.feature_columns.index(target)
        if target in pipeline.feature_columns
        else None
    )
    fig = plots.plot_forecasts(
        inputs,
        labels,
        {pipeline.architecture: pipeline.predict(inputs)},
        input_column=column,
        target_name=target,
        max_windows=2,
        title=f"{run.title}: test windows",
    )
    fig.set_size_inches(6.4, 4.2)
    fig.tight_layout()
    return fig


def entity_kinds(pair):
    """How many kinds of entity a `(words, tags)` sentence names."""
    return len({tag[2:] for tag in pair[1] if tag != "O"})


def tagging_figure(run, sentence=None):
    from seqkeras.datasets.streams import head

    reference = None
    if sentence is None:
        test = head(run.test_split(), 1000)
        pairs = list(zip(test.tokens, test.tags, strict=True))
        # Prose, not a headline or a table of results: 5 to 16 words, a
        # third of them lower-case words.
        fitting = [
            (w, t)
            for w, t in pairs
            if 5 <= len(w) <= 16
            and 3 * sum(x.isalpha() and x.islower() for x in w) >= len(w)
        ]
        with_entities = [(w, t) for w, t in fitting if any(x != "O" for x in t)]
        # The first of those with the most kinds of entity (PER, LOC, ...).
        words, reference = max(with_entities or fitting or pairs, key=entity_kinds)
        if not set(reference) <= set(run.pipeline.tag_names):
            reference = None  # another tag set than the model's
        words = list(words)
    else:
        words = sentence.split()
    result = run.pipeline.predict([words])[0]
    return plots.plot_tagged_sentence(
        result["tokens"], result["tags"], reference=reference, title=run.title
    )


def captioning_figure(run, image=None):
    if image is None:
        image = run.test_split().images[0]
    detail = run.pipeline.caption_with_attention(image)
    tokens = detail["tokens"]
    chosen = [i for i, t in enumerate(tokens) if t not in FUNCTION_WORDS][:3]
    chosen = chosen or list(range(min(3, len(tokens))))
    fig = plots.plot_caption_attention(
        image,
        [tokens[i] for i in chosen],
        np.asarray(detail["attention"])[chosen],
        columns=len(chosen),
        title=detail["text"],
    )
    fig.set_size_inches(1.6 * len(chosen), 2.0)
    fig.tight_layout()
    return fig


def history_figure(run):
    path = run.folder / "history.json"
    history = json.loads(path.read_text()) if path.is_file() else run.info["history"]
    if not any(history.values()):
        raise FigureError(
            f"{run.folder} holds no training history (a run of 0 epochs, or an "
            "average of several runs): pass a run that trained."
        )
    fig = plots.plot_history(history, title=run.title)
    fig.set_size_inches(min(3.4 * len(fig.axes), 8.0), 2.8)
    fig.tight_layout()
    return fig


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option, task in FIGURES.values():
        what = f"a {task} run" if task else "any trained run"
        parser.add_argument(f"--{option}", metavar="DIR", help=f"{what}'s folder")
    parser.add_argument("--sentence", help="the sentence to translate")
    parser.add_argument("--tagged-sentence", help="the sentence to tag")
    parser.add_argument("--image", help="the image file to caption")
    parser.add_argument("--out", type=pathlib.Path, default=OUT, help=f"default {OUT}/")
    return parser


def main(argv=None):
    """Draws the figures of the runs given; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        # Every run is read before anything is drawn: a wrong one stops all.
        runs = {}
        for name, (option, task) in FIGURES.items():
            folder = getattr(args, option)
            if folder is None:
                print(f"skipped {name}: no --{option} run given")
                continue
            runs[name] = Run(folder, task)
            if task in ATTENTION_FIX:
                require_attention(runs[name])
        draw = {
            "attention.png": lambda run: translation_figure(run, args.sentence),
            "forecast.png": forecasting_figure,
            "tagged.png": lambda run: tagging_figure(run, args.tagged_sentence),
            "caption.png": lambda run: captioning_figure(run, args.image),
            "training_curve.png": history_figure,
        }
        figures = {name: draw[name](run) for name, run in runs.items()}
    except FigureError as error:
        print(f"readme_figures: error: {error}", file=sys.stderr)
        return 2
    if figures:
        args.out.mkdir(parents=True, exist_ok=True)
    for name, fig in figures.items():
        path = args.out / name
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
