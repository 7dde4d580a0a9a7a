"""What describes a piece, computed alike on generated music and on real
chorales, so that the two can be compared.

A piece is a tuple of voices, each a sequence of `Note`s (a melody is a
piece of one voice; `roll_voices` reads a piano roll into voices). For a set
of pieces, `describe` gives:

- `pitch_classes`: how often each of the 12 pitch classes sounds (notes
  counted, rests not), as shares, C first;
- `in_key`: the share of notes in the piece's key, the key found from the
  piece itself by the Krumhansl-Schmuckler method (`find_key`), the scale
  of a minor key being its natural and harmonic minor together;
- `intervals`: the melodic steps between successive notes of a voice, in
  semitones from -12 to +12 (larger leaps counted at the ends), as shares;
- `durations`: note lengths in quarter notes among `DURATIONS` (others
  together under "other"), as shares;
- `ranges`: each voice's span, lowest and highest pitch, averaged over the
  pieces (in semitones: `range_semitones`);
- `repeats`: the share of notes that repeat the note before them, and the
  mean length of the longest run of one repeated pitch in a piece.

`compare(a, b)` gives the total variation distance (half the L1 distance,
0 for the same shares and 1 for shares with nothing in common) between the
histograms of two descriptions, and the differences of the other figures.

Example:

>>> from seqkeras.music.notes import parse_notes
>>> scale = parse_notes("C4/1 D4/1 E4/1 F4/1 G4/1 A4/1 B4/1 C5/1")
>>> stats = describe([(scale,)])
>>> stats["in_key"], stats["intervals"]["+2"], stats["intervals"]["+1"]
(1.0, 0.714, 0.286)
"""

import collections

import numpy as np

from seqkeras.music.notes import LOWEST, NAMES, Note

DURATIONS = ("0.25", "0.5", "0.75", "1", "1.5", "2", "3", "4")
INTERVALS = tuple(range(-12, 13))
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10, 11)  # natural and harmonic minor
# Krumhansl and Kessler's (1982) key profiles, as music21 and most key
# finders use them.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def _pitched(voice):
    return [note for note in voice if note.pitch is not None]


def find_key(piece):
    """`(tonic, mode)` of a piece: the key whose Krumhansl-Kessler profile
    correlates best with the piece's pitch classes weighted by duration.

    >>> from seqkeras.music.notes import parse_notes
    >>> find_key((parse_notes("A3/1 C4/1 E4/1 G#4/1 A4/2"),))
    (9, 'minor')
    """
    weights = np.zeros(12)
    for voice in piece:
        for note in _pitched(voice):
            weights[note.pitch % 12] += float(note.duration)
    if not weights.any():
        return 0, "major"
    best, key = -np.inf, (0, "major")
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            r = np.corrcoef(weights, np.roll(profile, tonic))[0, 1]
            if r > best:
                best, key = r, (tonic, mode)
    return key


def _shares(counter, keys):
    total = sum(counter.values())
    return {str(k): round(counter[k] / total, 3) if total else 0.0 for k in keys}


def describe(pieces):
    """The statistics of a set of pieces (see the module docstring).

    Args:
        pieces: a list of pieces, each a tuple of voices of `Note`s.

    Returns:
        A dict: `pitch_classes`, `intervals`, `durations` (dicts of shares),
        `in_key`, `repeated`, `longest_run`, `range_semitones`, `ranges`
        (per voice, `[lowest, highest]` MIDI pitch, averaged), `notes`.
    """
    pitch_classes, intervals = collections.Counter(), collections.Counter()
    durations = collections.Counter()
    in_key = notes = repeated = steps = 0
    runs, ranges = [], collections.defaultdict(list)
    for piece in pieces:
        tonic, mode = find_key(piece)
        scale = {
            (tonic + d) % 12 for d in (MAJOR_SCALE if mode == "major" else MINOR_SCALE)
        }
        longest = 0
        for v, voice in enumerate(piece):
            pitched = _pitched(voice)
            if pitched:
                ranges[v].append(
                    (min(n.pitch for n in pitched), max(n.pitch for n in pitched))
                )
            run = 0
            for i, note in enumerate(pitched):
                notes += 1
                pitch_classes[note.pitch % 12] += 1
                in_key += note.pitch % 12 in scale
                duration = f"{float(note.duration):g}"
                durations[duration if duration in DURATIONS else "other"] += 1
                if i == 0:
                    run = 1
                    continue
                step = note.pitch - pitched[i - 1].pitch
                intervals[int(np.clip(step, -12, 12))] += 1
                steps += 1
                repeated += step == 0
                run = run + 1 if step == 0 else 1
                longest = max(longest, run)
        runs.append(longest)
    mean_ranges = [
        [round(float(np.mean([r[0] for r in ranges[v]])), 1),
         round(float(np.mean([r[1] for r in ranges[v]])), 1)]
        for v in sorted(ranges)
    ]  # fmt: skip
    return {
        "notes": notes,
        "pitch_classes": {
            NAMES[k]: v
            for k, v in zip(
                range(12), _shares(pitch_classes, range(12)).values(), strict=True
            )
        },
        "in_key": round(in_key / notes, 3) if notes else 0.0,
        "intervals": {
            (f"{k:+d}" if k else "0"): v
            for k, v in zip(
                INTERVALS, _shares(intervals, INTERVALS).values(), strict=True
            )
        },
        "durations": _shares(durations, (*DURATIONS, "other")),
        "ranges": mean_ranges,
        "range_semitones": [round(high - low, 1) for low, high in mean_ranges],
        "repeated": round(repeated / steps, 3) if steps else 0.0,
        "longest_run": round(float(np.mean(runs)), 2) if runs else 0.0,
    }


def distance(p, q):
    """Total variation distance between two dicts of shares (same keys)."""
    return round(0.5 * sum(abs(p[k] - q.get(k, 0.0)) for k in p), 3)


def compare(stats, reference):
    """How far `stats` is from `reference` (two results of `describe`):
    the distance of each histogram, and the difference of each figure."""
    return {
        "pitch_classes": distance(stats["pitch_classes"], reference["pitch_classes"]),
        "intervals": distance(stats["intervals"], reference["intervals"]),
        "durations": distance(stats["durations"], reference["durations"]),
        "in_key": round(stats["in_key"] - reference["in_key"], 3),
        "repeated": round(stats["repeated"] - reference["repeated"], 3),
        "longest_run": round(stats["longest_run"] - reference["longest_run"], 2),
    }


def roll_voices(roll, *, steps_per_quarter=4, voices=4):
    """A piano roll -> `voices` voices of `Note`s: at each step the sounding
    pitches, highest first, go to the soprano, alto, ... (a voice with no
    pitch left rests; pitches beyond the `voices`-th are dropped), and a
    voice that holds one pitch over steps holds one note."""
    roll = np.asarray(roll) > 0.5
    parts = [[] for _ in range(voices)]
    step = 1 / steps_per_quarter
    from fractions import Fraction

    for row in roll:
        pitches = [LOWEST + int(i) for i in np.flatnonzero(row)[::-1]][:voices]
        for v in range(voices):
            pitch = pitches[v] if v < len(pitches) else None
            part = parts[v]
            if part and part[-1].pitch == pitch:
                part[-1] = Note(
                    pitch, part[-1].duration + Fraction(step).limit_denominator()
                )
            else:
                part.append(Note(pitch, Fraction(step).limit_denominator()))
    return tuple(tuple(part) for part in parts)
