"""Notes as text, as events and as a piano roll.

A melody is a sequence of events, each a pitch (a MIDI number, or None for a
rest) and a duration in quarter notes. Written as text, an event is one
token, `NAME/DURATION`: "C4/1" is middle C for a quarter note, "F#4/0.5" an
eighth note, "R/2" a half-note rest. The melody model reads and writes such
tokens (one joint vocabulary of pitch and duration, see
`seqkeras.pipelines.music`), so what it generates is text that `parse_notes`
reads back.

Names are written the one way the model writes them (`note_name`): sharps,
never flats, with the octave of scientific pitch notation (C4 = MIDI 60).
`parse_notes` also reads flats ("Bb3", or music21's "B-3") and durations
such as ".5" or "1/3", and turns them into that one spelling; anything else
is refused with the reason.

Four-part music is a tuple of voices (soprano, alto, tenor, bass), each a
sequence of events from the start of the piece. `piano_roll` lays voices on
a grid of `steps_per_quarter` steps per quarter note (4: sixteenth notes),
one multi-hot row of `PITCHES` per step, as the JSB Chorales benchmark
writes polyphonic music; `roll_notes` reads such a roll back as notes.

Example:

>>> notes = parse_notes("C4/1 Eb4/0.5 R/.5 G4/2")
>>> format_notes(notes)
'C4/1 D#4/0.5 R/0.5 G4/2'
>>> piano_roll([notes], steps_per_quarter=2)[:, 60 - LOWEST].tolist()
[1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
"""

import dataclasses
import fractions
import re

import numpy as np

from seqkeras.errors import InvalidInputError

NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
REST = "R"
# The 88 keys of a piano, A0 (MIDI 21) to C8 (108): the pitch axis of the
# JSB Chorales piano rolls (Boulanger-Lewandowski et al. 2012).
LOWEST, HIGHEST = 21, 108
PITCHES = HIGHEST - LOWEST + 1
VOICES = ("soprano", "alto", "tenor", "bass")

_PITCH = re.compile(r"^([A-Ga-g])(#{1,2}|b{1,2}|-{1,2})?(-?\d+)$")


@dataclasses.dataclass(frozen=True)
class Note:
    """One event: `pitch` a MIDI number (None for a rest) and `duration` in
    quarter notes (a `fractions.Fraction`, so that sums stay exact)."""

    pitch: int | None
    duration: fractions.Fraction

    def __post_init__(self):
        object.__setattr__(self, "duration", fractions.Fraction(self.duration))

    @property
    def is_rest(self):
        return self.pitch is None

    def __str__(self):
        return note_token(self)


def note_name(pitch):
    """A MIDI number's name in scientific pitch notation, sharps only.

    >>> note_name(60), note_name(70), note_name(21)
    ('C4', 'A#4', 'A0')
    """
    if pitch is None:
        return REST
    return f"{NAMES[pitch % 12]}{pitch // 12 - 1}"


def parse_pitch(name):
    """A note name ("C4", "F#3", "Bb2", "B-2") -> its MIDI number; "R" ->
    None (a rest).

    >>> parse_pitch("C4"), parse_pitch("Bb3"), parse_pitch("B-3"), parse_pitch("R")
    (60, 58, 58, None)
    """
    if name in (REST, "r", "rest"):
        return None
    match = _PITCH.match(name)
    if match is None:
        raise InvalidInputError(
            f"Unknown note name {name!r}: write a letter A-G, an optional # or b "
            "(or -), and an octave, as in C4 (middle C), F#3 or Bb2; R for a rest."
        )
    letter, accidental, octave = match.groups()
    accidental = accidental or ""
    alter = len(accidental) * (1 if accidental.startswith("#") else -1)
    pitch = STEPS[letter.upper()] + alter + 12 * (int(octave) + 1)
    if not 0 <= pitch <= 127:
        raise InvalidInputError(
            f"The note {name!r} is MIDI pitch {pitch}, outside MIDI's 0-127 "
            "(C-1 to G9)."
        )
    return pitch


def format_duration(duration):
    """A duration in quarter notes, written shortest: 1, 0.5, 1.5, 0.25, 1/3.

    >>> format_duration(1), format_duration(0.75), format_duration("1/3")
    ('1', '0.75', '1/3')
    """
    duration = fractions.Fraction(duration)
    if duration.denominator == 1:
        return str(duration.numerator)
    # Denominators 2, 4, 8, ... end as decimals; thirds stay fractions.
    if duration.denominator & (duration.denominator - 1) == 0:
        return f"{float(duration):g}"
    return f"{duration.numerator}/{duration.denominator}"


