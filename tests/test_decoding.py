import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from seqkeras.decoding import (
    Decoded,
    beam_search,
    decode,
    forbid_tokens,
    greedy_search,
    sample,
)
from seqkeras.errors import InvalidArgumentError

PAD, START, END = 0, 1, 2


def table_step(probabilities):
    """A step function whose next-token distribution is a row of a table.

    The model reads only the previous token; the state (any tensor with a
    batch dimension) passes through, tiled and reordered by beam search.
    The Keras model below has a real state.
    """
    log_table = ops.log(ops.convert_to_tensor(probabilities, "float32"))

    def step_fn(tokens, state):
        return ops.take(log_table, tokens, axis=0), state  # (batch, vocab)

    return step_fn


def random_table(vocabulary_size, seed, concentration=1.0):
    rng = np.random.default_rng(seed)
    alpha = np.full(vocabulary_size, concentration)
    return rng.dirichlet(alpha, size=vocabulary_size).astype("float32")


def run(search, probabilities, start_tokens, **kwargs):
    step_fn = table_step(probabilities)
    start_tokens = np.asarray(start_tokens, "int32")
    return search(step_fn, start_tokens, start_tokens, **kwargs)


def numpy(decoded):
    return Decoded(*(None if x is None else np.asarray(x) for x in decoded))


# 0 pad, 1 start, 2 END, 3 and 4 words.
CHAIN = np.array(
    [
        [1.0, 0.0, 0.0, 0.0, 0.0],  # after 0
        [0.0, 0.0, 0.2, 0.5, 0.3],  # after 1 (start)
        [1.0, 0.0, 0.0, 0.0, 0.0],  # after 2 (END)
        [0.0, 0.0, 0.2, 0.1, 0.7],  # after 3
        [0.0, 0.0, 0.6, 0.4, 0.0],  # after 4
    ],
    "float32",
)


def test_greedy_follows_the_table_and_stops_early():
    decoded = numpy(run(greedy_search, CHAIN, [START], end_id=END, max_length=10))
    np.testing.assert_array_equal(decoded.tokens, [[3, 4, END]])
    np.testing.assert_array_equal(decoded.lengths, [3])
    np.testing.assert_allclose(decoded.scores, [np.log(0.5 * 0.7 * 0.6)], rtol=1e-6)
    assert decoded.extras is None
    assert decoded.tokens.dtype == np.int32 and decoded.lengths.dtype == np.int32
    assert decoded.scores.dtype == np.float32


def test_greedy_without_end_runs_to_max_length():
    cycle = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.1, 0.9],  # start -> 3
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.1, 0.9],  # 3 -> 3 forever
        ],
        "float32",
    )
    decoded = numpy(run(greedy_search, cycle, [START, 3], end_id=END, max_length=6))
    np.testing.assert_array_equal(decoded.tokens, np.full((2, 6), 3))
    np.testing.assert_array_equal(decoded.lengths, [6, 6])
    np.testing.assert_allclose(decoded.scores, [6 * np.log(0.9)] * 2, rtol=1e-5)


def test_finished_sequences_pad_and_keep_their_score():
    # Starting from 1, 3 and 4 the sequences end after 3, 2 and 1 steps.
    decoded = numpy(run(greedy_search, CHAIN, [START, 3, 4], end_id=END, max_length=10))
    np.testing.assert_array_equal(
        decoded.tokens, [[3, 4, END], [4, END, PAD], [END, PAD, PAD]]
    )
    np.testing.assert_array_equal(decoded.lengths, [3, 2, 1])
    expected = np.log([0.5 * 0.7 * 0.6, 0.7 * 0.6, 0.6])
    np.testing.assert_allclose(decoded.scores, expected, rtol=1e-5)


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_beam_width_one_is_greedy(length_penalty):
    table = random_table(12, seed=3, concentration=0.5)
    starts = [1, 4, 5, 7, 9, 11]
    greedy = numpy(run(greedy_search, table, starts, end_id=END, max_length=15))
    beam = numpy(
        run(
            beam_search,
            table,
            starts,
            end_id=END,
            max_length=15,
            beam_width=1,
            length_penalty=length_penalty,
        )
    )
    np.testing.assert_array_equal(beam.tokens, greedy.tokens)
    np.testing.assert_array_equal(beam.lengths, greedy.lengths)
    np.testing.assert_allclose(beam.scores, greedy.scores, atol=1e-5)
    assert len(set(greedy.lengths)) > 1  # some sequences ended, some later


