"""Tagging throughput of an exported CoNLL-2003 NER SavedModel on this CPU.

Trains the benchmark tagger for one epoch (speed does not depend on how well
it is trained), or loads a saved pipeline, exports it, loads the SavedModel
with TensorFlow and tensorflow-text alone, and times the `serve` signature
on the CoNLL-2003 test sentences, raw strings in, words and tags out: one
sentence at a time (sentences per second, median and 99th percentile
latency) and batches of 256 (sentences per second).

    python bench/tagging_serving.py
    python bench/tagging_serving.py --pipeline runs/ner   # a saved pipeline
"""

import argparse
import statistics
import tempfile

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (ops used by the export)
from common import record, time_serving
from conll_tagging import CONFIGS

from seqkeras import datasets
from seqkeras.pipelines import TaggingPipeline, load_pipeline

CONFIG = "bilstm-char-crf-lower"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default=None, help="a saved pipeline folder")
    parser.add_argument("--single", type=int, default=500, help="one-sentence calls")
    parser.add_argument("--batches", type=int, default=20, help="calls at batch 256")
    args = parser.parse_args()

    data = datasets.load("conll2003-ner")
    if args.pipeline:
        pipeline = load_pipeline(args.pipeline)
    else:
        pipeline = TaggingPipeline(
            data.tag_names, scheme=data.scheme, seed=0, **CONFIGS[CONFIG]
        )
        pipeline.fit(data.train, epochs=1, verbose=0)
    path = pipeline.export(tempfile.mkdtemp() + "/saved_model")
    saved_model = tf.saved_model.load(str(path))  # keep it: it owns the variables
    serve = saved_model.serve

    texts = [" ".join(words) for words in data.test.tokens]
    latencies, throughput = time_serving(
        serve,
        texts,
        lambda out: out["tags"].to_list(),
        single=args.single,
        batches=args.batches,
    )
    record(
        "tagging_serving" + ("_saved_pipeline" if args.pipeline else ""),
        {
            "pipeline": args.pipeline or f"{CONFIG}, one epoch",
            "architecture": pipeline.get_config(),
            "batch_1": {
                "sentences_per_second": round(1000 / statistics.mean(latencies), 1),
                "median_ms": round(statistics.median(latencies), 2),
                "p99_ms": round(float(np.percentile(latencies, 99)), 2),
                "calls": args.single,
            },
            "batch_256_sentences_per_second": round(throughput, 1),
            "mean_test_sentence_words": round(
                float(np.mean([len(words) for words in data.test.tokens])), 1
            ),
        },
    )


if __name__ == "__main__":
    main()
