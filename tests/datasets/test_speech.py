import numpy as np
import pytest

from seqkeras.audio import wav_bytes
from seqkeras.datasets import load
from seqkeras.datasets.speech import (
    DIGITS,
    Utterances,
    connect_digits,
    load_fsdd,
    read_recordings,
    recording_index,
    touch_tones,
)
from seqkeras.errors import InvalidArgumentError, InvalidInputError


def write_folder(folder, names, seconds=0.1, rate=8000):
    folder.mkdir()
    for i, name in enumerate(names):
        samples = 0.1 * np.sin(np.arange(int(seconds * rate)) * (0.1 + 0.01 * i))
        (folder / name).write_bytes(wav_bytes(samples, rate))
    return folder


def test_read_recordings_takes_labels_and_speakers_from_the_names(tmp_path):
    names = ["3_ann_1.wav", "3_ann_0.wav", "7_bob_2.wav", "0_ann_10.wav"]
    clips = read_recordings(write_folder(tmp_path / "wavs", names))
    assert clips.names == ["0_ann_10.wav", "3_ann_0.wav", "3_ann_1.wav", "7_bob_2.wav"]
    assert clips.transcripts == ["0", "3", "3", "7"]
    assert clips.speakers == ["ann", "ann", "ann", "bob"]
    assert all(len(a) == 800 and a.dtype == np.float32 for a in clips.audio)


@pytest.mark.parametrize(
    "names,rate,message",
    [
        (["3_ann_1.wav", "three.wav"], 8000, "three.wav: expected a name"),
        (["3_ann_1.wav"], 16000, "3_ann_1.wav: the clip's sample rate"),
    ],
)
def test_read_recordings_refuses_a_bad_file_by_name(tmp_path, names, rate, message):
    folder = write_folder(tmp_path / "wavs", names, rate=rate)
    with pytest.raises(InvalidInputError, match=message):
        read_recordings(folder)


def test_read_recordings_refuses_a_folder_without_wavs(tmp_path):
    with pytest.raises(InvalidInputError, match="no .wav files"):
        read_recordings(tmp_path)


def test_utterances_need_one_transcript_per_clip_and_mono_audio():
    with pytest.raises(InvalidInputError, match="2 clips, 1 transcripts"):
        Utterances([np.zeros(10), np.zeros(10)], ["1"])
    with pytest.raises(InvalidInputError, match="mono"):
        Utterances([np.zeros((10, 2))], ["1"])


def test_a_random_split_keeps_each_speaker_in_one_part():
    clips = touch_tones(200, seed=1)
    parts = clips.split(0.5, 0.25, seed=0)
    speakers = [set(part.speakers) for part in parts]
    assert all(speakers) and not (
        speakers[0] & speakers[1] or speakers[0] & speakers[2]
    )


def test_touch_tones_are_reproducible_and_carry_their_digit():
    a, b = touch_tones(20, seed=3), touch_tones(20, seed=3)
    assert a.transcripts == b.transcripts
    assert all(np.array_equal(x, y) for x, y in zip(a.audio, b.audio, strict=True))
    assert set(a.transcripts) <= set(DIGITS)
    # The strongest frequency of a "1" key press is one of its two tones.
    clip = touch_tones(60, seed=0).select(lambda t, s, n: t == "1").audio[0]
    spectrum = np.abs(np.fft.rfft(clip))
    peak = np.argmax(spectrum) * 8000 / len(clip)
    assert min(abs(peak - 697), abs(peak - 1209)) < 30


def test_connected_digits_join_clips_of_one_speaker():
    clips = touch_tones(300, seed=0)
    connected = connect_digits(
        clips, 50, seed=2, max_digits=4, pause_seconds=(0.1, 0.1)
    )
    assert all(1 <= len(t) <= 4 for t in connected.transcripts)
    assert len({len(t) for t in connected.transcripts}) > 1
    for audio, transcript, speaker in zip(
        connected.audio, connected.transcripts, connected.speakers, strict=True
    ):
        assert speaker in clips.speakers
        shortest = min(len(a) for a in clips.audio)
        pauses = 800 * (len(transcript) + 1)
        assert len(audio) >= pauses + shortest * len(transcript)
    again = connect_digits(clips, 50, seed=2, max_digits=4, pause_seconds=(0.1, 0.1))
    assert again.transcripts == connected.transcripts
    with pytest.raises(InvalidArgumentError, match="min_digits"):
        connect_digits(clips, 5, min_digits=3, max_digits=2)


def test_embedded_data_sets_load_without_download():
    single = load("touch-tones", num_train=30, num_validation=5, num_test=5)
    assert (len(single.train), len(single.validation), len(single.test)) == (30, 5, 5)
    assert "30 train" in single.summary()
    connected = load(
        "touch-tones-connected", num_train=20, num_validation=5, num_test=5
    )
    assert max(len(t) for t in connected.train.transcripts) > 1


def test_fsdd_keeps_the_datasets_own_test_split(mirror):
    data = load_fsdd()
    assert (len(data.train), len(data.validation), len(data.test)) == (2400, 300, 300)
    assert {recording_index(n) for n in data.test.names} == set(range(5))
    assert {recording_index(n) for n in data.validation.names} == set(range(5, 10))
    assert min(recording_index(n) for n in data.train.names) == 10
    assert sorted(set(data.test.transcripts)) == list(DIGITS)
    assert data.train.sample_rate == 8000


def test_fsdd_speakers_holds_one_speaker_out(mirror):
    data = load_fsdd(split="speakers", test_speaker="george")
    assert set(data.test.speakers) == {"george"} and len(data.test) == 500
    assert "george" not in set(data.train.speakers) | set(data.validation.speakers)
    assert (len(data.train), len(data.validation)) == (2250, 250)
    with pytest.raises(InvalidArgumentError, match="Unknown FSDD speaker"):
        load_fsdd(split="speakers", test_speaker="nobody")


def test_fsdd_is_decoded_once_per_process_while_its_files_stay(mirror, monkeypatch):
    from seqkeras.datasets import speech

    first = load_fsdd()
    calls = []
    monkeypatch.setattr(
        speech, "read_recordings", lambda folder: calls.append(folder) or 1 / 0
    )
    again = load_fsdd(split="speakers")  # the same files: not read again
    assert calls == []
    shared = {id(a) for a in first.train.audio} & {id(a) for a in again.train.audio}
    assert shared  # the same arrays, so callers must not write into them
    with pytest.raises(ValueError, match="read-only"):
        again.train.audio[0][0] = 0.0
    speech._read_once.cache_clear()  # as in a new process: read again
    with pytest.raises(ZeroDivisionError):
        load_fsdd()
    assert len(calls) == 1
    speech._read_once.cache_clear()
