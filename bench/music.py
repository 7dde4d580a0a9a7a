"""Music generation on Bach's chorales (music21's corpus): the melody model
against unigram and bigram baselines, the keys' handling, the polyphonic
model's likelihood, and what generated pieces are made of.

    python bench/music.py melody        # perplexity per event, keys normalised,
                                        # augmented and as written
    python bench/music.py polyphonic    # NLL per step, sixteenths and quarters
    python bench/music.py samples       # statistics of generated melodies and
                                        # rolls against the test chorales

Each part writes `bench/results/music_<part>.json`. The chorales are read
from music21's wheel (no download); the first run parses them (a minute).
"""

import argparse
import time

import numpy as np
from common import record

from seqkeras.cli.music import SAMPLES, TEMPERATURES
from seqkeras.datasets.music import load_bach_chorales
from seqkeras.music.notes import parse_notes
from seqkeras.pipelines.music import (
    MelodyPipeline,
    PolyphonicPipeline,
    melody_baselines,
    melody_statistics,
    polyphonic_statistics,
)


def train(pipeline, data, epochs):
    start = time.perf_counter()
    pipeline.fit(data.train, data.validation, epochs=epochs, verbose=2)
    history = pipeline.history
    monitor = "val_perplexity" if "val_perplexity" in history else "val_loss"
    best = int(np.argmin(history[monitor])) + 1
    return round(time.perf_counter() - start, 1), best


def melody_run(transpose, epochs, seed=0, **settings):
    data = load_bach_chorales(transpose=transpose)
    _, baselines = melody_baselines(data)
    pipeline = MelodyPipeline(seed=seed, **settings)
    seconds, best = train(pipeline, data, epochs)
    test, validation = pipeline.evaluate(data.test), pipeline.evaluate(data.validation)
    bigram = baselines["bigram"]
    return (
        pipeline,
        data,
        {
            "transpose": transpose or "as written",
            "train_events": data.train.num_tokens,
            "vocabulary": len(pipeline.vocabulary),
            "validation_perplexity": round(validation["perplexity"], 3),
            "test_perplexity": round(test["perplexity"], 3),
            "baselines": baselines,
            "validation_ratio_to_bigram": round(
                validation["perplexity"] / bigram["validation_perplexity"], 3
            ),
            "test_ratio_to_bigram": round(test["perplexity"] / bigram["perplexity"], 3),
            "best_epoch": best,
            "epochs": epochs,
            "train_seconds": seconds,
        },
    )


def melody(args):
    runs = []
    for transpose in ("normalize", "augment", None):
        epochs = args.epochs if transpose != "augment" else args.augment_epochs
        _, _, figures = melody_run(transpose, epochs, seed=args.seed)
        runs.append(figures)
        print(figures, flush=True)
    record(
        "music_melody",
        {
            "task": "soprano melodies of Bach's chorales, perplexity per event "
            "([END] counted), split by name",
            "settings": {"architecture": "lstm", "epochs": args.epochs},
            "runs": runs,
        },
    )


def polyphonic(args):
    runs = []
    for steps_per_quarter in (4, 1):
        data = load_bach_chorales("polyphonic", steps_per_quarter=steps_per_quarter)
        pipeline = PolyphonicPipeline(
            steps_per_quarter=steps_per_quarter, seed=args.seed
        )
        seconds, best = train(pipeline, data, args.polyphonic_epochs)
        test = pipeline.evaluate(data.test)
        figures = {
            "steps_per_quarter": steps_per_quarter,
            "train_steps": data.train.num_steps,
            "test": {k: round(v, 4) for k, v in test.items()},
            "validation_nll_per_step": round(
                pipeline.evaluate(data.validation)["nll_per_step"], 4
            ),
            "best_epoch": best,
            "train_seconds": seconds,
        }
        runs.append(figures)
        print(figures, flush=True)
    record(
        "music_polyphonic",
        {
            "task": "four-voice piano rolls of Bach's chorales, NLL per step "
            "(nats, summed over 88 keys), split by name, keys normalised",
            "settings": {"architecture": "lstm", "epochs": args.polyphonic_epochs},
            "runs": runs,
        },
    )


