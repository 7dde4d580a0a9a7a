"""Music in and out of files: scores read with music21, MusicXML and MIDI
written, audio rendered without a synthesizer.

- `score_voices(score)`: a music21 score -> its four voices as events
  (`seqkeras.music.notes.Note`), or `NotFourVoices` with the reason;
- `to_score(voices)`: events -> a music21 score (one part per voice), which
  `write_musicxml` writes;
- `to_midi(voices)` / `write_midi`: a `pretty_midi.PrettyMIDI`, one
  instrument per voice;
- `synthesize(voices)`: a waveform of sine tones (pretty_midi's own
  synthesis, so a notebook plays music with no system synthesizer).

music21 reads the corpus and writes MusicXML because it is the library that
ships the chorales and reads MusicXML fully (ties, voices, pick-up bars);
pretty_midi writes MIDI and synthesises because it does both in a few lines
with only NumPy and mido below it. Both are imported only when used.
"""

import fractions
import pathlib

import numpy as np

from seqkeras.errors import InvalidInputError
from seqkeras.music.notes import VOICES, Note, onsets

DEFAULT_TEMPO = 80  # quarter notes a minute: a chorale's walking pace
SAMPLE_RATE = 16000


class NotFourVoices(InvalidInputError):
    """A score that does not read as four monophonic voices."""


def _part_for(parts, voice):
    """The part named for `voice` ("Soprano", "S.", "Sopran"...), if one."""
    initial = voice[0]
    for part in parts:
        name = (part.partName or part.id or "").strip().lower()
        if name.startswith(voice[:4]) or name in (initial, f"{initial}."):
            return part
    return None


def _part_events(part, voice, *, chords, limit_denominator=12):
    """One part's notes and rests as events. `chords`: "refuse" raises
    `NotFourVoices`, "top" keeps a chord's highest note."""
    from music21 import chord

    notes, time = [], fractions.Fraction(0)
    for element in part.stripTies().flatten().notesAndRests:
        duration = fractions.Fraction(element.quarterLength)
        duration = duration.limit_denominator(limit_denominator)
        if duration == 0:
            continue  # a grace note
        offset = fractions.Fraction(element.offset).limit_denominator(limit_denominator)
        if offset > time:
            notes.append(Note(None, offset - time))
        elif offset < time:
            raise NotFourVoices(f"the {voice} has overlapping notes")
        if element.isRest:
            pitch = None
        elif isinstance(element, chord.Chord):
            if chords == "refuse":
                raise NotFourVoices(f"the {voice} holds chords")
            pitch = max(int(p.midi) for p in element.pitches)
        else:
            pitch = int(element.pitch.midi)
        if notes and pitch is None and notes[-1].pitch is None:
            notes[-1] = Note(None, notes[-1].duration + duration)  # one rest
        else:
            notes.append(Note(pitch, duration))
        time = offset + duration
    return tuple(notes)


def score_voices(score):
    """The soprano, alto, tenor and bass of a music21 score, as events.

    Parts are found by name (Soprano, Alto, Tenor, Bass; other parts, such
    as the instruments some chorales add, are left out); a score with exactly
    four unnamed parts is read top to bottom. Tied notes become one note,
    grace notes (no duration) are dropped, and a gap between notes becomes a
    rest.

    Raises:
        NotFourVoices: the reason, when the score has not one part per voice,
            a voice holds chords, or a voice is empty.
    """
    parts = list(score.parts)
    chosen = [_part_for(parts, voice) for voice in VOICES]
    if any(part is None for part in chosen):
        if len(parts) != 4:
            names = [p.partName or p.id for p in parts]
            raise NotFourVoices(f"{len(parts)} parts ({', '.join(map(str, names))})")
        chosen = parts
    voices = []
    for voice, part in zip(VOICES, chosen, strict=True):
        notes = _part_events(part, voice, chords="refuse")
        if not any(note.pitch is not None for note in notes):
            raise NotFourVoices(f"the {voice} has no notes")
        voices.append(notes)
    return tuple(voices)


