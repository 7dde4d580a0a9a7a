import numpy as np
import pytest
import tensorflow as tf

from seqkeras.audio import AudioFeatures, decode_wav_bytes, read_wav, wav_bytes
from seqkeras.errors import InvalidArgumentError, InvalidInputError

RATE = 8000


def tone(hz, seconds=0.5, rate=RATE):
    return np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate).astype(
        "float32"
    )


def hz_to_mel(hz):  # the HTK formula tf.signal uses
    return 1127.0 * np.log1p(np.asarray(hz) / 700.0)


def numpy_log_mel(samples, features):
    """The log-mel frames of `samples`, computed with NumPy only."""
    n, step, size = features.frame_length, features.frame_step, features.fft_length
    count = 1 + (len(samples) - n) // step
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)  # periodic Hann
    frames = np.stack([samples[i * step : i * step + n] * window for i in range(count)])
    spectrum = np.abs(np.fft.rfft(frames, size))  # (frames, size // 2 + 1)
    # Triangular filters, evenly spaced in mel, over the bins' frequencies.
    bins = np.linspace(0, features.sample_rate / 2, size // 2 + 1)[1:]
    upper = features.upper_hz or features.sample_rate / 2
    edges = np.linspace(
        hz_to_mel(features.lower_hz), hz_to_mel(upper), features.num_mel_bins + 2
    )
    mel = hz_to_mel(bins)[:, None]
    lower, centre, top = edges[:-2], edges[1:-1], edges[2:]
    weights = np.maximum(
        0, np.minimum((mel - lower) / (centre - lower), (top - mel) / (top - centre))
    )
    weights = np.concatenate([np.zeros((1, features.num_mel_bins)), weights])
    return np.log(spectrum @ weights + 1e-6)


def test_a_440_hz_tone_peaks_in_the_mel_band_that_holds_440_hz():
    features = AudioFeatures(kind="log-mel", num_mel_bins=20)
    x, steps = features.from_waveforms(tone(440)[None], [RATE // 2])
    x = x.numpy()[0]
    edges = np.linspace(hz_to_mel(20.0), hz_to_mel(4000.0), 22)
    expected = int(np.argmin(np.abs(edges[1:-1] - hz_to_mel(440.0))))
    assert (x.argmax(axis=-1) == expected).all()
    # A 1,500 Hz tone peaks higher up.
    y, _ = features.from_waveforms(tone(1500)[None], [RATE // 2])
    assert (y.numpy()[0].argmax(-1) > expected + 3).all()


def test_log_mel_matches_a_numpy_reference():
    features = AudioFeatures(kind="log-mel", num_mel_bins=16)
    rng = np.random.default_rng(0)
    samples = (tone(300) + 0.5 * tone(1200) + 0.1 * rng.normal(size=RATE // 2)).astype(
        "float32"
    )
    x, steps = features.from_waveforms(samples[None], [len(samples)])
    expected = numpy_log_mel(samples, features)
    assert int(steps[0]) == len(expected) == features.num_steps(len(samples))
    np.testing.assert_allclose(x.numpy()[0], expected, atol=2e-3)


def test_mfccs_are_the_dct_of_the_log_mel_frames():
    log_mel = AudioFeatures(kind="log-mel", num_mel_bins=20)
    mfcc = AudioFeatures(kind="mfcc", num_mel_bins=20, num_mfccs=13)
    samples = tone(700)[None]
    m, _ = log_mel.from_waveforms(samples, [samples.shape[1]])
    c, _ = mfcc.from_waveforms(samples, [samples.shape[1]])
    # DCT-II scaled by sqrt(2 / N) for every coefficient, the first one
    # included (tf.signal.mfccs_from_log_mel_spectrograms, as HTK).
    n = np.arange(20)
    basis = np.cos(np.pi / 20 * (n[:, None] + 0.5) * np.arange(13)[None, :])
    expected = m.numpy()[0] @ basis * np.sqrt(2 / 20)
    np.testing.assert_allclose(c.numpy()[0], expected, atol=1e-3)


def test_a_batch_pads_with_exact_zeros_and_counts_real_steps():
    features = AudioFeatures(stack=3)
    clips = [tone(500, 0.5), tone(800, 0.12), tone(900, 0.01)]  # the last: < 1 frame
    lengths = [len(c) for c in clips]
    padded = np.zeros((3, max(lengths)), "float32")
    for i, clip in enumerate(clips):
        padded[i, : len(clip)] = clip
    x, steps = features.from_waveforms(padded, lengths)
    assert steps.numpy().tolist() == features.num_steps(np.array(lengths)).tolist()
    assert x.shape[-1] == features.num_features == 39
    for i, count in enumerate(steps.numpy()):
        assert (x.numpy()[i, count:] == 0).all()
        assert (np.abs(x.numpy()[i, :count]).sum(-1) > 0).all()
    # Each clip alone gives the same real steps as in the batch.
    alone, _ = features.from_waveforms(clips[1][None], [lengths[1]])
    np.testing.assert_allclose(alone.numpy()[0], x.numpy()[1, : steps[1]], atol=1e-4)


def test_wav_bytes_decode_to_the_same_features():
    features = AudioFeatures()
    # 16-bit samples (what a WAV file holds) survive the round trip exactly.
    clip = np.round(tone(600, 0.3) * 0.5 * 32768) / 32768
    from_wav, steps = features.from_wav(tf.constant([wav_bytes(clip)]))
    from_samples, _ = features.from_waveforms(clip[None], [len(clip)])
    np.testing.assert_allclose(from_wav.numpy(), from_samples.numpy(), atol=1e-4)
    assert int(steps[0]) == features.num_steps(len(clip))


def test_stereo_is_averaged_to_mono():
    features = AudioFeatures()
    left, right = tone(400, 0.2) * 0.5, tone(900, 0.2) * 0.25
    stereo = wav_bytes(np.stack([left, right], axis=1))
    mono = decode_wav_bytes(tf.constant(stereo), features).numpy()
    np.testing.assert_allclose(mono, (left + right) / 2, atol=1e-4)


@pytest.mark.parametrize(
    "data,problem",
    [
        (wav_bytes(tone(440, 0.2, 16000), 16000), "sample rate differs from 8000"),
        (wav_bytes(np.zeros(0)), "empty"),
        (wav_bytes(np.zeros(RATE * 3)), "longer than 2 s"),
        (b"RIFF but not really a wav file", "not a 16-bit PCM WAV"),
    ],
)
def test_bad_clips_are_refused_with_the_problem_named(data, problem):
    features = AudioFeatures(max_seconds=2.0)
    with pytest.raises(InvalidInputError, match=problem):
        decode_wav_bytes(tf.constant(data), features, name="clip.wav")
    # The serving graph refuses them too.
    with pytest.raises(tf.errors.InvalidArgumentError):
        features.from_wav(tf.constant([data]))


def test_read_wav_names_the_file(tmp_path):
    path = tmp_path / "fast.wav"
    path.write_bytes(wav_bytes(tone(440, 0.1, 22050), 22050))
    with pytest.raises(InvalidInputError, match="fast.wav.*22050|fast.wav.*8000 Hz"):
        read_wav(path)
    with pytest.raises(InvalidInputError, match="No audio file"):
        read_wav(tmp_path / "missing.wav")


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"kind": "spectrogram"}, "kind"),
        ({"fft_length": 128}, "fft_length"),
        ({"num_mfccs": 50}, "num_mfccs"),
        ({"upper_hz": 6000.0}, "half the sample rate"),
        ({"stack": 0}, "stack"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        AudioFeatures(**kwargs)


def test_frames_last_25_ms_every_10_ms_at_any_rate():
    for rate, length, step, fft in ((8000, 200, 80, 256), (16000, 400, 160, 512)):
        features = AudioFeatures(sample_rate=rate)
        assert (features.frame_length, features.frame_step) == (length, step)
        assert features.fft_length == fft
        one_second, _ = features.from_waveforms(tone(440, 1.0, rate)[None], [rate])
        assert one_second.shape[1] == 98  # 1 + (1 s - 25 ms) / 10 ms
