"""The music task's particulars (the contract test covers its verbs)."""

import subprocess
import sys

import numpy as np
import pytest

from seqkeras import datasets
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.music.files import read_midi
from seqkeras.music.notes import format_notes, parse_notes
from seqkeras.pipelines import MusicPipeline, load_pipeline
from seqkeras.pipelines.music import (
    MelodyPipeline,
    melody_baselines,
    melody_statistics,
)
from tests.helpers import SERVING_SCRIPT, serve_in_fresh_process


@pytest.fixture(scope="module")
def data():
    return datasets.load("bach-chorales", limit=10, verbose=0)


@pytest.fixture(scope="module")
def melody(data):
    pipeline = MusicPipeline(units=16, embedding_dim=8, num_steps=8, batch_size=4)
    pipeline.fit(data.train, data.validation, epochs=2, verbose=0)
    return pipeline


def test_the_representation_picks_the_pipeline_and_its_presets():
    assert type(MusicPipeline()) is MelodyPipeline
    assert MusicPipeline().task == "music"
    # The melody model's own sizes reach the builder, not the language
    # model's defaults (which its presets once silently replaced).
    melody = MusicPipeline(architecture="gru")
    assert melody.model_kwargs["cell"] == "gru"
    assert melody.model_kwargs["dropout"] == 0.5 and melody.model_kwargs["units"] == 200
    with pytest.raises(InvalidArgumentError, match="architecture"):
        MusicPipeline(architecture="small")  # a language-model preset
    polyphonic = MusicPipeline("polyphonic")
    assert polyphonic.model_kwargs["dropout"] == 0.3
    with pytest.raises(InvalidArgumentError, match="representation"):
        MusicPipeline(representation="chords")


def test_generated_notes_parse_back_and_continue_the_opening(melody):
    text = melody.predict("C4/1 E4/1", max_length=12, seed=3)
    notes = parse_notes(text)
    assert 1 <= len(notes) <= 12
    # Flats and other spellings are read as the model writes them.
    assert melody.predict("C4/1 Fb4/1", method="greedy", max_length=5) == (
        melody.predict("C4/1 E4/1", method="greedy", max_length=5)
    )


@pytest.mark.parametrize(
    "opening, message",
    [
        ("H4/1", "Unknown note name 'H4'"),
        ("C4/-0.5", "positive number of quarter notes"),
        ("C4", "write NAME/DURATION"),
        ("C1/1", "never saw in training"),
    ],
)
def test_bad_openings_get_a_clear_error(melody, opening, message):
    with pytest.raises(InvalidInputError, match=message):
        melody.predict(opening)


