import numpy as np
import pytest

from seqkeras.music import files
from seqkeras.music.notes import format_notes, parse_notes

SOPRANO = "E5/2 D5/0.5 E5/0.5 F5/1 E5/3 R/1"
ALTO = "C5/2 B4/2 C5/4"
TENOR = "G4/2 G4/1 B3/1 G4/1.5 A#3/0.25 B3/0.25 R/2"
BASS = "C3/2 G2/2 C3/4"


def chorale():
    return tuple(parse_notes(v) for v in (SOPRANO, ALTO, TENOR, BASS))


def test_musicxml_events_musicxml_round_trip_keeps_pitches_and_durations(tmp_path):
    path = files.write_musicxml(chorale(), tmp_path / "two_bars.musicxml")
    voices = files.read_musicxml(path)
    assert [format_notes(v) for v in voices] == [SOPRANO, ALTO, TENOR, BASS]
    # And once more through the file: nothing drifts.
    again = files.read_musicxml(files.write_musicxml(voices, tmp_path / "b.musicxml"))
    assert again == voices


def test_notes_tied_over_the_bar_line_are_one_event(tmp_path):
    # A half note on beat 4 crosses the bar: music21 writes it tied.
    melody = parse_notes("C4/3 D4/2 E4/3")
    path = files.write_musicxml([melody], tmp_path / "tied.musicxml")
    text = path.read_text()
    assert '<tied type="start"' in text
    assert format_notes(files.read_musicxml(path)[0]) == "C4/3 D4/2 E4/3"


def test_a_score_without_four_voices_says_why():
    from seqkeras.music.files import NotFourVoices, score_voices

    score = files.to_score(chorale()[:3], names=("soprano", "alto", "tenor"))
    with pytest.raises(NotFourVoices, match="3 parts"):
        score_voices(score)


def test_midi_round_trip_and_synthesis(tmp_path):
    path = files.write_midi(chorale(), tmp_path / "two_bars.mid", tempo=90)
    voices = files.read_midi(path)
    # Trailing rests are silence, not events, in MIDI.
    expected = [SOPRANO.removesuffix(" R/1"), ALTO, TENOR.removesuffix(" R/2"), BASS]
    assert [format_notes(v) for v in voices] == expected
    audio = files.synthesize(chorale(), tempo=120, sample_rate=8000)
    assert audio.dtype == np.float32 and np.abs(audio).max() == pytest.approx(1.0)
    # 8 beats at 120 a minute, and the release of the last notes.
    assert 4 * 8000 <= len(audio) <= 5 * 8000
