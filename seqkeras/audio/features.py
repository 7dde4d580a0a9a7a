"""Speech features inside the TensorFlow graph: WAV bytes -> waveform ->
frames -> short-time Fourier transform -> log-mel spectrogram -> MFCCs.

The same `AudioFeatures` prepares audio for training (`tf.data`), for
`predict` and inside the exported SavedModel, so a clip gets the same
features everywhere. Every step is a `tf.signal` op:

- **framing**: windows of `frame_length` samples every `frame_step`
  samples (25 ms every 10 ms by default), each weighted by a Hann window;
- **STFT**: the magnitude of each frame's discrete Fourier transform,
  `fft_length // 2 + 1` frequency bins from 0 Hz to half the sample rate;
- **log-mel**: the bins summed by `num_mel_bins` triangular filters evenly
  spaced on the mel scale (which, like the ear, resolves low frequencies
  finely and high ones coarsely), then the log;
- **MFCC**: the discrete cosine transform of the log-mel frame, of which
  the first `num_mfccs` coefficients keep the spectral envelope (the vocal
  tract's shape) and drop the fine harmonics (the pitch);
- **stacking** (`stack > 1`): every `stack` consecutive frames joined into
  one, so a recurrent network reads a `stack` times shorter sequence.

A batch of clips of different lengths becomes zero-padded features
`(batch, frames, num_features)` and the number of real frames of each
clip; the models mask the padding (`keras.layers.Masking`). Clips are
checked as they are decoded: a sample rate other than `sample_rate`, an
empty clip or one longer than `max_seconds` is refused with a message that
names the problem; a stereo clip is averaged to mono (documented
conversion).
"""

import dataclasses

import numpy as np
import tensorflow as tf

from seqkeras._validation import one_of, positive_float, positive_int
from seqkeras.errors import InvalidArgumentError, InvalidInputError

FEATURE_KINDS = ("mfcc", "log-mel")
# Added to the mel energies before the log, so that digital silence stays
# finite: log(1e-6) is about -13.8.
LOG_OFFSET = 1e-6


