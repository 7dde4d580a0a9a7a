"""Greedy search, sampling and beam search for any step function.

Translation, language models and captioning all generate text the same way:
a step function reads the previous token of each sequence and a state, and
returns scores for the next token and the new state. This module runs that
loop, for any

    step_fn(tokens, state) -> (logits, state)
    step_fn(tokens, state) -> (logits, state, extras)

where `tokens` is int32 `(batch,)`, `state` is any nested structure
(`tf.nest`) of tensors whose first dimension is the batch (it may hold
constants such as encoder outputs and a source mask), `logits` are float
`(batch, vocabulary)` unnormalised scores, and the optional `extras` (float
`(batch, ...)`, for example attention weights over the source) are recorded
at every step. The step function is typically a Keras model.

Every search returns a `Decoded` tuple:

- `tokens`: int32 `(batch, steps)`, the generated tokens with END included
  and 0 (padding) after it; `steps` is the number of steps the loop ran,
  at most `max_length`: it stops early once every sequence has ended.
- `lengths`: int32 `(batch,)`, the tokens generated including END
  (`max_length` for a sequence that never produced END).
- `scores`: float32 `(batch,)`, the sum of the log-probabilities (the
  `log_softmax` of the model's own logits) of the generated tokens.
- `extras`: None, or `(batch, steps, ...)`; rows after END are zero.

Beam search with `return_all=True` returns its whole final beam instead:
every field gains a beam axis after the batch, hypotheses best first.

The loops are written with `keras.ops` (`ops.while_loop`), so that they run
on every Keras backend: inside a `tf.function` and an exported SavedModel
on TensorFlow, under `jax.jit` on JAX. Generation stops when every sequence
has produced END, a condition known only at run time, so the loop is a
`while_loop` rather than a Python loop (which would be unrolled to
`max_length` steps or not traced at all). The history is kept in buffers of
`max_length` columns written one column per step; `tokens` and `extras`
keep the columns the loop ran, except inside `jax.jit`, where that number
is unknown while tracing and the buffers come back whole (zero after every
sequence's end: `lengths` says where each ends). `max_length` may be a
tensor on TensorFlow; under `jax.jit` it must be a Python int, or the
length of an array's axis (how the pipelines pass it, so that a new value
compiles anew rather than failing).

One thing has a path per backend (`steps._draw`): sampling needs a new seed
at every step derived from the caller's seed and the step counter, so that
a given seed gives the same text on every call, eager or compiled; Keras'
random ops take a Python int or a stateful `SeedGenerator`, neither of
which can follow a loop counter tensor, so TensorFlow's and JAX's own
stateless draws are used.

The package: `steps` (the result type, the argument checks and the call of
the step function that every search shares), `single` (greedy search and
sampling: one hypothesis per sequence), `beam` (beam search); here,
`forbid_tokens` and `decode`, the entry point the pipelines use.
"""

import inspect

from keras import ops

from seqkeras._validation import one_of
from seqkeras.decoding.beam import beam_search
from seqkeras.decoding.single import greedy_search, sample
from seqkeras.decoding.steps import _NEG_INF, Decoded, _call_step
from seqkeras.errors import InvalidArgumentError

__all__ = [
    "METHODS",
    "Decoded",
    "beam_search",
    "check_options",
    "decode",
    "forbid_tokens",
    "greedy_search",
    "sample",
]

# === Constraints ===


def forbid_tokens(step_fn, token_ids):
    """Wraps `step_fn` so that the searches never choose `token_ids`.

    Their logits become -inf: greedy search and beam search pass them over,
    sampling never draws them, and the scores are log-probabilities under
    the model's distribution renormalised over the other tokens. The
    pipelines forbid padding, `[START]` and `[UNK]`: an unknown word is not
    a translation or a caption, and the likeliest real word takes its place.

    Args:
        step_fn: a step function, see the module docstring.
        token_ids: ints, the ids never to generate (the end id must not be
            among them, or no sequence could end).

    Returns:
        A step function with the same inputs and outputs.

    Example:

    >>> def step_fn(tokens, state):
    ...     return keras.ops.convert_to_tensor([[0.0, 5.0, 1.0, 2.0]]), state
    >>> constrained = forbid_tokens(step_fn, [1])
    >>> np.asarray(greedy_search(constrained, [0], (), end_id=3, max_length=3).tokens)
    array([[3]], dtype=int32)
    """
    token_ids = sorted({int(i) for i in token_ids})
    if any(i < 0 for i in token_ids):
        raise InvalidArgumentError(
            f"Received an invalid value for argument `token_ids`, expected ids "
            f">= 0, got {token_ids}"
        )

    def constrained(tokens, state):
        logits, new_state, extras = _call_step(step_fn, tokens, state)
        vocab = ops.shape(logits)[1]
        ids = ops.convert_to_tensor(token_ids, "int32")
        forbidden = ops.any(ops.arange(vocab)[:, None] == ids[None, :], axis=1)
        logits = ops.where(forbidden[None, :], _NEG_INF, logits)  # (batch, vocab)
        if extras is None:
            return logits, new_state
        return logits, new_state, extras

    return constrained


# === Dispatch ===

# The searches `decode` runs, by name.
METHODS = {"greedy": greedy_search, "sample": sample, "beam": beam_search}


def check_options(method, options):
    """Checks that `method` is known and takes every one of `options` (a
    dict); returns its search function."""
    search = METHODS[one_of("method", method, METHODS)]
    allowed = set(inspect.signature(search).parameters)
    allowed -= {"step_fn", "start_tokens", "initial_state", "end_id", "max_length"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidArgumentError(
            f"Received unknown option(s) {unknown} for method={method!r}, which "
            f"takes {sorted(allowed)}"
        )
    return search


def decode(
    step_fn,
    start_tokens,
    initial_state,
    *,
    method="greedy",
    end_id,
    max_length,
    **options,
):
    """Runs the search named by `method` with its options.

    A single entry point for the pipelines, which take the method and its
    options from the user.

    Args:
        step_fn: a callable `step_fn(tokens, state) -> (logits, state)` or
            `-> (logits, state, extras)`, see the module docstring.
        start_tokens: int `(batch,)`, the first input token of each sequence.
        initial_state: a nested structure of tensors `(batch, ...)`.
        method: `"greedy"` (`greedy_search`), `"sample"` (`sample`) or
            `"beam"` (`beam_search`).
        end_id: int, the token that ends a sequence.
        max_length: int, the most tokens to generate.
        **options: passed to the search: `temperature`, `top_k` and `seed`
            for `"sample"`, `beam_width`, `length_penalty` and `return_all`
            for `"beam"`.

    Returns:
        A `Decoded` tuple, as `greedy_search` returns.

    Example:

    >>> def step_fn(tokens, state):
    ...     logits = keras.ops.one_hot((tokens + 1) % 4, 4)
    ...     return logits, state
    >>> np.asarray(decode(step_fn, [0], (), method="beam", end_id=3, max_length=5,
    ...        beam_width=2, length_penalty=0.0).tokens)
    array([[1, 2, 3]], dtype=int32)
    """
    search = check_options(method, options)
    return search(
        step_fn,
        start_tokens,
        initial_state,
        end_id=end_id,
        max_length=max_length,
        **options,
    )
