"""Speech on the Free Spoken Digit Dataset: spoken digits (standard split and
held-out speakers), connected digits with CTC, and the speed of features and
serving.

    python bench/speech.py fsdd          # classifier, the dataset's own split
    python bench/speech.py speakers      # classifier, each speaker held out
    python bench/speech.py connected     # CTC, greedy against beam
    python bench/speech.py speed         # tf.data features against training;
                                         # serving latency of a 1 s clip

Each part trains with the settings `seqkeras train speech` uses for the data
set (`DatasetInfo.settings`) and writes `bench/results/speech_<part>.json`.
Needs the data mirror (SEQKERAS_DATA_MIRROR) or the download.
"""

import argparse
import statistics
import tempfile
import time

import numpy as np
from common import record

from seqkeras import datasets
from seqkeras.datasets.speech import FSDD_SPEAKERS
from seqkeras.pipelines import SpeechPipeline


def train(data, architecture, *, seed=0, epochs=None, verbose=2):
    """A pipeline trained on `data` with the catalogue's settings."""
    settings = datasets.get_info(data.name).settings_for(architecture)
    fit = {k: settings.pop(k) for k in ("epochs", "batch_size") if k in settings}
    pipeline = SpeechPipeline(architecture=architecture, seed=seed, **settings)
    start = time.perf_counter()
    pipeline.fit(
        data.train,
        data.validation,
        epochs=epochs or fit.get("epochs", 20),
        batch_size=fit.get("batch_size"),
        verbose=verbose,
    )
    return pipeline, time.perf_counter() - start, {**settings, **fit}


def classifier_runs(args):
    data = datasets.load("fsdd")
    runs = []
    for seed in args.seeds:
        pipeline, seconds, settings = train(data, args.architecture, seed=seed)
        test = pipeline.evaluate(data.test)
        runs.append(
            {
                "seed": seed,
                "test_accuracy": round(test["accuracy"], 4),
                "test_errors": int(round((1 - test["accuracy"]) * len(data.test))),
                "validation_accuracy": round(
                    pipeline.evaluate(data.validation)["accuracy"], 4
                ),
                "train_seconds": round(seconds, 1),
                "epochs_run": len(pipeline.history["loss"]),
            }
        )
        print(runs[-1], flush=True)
    record(
        f"speech_fsdd_{args.architecture}",
        {
            "task": "spoken digits, FSDD standard split (recordings 0-4 test)",
            "architecture": args.architecture,
            "settings": settings,
            "split": [len(data.train), len(data.validation), len(data.test)],
            "test_accuracy_mean": round(
                statistics.mean(r["test_accuracy"] for r in runs), 4
            ),
            "runs": runs,
        },
    )


def speaker_runs(args):
    runs = []
    for speaker in args.speakers:
        data = datasets.load_fsdd(split="speakers", test_speaker=speaker)
        pipeline, seconds, settings = train(data, args.architecture, verbose=0)
        test = pipeline.evaluate(data.test)
        matrix = np.array(test["confusion_matrix"])
        np.fill_diagonal(matrix, 0)
        true, predicted = np.unravel_index(matrix.argmax(), matrix.shape)
        runs.append(
            {
                "test_speaker": speaker,
                "test_accuracy": round(test["accuracy"], 4),
                "validation_accuracy": round(
                    pipeline.evaluate(data.validation)["accuracy"], 4
                ),
                "most_common_confusion": f"{true} heard as {predicted} "
                f"({matrix.max()} times)",
                "train_seconds": round(seconds, 1),
            }
        )
        print(runs[-1], flush=True)
    record(
        f"speech_speakers_{args.architecture}",
        {
            "task": "spoken digits, FSDD, one speaker held out for the test",
            "architecture": args.architecture,
            "settings": settings,
            "test_accuracy_mean": round(
                statistics.mean(r["test_accuracy"] for r in runs), 4
            ),
            "runs": runs,
        },
    )


def connected_runs(args):
    data = datasets.load("fsdd-connected")
    runs = []
    for seed in args.seeds:
        pipeline, seconds, settings = train(data, "ctc", seed=seed, epochs=args.epochs)
        row = {"seed": seed, "train_seconds": round(seconds, 1)}
        for method in ("greedy", "beam"):
            start = time.perf_counter()
            test = pipeline.evaluate(data.test, method=method)
            row[method] = {
                "digit_error_rate": round(test["digit_error_rate"], 4),
                "exact_match": round(test["exact_match"], 4),
                "seconds": round(time.perf_counter() - start, 1),
            }
        row["validation_greedy_der"] = round(
            pipeline.evaluate(data.validation)["digit_error_rate"], 4
        )
        row["epochs_run"] = len(pipeline.history["loss"])
        row["best_val_loss"] = round(min(pipeline.history["val_loss"]), 4)
        runs.append(row)
        print(row, flush=True)
    record(
        "speech_connected_ctc",
        {
            "task": "connected digits (1-7 per utterance), FSDD standard split's "
            "clips, CTC",
            "settings": settings,
            "beam_width": pipeline.beam_width,
            "split": [len(data.train), len(data.validation), len(data.test)],
            "digits_in_test": sum(len(t) for t in data.test.transcripts),
            "runs": runs,
        },
    )


def speed(args):
    import tensorflow as tf

    from seqkeras.audio import wav_bytes

    figures = {}
    for name, architecture in (("fsdd", "bigru"), ("fsdd-connected", "ctc")):
        data = datasets.load(name)
        pipeline, _, _ = train(data, architecture, epochs=1, verbose=0)
        # Features alone: one epoch of the training tf.data pipeline.
        dataset, count = pipeline._dataset(data.train, batch_size=32, training=True)
        for _ in dataset.take(2):
            pass
        start = time.perf_counter()
        for _ in dataset:
            pass
        feature_rate = count / (time.perf_counter() - start)
        # Training: one more epoch, the step compiled, no validation.
        before = pipeline.train_seconds
        pipeline.fit(data.train, epochs=1, batch_size=32, verbose=0)
        train_rate = count / (pipeline.train_seconds - before)
        # Serving: the SavedModel on one 1-second clip at a time.
        with tempfile.TemporaryDirectory() as folder:
            pipeline.export(folder)
            served = tf.saved_model.load(folder)
            clips = [np.resize(a, 8000) for a in data.test.audio[:50]]
            inputs = [tf.constant([wav_bytes(c)]) for c in clips]
            for x in inputs[:10]:
                served.serve(x)["transcript"].numpy()
            latencies = []
            for i in range(args.calls):
                start = time.perf_counter()
                served.serve(inputs[i % len(inputs)])["transcript"].numpy()
                latencies.append((time.perf_counter() - start) * 1000)
        figures[name] = {
            "architecture": architecture,
            "feature_utterances_per_second": round(feature_rate, 1),
            "training_utterances_per_second": round(train_rate, 1),
            "features_over_training": round(feature_rate / train_rate, 1),
            "serving_1s_clip_ms_median": round(float(np.median(latencies)), 2),
            "serving_1s_clip_ms_p99": round(float(np.percentile(latencies, 99)), 2),
            "serving_calls": args.calls,
        }
        print(name, figures[name], flush=True)
    record("speech_speed", figures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["fsdd", "speakers", "connected", "speed"])
    parser.add_argument("--architecture", default="bigru")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--speakers", nargs="+", default=list(FSDD_SPEAKERS))
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    {
        "fsdd": classifier_runs,
        "speakers": speaker_runs,
        "connected": connected_runs,
        "speed": speed,
    }[args.part](args)


if __name__ == "__main__":
    main()
