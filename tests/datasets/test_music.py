import collections

import numpy as np
import pytest

from seqkeras import datasets
from seqkeras.datasets import music
from seqkeras.errors import InvalidInputError
from seqkeras.music.files import write_midi, write_musicxml
from seqkeras.music.notes import parse_notes


@pytest.fixture(scope="module")
def small():
    """The first 6 chorales of each split (parsed once, then cached)."""
    return datasets.load("bach-chorales", limit=6, verbose=0)


def test_the_split_depends_on_the_name_alone():
    names = [f"bwv{i}.{j}" for i in range(1, 60) for j in range(1, 8)]
    counts = collections.Counter(music.split_of(name) for name in names)
    assert counts["test"] > 20 and counts["validation"] > 20 and counts["train"] > 250
    # Pinned: a change of the rule would move chorales between splits.
    pinned = ("bwv1.6", "bwv10.7", "bwv101.7", "bwv102.7")
    assert [music.split_of(n) for n in pinned] == [
        "train", "train", "train", "validation",
    ]  # fmt: skip


def test_limit_reads_the_first_chorales_of_each_split(small):
    for split in ("train", "validation", "test"):
        names = [c.name for c in small.chorales[split]]
        assert len(names) == 6 and names == sorted(names)
        assert all(music.split_of(n) == split for n in names)
    assert len(small.train) == 6 and small.level == "word"


def test_normalized_chorales_are_in_c_major_or_a_minor(small):
    for chorale in small.chorales["train"]:
        assert (chorale.tonic, chorale.mode) in ((0, "major"), (9, "minor"))
        assert len(chorale.voices) == 4
    # The melody stream is the soprano's events as tokens.
    first = small.chorales["train"][0]
    assert small.train.units[0] == music.melody_tokens(first.melody)


def test_normalize_moves_by_the_smallest_interval():
    melody = tuple(parse_notes("F4/1 A4/1 C5/2"))
    chorale = music.Chorale("x", (melody,) * 4, tonic=5, mode="major")
    assert chorale.normalized().melody[0].pitch == 60  # F -> C down a fourth
    minor = music.Chorale("y", (melody,) * 4, tonic=2, mode="minor")  # D minor
    assert minor.normalized().melody[0].pitch == 65 - 5  # D -> A down a fourth


def test_augment_keeps_every_voice_in_its_range():
    data = datasets.load("bach-chorales", limit=6, transpose="augment", verbose=0)
    ranges = music.voice_ranges(data.chorales["train"])
    assert len(data.train) > 6 * 2  # several keys per chorale
    written = datasets.load("bach-chorales", limit=6, transpose=None, verbose=0)
    assert set(written.train.units) <= set(data.train.units)  # shift 0 kept
    assert len(data.validation) == 6  # held-out pieces stay as written
    for sentence in data.train.units:
        pitches = [parse_notes(t)[0].pitch for t in sentence]
        assert min(p for p in pitches if p is not None) >= ranges[0][0]
        assert max(p for p in pitches if p is not None) <= ranges[0][1]


def test_polyphonic_rolls_are_four_voices_on_sixteenths():
    data = datasets.load(
        "bach-chorales", representation="polyphonic", limit=3, verbose=0
    )
    roll = data.train.rolls[0]
    chorale = data.chorales["train"][0]
    length = sum(n.duration for n in chorale.melody)
    assert roll.shape == (int(length * 4), 88)
    assert roll.sum(axis=1).max() <= 4
    assert np.mean(roll.sum(axis=1) == 4) > 0.8  # mostly four notes sounding
    assert data.train.names[0] == chorale.name


def test_chorales_that_are_not_four_voices_on_the_grid_say_why(tmp_path):
    from seqkeras.music.files import NotFourVoices

    paths = {p.stem: p for p in music.corpus_paths()}
    with pytest.raises(NotFourVoices, match="2 parts \\(Piano, Piano\\)"):
        music.parse_chorale(paths["bwv846"])  # a prelude, not a chorale
    with pytest.raises(NotFourVoices, match="off the sixteenth-note grid"):
        music.parse_chorale(paths["bwv432"])  # a 32nd note in the soprano
    # read_corpus reports them with the reason, and caches the verdict.
    kept, skipped = music.read_corpus(limit=1, cache_dir=tmp_path, verbose=0)
    assert len(kept) + len(skipped) == 3
    folder = next(tmp_path.iterdir())
    assert len(list(folder.glob("*.json"))) == 3


def test_users_files_read_right_or_refused(tmp_path):
    tune = parse_notes("C4/1 E4/0.5 G4/0.5 C5/2")
    write_midi([tune, parse_notes("C3/4")], tmp_path / "a.mid")
    write_musicxml([tune], tmp_path / "b.musicxml")
    (tmp_path / "notes.txt").write_text("not music")
    pieces = music.read_pieces(tmp_path)
    assert [c.name for c in pieces.chorales] == ["a", "b"]
    assert [str(n) for n in pieces.chorales[0].melody] == [str(n) for n in tune]
    assert (pieces.chorales[0].tonic, pieces.chorales[0].mode) == (0, "major")
    write_musicxml([parse_notes("C4/1/3 D4/2/3")], tmp_path / "triplet.musicxml")
    with pytest.raises(InvalidInputError, match="triplet.musicxml.*off the sixteenth"):
        music.read_piece(tmp_path / "triplet.musicxml")
    (tmp_path / "broken.mid").write_bytes(b"MThd garbage")
    with pytest.raises(InvalidInputError, match="broken.mid could not be read as mid"):
        music.read_piece(tmp_path / "broken.mid")
    with pytest.raises(OSError, match="holds no music files"):
        music.read_pieces(
            tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else None
        )
