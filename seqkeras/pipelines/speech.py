"""Speech from raw audio: spoken digits (many-to-one) and connected digits
with CTC (many-to-many, no alignment).

Clips become features inside the TensorFlow graph (`AudioFeatures`: WAV
bytes -> log-mel or MFCC frames), the same in training (`tf.data`), in
`predict` and in the exported SavedModel, which takes WAV bytes. The
feature statistics of the training set are computed on the first `fit` and
kept in the model's `Normalization` layer.

The architecture decides what the pipeline answers:

- a classifier ("gru", "lstm", "bigru", "bilstm") reads a clip and names
  one of `label_names` (a digit), with its probabilities;
- a CTC recogniser ("ctc", "ctc-lstm") writes a string of `label_names`
  symbols ("4071"), decoded greedily or by beam search.

Both answer every clip with a dict whose `transcript` is what was said.
"""

import json

import numpy as np
import tensorflow as tf

from seqkeras._validation import class_names, one_of, positive_int
from seqkeras.audio.features import AudioFeatures, decode_wav_bytes, pad_waveforms
from seqkeras.datasets.speech import DIGITS, Utterances
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.layers.ctc import BLANK
from seqkeras.metrics import classification_scores, transcript_scores
from seqkeras.models.speech import (
    PRESETS,
    build_ctc_recognizer,
    build_speech_classifier,
)
from seqkeras.pipelines.base import Pipeline, as_data
from seqkeras.pipelines.batching import pad_time
from seqkeras.pipelines.data import JAX_LENGTH_MULTIPLE
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.pipelines.stages import Staged, backend

# Builder arguments the pipeline sets itself; users may pass the others.
BUILDER_DECIDES = {
    "num_features",
    "num_classes",
    "num_symbols",
    "feature_mean",
    "feature_variance",
    "compile",
    "name",
}
METHODS = ("greedy", "beam")


