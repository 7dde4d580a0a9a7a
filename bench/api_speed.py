"""Serving and decoding speed of two versions of seqkeras, side by side.

Written for the move to one API for every task (the shared pipeline base,
the generative base, the CLI package): did the exported graphs get slower?
It works in two steps, so that the versions never share a process:

1. `python bench/api_speed.py export DIR`, run once with each version's
   code (for example in a `git worktree` of the older commit), trains five
   small pipelines with fixed seeds on the same data (one epoch: speed does
   not depend on how well a model is trained) and exports them: sentiment
   (the SST-2 benchmark's BiLSTM), tagging (the CoNLL benchmark's BiLSTM
   with characters and a CRF), translation (GRU 256 with attention, on
   dates), captioning (the shapes benchmark's attention model) and a word
   language model (Zaremba's small sizes, on part of PTB). It writes a hash
   of each model's weights, so that step 2 can check that both versions
   trained the very same models.
2. `python bench/api_speed.py time OLD_DIR NEW_DIR` loads the ten
   SavedModels with TensorFlow alone and times each signature on the same
   inputs, calling the old and the new model in turn (the order swapped
   every round), and reports each median and the ratio new / old of
   seconds per call (below 1: the new one is faster). It also checks that
   both give the same outputs.

    python bench/api_speed.py export runs/speed_new
    (cd ../old && python bench/api_speed.py export /tmp/speed_old)
    python bench/api_speed.py time /tmp/speed_old runs/speed_new
"""

import argparse
import hashlib
import json
import pathlib
import statistics
import time

import numpy as np

# The output that holds each signature's answer (compared between versions).
ANSWERS = ("translation", "caption", "text", "label", "tags")


def weights_hash(model):
    digest = hashlib.sha256()
    for weight in model.get_weights():
        digest.update(np.ascontiguousarray(weight).tobytes())
    return digest.hexdigest()


def export(folder):
    """Trains and exports the five pipelines with this checkout's code."""
    import keras

    from seqkeras import datasets
    from seqkeras import pipelines as p

    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made = {}

    def done(name, pipeline):
        pipeline.export(folder / name)
        made[name] = weights_hash(pipeline.model)
        print(name, made[name][:12], flush=True)

    sst = datasets.load("sst2")
    sentiment = p.SentimentPipeline(
        sst.label_names, architecture="bilstm", embedding_dim=300, units=168, seed=0
    )
    sentiment.fit(sst.train.subset(5000), epochs=1, batch_size=64, verbose=0)
    done("sentiment", sentiment)

    ner = datasets.load("conll2003-ner")
    tagger = p.TaggingPipeline(
        ner.tag_names,
        scheme=ner.scheme,
        architecture="bilstm-char-crf",
        lowercase=True,
        seed=0,
    )
    tagger.fit(ner.train.subset(3000), epochs=1, batch_size=32, verbose=0)
    done("tagging", tagger)

    dates = datasets.load("dates").subset(train=4000)
    translator = p.TranslationPipeline(units=256, embedding_dim=128, seed=0)
    translator.fit(dates.train, epochs=1, batch_size=64, verbose=0)
    done("translation", translator)

    shapes = datasets.load("shapes", num_train=1000, num_validation=0, num_test=0)
    captioner = p.CaptioningPipeline(units=128, embedding_dim=64, seed=0)
    captioner.fit(shapes.train, epochs=1, batch_size=32, verbose=0)
    done("captioning", captioner)

    ptb = datasets.load("ptb").subset(train=6000)
    keras.utils.set_random_seed(0)
    lm = p.LanguageModelPipeline(
        units=[200, 200], embedding_dim=200, num_steps=20, batch_size=20, seed=0
    )
    lm.fit(ptb.train, epochs=1, verbose=0)
    done("language_model", lm)
    (folder / "weights.json").write_text(json.dumps(made, indent=1))


