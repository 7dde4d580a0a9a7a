"""Latency and throughput of an exported sentiment SavedModel on this CPU.

Trains the benchmark BiLSTM briefly (speed does not depend on how well it is
trained), exports it, loads the SavedModel with TensorFlow alone, and times
the `serve` signature: one sentence at a time (median and 99th percentile
over SST-2 test sentences) and batches of 256 (sentences per second).

    python bench/serving_latency.py
"""

import argparse
import statistics
import tempfile

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (ops used by the export)
from common import record, time_serving
from sst2_accuracy import CONFIGS

from seqkeras import datasets
from seqkeras.pipelines import SentimentPipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=500, help="one-sentence calls")
    parser.add_argument("--batches", type=int, default=20, help="calls at batch 256")
    args = parser.parse_args()

    data = datasets.load("sst2")
    config = {k: v for k, v in CONFIGS["bilstm"].items() if k != "epochs"}
    pipeline = SentimentPipeline(data.label_names, seed=0, **config)
    pipeline.fit(data.train.subset(5000), epochs=1, verbose=0)
    path = pipeline.export(tempfile.mkdtemp() + "/saved_model")
    saved_model = tf.saved_model.load(str(path))  # keep it: it owns the variables
    serve = saved_model.serve

    texts = list(data.test.texts)
    latencies, throughput = time_serving(
        serve,
        texts,
        lambda out: out["probabilities"].numpy(),
        single=args.single,
        batches=args.batches,
    )
    record(
        "serving_latency",
        {
            "model": config,
            "single_sentence_ms": {
                "median": round(statistics.median(latencies), 2),
                "p99": round(float(np.percentile(latencies, 99)), 2),
                "calls": args.single,
            },
            "batch_256_sentences_per_second": round(throughput, 1),
            "mean_test_sentence_tokens": round(
                float(np.mean([len(t.split()) for t in texts])), 1
            ),
        },
    )


if __name__ == "__main__":
    main()