def parse_duration(text, token="?"):
    """ "1", "0.5", ".5", "3/2" -> a positive `Fraction` of quarter notes."""
    try:
        duration = fractions.Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InvalidInputError(
            f"The note {token!r} has the duration {text!r}, which is not a number: "
            "write quarter notes as 1, 0.5 or 3/2."
        ) from None
    if duration <= 0:
        raise InvalidInputError(
            f"The note {token!r} has the duration {text}: a duration is a positive "
            "number of quarter notes (1 a quarter note, 0.5 an eighth, 2 a half)."
        )
    return duration


def note_token(note):
    """One event as the model's token: "C4/1", "R/0.5"."""
    return f"{note_name(note.pitch)}/{format_duration(note.duration)}"


def parse_note(token):
    """One token "NAME/DURATION" -> a `Note`, with the reason if it is not
    one."""
    name, slash, duration = token.partition("/")
    if not slash or not name or not duration:
        raise InvalidInputError(
            f"Cannot read {token!r} as a note: write NAME/DURATION, as in C4/1 (a "
            "quarter note), F#4/0.5 or R/2 (a half-note rest)."
        )
    return Note(parse_pitch(name), parse_duration(duration, token))


def parse_notes(text):
    """A string of notes separated by white space -> a list of `Note`s.

    Raises `InvalidInputError` naming the first token that is not a note.
    """
    if not isinstance(text, str):
        raise InvalidInputError(
            f"Expected notes as a string such as 'C4/1 D4/0.5', got "
            f"{type(text).__name__}."
        )
    return [parse_note(token) for token in text.split()]


def format_notes(notes):
    """`Note`s -> the text `parse_notes` reads ("C4/1 D4/0.5")."""
    return " ".join(note_token(note) for note in notes)


def canonical_notes(text):
    """`text` with every note spelt as the model writes it ("Bb3/.5" ->
    "A#3/0.5")."""
    return format_notes(parse_notes(text))


def voice_length(notes):
    """The length of a voice in quarter notes."""
    return sum((note.duration for note in notes), fractions.Fraction(0))


def transpose(notes, semitones):
    """The notes moved by `semitones` (rests stay rests)."""
    return [
        Note(None if n.pitch is None else n.pitch + semitones, n.duration)
        for n in notes
    ]


def onsets(notes):
    """`(onset, note)` pairs, onsets in quarter notes from the start."""
    time, out = fractions.Fraction(0), []
    for note in notes:
        out.append((time, note))
        time += note.duration
    return out


def piano_roll(voices, *, steps_per_quarter=4):
    """Voices -> a `(steps, PITCHES)` float32 multi-hot roll.

    Row `t` marks the pitches sounding during step `t` (from
    `t / steps_per_quarter` quarter notes on): a held note stays marked, as
    in the JSB Chorales rolls. An onset or a duration off the grid is
    refused: it would be moved without telling.
    """
    length = max((voice_length(v) for v in voices), default=0)
    steps = length * steps_per_quarter
    if steps.denominator != 1:
        raise InvalidInputError(
            f"The music lasts {length} quarter notes, not a whole number of "
            f"steps of 1/{steps_per_quarter}: use a finer grid."
        )
    roll = np.zeros((int(steps), PITCHES), np.float32)
    for voice in voices:
        for onset, note in onsets(voice):
            if note.pitch is None:
                continue
            start, end = (
                onset * steps_per_quarter,
                (onset + note.duration) * steps_per_quarter,
            )
            if start.denominator != 1 or end.denominator != 1:
                raise InvalidInputError(
                    f"The note {note_token(note)} at quarter {onset} is off the grid "
                    f"of 1/{steps_per_quarter} quarter notes: use a finer grid."
                )
            if not LOWEST <= note.pitch <= HIGHEST:
                raise InvalidInputError(
                    f"The note {note_token(note)} is outside the piano's range "
                    f"{note_name(LOWEST)}-{note_name(HIGHEST)} that the roll holds."
                )
            roll[int(start) : int(end), note.pitch - LOWEST] = 1.0
    return roll


def roll_notes(roll, *, steps_per_quarter=4):
    """A multi-hot roll -> `(onset, Note)` pairs, onsets in quarter notes.

    A pitch marked in consecutive steps is one held note (a roll does not
    tell a held note from the same note struck again).
    """
    roll = np.asarray(roll) > 0.5
    step = fractions.Fraction(1, steps_per_quarter)
    notes = []
    for index in range(roll.shape[1]):
        column = np.concatenate([[False], roll[:, index], [False]]).astype(np.int8)
        changes = np.diff(column)
        starts, ends = np.flatnonzero(changes == 1), np.flatnonzero(changes == -1)
        for start, end in zip(starts, ends, strict=True):
            notes.append(
                (int(start) * step, Note(LOWEST + index, int(end - start) * step))
            )
    notes.sort(key=lambda pair: (pair[0], -pair[1].pitch))
    return notes