@register_pipeline
class SpeechPipeline(Pipeline):
    """Audio clips in, transcripts out.

    Args:
        label_names: the classes of a classifier, or the symbols a CTC
            recogniser writes (single characters); the ten digits by default.
        architecture: "gru", "lstm", "bigru", "bilstm" (classifiers) or
            "ctc", "ctc-lstm" (CTC recognisers, see
            `seqkeras.models.speech.PRESETS`).
        features: "mfcc" or "log-mel".
        num_mel_bins, num_mfccs: the features' sizes.
        stack: frames joined into one model step (see `AudioFeatures`).
        sample_rate: the rate every clip must have.
        max_seconds: the longest clip accepted.
        beam_width: the beam of `method="beam"` and of the exported
            `serve_beam` signature (CTC).
        bucketing: batch training clips of similar length together (less
            padding to run through).
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to the builder (`units`, `num_layers`,
            `dropout`, `learning_rate`, `clipnorm`, ...).

    Example:

    >>> from seqkeras.datasets import load
    >>> data = load("touch-tones", num_train=64, num_validation=8, num_test=8)
    >>> pipeline = SpeechPipeline(architecture="gru", units=8)
    >>> history = pipeline.fit(data.train, epochs=1, verbose=0)
    >>> sorted(pipeline.predict(data.test.audio[0]))  # one clip: a dict
    ['probabilities', 'transcript']
    >>> len(pipeline.predict(data.test.audio[:3]))  # a batch: a list
    3
    """

    task = "speech"
    presets = PRESETS
    builder = staticmethod(build_speech_classifier)
    export_output = "transcript"

    def __init__(
        self,
        label_names=DIGITS,
        architecture="bigru",
        *,
        features="mfcc",
        num_mel_bins=40,
        num_mfccs=13,
        stack=2,
        sample_rate=8000,
        max_seconds=20.0,
        beam_width=8,
        bucketing=True,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.label_names = class_names("label_names", label_names, minimum=2)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.audio = AudioFeatures(
            sample_rate=sample_rate,
            kind=features,
            num_mel_bins=num_mel_bins,
            num_mfccs=num_mfccs,
            stack=stack,
            max_seconds=max_seconds,
        )
        self.beam_width = positive_int("beam_width", beam_width)
        self.bucketing = bool(bucketing)
        if self.ctc and any(len(name) != 1 for name in self.label_names):
            raise InvalidArgumentError(
                "A CTC recogniser writes transcripts one character at a time: "
                f"every symbol of label_names must be one character, got "
                f"{list(self.label_names)}."
            )
        self.model_kwargs = self._model_arguments(
            build_speech_classifier, model_kwargs, BUILDER_DECIDES
        )
        self.feature_mean = self.feature_variance = None

    # === Settings ===

    @property
    def ctc(self):
        """Whether the model transcribes strings (CTC) or classifies clips."""
        return bool(PRESETS[self.architecture].get("ctc"))

    @property
    def monitor(self):
        return ("val_loss", "min") if self.ctc else ("val_accuracy", "max")

    @property
    def features(self):
        return self.audio.kind

    @property
    def num_mel_bins(self):
        return self.audio.num_mel_bins

    @property
    def num_mfccs(self):
        return self.audio.num_mfccs

    @property
    def stack(self):
        return self.audio.stack

    @property
    def sample_rate(self):
        return self.audio.sample_rate

    @property
    def max_seconds(self):
        return self.audio.max_seconds

    @property
    def num_classes(self):
        return len(self.label_names)

    @property
    def error_rate_name(self):
        """The key of the CTC error rate in `evaluate`: "digit_error_rate"
        when the symbols are digits, else "symbol_error_rate"."""
        digits = set(self.label_names) <= set(DIGITS)
        return "digit_error_rate" if digits else "symbol_error_rate"

    # === Data ===

    def _utterances(self, data):
        """Accepts `Utterances` or an `(audio, transcripts)` pair; checks the
        sample rate, the lengths and the transcripts."""
        data = as_data(data, Utterances, "(audio, transcripts)")
        if data.sample_rate != self.sample_rate:
            raise InvalidInputError(
                f"The clips are at {data.sample_rate} Hz, but this pipeline reads "
                f"{self.sample_rate} Hz: resample them, or make a pipeline with "
                f"sample_rate={data.sample_rate}."
            )
        self._check_audio(data.audio, data.names)
        known = set(self.label_names)
        for transcript, name in zip(data.transcripts, data.names, strict=True):
            if self.ctc:
                unknown = sorted(set(transcript) - known)
                if unknown or not transcript:
                    raise InvalidInputError(
                        f"The transcript {transcript!r} of {name} "
                        + (f"holds {unknown}, " if unknown else "is empty, ")
                        + f"not a string of the symbols {list(self.label_names)}."
                    )
            elif transcript not in known:
                hint = (
                    " It says several of them: transcribe it with a CTC "
                    "architecture (architecture='ctc')."
                    if set(transcript) <= known and len(transcript) > 1
                    else ""
                )
                raise InvalidInputError(
                    f"The transcript {transcript!r} of {name} is not one of the "
                    f"classes {list(self.label_names)}.{hint}"
                )
        return data

    def _check_audio(self, clips, names):
        """Refuses empty, too long and non-finite clips, naming them."""
        for audio, name in zip(clips, names, strict=True):
            if not len(audio):
                raise InvalidInputError(f"{name} is empty (no samples).")
            if len(audio) > self.audio.max_samples:
                raise InvalidInputError(
                    f"{name} lasts {len(audio) / self.sample_rate:.1f} s, longer than "
                    f"max_seconds={self.max_seconds:g}: cut it, or make a pipeline "
                    "with a larger max_seconds."
                )
            if not np.isfinite(audio).all():
                raise InvalidInputError(f"{name} holds NaN or infinite samples.")

    def _targets(self, transcripts):
        """Class ids `(examples,)`, or for CTC a ragged `(examples, None)` of
        symbol ids + 1 (0 is the blank)."""
        index = {name: i for i, name in enumerate(self.label_names)}
        if not self.ctc:
            return np.array([index[t] for t in transcripts], dtype="int32")
        return tf.ragged.constant(
            [[index[c] + 1 for c in t] for t in transcripts], dtype=tf.int32
        )

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        data = self._utterances(data)
        audio = tf.RaggedTensor.from_row_lengths(
            np.concatenate(data.audio), [len(a) for a in data.audio]
        )
        samples = tf.RaggedTensor.from_row_lengths(
            np.array([len(a) for a in data.audio], "int32"), [1] * len(data)
        )
        targets = self._targets(data.transcripts)
        inputs = {"audio": audio, "samples": samples}  # audio first: buckets by it
        if self.ctc:
            inputs["target"] = targets
        dataset = self._sequence_batches(
            inputs,
            None if self.ctc else targets,
            batch_size=batch_size,
            training=training,
            whole_batches=whole_batches,
        )
        features = self.audio
        multiple = JAX_LENGTH_MULTIPLE if backend() == "jax" else 1

        def to_features(batch, labels=None):
            # audio (batch, samples), 0-padded; samples (batch, 1 or more)
            x, _ = features.from_waveforms(batch["audio"], batch["samples"][:, 0])
            if multiple > 1:
                x = pad_time(x, multiple, 0.0)  # fewer shapes for jax.jit
            return x, (batch["target"] if labels is None else labels)

        mapped = dataset.map(to_features, num_parallel_calls=tf.data.AUTOTUNE)
        return mapped.prefetch(tf.data.AUTOTUNE), len(data)

    # === Task hooks ===

    def _adapt(self, train):
        """The mean and variance of every feature over the training frames."""
        data = self._utterances(train)
        total = np.zeros(self.audio.num_features)
        squares = np.zeros(self.audio.num_features)
        count = 0
        for start in range(0, len(data), 256):
            x, steps = self.audio.from_waveforms(
                *pad_waveforms(data.audio[start : start + 256])
            )
            mask = tf.sequence_mask(steps, tf.shape(x)[1]).numpy()
            frames = x.numpy()[mask].astype("float64")
            total += frames.sum(axis=0)
            squares += (frames**2).sum(axis=0)
            count += len(frames)
        mean = total / count
        self.feature_mean = mean.tolist()
        self.feature_variance = np.maximum(squares / count - mean**2, 1e-6).tolist()

    def _is_adapted(self):
        return self.feature_mean is not None

    def _build_model(self):
        preset = {k: v for k, v in PRESETS[self.architecture].items() if k != "ctc"}
        kwargs = {
            **preset,
            **self.model_kwargs,
            "feature_mean": self.feature_mean,
            "feature_variance": self.feature_variance,
        }
        if self.ctc:
            return build_ctc_recognizer(
                self.audio.num_features, num_symbols=self.num_classes, **kwargs
            )
        return build_speech_classifier(
            self.audio.num_features, num_classes=self.num_classes, **kwargs
        )

    def _preprocessing_config(self):
        return {
            "features": self.audio.get_config(),
            "feature_mean": self.feature_mean,
            "feature_variance": self.feature_variance,
        }

    def _save_preprocessing(self, directory):
        (directory / "preprocessing.json").write_text(
            json.dumps(self._preprocessing_config(), indent=1)
        )

    def _load_preprocessing(self, directory):
        info = json.loads((directory / "preprocessing.json").read_text())
        self.feature_mean = info["feature_mean"]
        self.feature_variance = info["feature_variance"]

    def _load_preprocessing_from(self, other):
        self.feature_mean = other.feature_mean
        self.feature_variance = other.feature_variance

    # === Inference ===

    def _batch_of(self, clips):
        """One clip (a WAV file path, WAV bytes, or float samples
        `(samples,)`) or a batch (a list of those, or `Utterances`) ->
        `("wav", [WAV bytes, ...])` or `("waveform", [samples, ...])`."""
        single = isinstance(clips, (str, bytes)) or (
            isinstance(clips, np.ndarray) and clips.ndim == 1
        )
        if isinstance(clips, Utterances):
            clips = clips.audio
        items = [clips] if single else list(clips)
        encoded = [isinstance(x, (str, bytes)) for x in items]
        if any(encoded) and not all(encoded):
            raise InvalidInputError(
                "Got a batch that mixes files or WAV bytes with samples: pass one "
                "kind of clip per call."
            )
        if all(encoded):
            data = []
            for x in items:
                if isinstance(x, str):
                    data.append(self._read_file(x))
                else:
                    decode_wav_bytes(tf.constant(x), self.audio)  # checks it
                    data.append(x)
            return single, ("wav", data)
        waveforms = [np.asarray(x, dtype="float32") for x in items]
        for i, waveform in enumerate(waveforms):
            if waveform.ndim != 1:
                raise InvalidInputError(
                    f"Clip {i}: expected mono samples (samples,), got shape "
                    f"{waveform.shape}; pass a list of clips for a batch."
                )
        self._check_audio(waveforms, [f"clip {i}" for i in range(len(waveforms))])
        return single, ("waveform", waveforms)

    def _read_file(self, path):
        try:
            data = tf.io.read_file(path)
        except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError):
            raise InvalidInputError(f"No audio file at {path!r}.") from None
        decode_wav_bytes(data, self.audio, name=path)  # checks it
        return data.numpy()

    def _predict_batch(
        self, batch, *, batch_size, verbose, method=None, beam_width=None
    ):
        kind, items = batch
        method = self._method(method, beam_width)
        serve = self.serving_function(kind, method, beam_width or self.beam_width)
        rows = []
        for part in self._batches(items, batch_size, verbose):
            if kind == "wav":
                outputs = serve(tf.constant(part))
            else:
                padded, lengths = pad_waveforms(part)
                outputs = serve(tf.constant(padded), tf.constant(lengths))
            rows.extend(self._rows(outputs))
        return rows

    def _rows(self, outputs):
        transcripts = [t.decode("utf-8") for t in outputs["transcript"].numpy()]
        if self.ctc:
            scores = outputs["score"].numpy()
            return [
                {"transcript": t, "score": float(s)}
                for t, s in zip(transcripts, scores, strict=True)
            ]
        probabilities = outputs["probabilities"].numpy()
        return [
            {"transcript": t, "probabilities": p}
            for t, p in zip(transcripts, probabilities, strict=True)
        ]

    def _method(self, method, beam_width):
        if method is None:
            method = "beam" if beam_width else "greedy"
        one_of("method", method, METHODS)
        if beam_width is not None:
            positive_int("beam_width", beam_width)
        if not self.ctc and (method != "greedy" or beam_width):
            raise InvalidArgumentError(
                f"A {self.architecture} classifier names one class per clip: "
                "method and beam_width apply to the CTC architectures."
            )
        return method

    def predict(
        self, clips, *, batch_size=None, verbose=0, method=None, beam_width=None
    ):
        """Transcribes clips: WAV file paths, WAV bytes or float samples.

        Args:
            clips: one clip (a path, bytes, or samples `(samples,)` in
                [-1, 1] at `sample_rate`) or a list of them.
            batch_size: clips per batch (default 256).
            verbose: 1 shows a progress bar.
            method: CTC decoding, "greedy" (default) or "beam".
            beam_width: the beam (default `beam_width`); implies "beam".

        Returns:
            For one clip a dict, for a list a list of dicts: `transcript`
            (what was said) and, for a classifier, `probabilities`
            `(num_classes,)` in the order of `label_names`; for a CTC
            recogniser, `score` (the log probability of the greedy path, or
            the beam's of the transcript).
        """
        return super().predict(
            clips,
            batch_size=batch_size,
            verbose=verbose,
            method=method,
            beam_width=beam_width,
        )

    def transcribe(self, clips, **options):
        """The transcripts alone: a string for one clip, a list for a list."""
        predictions = self.predict(clips, **options)
        if isinstance(predictions, dict):
            return predictions["transcript"]
        return [p["transcript"] for p in predictions]

    def evaluate(
        self, data, *, batch_size=None, verbose=0, method=None, beam_width=None
    ):
        """Scores transcripts against the data's.

        Returns:
            A dict. Classifier: `accuracy`, `loss`, `confusion_matrix` (rows:
            true class) and `num_utterances`. CTC: `digit_error_rate`
            (`symbol_error_rate` for symbols other than digits: see
            `seqkeras.metrics.transcript_scores`), `exact_match` (whole transcripts
            right), `num_utterances` and `method`.
        """
        data = self._utterances(data)
        predictions = self.predict(
            data.audio,
            batch_size=batch_size,
            verbose=verbose,
            method=method,
            beam_width=beam_width,
        )
        if self.ctc:
            scores = transcript_scores(
                [p["transcript"] for p in predictions], data.transcripts
            )
            scores[self.error_rate_name] = scores.pop("symbol_error_rate")
            return {**scores, "method": self._method(method, beam_width)}
        labels = self._targets(data.transcripts)
        probabilities = np.stack([p["probabilities"] for p in predictions])
        scores = classification_scores(probabilities, labels)
        return {**scores, "num_utterances": len(data)}

    # === Serving ===

    def serving_function(self, kind="wav", method="greedy", beam_width=None):
        """The function behind `predict` and the exported signatures (a
        `stages.Staged`, callable like a `tf.function`).

        Args:
            kind: "wav" takes a `(batch,)` `tf.string` tensor of WAV bytes;
                "waveform" takes float samples `(batch, samples)`, 0-padded,
                and their lengths `(batch,)`.
            method, beam_width: the CTC decoding.

        Returns a dict: `transcript` `(batch,)` strings, and `probabilities`
        `(batch, num_classes)` and `label_names` (classifier) or `score`
        `(batch,)` (CTC).
        """
        beam_width = beam_width or self.beam_width
        key = ("serve", kind, method, beam_width)
        return self._compiled(key, lambda: self._make_serving(kind, method, beam_width))

    def _make_serving(self, kind, method, beam_width):
        audio, model, ctc = self.audio, self.model, self.ctc
        names = tf.constant(self.label_names)

        if kind == "wav":
            signature = [tf.TensorSpec([None], tf.string, name="audio")]

            def prepare(data):
                x, steps = audio.from_wav(data)
                return (x,), steps
        else:
            signature = [
                tf.TensorSpec([None, None], tf.float32, name="waveforms"),
                tf.TensorSpec([None], tf.int32, name="lengths"),
            ]

            def prepare(waveforms, lengths):
                x, steps = audio.from_waveforms(waveforms, lengths)
                return (x,), steps

        def core(x):  # (batch, steps, num_features)
            import keras

            outputs = model(x, training=False)
            if ctc:
                return keras.ops.log_softmax(outputs, axis=-1)
            return outputs  # (batch, num_classes)

        def finish(steps, outputs):
            if not ctc:
                best = tf.argmax(outputs, axis=-1)
                return {
                    "transcript": tf.gather(names, best),  # (batch,)
                    "probabilities": outputs,
                    "label_names": tf.tile(names[None, :], [tf.shape(outputs)[0], 1]),
                }
            ids, scores = tf_ctc_decode(outputs, steps, method, beam_width)
            return {"transcript": ids_to_text(ids, names), "score": scores}

        return Staged(
            input_signature=signature,
            prepare=prepare,
            core=core,
            finish=finish,
            layers=[model],
            core_shapes=[
                "(batch, steps, features)".replace("features", str(audio.num_features))
            ],
        )

    def _endpoints(self):
        endpoints = {"serve": self.serving_function("wav", "greedy")}
        if self.ctc:
            endpoints["serve_beam"] = self.serving_function("wav", "beam")
        return endpoints