# After start: 3 (0.6) or 4 (0.4). 3 ends with 0.4; 4 ends with 1.0.
GREEDY_TRAP = np.array(
    [
        [1.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.6, 0.4],
        [1.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.4, 0.3, 0.3],
        [0.0, 0.0, 1.0, 0.0, 0.0],
    ],
    "float32",
)


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_beam_search_finds_what_greedy_misses(length_penalty):
    greedy = numpy(run(greedy_search, GREEDY_TRAP, [START], end_id=END, max_length=8))
    np.testing.assert_array_equal(greedy.tokens, [[3, END]])
    np.testing.assert_allclose(np.exp(greedy.scores), [0.24], rtol=1e-5)
    beam = numpy(
        run(
            beam_search,
            GREEDY_TRAP,
            [START, START],
            end_id=END,
            max_length=8,
            beam_width=2,
            length_penalty=length_penalty,
        )
    )
    np.testing.assert_array_equal(beam.tokens, [[4, END], [4, END]])
    np.testing.assert_array_equal(beam.lengths, [2, 2])
    np.testing.assert_allclose(np.exp(beam.scores), [0.4, 0.4], rtol=1e-5)


def test_length_penalty_trades_probability_for_length():
    # [END] alone has 0.4; [3, END] has 0.6 * 0.6 = 0.36 but, per token,
    # log(0.36) / 2 > log(0.4).
    table = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.4, 0.6],
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.6, 0.4],
        ],
        "float32",
    )
    kwargs = dict(end_id=END, max_length=6, beam_width=2)
    raw = numpy(run(beam_search, table, [START], length_penalty=0.0, **kwargs))
    np.testing.assert_array_equal(raw.tokens[:, :1], [[END]])
    np.testing.assert_array_equal(raw.lengths, [1])
    np.testing.assert_allclose(np.exp(raw.scores), [0.4], rtol=1e-5)
    normalised = numpy(run(beam_search, table, [START], length_penalty=1.0, **kwargs))
    np.testing.assert_array_equal(normalised.tokens[:, :2], [[3, END]])
    np.testing.assert_array_equal(normalised.lengths, [2])
    # The score stays the raw sum, not the normalised one.
    np.testing.assert_allclose(np.exp(normalised.scores), [0.36], rtol=1e-5)


def brute_force_best(table, start, max_length, length_penalty):
    """The best sequence over every possible one, by normalised score:
    `(tokens, score)`."""
    ranked = every_sequence_ranked(table, start, max_length, length_penalty)
    _, tokens, score = ranked[0]
    return tokens, score


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_a_wide_beam_is_exhaustive(length_penalty):
    # With beam_width >= the number of sequences, nothing is pruned.
    table = random_table(4, seed=11)
    for start in (START, 3):
        tokens, score = brute_force_best(table, start, 3, length_penalty)
        beam = numpy(
            run(
                beam_search,
                table,
                [start],
                end_id=END,
                max_length=3,
                beam_width=64,
                length_penalty=length_penalty,
            )
        )
        np.testing.assert_array_equal(beam.tokens[0, : len(tokens)], tokens)
        assert beam.lengths[0] == len(tokens)
        np.testing.assert_allclose(beam.scores[0], score, rtol=1e-5)


def test_beam_wider_than_the_vocabulary_stops_early():
    # 5 beams, 3 tokens, one possible sequence: hypotheses at -inf fill the
    # beam; they must neither win nor keep the loop running.
    table = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], "float32")
    decoded = numpy(
        run(beam_search, table, [START], end_id=END, max_length=20, beam_width=5)
    )
    np.testing.assert_array_equal(decoded.tokens, [[END]])
    np.testing.assert_array_equal(decoded.lengths, [1])
    np.testing.assert_allclose(decoded.scores, [0.0], atol=1e-6)


