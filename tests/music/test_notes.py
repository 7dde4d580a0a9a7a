import fractions

import numpy as np
import pytest

from seqkeras.errors import InvalidInputError
from seqkeras.music.notes import (
    LOWEST,
    PITCHES,
    Note,
    canonical_notes,
    format_notes,
    parse_notes,
    parse_pitch,
    piano_roll,
    roll_notes,
)


def test_names_read_in_every_spelling_and_write_in_one():
    assert [parse_pitch(n) for n in ("C4", "B#3", "Db4", "C#4", "D-4")] == [
        60, 60, 61, 61, 61,
    ]  # fmt: skip
    assert parse_pitch("A0") == 21 and parse_pitch("C8") == 108
    assert canonical_notes("Bb3/.5 Cb4/1 E#4/3/2 r/2") == "A#3/0.5 B3/1 F4/1.5 R/2"


def test_text_round_trip_keeps_pitch_and_exact_duration():
    notes = [Note(60, 1), Note(None, fractions.Fraction(1, 2)), Note(71, "1/3")]
    text = format_notes(notes)
    assert text == "C4/1 R/0.5 B4/1/3"
    assert parse_notes(text) == notes


@pytest.mark.parametrize(
    "text, message",
    [
        ("H4/1", "Unknown note name 'H4'"),
        ("C/1", "Unknown note name 'C'"),
        ("C4/-1", "positive number of quarter notes"),
        ("C4/0", "positive number of quarter notes"),
        ("C4/x", "not a number"),
        ("C4", "write NAME/DURATION"),
        ("G9#/1", "Unknown note name"),
        ("C10/1", "outside MIDI's 0-127"),
    ],
)
def test_bad_notes_are_refused_with_the_reason(text, message):
    with pytest.raises(InvalidInputError, match=message):
        parse_notes(text)


def test_two_bar_chorale_piano_roll():
    # Bar 1: C major chord held two beats, then G7 (B3 in the tenor moving);
    # bar 2: C major whole notes; the soprano's eighth notes fill beat 3.
    soprano = parse_notes("E5/2 D5/0.5 E5/0.5 F5/1 E5/4")
    alto = parse_notes("C5/2 B4/2 C5/4")
    tenor = parse_notes("G4/2 G4/1 B3/1 G4/4")
    bass = parse_notes("C3/2 G2/2 C3/4")
    roll = piano_roll((soprano, alto, tenor, bass), steps_per_quarter=4)
    assert roll.shape == (32, PITCHES)  # two bars of 4/4, 16 steps each

    def sounding(step):
        return [LOWEST + int(i) for i in np.flatnonzero(roll[step])]

    assert sounding(0) == [48, 67, 72, 76]  # C3 G4 C5 E5
    assert sounding(8) == [43, 67, 71, 74]  # G2 G4 B4 D5
    assert sounding(10) == [43, 67, 71, 76]  # the soprano's E5 eighth
    assert sounding(12) == [43, 59, 71, 77]  # B3 in the tenor, F5 above
    assert sounding(31) == [48, 67, 72, 76]
    assert roll.sum() == 4 * 32  # always four voices sounding
    # A held pitch is one note; the soprano's two E5s are apart.
    notes = roll_notes(roll)
    e5 = [(onset, n.duration) for onset, n in notes if n.pitch == 76]
    assert e5 == [(0, 2), (fractions.Fraction(5, 2), fractions.Fraction(1, 2)), (4, 4)]


def test_piano_roll_refuses_what_it_would_move():
    with pytest.raises(InvalidInputError, match="off the grid"):
        piano_roll([parse_notes("C4/1/3 D4/2/3")], steps_per_quarter=4)
    with pytest.raises(InvalidInputError, match="outside the piano"):
        piano_roll([[Note(12, 1)]])
