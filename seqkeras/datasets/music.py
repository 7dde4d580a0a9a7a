"""Bach's four-part chorales, from the corpus that ships inside music21.

`load_bach_chorales` reads the 408 chorale files of `music21.corpus` (no
network), keeps the ones that read as four monophonic voices (soprano,
alto, tenor, bass; see `seqkeras.music.files.score_voices`) and reports the
others with their reasons. The first read parses every file (about a minute,
with a progress bar) and caches the notes in `$KERAS_HOME/seqkeras`; later
reads take a second.

**The split** is by chorale and fixed by its name alone: a chorale whose
name ("bwv1.6") hashes (SHA-256) to 0 modulo 10 is a test piece, to 1 a
validation piece, and every other one trains. So the split of a chorale
never changes when music21 adds, removes or reorders files.

**Keys.** Each chorale's key comes from music21's key analysis (a
correlation of its notes with key profiles). `transpose="normalize"` (the
default) moves every chorale to C major or A minor, by the interval from
-6 to +5 semitones that does so; `"augment"` keeps the keys and adds to
the training split every transposition that keeps each voice within the
range that voice spans in the training chorales (validation and test
pieces stay in their keys); `None` leaves the keys as written.

**Representations.** `"melody"`: the soprano line as events, one token
"NAME/DURATION" per note or rest (`seqkeras.music.notes`), one chorale a
sentence of a word-level `TextStream`, which is what the language-model
machinery reads. `"polyphonic"`: all four voices on a grid of sixteenth
notes, one multi-hot row of the 88 piano keys per step (`PianoRolls`).
"""

import collections
import dataclasses
import fractions
import hashlib
import json
import os
import pathlib

from seqkeras._validation import one_of, positive_int, positive_int_or_none
from seqkeras.datasets.language import LanguageModelData, TextStream
from seqkeras.datasets.registry import default_cache_dir
from seqkeras.datasets.splits import Examples, Splits
from seqkeras.errors import (
    DatasetUnavailableError,
    InvalidArgumentError,
    InvalidInputError,
)
from seqkeras.music.notes import (
    VOICES,
    Note,
    format_duration,
    note_token,
    onsets,
    piano_roll,
    transpose,
)

REPRESENTATIONS = ("melody", "polyphonic")
TRANSPOSITIONS = ("normalize", "augment")
MODES = ("major", "minor")
SPLITS = ("train", "validation", "test")
CACHE_VERSION = 1  # the layout of the cached notes
GRID = 4  # every onset and duration a whole number of sixteenth notes


@dataclasses.dataclass(frozen=True)
class Chorale:
    """One chorale: its four voices as events and its key.

    Args:
        name: the corpus name ("bwv1.6").
        voices: soprano, alto, tenor and bass, each a tuple of `Note`s.
        tonic: the key's tonic as a pitch class (0 = C).
        mode: "major" or "minor".
        time_signature: as written ("4/4", "3/4").
    """

    name: str
    voices: tuple
    tonic: int
    mode: str
    time_signature: str = "4/4"

    @property
    def melody(self):
        """The soprano line."""
        return self.voices[0]

    @property
    def key_name(self):
        return f"{('C C# D D# E F F# G G# A A# B').split()[self.tonic]} {self.mode}"

    def transposed(self, semitones):
        """The chorale moved by `semitones`, its key with it."""
        return dataclasses.replace(
            self,
            voices=tuple(tuple(transpose(v, semitones)) for v in self.voices),
            tonic=(self.tonic + semitones) % 12,
        )

    def normalized(self):
        """The chorale in C major or A minor, moved by -6 to +5 semitones."""
        target = 0 if self.mode == "major" else 9
        shift = (target - self.tonic) % 12
        return self.transposed(shift - 12 if shift > 5 else shift)

    def to_json(self):
        return {
            "name": self.name,
            "tonic": self.tonic,
            "mode": self.mode,
            "time_signature": self.time_signature,
            "voices": [
                [[n.pitch, format_duration(n.duration)] for n in voice]
                for voice in self.voices
            ],
        }

    @classmethod
    def from_json(cls, item):
        voices = tuple(
            tuple(Note(pitch, fractions.Fraction(d)) for pitch, d in voice)
            for voice in item["voices"]
        )
        return cls(
            item["name"], voices, item["tonic"], item["mode"], item["time_signature"]
        )


def split_of(name):
    """The split a chorale belongs to, from its name alone (see the module
    docstring).

    >>> split_of("bwv1.6"), split_of("bwv10.7")
    ('train', 'train')
    """
    bucket = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % 10
    return {0: "test", 1: "validation"}.get(bucket, "train")


def melody_tokens(notes):
    """A voice's events as the melody model's tokens ("C4/1", "R/0.5")."""
    return tuple(note_token(note) for note in notes)