def every_sequence_ranked(table, start, max_length, length_penalty):
    """Every possible sequence as `(rank, tokens, score)`, best first."""
    log_table = np.log(table.astype("float64"))
    ranked = []
    for length in range(1, max_length + 1):
        for tokens in itertools.product(range(len(table)), repeat=length):
            ended = END in tokens
            if ended and tokens.index(END) != length - 1:
                continue
            if not ended and length < max_length:
                continue
            previous = (start, *tokens[:-1])
            score = sum(log_table[p, t] for p, t in zip(previous, tokens, strict=True))
            ranked.append((score / length**length_penalty, tokens, score))
    return sorted(ranked, key=lambda entry: -entry[0])


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_a_wide_beam_returns_every_sequence_in_order(length_penalty):
    # 4 tokens and 3 steps: 40 possible sequences, all kept by 64 beams; the
    # 24 hypotheses left over come last, at -inf.
    table = random_table(4, seed=11)
    ranked = every_sequence_ranked(table, START, 3, length_penalty)
    assert len(ranked) == 40
    beam = numpy(
        run(
            beam_search,
            table,
            [START],
            end_id=END,
            max_length=3,
            beam_width=64,
            length_penalty=length_penalty,
            return_all=True,
        )
    )
    assert beam.tokens.shape == (1, 64, 3)
    assert beam.lengths.shape == beam.scores.shape == (1, 64)
    # The same sequences with the same scores, in the order of their ranks
    # (some sequences tie: the same transitions in another order).
    scores = {tokens: score for _, tokens, score in ranked}
    found = {}
    for k in range(40):
        tokens = tuple(beam.tokens[0, k, : beam.lengths[0, k]])
        assert not beam.tokens[0, k, len(tokens) :].any()
        found[tokens] = beam.scores[0, k]
    assert set(found) == set(scores)
    for tokens, score in found.items():
        np.testing.assert_allclose(score, scores[tokens], rtol=1e-5)
    ranks = beam.scores[0, :40] / beam.lengths[0, :40] ** length_penalty
    np.testing.assert_allclose(ranks, [rank for rank, *_ in ranked], rtol=1e-5)
    assert np.all(beam.scores[0, 40:] == -np.inf)


def test_the_whole_beam_starts_with_the_best_and_fills_with_minus_inf():
    # 5 beams, 3 tokens, one possible sequence.
    table = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], "float32")
    kwargs = dict(end_id=END, max_length=20, beam_width=5)
    best = numpy(run(beam_search, table, [START, START], **kwargs))
    every = numpy(run(beam_search, table, [START, START], return_all=True, **kwargs))
    np.testing.assert_array_equal(every.tokens[:, 0], best.tokens)
    np.testing.assert_array_equal(every.lengths[:, 0], best.lengths)
    np.testing.assert_allclose(every.scores[:, 0], best.scores, atol=1e-6)
    assert np.all(every.scores[:, 1:] == -np.inf)


def test_sampling_at_low_temperature_or_top_1_is_greedy():
    table = random_table(10, seed=5)
    starts = [1, 3, 5, 7]
    kwargs = dict(end_id=END, max_length=12)
    greedy = numpy(run(greedy_search, table, starts, **kwargs))
    for options in (dict(temperature=1e-6), dict(temperature=0.0), dict(top_k=1)):
        sampled = numpy(run(sample, table, starts, seed=3, **options, **kwargs))
        np.testing.assert_array_equal(sampled.tokens, greedy.tokens)
        np.testing.assert_array_equal(sampled.lengths, greedy.lengths)
        np.testing.assert_allclose(sampled.scores, greedy.scores, atol=1e-5)


