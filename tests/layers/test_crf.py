import itertools

import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.crf import (
    CRF,
    crf_decode,
    crf_log_likelihood,
    crf_log_partition,
    crf_nll,
    crf_sequence_score,
)
from tests import helpers


def tiny_crf(num_tags=3, seed=0):
    """A CRF with random (not zero) transition, start and end scores."""
    rng = np.random.default_rng(seed)
    crf = CRF(num_tags)
    crf.build((None, None, num_tags))
    crf.transitions.assign(rng.normal(size=(num_tags, num_tags)).astype("float32"))
    crf.start_transitions.assign(rng.normal(size=num_tags).astype("float32"))
    crf.end_transitions.assign(rng.normal(size=num_tags).astype("float32"))
    return crf


def brute_force(crf, emissions, length):
    """Every tag sequence of one sentence: its score, log Z and the best one."""
    trans = keras.ops.convert_to_numpy(crf.transitions)
    start = keras.ops.convert_to_numpy(crf.start_transitions)
    end = keras.ops.convert_to_numpy(crf.end_transitions)
    scores = {}
    for tags in itertools.product(range(crf.num_tags), repeat=length):
        s = start[tags[0]] + end[tags[-1]]
        s += sum(emissions[t, tags[t]] for t in range(length))
        s += sum(trans[tags[t - 1], tags[t]] for t in range(1, length))
        scores[tags] = s
    values = np.array(list(scores.values()), dtype="float64")
    log_z = values.max() + np.log(np.exp(values - values.max()).sum())
    return scores, log_z, max(scores, key=scores.get)


@pytest.fixture
def padded_batch():
    rng = np.random.default_rng(1)
    lengths = [4, 1, 3]
    emissions = rng.normal(size=(3, 4, 3)).astype("float32")
    mask = np.arange(4)[None, :] < np.array(lengths)[:, None]
    return emissions, mask, lengths


def test_partition_score_and_decoding_match_brute_force(padded_batch):
    emissions, mask, lengths = padded_batch
    crf = tiny_crf()
    potentials = crf(emissions, mask=mask)
    log_z = keras.ops.convert_to_numpy(crf_log_partition(potentials, mask))
    decoded = keras.ops.convert_to_numpy(crf_decode(potentials, mask))
    rng = np.random.default_rng(2)
    tags = rng.integers(0, 3, size=(3, 4))
    tags[~mask] = -1  # padding labels, as the pipelines give them
    score = keras.ops.convert_to_numpy(crf_sequence_score(potentials, tags, mask))
    for b, n in enumerate(lengths):
        scores, expected_log_z, best = brute_force(crf, emissions[b], n)
        np.testing.assert_allclose(log_z[b], expected_log_z, rtol=1e-5)
        assert tuple(decoded[b, :n]) == best
        np.testing.assert_allclose(score[b], scores[tuple(tags[b, :n])], rtol=1e-5)


def test_likelihoods_of_all_sequences_sum_to_one():
    crf = tiny_crf(num_tags=2)
    emissions = np.random.default_rng(3).normal(size=(1, 3, 2)).astype("float32")
    potentials = crf(emissions)
    sequences = np.array(list(itertools.product(range(2), repeat=3)))
    repeated = keras.ops.repeat(potentials, len(sequences), axis=0)
    likelihood = np.exp(
        keras.ops.convert_to_numpy(crf_log_likelihood(repeated, sequences))
    )
    np.testing.assert_allclose(likelihood.sum(), 1.0, rtol=1e-5)


def test_padding_changes_nothing(padded_batch):
    emissions, mask, lengths = padded_batch
    crf = tiny_crf()
    potentials = crf(emissions, mask=mask)
    tags = np.zeros((3, 4), "int32")
    tags[~mask] = -1
    batch_nll = keras.ops.convert_to_numpy(crf_nll(tags, potentials))
    batch_decoded = keras.ops.convert_to_numpy(crf_decode(potentials, mask))
    for b, n in enumerate(lengths):
        alone = crf(emissions[b : b + 1, :n])
        nll = keras.ops.convert_to_numpy(crf_nll(tags[b : b + 1, :n], alone))
        np.testing.assert_allclose(batch_nll[b], nll[0], rtol=1e-5)
        decoded = keras.ops.convert_to_numpy(crf_decode(alone))
        assert batch_decoded[b, :n].tolist() == decoded[0].tolist()


