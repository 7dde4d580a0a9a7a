"""Decoding speed: the graph-compiled batched decoder against a Python loop.

The same translator (spa-eng sizes: GRU 256 units with additive attention,
16,000 target words) and the same 64 source sentences are decoded greedily
for `--steps` words in two ways:

- `seqkeras.decoding.greedy_search` inside one `tf.function` (the way
  `TranslationPipeline.translate` and the SavedModel run it);
- a plain Python loop that calls `model.decode_step` eagerly once per word
  and picks the argmax with NumPy.

The untrained model never produces `[END]` early, so both run all steps and
generate exactly `batch x steps` tokens. Target: at least 10x more tokens
per second for the graph at batch 64.

    python bench/decoding_speed.py
"""

import argparse
import time

import numpy as np
import tensorflow as tf
from common import record

from seqkeras import decoding
from seqkeras.models.translation import build_translator

START, END = 2, 3


def python_loop(model, source, steps):
    memory, mask, states = model.encode(source)
    tokens = np.full(source.shape[0], START, "int32")
    generated = []
    for _ in range(steps):
        logits, states, _ = model.decode_step(tokens, states, memory, mask)
        tokens = np.asarray(logits).argmax(-1).astype("int32")
        generated.append(tokens)
    return np.stack(generated, axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    model = build_translator(
        12000, 16000, cell="gru", units=256, embedding_dim=256, attention="additive"
    )
    rng = np.random.default_rng(0)
    step = model.step_function()

    # END is never chosen, so every sentence runs all steps in both decoders.
    def no_end_step(tokens, state):
        logits, state, attention = step(tokens, state)
        return logits - 1e9 * tf.one_hot(END, 16000), state, attention

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
    def graph_decoder(source):
        state = model.initial_decoder_state(source)
        start = tf.fill(tf.shape(source)[:1], START)
        return decoding.greedy_search(
            no_end_step, start, state, end_id=END, max_length=args.steps
        ).tokens

    figures = {"steps": args.steps, "model": "GRU 256, additive attention"}
    for batch in (1, 64):
        source = rng.integers(4, 12000, size=(batch, 12)).astype("int32")
        graph_tokens = graph_decoder(source).numpy()  # trace once
        loop_tokens = python_loop(model, source, args.steps)
        # Same greedy words (up to float ties): the loops compute the same thing.
        agreement = float(np.mean(graph_tokens == loop_tokens))
        timings = {}
        for name, run in (
            ("graph", lambda s=source: graph_decoder(s).numpy()),
            ("python_loop", lambda s=source: python_loop(model, s, args.steps)),
        ):
            seconds = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                run()
                seconds.append(time.perf_counter() - start)
            timings[name] = batch * args.steps / float(np.median(seconds))
        figures[f"batch_{batch}"] = {
            "graph_tokens_per_second": round(timings["graph"], 1),
            "python_loop_tokens_per_second": round(timings["python_loop"], 1),
            "speedup": round(timings["graph"] / timings["python_loop"], 2),
            "same_tokens": agreement,
        }
    speedup = figures["batch_64"]["speedup"]
    figures.update(target="graph >= 10x the Python loop at batch 64", met=speedup >= 10)
    record("decoding_speed", figures)


if __name__ == "__main__":
    main()
