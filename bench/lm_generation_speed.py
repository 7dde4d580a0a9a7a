"""Language-model generation speed: tokens per second, graph-compiled.

Loads a trained `LanguageModelPipeline` (for example the PTB run that
`bench/language_model_quality.py --out DIR` saved) and times
`generate` (sampling, temperature 1, the whole loop in one `tf.function`)
for batches of 1 and 64 prompts, after one warm-up call per batch size.
Tokens are the words (or characters) of the generated text, `[END]` not
counted; a word model stops a row at `[END]`, and the loop runs until every
row has ended or `--max-length`.

    python bench/lm_generation_speed.py --load runs/ptb_small
"""

import argparse
import time

import numpy as np
import tensorflow as tf
from common import record

from seqkeras.pipelines import load_pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", required=True, help="a saved LanguageModelPipeline")
    parser.add_argument("--max-length", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--name", default="lm_generation_speed")
    args = parser.parse_args()

    pipeline = load_pipeline(args.load)
    prompt = "the" if pipeline.level == "word" else "ROMEO:"
    results = {}
    for batch in (1, 64):
        prompts = [prompt] * batch
        function = pipeline.decoding_function("sample")
        inputs = (
            tf.constant(prompts),
            tf.constant(args.max_length),
            tf.constant(1.0),
        )
        function(*inputs, tf.constant(0, tf.int64))  # trace and warm up
        rates, seconds = [], []
        for seed in range(1, args.repeats + 1):
            start = time.perf_counter()
            outputs = function(*inputs, tf.constant(seed, tf.int64))
            generated = outputs["tokens"].flat_values  # [END] is not counted
            tokens = int(tf.reduce_sum(tf.cast(generated != "[END]", tf.int32)))
            elapsed = time.perf_counter() - start
            rates.append(tokens / elapsed)
            seconds.append(elapsed)
        results[f"batch {batch}"] = {
            "tokens_per_second_median": round(float(np.median(rates))),
            "seconds_per_call_median": round(float(np.median(seconds)), 3),
        }
        print(batch, results[f"batch {batch}"], flush=True)
    record(
        args.name,
        {
            "model": args.load,
            "level": pipeline.level,
            "config": pipeline.get_config(),
            "max_length": args.max_length,
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