def test_sampling_is_reproducible_per_seed():
    # A flat distribution that never ends: long outputs that differ by seed.
    flat = np.full((6, 6), 1 / 5, "float32")
    flat[:, END] = 0.0
    kwargs = dict(end_id=END, max_length=30)
    starts = [START] * 3
    first = numpy(run(sample, flat, starts, seed=1, **kwargs))
    again = numpy(run(sample, flat, starts, seed=1, **kwargs))
    other = numpy(run(sample, flat, starts, seed=2, **kwargs))
    np.testing.assert_array_equal(first.tokens, again.tokens)
    np.testing.assert_array_equal(first.scores, again.scores)
    assert not np.array_equal(first.tokens, other.tokens)
    # Rows of one batch get independent draws.
    assert not np.array_equal(first.tokens[0], first.tokens[1])
    # Scores are log-probabilities under the model's own distribution.
    np.testing.assert_allclose(first.scores, 30 * np.log(0.2), rtol=1e-5)


def first_token_frequencies(decoded, vocabulary_size):
    counts = np.bincount(decoded.tokens[:, 0], minlength=vocabulary_size)
    return counts / counts.sum()


def test_sampling_frequencies_follow_the_distribution():
    probabilities = np.array([0.0, 0.1, 0.2, 0.3, 0.4], "float32")
    table = np.tile(probabilities, (5, 1))
    starts = [START] * 2000
    kwargs = dict(end_id=END, max_length=1, seed=0)
    drawn = numpy(run(sample, table, starts, **kwargs))
    np.testing.assert_allclose(
        first_token_frequencies(drawn, 5), probabilities, atol=0.05
    )
    # top_k=2 keeps tokens 3 and 4, renormalised.
    drawn = numpy(run(sample, table, starts, top_k=2, **kwargs))
    np.testing.assert_allclose(
        first_token_frequencies(drawn, 5), [0, 0, 0, 3 / 7, 4 / 7], atol=0.05
    )
    # Temperature 0.5 squares the probabilities.
    drawn = numpy(run(sample, table, starts, temperature=0.5, **kwargs))
    squared = probabilities**2 / np.sum(probabilities**2)
    np.testing.assert_allclose(first_token_frequencies(drawn, 5), squared, atol=0.05)


# === A Keras step function with a state structure and attention extras ===

VOCABULARY, UNITS, SOURCE_LENGTH = 7, 8, 5


def tiny_attention_decoder(seed=0):
    """A random Keras step model: (token, hidden, memory) -> logits, hidden,
    attention weights over the memory."""
    keras.utils.set_random_seed(seed)
    token = keras.Input(shape=(), dtype="int32", name="token")
    hidden = keras.Input(shape=(UNITS,), name="hidden")
    memory = keras.Input(shape=(SOURCE_LENGTH, UNITS), name="memory")
    embedded = keras.layers.Embedding(VOCABULARY, UNITS)(token)  # (batch, units)
    joined = keras.layers.Concatenate()([embedded, hidden])
    new_hidden = keras.layers.Dense(UNITS, activation="tanh")(joined)
    scores = keras.layers.Dot(axes=(2, 1))([memory, new_hidden])  # (batch, source)
    attention = keras.layers.Softmax()(scores)
    context = keras.layers.Dot(axes=(1, 1))([attention, memory])  # (batch, units)
    features = keras.layers.Concatenate()([new_hidden, context])
    logits = keras.layers.Dense(VOCABULARY, kernel_initializer="random_normal")(
        features
    )
    # Larger logits make the distribution peaked, so beams differ.
    logits = keras.layers.Rescaling(8.0)(logits)
    model = keras.Model([token, hidden, memory], [logits, new_hidden, attention])

    def step_fn(tokens, state):
        logits, hidden, attention = model([tokens, state["hidden"], state["memory"]])
        return logits, {"hidden": hidden, "memory": state["memory"]}, attention

    return step_fn


def attention_inputs(batch, seed=0):
    rng = np.random.default_rng(seed)
    state = {
        "hidden": rng.normal(size=(batch, UNITS)).astype("float32"),
        "memory": rng.normal(size=(batch, SOURCE_LENGTH, UNITS)).astype("float32"),
    }
    return np.full(batch, START, "int32"), state