@dataclasses.dataclass(frozen=True, eq=False)
class PianoRolls(Examples):
    """Pieces as multi-hot piano rolls.

    Args:
        rolls: one `(steps, 88)` float32 array per piece.
        names: each piece's name.
    """

    rolls: tuple
    names: tuple

    def __post_init__(self):
        object.__setattr__(self, "rolls", tuple(self.rolls))
        object.__setattr__(self, "names", tuple(self.names))
        if len(self.rolls) != len(self.names):
            raise InvalidArgumentError(
                f"Got {len(self.rolls)} rolls and {len(self.names)} names."
            )

    @property
    def num_steps(self):
        return sum(len(roll) for roll in self.rolls)

    def _take(self, index):
        return PianoRolls(
            [self.rolls[i] for i in index], [self.names[i] for i in index]
        )


@dataclasses.dataclass(frozen=True, eq=False)
class MelodyData(LanguageModelData):
    """Soprano lines as word-level `TextStream`s of note tokens, with the
    chorales they come from.

    Besides `LanguageModelData`'s fields: `chorales` (split name -> tuple of
    `Chorale`, as transposed for the model, augmented copies left out),
    `skipped` (`(name, reason)` of each chorale left out) and `transpose`.
    """

    chorales: dict = dataclasses.field(default_factory=dict)
    skipped: tuple = ()
    transpose: str | None = "normalize"
    representation: str = "melody"


@dataclasses.dataclass(frozen=True, eq=False)
class PolyphonicData(Splits):
    """Four-voice piano rolls, with the chorales they come from (see
    `MelodyData`)."""

    name: str
    train: PianoRolls
    validation: PianoRolls
    test: PianoRolls
    steps_per_quarter: int = 4
    chorales: dict = dataclasses.field(default_factory=dict)
    skipped: tuple = ()
    transpose: str | None = "normalize"
    description: str = ""
    representation: str = "polyphonic"

    def summary(self):
        return (
            f"{self.name}: {self.split_sizes('chorales')}; "
            f"{self.train.num_steps:,} / {self.validation.num_steps:,} / "
            f"{self.test.num_steps:,} steps of 1/{self.steps_per_quarter} quarter"
        )


# === Reading the corpus ===


def corpus_paths():
    """The chorale files of music21's corpus (`.mxl`), sorted by name."""
    try:
        from music21 import corpus
    except ImportError:  # pragma: no cover - a dependency of seqkeras
        raise DatasetUnavailableError(
            "The Bach chorales come from music21's corpus: pip install music21."
        ) from None
    paths = [p for p in corpus.getComposer("bach") if str(p).endswith(".mxl")]
    return sorted(paths, key=lambda p: pathlib.Path(p).stem)


def off_grid(voice):
    """The first note of `voice` whose onset or duration is off the grid of
    sixteenth notes, as "NAME/DURATION at quarter ONSET"; None if none."""
    for onset, note in onsets(voice):
        if (onset * GRID).denominator != 1 or (note.duration * GRID).denominator != 1:
            return f"{note_token(note)} at quarter {onset}"
    return None


def parse_chorale(path_or_score, name=None):
    """One chorale file (or music21 score) -> a `Chorale`; raises
    `NotFourVoices` with the reason when it has not four voices."""
    from music21 import converter

    from seqkeras.music.files import NotFourVoices, score_voices

    score = path_or_score
    if isinstance(score, (str, os.PathLike)):
        name = name or pathlib.Path(path_or_score).stem
        score = converter.parse(str(path_or_score))
    voices = score_voices(score)
    for voice_name, voice in zip(VOICES, voices, strict=True):
        off = off_grid(voice)
        if off:
            raise NotFourVoices(
                f"the {voice_name} has notes off the sixteenth-note grid ({off})"
            )
    key = score.analyze("key")
    signatures = score.recurse().getElementsByClass("TimeSignature")
    meter = signatures[0].ratioString if signatures else "4/4"
    mode = key.mode if key.mode in MODES else "major"
    return Chorale(name or "score", voices, key.tonic.pitchClass, mode, meter)


def _cache_folder(cache_dir):
    import music21

    folder = pathlib.Path(cache_dir) if cache_dir else default_cache_dir()
    return folder / f"bach-chorales-music21-{music21.__version__}-v{CACHE_VERSION}"


def _read_one(path, folder):
    """One corpus file as a `Chorale`, or the reason it is skipped (a
    string), parsed once and then read from the cache."""
    from seqkeras.music.files import NotFourVoices

    name = pathlib.Path(path).stem
    cached = folder / f"{name}.json"
    if cached.is_file():
        item = json.loads(cached.read_text())
        return item["skipped"] if "skipped" in item else Chorale.from_json(item)
    try:
        result = parse_chorale(path, name)
        item = result.to_json()
    except NotFourVoices as error:
        result = str(error)
        item = {"name": name, "skipped": result}
    folder.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(item))
    partial.replace(cached)  # whole or not at all, whoever writes it
    return result


