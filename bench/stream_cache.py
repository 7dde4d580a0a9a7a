"""What the cache of a streamed file's encoded batches saves: the training
batches of a 100,000-line file made three times without a model (the first
pass reads, checks and encodes the lines, and writes the cache; the later
ones read the cache), against the same batches made without the cache.

    python bench/stream_cache.py
    python bench/stream_cache.py --quick   # 10,000 lines

Two files of `bench/streaming.py`'s generated reviews: the TSV itself
(sentiment, read by `tf.data`), and its words as a CoNLL file (a word and
a tag per line, a blank line after each review: tagging, read by a Python
generator). A pass is `Dataset.reduce` over the batches that `fit` would
get (shuffled, bucketed, batches of 64), so no Python runs per batch.
Each setting runs in a fresh process.

Writes `bench/results/stream_cache.json`.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
PASSES = 3


def write_conll(reviews, path, lines):
    """The reviews' words, a word and a tag a line, up to `lines` lines."""
    written = 0
    with open(reviews, encoding="utf-8") as f, open(path, "w") as out:
        next(f)  # the header
        for line in f:
            for word in line.split("\t")[0].split():
                out.write(f"{word} {'B-X' if int(word[1:]) % 2 else 'O'}\n")
                written += 1
            out.write("\n")
            if written >= lines:
                break


def child(args):
    import tensorflow as tf

    from seqkeras.datasets import streams
    from seqkeras.pipelines import SentimentPipeline, TaggingPipeline

    if args.task == "sentiment":
        pipeline = SentimentPipeline(["neg", "pos"], max_vocabulary_size=20_000)
        stream = pipeline._open(args.corpus)
    else:
        stream = streams.ConllFile(args.corpus)
        pipeline = TaggingPipeline(stream.tag_names)
    pipeline._adapt(stream)
    if not args.cache:  # the same batches, the cache left out
        encoded_rows = streams.encoded_rows

        def without_cache(stream, encode, cache=None):
            return encoded_rows(stream, encode)

        streams.encoded_rows = without_cache
    batches, _ = pipeline._dataset(stream, batch_size=64, training=True)
    seconds = []
    for _ in range(PASSES):
        start = time.perf_counter()
        batches.reduce(tf.constant(0, tf.int64), lambda count, *_: count + 1)
        seconds.append(round(time.perf_counter() - start, 2))
    print("RESULT " + json.dumps(seconds), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--task", default=None)
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--cache", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    sys.path.insert(0, str(REPO / "bench"))
    from common import record
    from streaming import write_corpus

    lines = 10_000 if args.quick else 100_000
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        reviews = pathlib.Path(folder) / "reviews.tsv"
        write_corpus(reviews, lines)
        conll = pathlib.Path(folder) / "words.conll"
        write_conll(reviews, conll, lines)
        for task, corpus in (("sentiment", reviews), ("tagging", conll)):
            for cache in (False, True):
                command = [sys.executable, __file__, "--child", "--task", task]
                command += ["--corpus", str(corpus)] + ["--cache"] * cache
                output = subprocess.run(
                    command, capture_output=True, text=True, cwd=REPO, check=True
                ).stdout
                line = next(x for x in output.splitlines() if x.startswith("RESULT "))
                name = f"{task}, {'cache' if cache else 'no cache'}"
                results[name] = {"pass_seconds": json.loads(line[len("RESULT ") :])}
                print(name, results[name], flush=True)
    record(
        "stream_cache_quick" if args.quick else "stream_cache",
        {"lines": lines, "passes": results},
    )


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