def replay(step_fn, start_tokens, state, decoded):
    """Runs `step_fn` along the decoded tokens: the scores and extras."""
    scores, extras = [], []
    for row in range(len(start_tokens)):
        row_state = keras.tree.map_structure(
            lambda x, r=row: ops.convert_to_tensor(x[r : r + 1]), state
        )
        previous = ops.convert_to_tensor(start_tokens[row : row + 1])
        score, row_extras = 0.0, []
        for step in range(decoded.lengths[row]):
            logits, row_state, attention = step_fn(previous, row_state)
            token = decoded.tokens[row, step]
            score += float(ops.log_softmax(logits, axis=-1)[0, token])
            row_extras.append(np.asarray(attention)[0])
            previous = ops.convert_to_tensor([token], "int32")
        scores.append(score)
        extras.append(row_extras)
    return np.array(scores), extras


@pytest.mark.parametrize(
    "search, options",
    [
        (greedy_search, {}),
        (sample, dict(seed=4)),
        (beam_search, dict(beam_width=3, length_penalty=0.0)),
        (beam_search, dict(beam_width=3, length_penalty=1.0)),
    ],
)
def test_extras_follow_the_chosen_hypothesis(search, options):
    step_fn = tiny_attention_decoder(seed=1)
    start_tokens, state = attention_inputs(4, seed=1)
    decoded = numpy(
        search(step_fn, start_tokens, state, end_id=END, max_length=6, **options)
    )
    steps = decoded.tokens.shape[1]
    assert decoded.extras.shape == (4, steps, SOURCE_LENGTH)
    assert decoded.lengths.min() < steps  # some rows end before others
    assert decoded.extras.dtype == np.float32
    scores, extras = replay(step_fn, start_tokens, state, decoded)
    np.testing.assert_allclose(decoded.scores, scores, rtol=1e-4, atol=1e-4)
    for row, length in enumerate(decoded.lengths):
        np.testing.assert_allclose(decoded.extras[row, :length], extras[row], atol=1e-5)
        # Rows after END are zero, attention rows before it sum to one.
        assert not decoded.extras[row, length:].any()
        np.testing.assert_allclose(decoded.extras[row, :length].sum(-1), 1, atol=1e-5)