def test_export_generates_notes_that_parse_and_writes_midi(melody, tmp_path):
    melody.export(tmp_path / "saved_model")
    openings = ["C4/1 E4/1", ""]
    arguments = {"max_length": 16, "temperature": 1.0, "seed": 5}
    outputs, modules = serve_in_fresh_process(
        tmp_path / "saved_model", openings, tmp_path, "generate", **arguments
    )
    assert "seqkeras" not in modules
    served = [text.decode("utf-8") for text in outputs["notes"]]
    assert served == melody.predict(openings, max_length=16, seed=5)
    assert all(parse_notes(text) for text in served)
    # serving.py writes the (greedy) piece as MIDI, with nothing but TensorFlow.
    midi = tmp_path / "piece.mid"
    result = subprocess.run(
        [sys.executable, "-P", str(SERVING_SCRIPT), str(tmp_path / "saved_model"),
         "C4/1 E4/1", "--midi", str(midi)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    printed = result.stdout.strip()
    assert printed == "C4/1 E4/1 " + melody.predict(
        "C4/1 E4/1", method="greedy", max_length=50
    )
    assert format_notes(read_midi(midi, tempo=80)[0]) == printed


def test_export_refuses_a_note_outside_the_vocabulary(melody, tmp_path):
    import tensorflow as tf

    melody.export(tmp_path / "saved_model")
    model = tf.saved_model.load(str(tmp_path / "saved_model"))
    args = (tf.constant(10), tf.constant(1.0), tf.constant(0, tf.int64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="never saw in training"):
        model.generate(tf.constant(["C4/1.0"]), *args)


def test_generation_starts_from_the_mean_state_before_end(data, melody):
    import keras

    from seqkeras.models.language import initial_states, step_function

    # Each training melody read from [START] alone, one token at a time, up
    # to its [END]: the mean of those states is where generation starts.
    model = melody.inference_model()
    step, vocabulary = step_function(model), melody.vocabulary
    ends = []
    for tokens in data.train.units:
        states = initial_states(model, 1)
        for token in ("[START]", *tokens):
            ids = np.array([vocabulary.token_to_id(token)])
            _, states = step(ids, states)
        ends.append([[keras.ops.convert_to_numpy(s) for s in pair] for pair in states])
    assert len(melody.start_state) == 2  # layers, each [h, c]
    for i, layer in enumerate(melody.start_state):
        for j, row in enumerate(layer):
            expected = np.mean([end[i][j] for end in ends], axis=0)
            np.testing.assert_allclose(row, expected, atol=1e-5)
    # Generation reads it: another start writes other notes than zeros (the
    # language model's start). This small model hardly depends on its state,
    # so the start is moved far (20 times the learned one).
    start = melody.start_state
    try:
        melody.start_state = [[row * 20 for row in layer] for layer in start]
        far = melody.predict([""] * 8, max_length=30, seed=1)
        melody.start_state = None
        cold = melody.predict([""] * 8, max_length=30, seed=1)
    finally:
        melody.start_state = start
    assert far != cold


def test_saved_and_loaded_it_generates_the_same(melody, tmp_path):
    melody.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    assert type(loaded) is MelodyPipeline
    for i, layer in enumerate(melody.start_state):
        for j, row in enumerate(layer):
            np.testing.assert_array_equal(loaded.start_state[i][j], row)
    assert loaded.predict("C4/1", seed=1) == melody.predict("C4/1", seed=1)
    assert loaded.predict([""] * 3, seed=2) == melody.predict([""] * 3, seed=2)


def test_baselines_and_statistics(data, melody):
    models, figures = melody_baselines(data)
    assert figures["unigram"]["perplexity"] > figures["bigram"]["perplexity"] > 1
    assert 0 < figures["bigram"]["lambda"] < 1
    reference = [c.melody for c in data.chorales["test"]]
    same = melody_statistics(reference, reference)
    assert same["distance"]["pitch_classes"] == 0 and same["distance"]["intervals"] == 0
    samples = [parse_notes(t) for t in melody.predict([""] * 3, max_length=30)]
    far = melody_statistics(samples, reference)
    assert 0 < far["distance"]["intervals"] <= 1


# === The polyphonic model ===


@pytest.fixture(scope="module")
def rolls():
    return datasets.load(
        "bach-chorales", representation="polyphonic", limit=6, verbose=0
    )


@pytest.fixture(scope="module")
def polyphonic(rolls):
    pipeline = MusicPipeline("polyphonic", units=12, embedding_dim=8, num_layers=1)
    pipeline.fit(rolls.train, rolls.validation, epochs=2, batch_size=4, verbose=0)
    return pipeline


def test_evaluate_is_the_mean_nll_per_step_over_the_pieces(rolls, polyphonic):
    import keras

    scores = polyphonic.evaluate(rolls.test)
    assert scores["steps"] == rolls.test.num_steps
    # The same figure from the model's logits, piece by piece.
    total = 0.0
    for roll in rolls.test.rolls:
        inputs = np.concatenate([np.zeros((1, 88), np.float32), roll[:-1]])[None]
        p = 1 / (1 + np.exp(-keras.ops.convert_to_numpy(polyphonic.model(inputs))[0]))
        p = p.astype(np.float64)
        total -= (roll * np.log(p) + (1 - roll) * np.log(1 - p)).sum()
    assert scores["nll_per_step"] == pytest.approx(total / scores["steps"], rel=1e-4)
    assert 0 <= scores["frame_accuracy"] <= 1


def test_predict_is_causal_and_follows_the_input_rule(rolls, polyphonic):
    short, long = rolls.test.rolls[0][:8], rolls.test.rolls[1][:20]
    one = polyphonic.predict(short)
    assert one.shape == (8, 88) and ((one > 0) & (one < 1)).all()
    both = polyphonic.predict([short, long])
    np.testing.assert_allclose(both[0], one, atol=1e-5)  # padded with `long`
    np.testing.assert_allclose(
        polyphonic.predict(long[:8]), both[1][:8], atol=1e-5
    )  # what follows a step does not change its prediction


def test_generate_continues_the_opening_and_is_seeded(rolls, polyphonic):
    opening = rolls.chorales["test"][0].voices
    piece = polyphonic.generate(opening, steps=16, seed=1)
    length = len(rolls.test.rolls[0])
    assert piece.shape == (length + 16, 88)
    np.testing.assert_array_equal(piece[:length], rolls.test.rolls[0])
    np.testing.assert_array_equal(piece, polyphonic.generate(opening, steps=16, seed=1))
    greedy = polyphonic.generate(steps=8, temperature=0)
    assert set(np.unique(greedy)) <= {0.0, 1.0}


@pytest.mark.parametrize(
    "roll, message",
    [
        (np.zeros((4, 12), np.float32), "expected \\(steps, 88\\)"),
        (np.full((4, 88), 0.5, np.float32), "other than 0 and 1"),
        (np.zeros((0, 88), np.float32), "expected \\(steps, 88\\)"),
    ],
)
def test_bad_rolls_are_refused(polyphonic, roll, message):
    with pytest.raises(InvalidInputError, match=message):
        polyphonic.predict(roll)


def test_polyphonic_export_answers_as_predict(rolls, polyphonic, tmp_path):
    polyphonic.export(tmp_path / "saved_model")
    roll = rolls.test.rolls[0][:12]
    outputs, modules = serve_in_fresh_process(
        tmp_path / "saved_model", [roll.tolist()], tmp_path
    )
    assert "seqkeras" not in modules
    np.testing.assert_allclose(
        outputs["probabilities"][0], polyphonic.predict(roll), atol=1e-5
    )
    polyphonic.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    np.testing.assert_allclose(
        loaded.predict(roll), polyphonic.predict(roll), atol=1e-5
    )
