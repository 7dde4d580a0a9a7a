import keras
import numpy as np
import pytest
from keras import ops

from seqkeras.layers.ctc import CTCLoss, MaskedBlanks, ctc_decode, ctc_loss
from seqkeras.numpy_ctc import brute_force_probability, collapse, forward


def log(probabilities):
    return np.log(np.asarray(probabilities, dtype="float32"))


def test_two_frames_one_label_by_hand():
    # Paths that read "1" in two frames: 1 1, 1 _, _ 1.
    y = [[0.3, 0.7], [0.6, 0.4]]
    expected = 0.7 * 0.4 + 0.7 * 0.6 + 0.3 * 0.4  # = 0.82
    loss = ctc_loss(np.array([[1]]), log([y]))
    np.testing.assert_allclose(np.asarray(loss), [-np.log(expected)], rtol=1e-5)
    assert forward(y, [1])[0] == pytest.approx(expected)


@pytest.mark.parametrize(
    "label,frames", [([1], 3), ([1, 2], 4), ([2, 2], 4), ([1, 2, 1], 5), ([2], 5)]
)
def test_loss_is_minus_log_of_the_sum_over_alignments(label, frames):
    rng = np.random.default_rng(len(label) * 10 + frames)
    y = rng.dirichlet(np.ones(3), size=frames)
    total = brute_force_probability(y, label)
    padded = np.array([label + [0] * (3 - len(label))])
    loss = float(np.asarray(ctc_loss(padded, log([y])))[0])
    assert loss == pytest.approx(-np.log(total), rel=1e-4)
    assert forward(y, label)[0] == pytest.approx(total, rel=1e-9)


def test_a_label_too_long_for_the_frames_has_no_path():
    # "11" needs three frames (1 _ 1); two frames cannot read as it.
    assert brute_force_probability(np.full((2, 2), 0.5), [1, 1]) == 0.0
    assert forward(np.full((2, 2), 0.5), [1, 1])[0] == 0.0


def test_padding_steps_become_certain_blanks_and_cost_nothing():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 6, 4)).astype("float32")
    mask = np.array([[True] * 6, [True] * 4 + [False] * 2])
    out = np.asarray(MaskedBlanks()(logits, mask=mask))
    np.testing.assert_array_equal(out[0], logits[0])
    np.testing.assert_array_equal(out[1, :4], logits[1, :4])
    assert (out[1, 4:].argmax(-1) == 0).all()
    labels = np.array([[1, 3], [2, 0]])
    full = np.asarray(ctc_loss(labels, out))
    exact = np.asarray(ctc_loss(labels, logits, np.array([6, 4])))
    np.testing.assert_allclose(full, exact, rtol=1e-5)


def test_the_mask_stops_at_masked_blanks_so_the_loss_sees_whole_rows():
    inputs = keras.Input((None, 3))
    x = keras.layers.Masking(0.0)(inputs)
    x = keras.layers.Dense(4)(x)
    model = keras.Model(inputs, MaskedBlanks()(x))
    model.compile("adam", CTCLoss())
    features = np.ones((2, 5, 3), "float32")
    features[1, 3:] = 0.0
    labels = np.array([[1, 2], [3, 0]])
    loss = model.evaluate(features, labels, verbose=0)
    lengths = np.array([5, 3])
    logits = np.asarray(model.layers[2](features))
    expected = np.asarray(ctc_loss(labels, logits, lengths)).mean()
    assert loss == pytest.approx(expected, rel=1e-4)


def test_greedy_decoding_merges_repeats_then_drops_blanks():
    # Best outputs per frame: 1 1 _ 1 2 2 _ _ -> 1 1 2.
    best = [1, 1, 0, 1, 2, 2, 0, 0]
    y = np.full((8, 3), 0.1)
    y[np.arange(8), best] = 0.8
    ids, scores = ctc_decode(log([y]), np.array([8]))
    ids = np.asarray(ids)[0]
    assert [int(i) for i in ids if i >= 0] == collapse(best) == [1, 1, 2]
    assert float(np.asarray(scores)[0]) == pytest.approx(8 * np.log(0.8), rel=1e-5)
    # Only the first `lengths` steps count.
    ids, _ = ctc_decode(log([y]), np.array([3]))
    assert [int(i) for i in np.asarray(ids)[0] if i >= 0] == [1]


def test_beam_search_finds_the_label_whose_paths_add_up():
    # The best path is "_ _" (0.6 * 0.6 = 0.36, the empty label), but "1"
    # has 0.4 * 0.4 + 0.4 * 0.6 + 0.6 * 0.4 = 0.64 over its three paths.
    y = [[0.6, 0.4], [0.6, 0.4]]
    greedy, _ = ctc_decode(log([y]), np.array([2]))
    beam, score = ctc_decode(log([y]), np.array([2]), method="beam", beam_width=4)
    assert [int(i) for i in np.asarray(greedy)[0] if i >= 0] == []
    assert [int(i) for i in np.asarray(beam)[0] if i >= 0] == [1]
    assert float(np.asarray(score)[0]) == pytest.approx(np.log(0.64), abs=1e-4)


def test_ctc_loss_config_round_trip():
    loss = CTCLoss()
    again = CTCLoss.from_config(loss.get_config())
    labels, logits = np.array([[1, 0]]), log([[[0.5, 0.5], [0.5, 0.5]]])
    assert float(ops.convert_to_numpy(again(labels, logits))) == pytest.approx(
        float(ops.convert_to_numpy(loss(labels, logits)))
    )