def read_corpus(*, limit=None, cache_dir=None, verbose=1):
    """The chorales of the corpus that have four voices, and the others.

    Each file is parsed once and cached (one small JSON file per chorale).

    Args:
        limit: read only the first `limit` chorales (by name) of each split.

    Returns:
        `(chorales, skipped)`: a tuple of `Chorale`, sorted by name, and a
        tuple of `(name, reason)`.
    """
    import keras

    folder = _cache_folder(cache_dir)
    paths = corpus_paths()
    if limit is not None:
        taken, kept = collections.Counter(), []
        for path in paths:
            split = split_of(pathlib.Path(path).stem)
            if taken[split] < limit:
                taken[split] += 1
                kept.append(path)
        paths = kept
    fresh = [
        p for p in paths if not (folder / f"{pathlib.Path(p).stem}.json").is_file()
    ]
    progress = None
    if verbose and fresh:
        print(
            f"Reading {len(fresh)} chorales from music21's corpus (once; cached in "
            f"{folder})"
        )
        progress = keras.utils.Progbar(len(paths), unit_name="chorale")
    chorales, skipped = [], []
    for i, path in enumerate(paths):
        result = _read_one(path, folder)
        if isinstance(result, str):
            skipped.append((pathlib.Path(path).stem, result))
        else:
            chorales.append(result)
        if progress:
            progress.update(i + 1)
    return tuple(chorales), tuple(skipped)


def voice_ranges(chorales):
    """The lowest and highest pitch of each voice over `chorales`."""
    ranges = []
    for v in range(max(len(c.voices) for c in chorales)):
        pitches = [
            n.pitch
            for c in chorales
            for n in (c.voices[v] if v < len(c.voices) else ())
            if n.pitch is not None
        ]
        ranges.append((min(pitches), max(pitches)))
    return tuple(ranges)


def transpositions(chorale, ranges):
    """The shifts (-6 to +5 semitones, 0 first) that keep every voice of
    `chorale` within `ranges`."""
    shifts = []
    for shift in sorted(range(-6, 6), key=abs):
        inside = all(
            low <= n.pitch + shift <= high
            for voice, (low, high) in zip(chorale.voices, ranges, strict=False)
            for n in voice
            if n.pitch is not None
        )
        if inside:
            shifts.append(shift)
    return shifts


def load_bach_chorales(
    representation="melody",
    *,
    transpose="normalize",
    steps_per_quarter=4,
    limit=None,
    cache_dir=None,
    verbose=1,
):
    """Bach's chorales from music21's corpus (see the module docstring).

    Args:
        representation: "melody" (soprano events as tokens, a `MelodyData`)
            or "polyphonic" (four-voice piano rolls, a `PolyphonicData`).
        transpose: "normalize" (C major / A minor), "augment" (every key
            within the voices' ranges, training split only) or None.
        steps_per_quarter: the piano roll's grid (4: sixteenth notes; 1:
            quarter notes, the notes sounding on each beat).
        limit: read only the first `limit` chorales of each split, by name
            (quick runs; skipped ones count).
        cache_dir: where the parsed notes are cached.
        verbose: 1 shows a progress bar while the corpus is parsed.

    Example:

    >>> data = load_bach_chorales(limit=3, verbose=0)
    >>> len(data.train), data.train.units[0][:4]
    (3, ('C4/1', 'G4/1', 'E4/1', 'C4/1'))
    """
    one_of("representation", representation, REPRESENTATIONS)
    if transpose is not None:
        one_of("transpose", transpose, TRANSPOSITIONS)
    steps_per_quarter = positive_int("steps_per_quarter", steps_per_quarter)
    limit = positive_int_or_none("limit", limit)
    chorales, skipped = read_corpus(limit=limit, cache_dir=cache_dir, verbose=verbose)
    parts = collections.defaultdict(list)
    for chorale in chorales:
        parts[split_of(chorale.name)].append(chorale)
    note = f"; {len(skipped)} chorales without four voices skipped" if skipped else ""
    return music_data(
        parts["train"],
        parts["validation"],
        parts["test"],
        name="bach-chorales",
        representation=representation,
        transpose=transpose,
        steps_per_quarter=steps_per_quarter,
        skipped=skipped,
        description=f"Bach chorales from music21's corpus, keys "
        f"{transpose or 'as written'}{note}",
    )