def spread(melodies, reference, size):
    """The distances to `reference` of disjoint groups of `size` melodies:
    mean and standard deviation per histogram, the sampling error of a
    set of that size."""
    groups = [melodies[i : i + size] for i in range(0, len(melodies) - size + 1, size)]
    distances = [melody_statistics(g, reference)["distance"] for g in groups]
    return {
        "groups": len(groups),
        **{
            key: [
                round(float(np.mean([d[key] for d in distances])), 3),
                round(float(np.std([d[key] for d in distances])), 3),
            ]
            for key in ("pitch_classes", "intervals", "durations")
        },
    }


def melody_sets(pipeline, bigram, count, openings=None):
    """`count` melodies per set (the model at each temperature, the bigram),
    from nothing or continuing `openings` (note strings, cycled); with
    openings only the continuations are kept."""
    prompts = [""] * count if openings is None else [
        openings[i % len(openings)] for i in range(count)
    ]  # fmt: skip
    sets = {}
    for t in TEMPERATURES:
        texts = pipeline.predict(prompts, temperature=t, seed=0)
        sets[f"model, T={t}"] = [parse_notes(text) for text in texts]
    sets["bigram"] = [
        parse_notes(
            " ".join(
                bigram.sample(
                    tuple(prompt.split()), max_length=pipeline.max_length, seed=i
                )
            )
        )
        for i, prompt in enumerate(prompts)
    ]
    return sets


def samples(args):
    pipeline, data, figures = melody_run("normalize", args.epochs, seed=args.seed)
    models, _ = melody_baselines(data)
    reference = [c.melody for c in data.chorales["test"]]
    count, size = args.samples, args.group
    # Bach against Bach: the training chorales' melodies, shuffled, drawn
    # `size` at a time, are what a perfect sampler would score.
    bach = [c.melody for c in data.chorales["train"]]
    bach = [bach[i] for i in np.random.default_rng(args.seed).permutation(len(bach))]
    melodies = {
        "test chorales": melody_statistics(reference, reference)["statistics"],
        "training chorales": {
            **melody_statistics(bach, reference),
            "spread": spread(bach, reference, size),
        },
    }
    # From nothing, and continuing the first events of each test chorale.
    events = args.opening_events
    openings = [
        " ".join(str(note) for note in c.melody[:events]) for c in data.chorales["test"]
    ]
    for where, sets in (
        ("", melody_sets(pipeline, models["bigram"], count)),
        (
            f"from {events} events, ",
            melody_sets(pipeline, models["bigram"], count, openings),
        ),
    ):
        for name, melodies_of_set in sets.items():
            melodies[where + name] = {
                **melody_statistics(melodies_of_set, reference),
                "spread": spread(melodies_of_set, reference, size),
                "mean_events": round(
                    float(np.mean([len(m) for m in melodies_of_set])), 1
                ),
            }
            print(where + name, melodies[where + name]["distance"], flush=True)
    rolls = load_bach_chorales("polyphonic")
    poly = PolyphonicPipeline(seed=args.seed)
    train(poly, rolls, args.polyphonic_epochs)
    generated = {
        f"model, T={t}": [
            poly.generate(steps=64, temperature=t, seed=i) for i in range(size)
        ]
        for t in TEMPERATURES
    }
    record(
        "music_samples",
        {
            "task": "statistics of generated pieces against the test chorales "
            f"({len(reference)} pieces); {count} melodies per set (distances "
            f"pooled, and their mean and standard deviation over disjoint "
            f"groups of {size}), {size} rolls per set; continuations of the "
            f"first {events} events of each test chorale counted without them",
            "melody_model": figures,
            "melodies": melodies,
            "polyphonic": polyphonic_statistics(generated, rolls.test.rolls),
        },
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["melody", "polyphonic", "samples"])
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--augment-epochs", type=int, default=20)
    parser.add_argument("--polyphonic-epochs", type=int, default=40)
    parser.add_argument("--samples", type=int, default=SAMPLES * 10)
    parser.add_argument("--group", type=int, default=SAMPLES * 2)
    parser.add_argument("--opening-events", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    {"melody": melody, "polyphonic": polyphonic, "samples": samples}[args.part](args)


if __name__ == "__main__":
    main()