@dataclasses.dataclass(frozen=True)
class AudioFeatures:
    """How clips become feature frames (see the module docstring).

    Args:
        sample_rate: the rate every clip must have, in Hz.
        kind: "mfcc" or "log-mel".
        frame_length: samples per frame (None: 25 ms, 200 at 8 kHz).
        frame_step: samples between frame starts (None: 10 ms, 80 at 8 kHz).
        fft_length: the DFT size (None: the smallest power of two >=
            `frame_length`, 256 at 8 kHz).
        num_mel_bins: mel filters.
        lower_hz, upper_hz: the band the mel filters cover (None: half the
            sample rate).
        num_mfccs: MFCCs kept (kind "mfcc").
        stack: consecutive frames joined into one model step.
        max_seconds: the longest clip accepted.

    Example:

    >>> features = AudioFeatures(kind="log-mel", num_mel_bins=8)
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype("float32")
    >>> frames, counts = features.from_waveforms(tone[None], [8000])
    >>> tuple(frames.shape), counts.numpy().tolist()
    ((1, 98, 8), [98])
    """

    sample_rate: int = 8000
    kind: str = "mfcc"
    frame_length: int | None = None
    frame_step: int | None = None
    fft_length: int | None = None
    num_mel_bins: int = 40
    lower_hz: float = 20.0
    upper_hz: float | None = None
    num_mfccs: int = 13
    stack: int = 1
    max_seconds: float = 20.0

    def __post_init__(self):
        positive_int("sample_rate", self.sample_rate)
        one_of("kind", self.kind, FEATURE_KINDS)
        # The same times at every sample rate: 25 ms frames every 10 ms.
        defaults = {
            "frame_length": round(0.025 * self.sample_rate),
            "frame_step": round(0.010 * self.sample_rate),
        }
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if self.fft_length is None:
            size = (
                1 << (positive_int("frame_length", self.frame_length) - 1).bit_length()
            )
            object.__setattr__(self, "fft_length", size)
        positive_int("frame_length", self.frame_length)
        positive_int("frame_step", self.frame_step)
        positive_int("fft_length", self.fft_length)
        if self.fft_length < self.frame_length:
            raise InvalidArgumentError(
                f"fft_length ({self.fft_length}) must be at least frame_length "
                f"({self.frame_length})."
            )
        positive_int("num_mel_bins", self.num_mel_bins)
        positive_int("num_mfccs", self.num_mfccs)
        if self.kind == "mfcc" and self.num_mfccs > self.num_mel_bins:
            raise InvalidArgumentError(
                f"num_mfccs ({self.num_mfccs}) cannot exceed num_mel_bins "
                f"({self.num_mel_bins}): the MFCCs are a transform of the mel bins."
            )
        positive_int("stack", self.stack)
        positive_float("max_seconds", self.max_seconds)
        nyquist = self.sample_rate / 2
        if not 0 <= self.lower_hz < (self.upper_hz or nyquist) <= nyquist:
            raise InvalidArgumentError(
                f"Expected 0 <= lower_hz < upper_hz <= {nyquist:g} (half the sample "
                f"rate), got lower_hz={self.lower_hz}, upper_hz={self.upper_hz}."
            )

    # === Sizes ===

    @property
    def frame_features(self):
        """Features of one frame before stacking."""
        return self.num_mfccs if self.kind == "mfcc" else self.num_mel_bins

    @property
    def num_features(self):
        """Features of one model step (`frame_features * stack`)."""
        return self.frame_features * self.stack

    @property
    def max_samples(self):
        return int(round(self.max_seconds * self.sample_rate))

    @property
    def step_seconds(self):
        """Seconds of audio between two model steps."""
        return self.frame_step * self.stack / self.sample_rate

    def num_steps(self, num_samples):
        """Model steps of a clip of `num_samples` samples (NumPy or TF)."""
        samples = np.maximum(num_samples, self.frame_length)
        frames = 1 + (samples - self.frame_length) // self.frame_step
        return -(-frames // self.stack)  # ceil

    def get_config(self):
        return dataclasses.asdict(self)

    def mel_matrix(self):
        """The `(fft_length // 2 + 1, num_mel_bins)` filter bank."""
        return tf.signal.linear_to_mel_weight_matrix(
            num_mel_bins=self.num_mel_bins,
            num_spectrogram_bins=self.fft_length // 2 + 1,
            sample_rate=self.sample_rate,
            lower_edge_hertz=self.lower_hz,
            upper_edge_hertz=self.upper_hz or self.sample_rate / 2,
        )

    # === Decoding ===

    def decode(self, data):
        """WAV bytes (one clip, a scalar `tf.string`) -> float32 mono
        samples in [-1, 1], checked (see the module docstring)."""
        audio, rate = tf.audio.decode_wav(data)  # (samples, channels)
        checks = [
            tf.debugging.assert_equal(
                rate,
                tf.constant(self.sample_rate, tf.int32),
                message=f"the clip's sample rate differs from {self.sample_rate} "
                "Hz: resample it to this rate first (for example with "
                f"`sox in.wav -r {self.sample_rate} out.wav`)",
            ),
            tf.debugging.assert_positive(
                tf.shape(audio)[0],
                message="the clip is empty (no samples): record some audio",
            ),
            tf.debugging.assert_less_equal(
                tf.shape(audio)[0],
                self.max_samples,
                message=f"the clip is longer than {self.max_seconds:g} s "
                "(max_seconds): cut it into shorter clips",
            ),
        ]
        with tf.control_dependencies(checks):
            return tf.reduce_mean(audio, axis=-1)  # stereo -> mono

    def decode_batch(self, data):
        """A `(batch,)` `tf.string` tensor of WAV bytes -> zero-padded
        waveforms `(batch, samples)` and their lengths `(batch,)`."""
        ragged = tf.map_fn(
            self.decode,
            data,
            fn_output_signature=tf.RaggedTensorSpec([None], tf.float32, 0),
        )
        return ragged.to_tensor(), tf.cast(ragged.row_lengths(), tf.int32)

    # === Features ===

    def from_waveforms(self, waveforms, lengths):
        """Zero-padded waveforms `(batch, samples)` and their lengths ->
        zero-padded features `(batch, steps, num_features)` and the number of
        real steps of each clip `(batch,)`."""
        waveforms = tf.convert_to_tensor(waveforms, tf.float32)
        lengths = tf.cast(lengths, tf.int32)
        # A clip shorter than one frame is padded with silence to one frame.
        short = tf.maximum(self.frame_length - tf.shape(waveforms)[1], 0)
        waveforms = tf.pad(waveforms, [[0, 0], [0, short]])
        spectrum = tf.abs(
            tf.signal.stft(
                waveforms,
                frame_length=self.frame_length,
                frame_step=self.frame_step,
                fft_length=self.fft_length,
            )
        )  # (batch, frames, fft_length // 2 + 1)
        mel = tf.tensordot(spectrum, self.mel_matrix(), 1)  # (batch, frames, mels)
        features = tf.math.log(mel + LOG_OFFSET)
        if self.kind == "mfcc":
            features = tf.signal.mfccs_from_log_mel_spectrograms(features)
            features = features[..., : self.num_mfccs]
        frames = 1 + (tf.maximum(lengths, self.frame_length) - self.frame_length) // (
            self.frame_step
        )
        features = _zero_after(features, frames)
        if self.stack > 1:
            features = self._stacked(features)
        return features, -(-frames // self.stack)

    def _stacked(self, features):
        """`(batch, frames, f)` -> `(batch, ceil(frames / stack), stack * f)`."""
        shape = tf.shape(features)
        extra = (-shape[1]) % self.stack
        features = tf.pad(features, [[0, 0], [0, extra], [0, 0]])
        return tf.reshape(features, [shape[0], -1, self.num_features])

    def from_wav(self, data):
        """A `(batch,)` `tf.string` tensor of WAV bytes -> features and step
        counts (see `from_waveforms`)."""
        return self.from_waveforms(*self.decode_batch(data))


def pad_waveforms(clips):
    """Clips of different lengths (1-D arrays) -> zero-padded float32
    samples `(clips, longest)` and the lengths `(clips,)`, for
    `AudioFeatures.from_waveforms`."""
    lengths = np.array([len(clip) for clip in clips], dtype="int32")
    padded = np.zeros((len(clips), max(lengths, default=0)), dtype="float32")
    for i, clip in enumerate(clips):
        padded[i, : len(clip)] = clip
    return padded, lengths


def _zero_after(values, counts):
    """`values` `(batch, time, ...)` with every step from `counts[b]` on set
    to exactly zero (the padding the models mask)."""
    mask = tf.sequence_mask(counts, tf.shape(values)[1])
    mask = tf.reshape(mask, tf.concat([tf.shape(mask), [1]], 0))
    return tf.where(mask, values, tf.zeros_like(values))


# === Files ===


def read_wav(path, features=None):
    """Reads a WAV file as float32 mono samples in [-1, 1], checked as the
    serving graph checks it (`AudioFeatures.decode`).

    Raises:
        InvalidInputError: naming the file, when it is missing, not a 16-bit
            PCM WAV file, at another sample rate, empty or too long.
    """
    features = features or AudioFeatures()
    try:
        data = tf.io.read_file(str(path))
    except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError):
        raise InvalidInputError(f"No audio file at {str(path)!r}.") from None
    return decode_wav_bytes(data, features, name=str(path)).numpy()


def decode_wav_bytes(data, features, name="the clip"):
    """`AudioFeatures.decode` in eager mode, its errors as one
    `InvalidInputError` naming `name`."""
    try:
        return features.decode(data)
    except tf.errors.InvalidArgumentError as error:
        message = error.message.split("\n")[0]
        if "sample rate" in message or "empty" in message or "longer" in message:
            problem = message.split("Condition")[0].strip().rstrip(".")
        else:
            problem = (
                "it is not a 16-bit PCM WAV file (convert it, for example with "
                "`sox in.wav -b 16 out.wav`)"
            )
        raise InvalidInputError(f"{name}: {problem}.") from None


def wav_bytes(samples, sample_rate=8000):
    """Float samples in [-1, 1] `(samples,)` or `(samples, channels)` ->
    16-bit PCM WAV bytes."""
    samples = np.asarray(samples, dtype="float32")
    if samples.ndim == 1:
        samples = samples[:, None]
    return tf.audio.encode_wav(samples, sample_rate).numpy()