def inputs_for():
    """The calls to time: name -> (model, signature, arguments, batch)."""
    import tensorflow as tf

    from seqkeras import datasets

    sst = list(datasets.load("sst2").test.texts)
    ner = [" ".join(w) for w in datasets.load("conll2003-ner").test.tokens]
    dates = list(datasets.load("dates").test.sources)
    shapes = datasets.load("shapes", num_train=64, num_validation=0, num_test=0)
    images = [tf.io.encode_png(image).numpy() for image in shapes.train.images]
    calls = {}
    for batch in (1, 64, 256):
        calls[f"sentiment serve, batch {batch}"] = ("sentiment", "serve", [sst], batch)
        calls[f"tagging serve, batch {batch}"] = ("tagging", "serve", [ner], batch)
    for batch in (1, 64):
        calls[f"translate, batch {batch}"] = (
            "translation",
            "translate",
            [dates],
            batch,
        )
        calls[f"translate_beam, batch {batch}"] = (
            "translation",
            "translate_beam",
            [dates],
            batch,
        )
        calls[f"caption, batch {batch}"] = ("captioning", "caption", [images], batch)
        calls[f"generate (sampling), batch {batch}"] = (
            "language_model",
            "generate",
            [["the"]],
            batch,
        )
    return calls


def call_arguments(signature, arguments, batch, seed):
    """The tensors of one call: `batch` inputs (cycling through the
    examples), and for `generate` 50 tokens at temperature 1 with `seed`."""
    import tensorflow as tf

    first = arguments[0]
    rows = tf.constant([first[i % len(first)] for i in range(batch)])
    if signature != "generate":
        return [rows]
    return [rows, tf.constant(50), tf.constant(1.0), tf.constant(seed, tf.int64)]


def time_both(old_dir, new_dir, repeats):
    """Alternates old and new calls; returns the medians and ratios."""
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (ops used by the exports)

    old_dir, new_dir = pathlib.Path(old_dir), pathlib.Path(new_dir)
    old_hashes = json.loads((old_dir / "weights.json").read_text())
    new_hashes = json.loads((new_dir / "weights.json").read_text())
    loaded = {}
    results = {}
    for name, (model, signature, arguments, batch) in inputs_for().items():
        for side, folder in (("old", old_dir), ("new", new_dir)):
            if (side, model) not in loaded:
                loaded[side, model] = tf.saved_model.load(str(folder / model))
        functions = {
            side: getattr(loaded[side, model], signature) for side in ("old", "new")
        }
        seconds = {"old": [], "new": []}
        outputs = {}
        for round_ in range(repeats + 1):
            order = ("old", "new") if round_ % 2 else ("new", "old")
            call_args = call_arguments(signature, arguments, batch, round_)
            for side in order:
                start = time.perf_counter()
                out = functions[side](*call_args)
                value = out[next(k for k in ANSWERS if k in out)]
                value = value.to_list() if hasattr(value, "to_list") else value.numpy()
                elapsed = time.perf_counter() - start
                if round_:  # the first round warms up
                    seconds[side].append(elapsed)
                outputs.setdefault(round_, {})[side] = value
        same = all(
            np.array_equal(np.asarray(o["old"], object), np.asarray(o["new"], object))
            for o in outputs.values()
        )
        old_median = statistics.median(seconds["old"])
        new_median = statistics.median(seconds["new"])
        results[name] = {
            "old_seconds_per_call": round(old_median, 5),
            "new_seconds_per_call": round(new_median, 5),
            "new_over_old": round(new_median / old_median, 3),
            "same_outputs": bool(same),
        }
        print(name, results[name], flush=True)
    return {
        "same_weights": old_hashes == new_hashes,
        "repeats": repeats,
        "results": results,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export_parser = commands.add_parser("export")
    export_parser.add_argument("folder")
    time_parser = commands.add_parser("time")
    time_parser.add_argument("old")
    time_parser.add_argument("new")
    time_parser.add_argument("--repeats", type=int, default=30)
    time_parser.add_argument("--name", default="api_speed")
    args = parser.parse_args()
    if args.command == "export":
        export(args.folder)
        return
    from common import record

    timed = time_both(args.old, args.new, args.repeats)
    record(args.name, {"old": args.old, "new": args.new, **timed})


if __name__ == "__main__":
    main()
