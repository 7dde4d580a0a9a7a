"""Spoken digits: the Free Spoken Digit Dataset, its splits, and connected
digits made from it.

The Free Spoken Digit Dataset (FSDD, Jackson et al.) holds 3,000 WAV
recordings at 8 kHz: six speakers each say every digit 0-9 fifty times,
in files named `{digit}_{speaker}_{index}.wav`. Its README makes
recordings 0-4 of every digit and speaker the test set; `load_fsdd` keeps
that, and takes recordings 5-9 as validation. Because that split shares
speakers between training and test, `split="speakers"` holds one speaker
out entirely.

Connected digits (`load_fsdd_connected`) are utterances of 1 to 7 digits
said by one speaker, made by joining FSDD clips of that speaker from the
same split, with a random pause of low noise between them and a random
gain on each clip. Their transcripts are digit strings ("4071"), and no
alignment says where each digit starts: the problem CTC solves.
"""

import dataclasses
import functools
import pathlib
import re

import numpy as np

from seqkeras.audio.features import AudioFeatures, read_wav
from seqkeras.datasets import registry
from seqkeras.datasets.splits import Examples, Splits
from seqkeras.errors import InvalidArgumentError, InvalidInputError

DIGITS = tuple("0123456789")
FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
SAMPLE_RATE = 8000
# `{label}_{speaker}_{index}.wav`, the FSDD naming.
FILE_NAME = re.compile(r"^(?P<label>[^_]+)_(?P<speaker>[^_]+)_(?P<index>\d+)\.wav$")


@dataclasses.dataclass
class Utterances(Examples):
    """Recorded utterances with their transcripts.

    Args:
        audio: float32 mono waveforms in [-1, 1], one array per utterance.
        transcripts: what each says ("7", or "4071" for connected digits).
        speakers: who says it (default "unknown").
        names: where it comes from (a file name, or a made-up name for a
            generated utterance; default "clip 0", "clip 1", ...).
        sample_rate: the rate of every waveform, in Hz.
    """

    audio: list
    transcripts: list
    speakers: list | None = None
    names: list | None = None
    sample_rate: int = SAMPLE_RATE

    def __post_init__(self):
        self.audio = [np.asarray(a, dtype="float32") for a in self.audio]
        self.transcripts = [str(t) for t in self.transcripts]
        if self.speakers is None:
            self.speakers = ["unknown"] * len(self.audio)
        if self.names is None:
            self.names = [f"clip {i}" for i in range(len(self.audio))]
        self.speakers, self.names = list(self.speakers), list(self.names)
        sizes = {len(self.audio), len(self.transcripts), len(self.speakers)}
        if len(sizes | {len(self.names)}) != 1:
            raise InvalidInputError(
                f"Got {len(self.audio)} clips, {len(self.transcripts)} transcripts, "
                f"{len(self.speakers)} speakers and {len(self.names)} names: one of "
                "each per utterance."
            )
        for audio, name in zip(self.audio, self.names, strict=True):
            if audio.ndim != 1:
                raise InvalidInputError(
                    f"{name}: expected mono samples (samples,), got shape "
                    f"{audio.shape}."
                )

    def _take(self, index):
        return Utterances(
            [self.audio[i] for i in index],
            [self.transcripts[i] for i in index],
            [self.speakers[i] for i in index],
            [self.names[i] for i in index],
            self.sample_rate,
        )

    def _groups(self):
        # A random cut of a user's folder keeps each speaker in one part, so
        # that the test measures speakers the model has not heard.
        return self.speakers

    def __getitem__(self, index):
        """`(audio, transcript)` of utterance `index`."""
        return self.audio[index], self.transcripts[index]

    @property
    def seconds(self):
        """The length of each utterance, in seconds."""
        return np.array([len(a) for a in self.audio]) / self.sample_rate

    def select(self, keep):
        """The utterances for which `keep(transcript, speaker, name)` holds."""
        rows = zip(self.transcripts, self.speakers, self.names, strict=True)
        return self._take([i for i, row in enumerate(rows) if keep(*row)])