def test_keras_step_model_beam_width_one_is_greedy():
    step_fn = tiny_attention_decoder(seed=1)
    start_tokens, state = attention_inputs(5, seed=1)
    kwargs = dict(end_id=END, max_length=8)
    greedy = numpy(greedy_search(step_fn, start_tokens, state, **kwargs))
    beam = numpy(beam_search(step_fn, start_tokens, state, beam_width=1, **kwargs))
    for got, expected in zip(beam, greedy, strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_beam_search_scores_are_at_least_greedy():
    step_fn = tiny_attention_decoder(seed=1)
    start_tokens, state = attention_inputs(12, seed=1)
    kwargs = dict(end_id=END, max_length=6)
    greedy = numpy(greedy_search(step_fn, start_tokens, state, **kwargs))
    beam = numpy(
        beam_search(
            step_fn, start_tokens, state, beam_width=4, length_penalty=0.0, **kwargs
        )
    )
    ended = greedy.tokens[np.arange(12), greedy.lengths - 1] == END
    # Among ended sequences, raw-sum beam search can only do better.
    assert ended.sum() >= 3
    assert np.all(beam.scores[ended] >= greedy.scores[ended] - 1e-5)
    assert np.any(beam.scores[ended] > greedy.scores[ended] + 0.1)


def ranking(decoded, length_penalty):
    return decoded.scores / decoded.lengths.astype("float32") ** length_penalty


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_the_whole_beam_is_sorted_and_its_first_is_the_best(length_penalty):
    step_fn = tiny_attention_decoder(seed=1)
    start_tokens, state = attention_inputs(6, seed=2)
    kwargs = dict(end_id=END, max_length=6, beam_width=4)
    kwargs.update(length_penalty=length_penalty)
    best = numpy(beam_search(step_fn, start_tokens, state, **kwargs))
    every = numpy(beam_search(step_fn, start_tokens, state, return_all=True, **kwargs))
    steps = best.tokens.shape[1]
    assert every.tokens.shape == (6, 4, steps)
    assert every.lengths.shape == every.scores.shape == (6, 4)
    assert every.extras.shape == (6, 4, steps, SOURCE_LENGTH)
    # The first hypothesis is the one beam_search returns on its own.
    for got, expected in zip(every, best, strict=True):
        np.testing.assert_array_equal(got[:, 0], expected)
    # Best first by the ranking score; k distinct hypotheses per example.
    ranks = ranking(every, length_penalty)
    assert np.all(np.diff(ranks, axis=1) <= 1e-6)
    assert np.all(np.isfinite(every.scores))
    for row in range(6):
        distinct = {
            tuple(every.tokens[row, k, : every.lengths[row, k]]) for k in range(4)
        }
        assert len(distinct) == 4
    # Every hypothesis's score and attention are those of its own tokens.
    flat = Decoded(
        tokens=every.tokens.reshape(24, steps),
        lengths=every.lengths.reshape(24),
        scores=every.scores.reshape(24),
        extras=None,
    )
    state_per_row = keras.tree.map_structure(lambda x: np.repeat(x, 4, 0), state)
    scores, extras = replay(step_fn, np.repeat(start_tokens, 4), state_per_row, flat)
    np.testing.assert_allclose(flat.scores, scores, rtol=1e-4, atol=1e-4)
    for row, length in enumerate(flat.lengths):
        hypothesis = every.extras.reshape(24, steps, SOURCE_LENGTH)[row]
        np.testing.assert_allclose(hypothesis[:length], extras[row], atol=1e-5)
        assert not hypothesis[length:].any()


def test_the_whole_beam_compiles():
    """In a `tf.function` with an unknown batch, or under `jax.jit` (the
    buffers keep their `max_length` columns there), the whole beam is the
    eager one."""
    table = random_table(9, seed=7)
    step_fn = table_step(table)
    starts = np.array([1, 3, 4], "int32")

    def generate(start_tokens):
        return beam_search(
            step_fn,
            start_tokens,
            start_tokens,
            end_id=END,
            max_length=7,
            beam_width=3,
            return_all=True,
        )

    if keras.backend.backend() == "jax":
        import jax

        compiled = numpy(jax.jit(generate)(starts))
    else:
        spec = [tf.TensorSpec([None], tf.int32)]
        compiled = numpy(tf.function(generate, input_signature=spec)(starts))
    eager = numpy(generate(starts))
    steps = eager.tokens.shape[2]
    assert eager.tokens.shape[:2] == compiled.tokens.shape[:2] == (3, 3)
    np.testing.assert_array_equal(compiled.tokens[:, :, :steps], eager.tokens)
    assert not compiled.tokens[:, :, steps:].any()
    np.testing.assert_array_equal(compiled.lengths, eager.lengths)
    np.testing.assert_allclose(compiled.scores, eager.scores, atol=1e-5)


# === Graphs and exports ===

# The searches compiled whole (a tf.function, jax.jit), with their options.
COMPILED_SEARCHES = {
    "greedy": dict(),
    "sample": dict(temperature=0.8, top_k=4, seed=5),
    "beam": dict(beam_width=3),
}


@pytest.mark.tensorflow_only
def test_searches_run_in_a_tf_function_with_unknown_batch():
    table = random_table(9, seed=7)
    step_fn = table_step(table)
    spec = [tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.int32)]
    for method, options in COMPILED_SEARCHES.items():

        @tf.function(input_signature=spec)
        def generate(start_tokens, max_length, method=method, options=options):
            return decode(
                step_fn,
                start_tokens,
                start_tokens,
                method=method,
                end_id=END,
                max_length=max_length,
                **options,
            )

        for starts in ([1, 3, 4], [5]):
            graph = numpy(generate(tf.constant(starts, tf.int32), tf.constant(7)))
            eager = numpy(
                run(
                    _METHODS_BY_NAME[method],
                    table,
                    starts,
                    end_id=END,
                    max_length=7,
                    **options,
                )
            )
            for got, expected in zip(graph[:3], eager[:3], strict=True):
                np.testing.assert_allclose(got, expected, atol=1e-5)
            assert graph.tokens.shape[1] <= 7


