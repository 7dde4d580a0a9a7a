"""Audio that runs inside the TensorFlow graph: WAV decoding and speech
features (log-mel spectrograms, MFCCs), the same in training, prediction and
exported SavedModels."""

from seqkeras.audio.features import (
    FEATURE_KINDS,
    AudioFeatures,
    decode_wav_bytes,
    pad_waveforms,
    read_wav,
    wav_bytes,
)

__all__ = [
    "FEATURE_KINDS",
    "AudioFeatures",
    "decode_wav_bytes",
    "pad_waveforms",
    "read_wav",
    "wav_bytes",
]