def tf_ctc_decode(log_probs, steps, method, beam_width):
    """CTC decoding in TensorFlow (what `keras.ops.ctc_decode` runs on the
    TensorFlow backend), for the serving graph on every backend.

    Args:
        log_probs: `(batch, T, symbols + 1)`, the blank at index 0.
        steps: the real steps of each row `(batch,)`.

    Returns:
        `(ids, scores)`: int32 `(batch, L)` symbol indices (0-based, into
        the symbols), -1 after each transcript; float32 `(batch,)` log
        probabilities (the greedy path's, or the beam's transcript's).
    """
    time_major = tf.transpose(log_probs, [1, 0, 2])
    steps = tf.cast(steps, tf.int32)
    if method == "greedy":
        decoded, negative = tf.nn.ctc_greedy_decoder(
            time_major, steps, merge_repeated=True, blank_index=BLANK
        )
        scores = -negative[:, 0]
        shift = 1  # greedy ids count the blank: symbol i is id i + 1
    else:
        # TensorFlow's beam search takes the blank last.
        rolled = tf.concat([time_major[..., 1:], time_major[..., :1]], axis=-1)
        decoded, scores = tf.nn.ctc_beam_search_decoder(
            rolled, steps, beam_width=beam_width, top_paths=1
        )
        scores = scores[:, 0]
        shift = 0
    sparse = decoded[0]
    dense = tf.sparse.to_dense(
        tf.SparseTensor(
            sparse.indices,
            tf.cast(sparse.values, tf.int32) - shift,
            tf.stack(
                [
                    tf.shape(log_probs, out_type=tf.int64)[0],
                    tf.maximum(sparse.dense_shape[1], 1),
                ]
            ),
        ),
        default_value=-1,
    )
    return dense, scores


def ids_to_text(ids, names):
    """Symbol indices `(batch, L)`, -1 padded -> `(batch,)` strings."""
    ragged = tf.ragged.boolean_mask(ids, ids >= 0)
    symbols = tf.gather(names, ragged)
    return tf.strings.reduce_join(symbols, axis=-1)