_METHODS_BY_NAME = {"greedy": greedy_search, "sample": sample, "beam": beam_search}


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="tests jax.jit")
def test_searches_compile_with_jax_jit():
    """Under `jax.jit` the number of steps is unknown while tracing: the
    buffers come back with `max_length` columns, the eager result's columns
    first and zeros after. Greedy and beam give the eager tokens; sampling
    its own reproducible draws."""
    import jax

    table = random_table(9, seed=7)
    step_fn = table_step(table)
    starts = np.array([1, 3, 4], "int32")
    for method, options in COMPILED_SEARCHES.items():

        def generate(start_tokens, method=method, options=options):
            return decode(
                step_fn,
                start_tokens,
                start_tokens,
                method=method,
                end_id=END,
                max_length=7,
                **options,
            )

        compiled = numpy(jax.jit(generate)(starts))
        eager = numpy(generate(starts))
        steps = eager.tokens.shape[1]
        assert compiled.tokens.shape == (3, 7)
        np.testing.assert_array_equal(compiled.tokens[:, :steps], eager.tokens)
        assert not compiled.tokens[:, steps:].any()
        np.testing.assert_array_equal(compiled.lengths, eager.lengths)
        np.testing.assert_allclose(compiled.scores, eager.scores, atol=1e-5)


@pytest.mark.tensorflow_only
def test_a_tensor_temperature_of_zero_is_greedy_in_a_graph():
    table = random_table(8, seed=9)
    step_fn = table_step(table)

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def generate(temperature):
        starts = tf.constant([1, 3, 5])
        return sample(
            step_fn, starts, starts, end_id=END, max_length=6, temperature=temperature
        )

    greedy = numpy(run(greedy_search, table, [1, 3, 5], end_id=END, max_length=6))
    np.testing.assert_array_equal(generate(tf.constant(0.0)).tokens, greedy.tokens)


@pytest.mark.tensorflow_only
def test_searches_work_in_a_reloaded_saved_model(tmp_path):
    table = random_table(9, seed=8)

    class Generator(tf.Module):
        def __init__(self):
            super().__init__()
            self.log_table = tf.Variable(np.log(table))

        def step(self, tokens, state):
            return tf.gather(self.log_table, tokens), state

        @tf.function(
            input_signature=[
                tf.TensorSpec([None], tf.int32),
                tf.TensorSpec([], tf.int32),
                tf.TensorSpec([], tf.int64),
            ]
        )
        def generate(self, start_tokens, max_length, seed):
            beam = beam_search(
                self.step, start_tokens, (), end_id=END, max_length=max_length
            )
            drawn = sample(
                self.step,
                start_tokens,
                (),
                end_id=END,
                max_length=max_length,
                seed=seed,
            )
            return {"beam": beam.tokens, "sampled": drawn.tokens}

    generator = Generator()
    tf.saved_model.save(generator, str(tmp_path))
    reloaded = tf.saved_model.load(str(tmp_path))
    arguments = (tf.constant([1, 4]), tf.constant(5), tf.constant(3, tf.int64))
    expected = generator.generate(*arguments)
    got = reloaded.generate(*arguments)
    for key in ("beam", "sampled"):
        np.testing.assert_array_equal(got[key], expected[key])


# === Argument checks ===


