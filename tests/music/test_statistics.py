import pytest

from seqkeras.music import statistics
from seqkeras.music.notes import parse_notes


def piece(*voices):
    return tuple(parse_notes(v) for v in voices)


def test_scale_in_c_major():
    stats = statistics.describe([piece("C4/1 D4/1 E4/1 F4/1 G4/1 A4/1 B4/1 C5/2")])
    assert stats["notes"] == 8
    assert stats["in_key"] == 1.0
    assert stats["pitch_classes"]["C"] == 0.25 and stats["pitch_classes"]["C#"] == 0
    assert stats["intervals"]["+2"] == pytest.approx(5 / 7, abs=1e-3)
    assert stats["intervals"]["+1"] == pytest.approx(2 / 7, abs=1e-3)
    assert stats["durations"]["1"] == 0.875 and stats["durations"]["2"] == 0.125
    assert stats["ranges"] == [[60, 72]] and stats["range_semitones"] == [12]
    assert stats["repeated"] == 0 and stats["longest_run"] == 1


def test_key_chromatic_notes_repeats_and_leaps():
    # In A minor (G# belongs to it), with one chromatic D#; a run of three
    # A4s; a leap of two octaves counted at +12.
    melody = "A3/1 C4/1 E4/1 G#4/1 A4/1 A4/1 A4/1 D#4/0.25 A2/0.75 A4/3"
    stats = statistics.describe([piece(melody)])
    assert statistics.find_key(piece(melody)) == (9, "minor")
    assert stats["in_key"] == pytest.approx(9 / 10, abs=1e-3)
    assert stats["repeated"] == pytest.approx(2 / 9, abs=1e-3)
    assert stats["longest_run"] == 3
    assert stats["intervals"]["+12"] == pytest.approx(1 / 9, abs=1e-3)  # +24
    assert stats["intervals"]["-12"] == pytest.approx(1 / 9, abs=1e-3)  # -18
    assert stats["durations"]["other"] == 0 and stats["durations"]["0.25"] == 0.1


def test_ranges_are_per_voice_and_averaged_over_pieces():
    first = piece("C5/1 E5/1", "C3/2")
    second = piece("G4/1 G5/1", "E3/2")
    stats = statistics.describe([first, second])
    assert stats["ranges"] == [[69.5, 77.5], [50, 50]]  # (72+67)/2, (76+79)/2
    assert stats["range_semitones"] == [8, 0]


def test_compare_is_zero_for_the_same_pieces_and_one_for_disjoint_ones():
    a = statistics.describe([piece("C4/1 D4/1 E4/1")])
    b = statistics.describe([piece("F#4/2 G#4/2 A#4/2")])
    assert statistics.compare(a, a)["pitch_classes"] == 0
    far = statistics.compare(a, b)
    assert far["pitch_classes"] == pytest.approx(1.0, abs=0.002)
    assert far["intervals"] == 0  # the same steps up by two
    assert far["durations"] == 1.0


def test_roll_voices_reads_a_roll_top_down():
    from seqkeras.music.notes import piano_roll

    chorale = piece("E5/2 D5/2", "C5/4", "G4/4", "C3/4")
    voices = statistics.roll_voices(piano_roll(chorale))
    assert [str(n) for n in voices[0]] == ["E5/2", "D5/2"]
    assert [str(n) for n in voices[3]] == ["C3/4"]