@dataclasses.dataclass
class SpeechData(Splits):
    """A speech data set with its splits.

    Args:
        name: the name `seqkeras.datasets.load` knows it by.
        label_names: the symbols of the transcripts (the ten digits).
        train, validation, test: `Utterances`.
        description: where the data comes from.
    """

    name: str
    label_names: tuple
    train: Utterances
    validation: Utterances
    test: Utterances
    description: str = ""

    def summary(self):
        """One line: name, split sizes, hours of audio and speakers."""
        seconds = sum(float(part.seconds.sum()) for part in self.parts())
        speakers = sorted({s for part in self.parts() for s in part.speakers})
        return (
            f"{self.name}: {self.split_sizes('utterances')}, "
            f"{seconds / 60:.1f} minutes of audio, {len(speakers)} speakers"
        )

    def parts(self):
        return (self.train, self.validation, self.test)


# === Files ===


def read_recordings(folder, *, sample_rate=SAMPLE_RATE, max_seconds=20.0):
    """Reads a folder of WAV files named `{label}_{speaker}_{index}.wav` (the
    FSDD naming: `7_jackson_32.wav` is Jackson's 33rd "seven").

    Every file must be a 16-bit PCM WAV at `sample_rate` (a stereo file is
    averaged to mono), no longer than `max_seconds`; a file that breaks the
    naming or these rules is refused with its name.

    Returns:
        `Utterances` ordered by speaker, label and index.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"{folder} is not a folder of WAV files.")
    paths = sorted(folder.glob("*.wav"))
    if not paths:
        raise InvalidInputError(
            f"{folder} holds no .wav files (expected names like 7_jackson_32.wav)."
        )
    rows = []
    for path in paths:
        match = FILE_NAME.match(path.name)
        if match is None:
            raise InvalidInputError(
                f"{path.name}: expected a name {{label}}_{{speaker}}_{{index}}.wav "
                "such as 7_jackson_32.wav (the label says what the clip says)."
            )
        key = (match["speaker"], match["label"], int(match["index"]))
        rows.append((key, path))
    rows.sort()
    features = AudioFeatures(sample_rate=sample_rate, max_seconds=max_seconds)
    return Utterances(
        [read_wav(path, features) for _, path in rows],
        [label for (_, label, _), _ in rows],
        [speaker for (speaker, _, _), _ in rows],
        [path.name for _, path in rows],
        sample_rate,
    )


def recording_index(name):
    """The index of an FSDD file name (`7_jackson_32.wav` -> 32)."""
    return int(FILE_NAME.match(name)["index"])


# === FSDD ===


def _fsdd_recordings(cache_dir):
    folder = pathlib.Path(registry.fetch("fsdd", cache_dir=cache_dir))
    found = sorted(folder.glob("*/recordings"))
    if not found:
        raise InvalidInputError(
            f"{folder} holds no recordings/ folder: the FSDD archive is not the "
            "expected one."
        )
    listing = tuple(
        (path.name, stat.st_size, stat.st_mtime_ns)
        for path in sorted(found[0].glob("*.wav"))
        for stat in [path.stat()]
    )
    return _read_once(str(found[0]), listing)


@functools.lru_cache(maxsize=1)
def _read_once(folder, listing):
    """The clips of `folder`, decoded once per process while its files
    (`listing`: names, sizes, times) stay the same: the standard split, the
    speakers' split and the connected digits all start from them. The
    waveforms are read-only, since every caller shares them."""
    clips = read_recordings(folder)
    for audio in clips.audio:
        audio.flags.writeable = False
    return clips


def load_fsdd(*, split="standard", test_speaker="theo", cache_dir=None):
    """Loads the Free Spoken Digit Dataset: 3,000 clips of the ten digits.

    Args:
        split: "standard": recordings 0-4 of every digit and speaker are the
            test set (the dataset's own split), 5-9 the validation set, the
            rest (10-49) the training set; "speakers": every clip of
            `test_speaker` is the test set, recordings 0-4 of the other five
            speakers the validation set, their rest the training set.
        test_speaker: the speaker held out by `split="speakers"`.

    Returns:
        A `SpeechData`: 2,400 / 300 / 300 clips ("standard"), or 2,250 /
        250 / 500 ("speakers").
    """
    if split not in ("standard", "speakers"):
        raise InvalidArgumentError(
            "Received an invalid value for argument `split`, expected one of "
            f"'standard', 'speakers', got {split!r}"
        )
    if test_speaker not in FSDD_SPEAKERS:
        raise InvalidArgumentError(
            f"Unknown FSDD speaker {test_speaker!r}; the speakers are "
            f"{', '.join(FSDD_SPEAKERS)}."
        )
    clips = _fsdd_recordings(cache_dir)
    index = [recording_index(name) for name in clips.names]
    if split == "standard":
        part = [0 if i >= 10 else 1 if i >= 5 else 2 for i in index]
        name, how = "fsdd", "recordings 0-4 test, 5-9 validation"
    else:
        part = [
            2 if s == test_speaker else 0 if i >= 5 else 1
            for s, i in zip(clips.speakers, index, strict=True)
        ]
        name, how = "fsdd-speakers", f"speaker {test_speaker} held out for the test"
    train, validation, test = (
        clips._take([k for k, p in enumerate(part) if p == wanted])
        for wanted in range(3)
    )
    return SpeechData(
        name=name,
        label_names=DIGITS,
        train=train,
        validation=validation,
        test=test,
        description=f"Free Spoken Digit Dataset, 8 kHz, six speakers ({how})",
    )


# === Touch-tone digits (embedded) ===

# The dual-tone multi-frequency (DTMF) keypad of telephones: each digit is a
# low tone (its row) and a high tone (its column) played together.
DTMF_TONES = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477),
    "0": (941, 1336),
}  # fmt: skip
DTMF_PHONES = ("phone_a", "phone_b", "phone_c", "phone_d")


def touch_tones(count, *, seed=0, sample_rate=SAMPLE_RATE):
    """Single touch-tone digits, generated: each clip holds a digit's two
    tones for 0.08-0.25 s between short pauses of noise. Four "phones"
    differ in tuning (up to 1.5% off), in the loudness of the high tone
    against the low one and in their noise, as real keypads do.

    Returns:
        `Utterances` of `count` clips whose transcripts are single digits.
    """
    rng = np.random.default_rng(seed)
    phones = {
        phone: (1 + rng.uniform(-0.015, 0.015), rng.uniform(0.6, 1.4),
                rng.uniform(0.003, 0.03))
        for phone in DTMF_PHONES
    }  # fmt: skip
    audio, transcripts, speakers, names = [], [], [], []
    for i in range(count):
        digit = DIGITS[rng.integers(len(DIGITS))]
        phone = DTMF_PHONES[rng.integers(len(DTMF_PHONES))]
        tuning, twist, noise = phones[phone]
        seconds = rng.uniform(0.08, 0.25)
        t = np.arange(int(seconds * sample_rate)) / sample_rate
        low, high = (f * tuning * rng.uniform(0.995, 1.005) for f in DTMF_TONES[digit])
        tone = np.sin(2 * np.pi * low * t) + twist * np.sin(2 * np.pi * high * t)
        tone *= rng.uniform(0.1, 0.4) / (1 + twist)
        pieces = [_pause(rng, sample_rate, (0.01, 0.06), noise), tone]
        pieces.append(_pause(rng, sample_rate, (0.01, 0.06), noise))
        clip = np.concatenate(pieces)
        clip[: len(clip)] += rng.normal(0.0, noise, len(clip))
        audio.append(np.clip(clip, -1.0, 1.0).astype("float32"))
        transcripts.append(digit)
        speakers.append(phone)
        names.append(f"{digit}_{phone}_{i}")
    return Utterances(audio, transcripts, speakers, names, sample_rate)


def load_touch_tones(
    *, num_train=1200, num_validation=200, num_test=200, connected=False, seed=0
):
    """Touch-tone digits, generated and embedded (no download): telephone
    key presses instead of voices, for quick runs and tests.

    Args:
        num_train, num_validation, num_test: clips (or utterances) per split.
        connected: utterances of 1-7 key presses (`connect_digits`) rather
            than single digits.
        seed: the same seed gives the same data.

    Returns:
        A `SpeechData`.
    """
    parts = {}
    sizes = [("train", num_train), ("validation", num_validation), ("test", num_test)]
    for offset, (part, count) in enumerate(sizes):
        clips = touch_tones(count, seed=seed * 6 + offset)
        if connected:
            clips = connect_digits(
                clips,
                count,
                seed=seed * 6 + 3 + offset,
                pause_seconds=(0.02, 0.1),
                prefix=f"{part}_connected",
            )
        parts[part] = clips
    kind = "strings of 1-7 key presses" if connected else "single key presses"
    return SpeechData(
        name="touch-tones-connected" if connected else "touch-tones",
        label_names=DIGITS,
        description=f"touch-tone (DTMF) telephone digits, {kind}, generated "
        "(embedded, no download)",
        **parts,
    )


# === Connected digits ===


def connect_digits(
    clips,
    count,
    *,
    seed=0,
    min_digits=1,
    max_digits=7,
    pause_seconds=(0.05, 0.3),
    gain=(0.5, 1.5),
    noise=0.002,
    prefix="connected",
):
    """Utterances of several digits made by joining clips of one speaker.

    Each utterance picks a speaker, a number of digits (uniform between
    `min_digits` and `max_digits`) and the digits themselves, then joins a
    random clip of that speaker for each digit, every clip scaled by a
    random gain, with a pause of Gaussian noise (standard deviation
    `noise`) before, between and after them.

    Args:
        clips: single-digit `Utterances` (one split of `load_fsdd`).
        count: how many utterances to make.
        seed: the same seed gives the same utterances.
        min_digits, max_digits: the shortest and longest digit strings.
        pause_seconds: the range of each pause's length.
        gain: the range of each clip's gain (clipped to [-1, 1] after).
        noise: the pauses' noise level.
        prefix: names are `f"{prefix}_{i}"`.

    Returns:
        `Utterances` whose transcripts are digit strings ("4071").
    """
    if not 1 <= min_digits <= max_digits:
        raise InvalidArgumentError(
            f"Expected 1 <= min_digits <= max_digits, got {min_digits}, {max_digits}."
        )
    rng = np.random.default_rng(seed)
    rate = clips.sample_rate
    by_speaker = {}
    for k, (speaker, digit) in enumerate(
        zip(clips.speakers, clips.transcripts, strict=True)
    ):
        by_speaker.setdefault(speaker, {}).setdefault(digit, []).append(k)
    speakers = sorted(by_speaker)
    audio, transcripts, names, who = [], [], [], []
    for i in range(count):
        speaker = speakers[rng.integers(len(speakers))]
        known = sorted(by_speaker[speaker])
        length = int(rng.integers(min_digits, max_digits + 1))
        digits = [known[j] for j in rng.integers(len(known), size=length)]
        pieces = [_pause(rng, rate, pause_seconds, noise)]
        for digit in digits:
            choices = by_speaker[speaker][digit]
            clip = clips.audio[choices[rng.integers(len(choices))]]
            pieces.append(np.clip(clip * rng.uniform(*gain), -1.0, 1.0))
            pieces.append(_pause(rng, rate, pause_seconds, noise))
        audio.append(np.concatenate(pieces).astype("float32"))
        transcripts.append("".join(digits))
        names.append(f"{prefix}_{i}")
        who.append(speaker)
    return Utterances(audio, transcripts, who, names, rate)


def _pause(rng, rate, seconds, noise):
    samples = int(rng.uniform(*seconds) * rate)
    return (rng.normal(0.0, noise, samples)).astype("float32")


def load_fsdd_connected(
    *,
    num_train=4000,
    num_validation=400,
    num_test=1000,
    max_digits=7,
    seed=0,
    cache_dir=None,
):
    """Connected digits from the standard FSDD split: utterances of 1 to
    `max_digits` digits, each joined from one speaker's clips of one split
    (training utterances from training clips, test ones from test clips),
    so that no test clip is ever heard in training.

    Returns:
        A `SpeechData` of `num_train` / `num_validation` / `num_test`
        utterances whose transcripts are digit strings.
    """
    fsdd = load_fsdd(cache_dir=cache_dir)
    parts = {}
    for offset, (part, count) in enumerate(
        [("train", num_train), ("validation", num_validation), ("test", num_test)]
    ):
        parts[part] = connect_digits(
            getattr(fsdd, part),
            count,
            seed=seed * 3 + offset,
            max_digits=max_digits,
            prefix=f"{part}_connected",
        )
    return SpeechData(
        name="fsdd-connected",
        label_names=DIGITS,
        description="FSDD clips joined into utterances of 1-7 digits (one speaker "
        "each, random pauses and gain), from the standard split's own clips",
        **parts,
    )
