"""Decoding speed: the graph-compiled batched decoder against a Python loop.

The same translator (spa-eng sizes: GRU 256 units with additive attention,
16,000 target words) and the same source sentences (batch 1 and 64) are
decoded greedily for `--steps` words in three ways:

- `seqkeras.decoding.greedy_search` compiled whole: inside one
  `tf.function` on TensorFlow, under `jax.jit` on JAX (the way
  `TranslationPipeline.translate` runs it on each backend);
- `predict_loop`: the plain Python loop of the Keras examples (the
  character-level sequence-to-sequence one, for instance): an encoder model
  and a one-step decoder model, functional models built from the same
  layers, called with `Model.predict` once per word, argmax in NumPy;
- `eager_loop`: a leaner Python loop that calls `model.decode_step` eagerly
  once per word (no `predict` machinery), argmax in NumPy.

All three encode once and reuse the attention keys.

The untrained model never produces `[END]` early, so both run all steps and
generate exactly `batch x steps` tokens. Target: at least 10x more tokens
per second for the graph at batch 64 than for the plain Python loop.

    python bench/decoding_speed.py                    # TensorFlow
    KERAS_BACKEND=jax python bench/decoding_speed.py  # JAX: decoding_speed_jax
"""

import argparse
import time

import keras
import numpy as np
import tensorflow as tf
from common import record

from seqkeras import decoding
from seqkeras.models.translation import build_translator

START, END = 2, 3


def no_end(logits):
    """END is never chosen, so every sentence runs all steps."""
    return logits - 1e9 * keras.ops.one_hot(END, logits.shape[-1])


def eager_loop(model, source, steps):
    memory, mask, states = model.encode(source)
    keys = model.attention_keys(memory)
    tokens = np.full(source.shape[0], START, "int32")
    generated = []
    for _ in range(steps):
        logits, states, _ = model.decode_step(tokens, states, memory, mask, keys)
        tokens = np.asarray(no_end(logits)).argmax(-1).astype("int32")
        generated.append(tokens)
    return np.stack(generated, axis=1)


def compiled(model, decode):
    """`decode` compiled whole, as the pipelines run it: one `tf.function`
    on TensorFlow; on JAX `jax.jit` with the weights passed in (as
    `seqkeras.pipelines.stages` does). Returns NumPy tokens."""
    if keras.backend.backend() == "tensorflow":
        function = tf.function(
            decode, input_signature=[tf.TensorSpec([None, None], tf.int32)]
        )
        return lambda source: function(source).numpy()
    from seqkeras.pipelines.stages import jit_on_weights

    function = jit_on_weights(decode, [model])
    return lambda source: np.asarray(function(source))


def inference_models(model):
    """The encoder and one decoder step as functional Keras models."""
    source = keras.Input((None,), dtype="int32")
    memory, mask, states = model.encode(source)
    encoder = keras.Model(source, [memory, mask, model.attention_keys(memory), *states])
    tokens = keras.Input(batch_shape=(None,), dtype="int32")
    memory_in = keras.Input((None, memory.shape[-1]))
    mask_in = keras.Input((None,), dtype="bool")
    keys_in = keras.Input((None, encoder.outputs[2].shape[-1]))
    states_in = [keras.Input((s.shape[-1],)) for s in states]
    logits, new_states, _ = model.decode_step(
        tokens, states_in, memory_in, mask_in, keys_in
    )
    decoder = keras.Model(
        [tokens, memory_in, mask_in, keys_in, *states_in], [logits, *new_states]
    )
    return encoder, decoder


def predict_loop(models, source, steps):
    encoder, decoder = models
    memory, mask, keys, *states = encoder.predict(source, verbose=0)
    tokens = np.full(source.shape[0], START, "int32")
    generated = []
    for _ in range(steps):
        logits, *states = decoder.predict(
            [tokens, memory, mask, keys, *states], verbose=0
        )
        tokens = np.asarray(no_end(logits)).argmax(-1).astype("int32")
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

    def no_end_step(tokens, state):
        logits, state, attention = step(tokens, state)
        return no_end(logits), state, attention

    models = inference_models(model)

    def decode(source):
        state = model.initial_decoder_state(source)
        start = keras.ops.full(keras.ops.shape(source)[:1], START, "int32")
        return decoding.greedy_search(
            no_end_step, start, state, end_id=END, max_length=args.steps
        ).tokens

    graph_decoder = compiled(model, decode)

    backend = keras.backend.backend()
    figures = {"steps": args.steps, "model": "GRU 256, additive attention"}
    figures["backend"] = backend
    for batch in (1, 64):
        source = rng.integers(4, 12000, size=(batch, 12)).astype("int32")
        runs = {
            "graph": lambda s=source: graph_decoder(s),
            "predict_loop": lambda s=source: predict_loop(models, s, args.steps),
            "eager_loop": lambda s=source: eager_loop(model, s, args.steps),
        }
        outputs = {name: run() for name, run in runs.items()}  # warm-up, traces
        timings = {}
        for _ in range(args.repeats):  # interleaved, so drift hits all three
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                timings.setdefault(name, []).append(time.perf_counter() - start)
        speed = {
            name: batch * args.steps / float(np.median(seconds))
            for name, seconds in timings.items()
        }
        figures[f"batch_{batch}"] = {
            **{f"{name}_tokens_per_second": round(v, 1) for name, v in speed.items()},
            "speedup_over_predict_loop": round(
                speed["graph"] / speed["predict_loop"], 2
            ),
            "speedup_over_eager_loop": round(speed["graph"] / speed["eager_loop"], 2),
            # The same greedy words: the three compute the same thing.
            "same_tokens": all(
                np.array_equal(outputs["graph"], o) for o in outputs.values()
            ),
        }
    speedup = figures["batch_64"]["speedup_over_predict_loop"]
    figures.update(
        target="graph >= 10x the plain Python (predict) loop at batch 64",
        met=speedup >= 10,
    )
    record(
        "decoding_speed" + ("" if backend == "tensorflow" else f"_{backend}"), figures
    )


if __name__ == "__main__":
    main()