def music_data(
    train,
    validation,
    test,
    *,
    name,
    representation="melody",
    transpose="normalize",
    steps_per_quarter=4,
    skipped=(),
    description="",
):
    """Pieces (lists of `Chorale`) as a `MelodyData` or a `PolyphonicData`:
    keys normalised or training pieces augmented as `transpose` says (see
    `load_bach_chorales`)."""
    one_of("representation", representation, REPRESENTATIONS)
    if transpose is not None:
        one_of("transpose", transpose, TRANSPOSITIONS)
    parts = {"train": list(train), "validation": list(validation), "test": list(test)}
    if transpose == "normalize":
        parts = {s: [c.normalized() for c in parts[s]] for s in SPLITS}
    training = list(parts["train"])
    if transpose == "augment":
        ranges = voice_ranges(parts["train"])
        training = [
            chorale.transposed(shift)
            for chorale in parts["train"]
            for shift in transpositions(chorale, ranges)
        ]
    chosen = {split: tuple(parts[split]) for split in SPLITS}
    if representation == "melody":

        def stream(pieces):
            return TextStream([melody_tokens(c.melody) for c in pieces])

        return MelodyData(
            name,
            "word",
            stream(training),
            stream(chosen["validation"]),
            stream(chosen["test"]),
            description,
            chorales=chosen,
            skipped=tuple(skipped),
            transpose=transpose,
        )

    # A grid coarser than sixteenths keeps the notes sounding at the start of
    # each step (quarter notes: the notes on the beat, as the JSB Chorales
    # rolls are sampled), so eighth-note passing tones between beats vanish.
    fine = GRID if GRID % steps_per_quarter == 0 else steps_per_quarter
    every = fine // steps_per_quarter

    def rolls(pieces):
        return PianoRolls(
            [piano_roll(c.voices, steps_per_quarter=fine)[::every] for c in pieces],
            [c.name for c in pieces],
        )

    return PolyphonicData(
        name,
        rolls(training),
        rolls(chosen["validation"]),
        rolls(chosen["test"]),
        steps_per_quarter,
        chorales=chosen,
        skipped=tuple(skipped),
        transpose=transpose,
        description=description,
    )


# === The user's own files ===

PIECE_SUFFIXES = (".mxl", ".musicxml", ".xml", ".mid", ".midi")


@dataclasses.dataclass(frozen=True, eq=False)
class Pieces(Examples):
    """The user's pieces (`Chorale`s, one per file), before a split."""

    chorales: tuple


def read_piece(path):
    """One MusicXML or MIDI file -> a `Chorale` (its voices top to bottom,
    its key found from its notes).

    MusicXML: the soprano, alto, tenor and bass parts when it has them, else
    every part (a chord's top note). MIDI: one voice per instrument, note
    times rounded to sixteenth notes at the file's tempo. A note off the
    sixteenth-note grid, or a file without notes, is refused with the
    file's name and the reason.
    """
    from seqkeras.music import files, statistics

    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix not in PIECE_SUFFIXES:
        raise DatasetUnavailableError(
            f"{path}: not a music file; seqkeras reads MusicXML "
            "(.musicxml, .xml, .mxl) and MIDI (.mid, .midi)."
        )
    try:
        if suffix in (".mid", ".midi"):
            voices = files.read_midi(path)
            meter = "4/4"
        else:
            from music21 import converter

            score = converter.parse(str(path))
            voices = files.read_musicxml(path, score=score)
            signatures = score.recurse().getElementsByClass("TimeSignature")
            meter = signatures[0].ratioString if signatures else "4/4"
    except InvalidInputError as error:
        raise InvalidInputError(f"{path}: {error}") from None
    except Exception as error:  # music21 and pretty_midi raise their own
        raise InvalidInputError(
            f"{path} could not be read as {suffix[1:]} ({type(error).__name__}: "
            f"{error})."
        ) from None
    voices = tuple(v for v in voices if any(n.pitch is not None for n in v))
    if not voices:
        raise InvalidInputError(f"{path} holds no notes.")
    for v, voice in enumerate(voices):
        off = off_grid(voice)
        if off:
            raise InvalidInputError(
                f"{path}: voice {v + 1} has {off}, off the sixteenth-note grid "
                "that seqkeras reads."
            )
    tonic, mode = statistics.find_key(voices)
    return Chorale(path.stem, voices, tonic, mode, meter)


def read_pieces(path):
    """A music file, or a folder of them (sorted by name), as `Pieces`."""
    path = pathlib.Path(path)
    if path.is_dir():
        paths = sorted(p for p in path.iterdir() if p.suffix.lower() in PIECE_SUFFIXES)
        if not paths:
            raise DatasetUnavailableError(
                f"{path} holds no music files: put MusicXML (.musicxml, .xml, "
                ".mxl) or MIDI (.mid) files in it, one piece each."
            )
    else:
        paths = [path]
    return Pieces(tuple(read_piece(p) for p in paths))