@pytest.mark.parametrize(
    "search, options, name",
    [
        (beam_search, dict(beam_width=0), "beam_width"),
        (beam_search, dict(beam_width=2.5), "beam_width"),
        (beam_search, dict(beam_width=True), "beam_width"),
        (beam_search, dict(length_penalty=-1.0), "length_penalty"),
        (beam_search, dict(max_length=0), "max_length"),
        (greedy_search, dict(max_length="5"), "max_length"),
        (greedy_search, dict(end_id=-1), "end_id"),
        (sample, dict(temperature=-0.5), "temperature"),
        (sample, dict(temperature=float("nan")), "temperature"),
        (sample, dict(top_k=0), "top_k"),
        (sample, dict(seed=1.5), "seed"),
    ],
)
def test_bad_arguments_are_refused(search, options, name):
    kwargs = dict(end_id=END, max_length=5) | options
    with pytest.raises(InvalidArgumentError, match=f"`{name}`"):
        run(search, CHAIN, [START], **kwargs)


def test_bad_step_functions_are_refused():
    def rank_three(tokens, state):
        return ops.zeros((ops.shape(tokens)[0], 2, 5)), state

    def logits_only(tokens, state):
        return ops.zeros((ops.shape(tokens)[0], 5))

    for step_fn, message in ((rank_three, "rank|shape"), (logits_only, "return")):
        for search in (greedy_search, beam_search):
            with pytest.raises(InvalidArgumentError, match=message):
                search(step_fn, [START], (), end_id=END, max_length=3)


def test_decode_dispatches_and_checks_the_method():
    kwargs = dict(end_id=END, max_length=10)
    greedy = numpy(run(greedy_search, CHAIN, [START], **kwargs))
    for method, options in (("greedy", {}), ("sample", dict(temperature=0.0))):
        step_fn = table_step(CHAIN)
        decoded = numpy(
            decode(step_fn, [START], [START], method=method, **options, **kwargs)
        )
        np.testing.assert_array_equal(decoded.tokens, greedy.tokens)
    with pytest.raises(InvalidArgumentError, match="`method`.*'greedy'.*'beam'"):
        decode(table_step(CHAIN), [START], [START], method="top_p", **kwargs)
    with pytest.raises(InvalidArgumentError, match="beam_width"):
        decode(
            table_step(CHAIN), [START], [START], method="greedy", beam_width=2, **kwargs
        )


def test_forbidden_tokens_are_never_generated():
    kwargs = dict(end_id=END, max_length=10)
    step_fn = forbid_tokens(table_step(CHAIN), [4, PAD])
    # Greedy would go 3, 4, END; without 4, END after 3 has 0.2 / (0.2 + 0.1).
    # The scores are renormalised over the allowed tokens at every step.
    decoded = numpy(greedy_search(step_fn, [START], [START], **kwargs))
    np.testing.assert_array_equal(decoded.tokens, [[3, END]])
    expected = np.log(0.5 / 0.7) + np.log(0.2 / 0.3)
    np.testing.assert_allclose(decoded.scores, [expected], rtol=1e-6)
    table = random_table(6, seed=4)
    step_fn = forbid_tokens(table_step(table), [4, 5])
    starts = np.full(200, START, "int32")
    for search, options in [
        (beam_search, dict(beam_width=3)),
        (sample, dict(temperature=2.0, seed=7)),
    ]:
        tokens = np.asarray(search(step_fn, starts, starts, **kwargs, **options).tokens)
        assert not np.isin(tokens, [4, 5]).any(), search.__name__
    # Without the constraint the same searches do produce them.
    free = sample(table_step(table), starts, starts, temperature=2.0, seed=7, **kwargs)
    assert np.isin(np.asarray(free.tokens), [4, 5]).any()


def test_forbidding_keeps_extras_and_checks_ids():
    start_tokens, state = attention_inputs(3)
    step_fn = tiny_attention_decoder()
    plain = numpy(greedy_search(step_fn, start_tokens, state, end_id=END, max_length=6))
    first = plain.tokens[0, 0]
    constrained = numpy(
        greedy_search(
            forbid_tokens(step_fn, [first]),
            start_tokens,
            state,
            end_id=END,
            max_length=6,
        )
    )
    assert constrained.extras.shape[::2] == (3, SOURCE_LENGTH)
    assert first not in constrained.tokens
    with pytest.raises(InvalidArgumentError, match="`token_ids`"):
        forbid_tokens(step_fn, [-1])