def test_decoding_avoids_a_forbidden_transition():
    # Tag 1 may never follow tag 0, although word 2 prefers tag 1 on its own.
    crf = CRF(2)
    crf.build((None, None, 2))
    crf.transitions.assign(np.array([[0.0, -100.0], [0.0, 0.0]], "float32"))
    crf.start_transitions.assign(np.zeros(2, "float32"))
    crf.end_transitions.assign(np.zeros(2, "float32"))
    emissions = np.array([[[5.0, 0.0], [0.0, 1.0]]], "float32")
    per_word = emissions.argmax(-1)[0].tolist()
    assert per_word == [0, 1]
    assert keras.ops.convert_to_numpy(crf_decode(crf(emissions)))[0].tolist() == [0, 0]


def test_config_round_trip_and_keras_file(tmp_path):
    crf = tiny_crf()
    assert CRF.from_config(crf.get_config()).num_tags == 3
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(10, 3, mask_zero=True)(inputs)
    model = keras.Model(inputs, CRF(3)(x))
    model.compile(loss=crf_nll)
    ids = np.array([[1, 2, 3], [4, 5, 0]])
    helpers.assert_keras_round_trip(model, ids, tmp_path)


def test_one_word_sentences():
    crf = tiny_crf()
    emissions = np.random.default_rng(4).normal(size=(2, 1, 3)).astype("float32")
    potentials = crf(emissions)
    _, log_z, best = brute_force(crf, emissions[0], 1)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(crf_log_partition(potentials))[0], log_z, rtol=1e-5
    )
    assert keras.ops.convert_to_numpy(crf_decode(potentials))[0].tolist() == list(best)


def test_constrained_decoding_never_takes_a_forbidden_transition():
    from seqkeras.tags import allowed_transitions

    tags = ["O", "B-PER", "I-PER"]
    allowed = allowed_transitions(tags, "iob2")
    crf = CRF(3, allowed=allowed)
    crf.build((None, None, 3))
    # Zero learned scores, so that only the constraints decide: with random
    # ones, I-PER -> B-PER could outscore I-PER -> I-PER (a flaky test).
    crf.transitions.assign(np.zeros((3, 3), "float32"))
    # Emissions that prefer I-PER everywhere: unconstrained, that is O I-PER...
    emissions = np.array([[[0.0, 0.0, 3.0]] * 4], "float32")
    decoded = keras.ops.convert_to_numpy(crf_decode(crf(emissions)))[0].tolist()
    assert decoded == [1, 2, 2, 2]  # B-PER I-PER I-PER I-PER
    log_z = keras.ops.convert_to_numpy(crf_log_partition(crf(emissions)))
    assert np.isfinite(log_z).all()
    assert CRF.from_config(crf.get_config()).allowed == allowed


def test_bad_constraints_are_refused():
    with pytest.raises(InvalidArgumentError, match="'transitions' must have shape"):
        CRF(3, allowed={"start": [1] * 3, "transitions": [[1] * 2] * 2, "end": [1] * 3})
    with pytest.raises(InvalidArgumentError, match="keys 'start'"):
        CRF(3, allowed={"start": [1] * 3})


@pytest.mark.tensorflow_only
def test_one_step_batches_of_unknown_size_in_a_graph():
    import tensorflow as tf

    crf = tiny_crf()
    spec = tf.TensorSpec([None, None, 3, 3])
    decode = tf.function(crf_decode, input_signature=[spec])
    partition = tf.function(crf_log_partition, input_signature=[spec])
    potentials = crf(np.zeros((2, 1, 3), "float32"))
    assert decode(potentials).shape == (2, 1)
    np.testing.assert_allclose(
        partition(potentials).numpy(), crf_log_partition(potentials), rtol=1e-6
    )