def to_score(voices, *, names=VOICES, time_signature="4/4"):
    """Events -> a music21 `Score`, one part per voice (a melody: pass
    `[notes]`), written with the given time signature."""
    from music21 import meter, note, stream

    score = stream.Score()
    for name, voice in zip(names, voices, strict=False):
        part = stream.Part(id=name)
        part.partName = name.capitalize()
        part.append(meter.TimeSignature(time_signature))
        for event in voice:
            if event.pitch is None:
                element = note.Rest()
            else:
                element = note.Note(event.pitch)
            element.quarterLength = event.duration
            part.append(element)
        score.insert(0, part)
    return score


def write_musicxml(voices, path, **options):
    """Writes events as a MusicXML file (bars and ties made by music21)."""
    path = pathlib.Path(path)
    to_score(voices, **options).write("musicxml", fp=str(path))
    return path


def read_musicxml(path, *, score=None):
    """A MusicXML file (or .mxl) -> its voices: the four of a chorale (see
    `score_voices`), else one per part (a chord's highest note kept).
    `score`: the file already parsed by music21."""
    from music21 import converter

    score = converter.parse(str(path)) if score is None else score
    try:
        return score_voices(score)
    except NotFourVoices:
        if len(score.parts) == 4:
            raise
    return tuple(
        _part_events(part, f"part {i + 1}", chords="top")
        for i, part in enumerate(score.parts)
    )


def to_midi(voices, *, tempo=DEFAULT_TEMPO, program=52, velocity=80):
    """Events -> a `pretty_midi.PrettyMIDI`, one instrument per voice
    (General MIDI program 52, choir "aahs", by default)."""
    import pretty_midi

    seconds = 60.0 / tempo  # per quarter note
    midi = pretty_midi.PrettyMIDI(initial_tempo=float(tempo))
    for name, voice in zip(VOICES, voices, strict=False):
        instrument = pretty_midi.Instrument(program=program, name=name.capitalize())
        for onset, event in onsets(voice):
            if event.pitch is None:
                continue
            instrument.notes.append(
                pretty_midi.Note(
                    velocity=velocity,
                    pitch=int(event.pitch),
                    start=float(onset) * seconds,
                    end=float(onset + event.duration) * seconds,
                )
            )
        midi.instruments.append(instrument)
    return midi


def write_midi(voices, path, **options):
    """Writes events as a standard MIDI file."""
    path = pathlib.Path(path)
    to_midi(voices, **options).write(str(path))
    return path


def read_midi(path, *, tempo=None):
    """A MIDI file -> one voice of events per instrument, durations in
    quarter notes at `tempo` (default the file's first tempo), rounded to
    sixteenths; notes that overlap in one instrument keep the highest."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(str(path))
    if tempo is None:
        _, tempi = midi.get_tempo_changes()
        tempo = float(tempi[0]) if len(tempi) else 120.0
    quarter = 60.0 / tempo
    voices = []
    for instrument in midi.instruments:
        notes, time = [], fractions.Fraction(0)
        for item in sorted(instrument.notes, key=lambda n: (n.start, -n.pitch)):
            start = fractions.Fraction(round(item.start / quarter * 4), 4)
            end = fractions.Fraction(round(item.end / quarter * 4), 4)
            if start < time or end <= start:
                continue
            if start > time:
                notes.append(Note(None, start - time))
            notes.append(Note(int(item.pitch), end - start))
            time = end
        voices.append(tuple(notes))
    return tuple(voices)


def synthesize(voices, *, tempo=DEFAULT_TEMPO, sample_rate=SAMPLE_RATE):
    """Events -> a float32 waveform in [-1, 1] of sine tones (pretty_midi's
    synthesis: no system synthesizer or sound font needed)."""
    audio = to_midi(voices, tempo=tempo).synthesize(fs=sample_rate)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return (audio / peak if peak > 0 else audio).astype(np.float32)
