"""The music task's particulars (the contract test covers its verbs)."""

import subprocess
import sys

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


def test_the_representation_picks_the_pipeline():
    assert type(MusicPipeline()) is MelodyPipeline
    assert MusicPipeline().task == "music"
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


def test_saved_and_loaded_it_generates_the_same(melody, tmp_path):
    melody.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    assert type(loaded) is MelodyPipeline
    assert loaded.predict("C4/1", seed=1) == melody.predict("C4/1", seed=1)


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
