"""What every task's pipeline shares: training with checkpoints, saving, export.

A pipeline owns the preprocessing and the Keras model of one task, and turns
raw inputs into predictions. A task subclasses `Pipeline` and fills in the
hooks marked "Task hooks"; `fit`, `save`, `load` and `export` are written
once here.

Training is resumable: with `checkpoint_dir`, `fit` backs up the weights,
optimizer state and epoch at the end of every epoch
(`keras.callbacks.BackupAndRestore`), and calling `fit` again with the same
arguments after an interruption carries on from the last finished epoch.
The per-epoch history is appended to `history.csv` in the same folder, so
it too survives the interruption. With validation data, the weights of the
best validation epoch are kept and restored at the end.
"""

import csv
import functools
import hashlib
import json
import pathlib
import time

import keras
import tensorflow as tf

from seqkeras import decoding
from seqkeras._validation import non_negative_float, non_negative_int
from seqkeras.errors import CheckpointMismatchError, InvalidInputError
from seqkeras.models.ensemble import average_ensemble

_PIPELINES = {}
PIPELINE_FILE = "pipeline.json"
MODEL_FILE = "model.keras"
PREPROCESSING_FILE = "preprocessing.json"


def vocabulary_fingerprint(vocabularies):
    """`{"vocabulary_sha256": ...}`: a hash of the tokens of every vocabulary
    (None entries skipped), for a checkpoint's fingerprint."""
    tokens = [v.tokens for v in vocabularies if v is not None]
    digest = hashlib.sha256(json.dumps(tokens).encode("utf-8")).hexdigest()
    return {"vocabulary_sha256": digest}


def register_pipeline(cls):
    """Class decorator: lets `load_pipeline` find `cls` by its `task`."""
    _PIPELINES[cls.task] = cls
    return cls


def load_pipeline(directory):
    """Loads any pipeline saved with `Pipeline.save` from `directory`."""
    directory = pathlib.Path(directory)
    info_path = directory / PIPELINE_FILE
    if not info_path.is_file():
        raise InvalidInputError(
            f"{directory} holds no saved pipeline ({PIPELINE_FILE} is missing). "
            "Pass the folder given to `seqkeras train --out` or `Pipeline.save`."
        )
    info = json.loads(info_path.read_text())
    return _PIPELINES[info["task"]].load(directory)


class EncoderPreprocessing:
    """Mixin: the task hooks for a pipeline whose preprocessing is one
    encoder in `self.encoder` (a `TextEncoder` or `WordEncoder`), saved as
    `preprocessing.json`. Set `encoder_class` to the encoder's class."""

    encoder_class = None

    def _save_preprocessing(self, directory):
        self.encoder.save(directory / PREPROCESSING_FILE)

    def _load_preprocessing(self, directory):
        self.encoder = self.encoder_class.load(directory / PREPROCESSING_FILE)

    def _preprocessing_config(self):
        return self.encoder.get_config()

    def _load_preprocessing_from(self, other):
        self.encoder = other.encoder


class DecodingFunctions:
    """Mixin for pipelines that write text with `seqkeras.decoding`
    (translation, captioning): one `tf.function` per method and options,
    made once and kept while the model and preprocessing stay the same.

    Sampling's `temperature` and `seed` reach the graph as tensors, so that
    trying many of them traces the function only once.
    """

    @property
    def has_attention(self):
        """Whether the trained model attends (its outputs carry attention)."""
        return self.model is not None and self.model.attention is not None

    def _decoding_function(self, owners, method, options, make, variant=None):
        """Returns the cached function for `method` and `options`, made by
        `make(options)` on first use (`options` without `temperature` and
        `seed`); with "sample", partially applied to those two.

        Args:
            owners: what the function captures (model, encoders); a change
                of any of them empties the cache.
            variant: anything else that tells functions apart (hashable).
        """
        if self.model is None:
            raise InvalidInputError("This pipeline is not trained: call `fit` first.")
        if getattr(self, "_functions_for", None) != owners:
            self._functions, self._functions_for = {}, owners
        options = dict(options)
        decoding.check_options(method, options)
        runtime = {}
        if method == "sample":
            runtime = {
                "temperature": non_negative_float(
                    "temperature", options.pop("temperature", 1.0)
                ),
                "seed": non_negative_int("seed", options.pop("seed", 0)),
            }
        key = (method, variant, tuple(sorted(options.items())))
        if key not in self._functions:
            self._functions[key] = make(options)
        function = self._functions[key]
        if not runtime:
            return function
        return functools.partial(
            function,
            temperature=tf.constant(runtime["temperature"], tf.float32),
            seed=tf.constant(runtime["seed"], tf.int64),
        )


def decoding_tf_function(run, input_spec, method):
    """Wraps `run(inputs, **sampling)` in a `tf.function` whose signature is
    `input_spec`, followed by `temperature` (float32) and `seed` (int64) for
    "sample"."""
    if method != "sample":
        return tf.function(run, input_signature=[input_spec])

    @tf.function(
        input_signature=[
            input_spec,
            tf.TensorSpec([], tf.float32, name="temperature"),
            tf.TensorSpec([], tf.int64, name="seed"),
        ]
    )
    def sample(inputs, temperature, seed):
        return run(inputs, temperature=temperature, seed=seed)

    return sample


class Pipeline:
    """Base class: preprocessing + model for one task.

    Subclasses set `task`, `monitor` (the validation metric that picks the
    best epoch, and "max" or "min") and implement the task hooks; and
    `dataset_task` when their data sets are catalogued under another task
    name (the time-series pipelines share "series").
    """

    task = None
    dataset_task = None
    monitor = ("val_loss", "min")

    def __init__(self, *, seed=0):
        self.seed = seed
        self.model = None
        self.history = {}
        self.train_seconds = 0.0
        self.train_examples = 0

    # === Task hooks ===

    def get_config(self):
        """Constructor arguments, JSON-serialisable."""
        return {"seed": self.seed}

    def _adapt(self, train):
        """Fits the preprocessing (vocabulary, ...) on the training data."""
        raise NotImplementedError

    def _is_adapted(self):
        raise NotImplementedError

    def _build_model(self):
        raise NotImplementedError

    def _fit_callbacks(self, validation):
        """Callbacks the task adds to `fit`, run before all others."""
        return []

    def _fingerprint(self):
        """What a checkpoint must agree with to be resumed (JSON-serialisable)."""
        return {"task": self.task, "config": self.get_config()}

    def _dataset(self, data, *, batch_size, training):
        """A `tf.data.Dataset` of `(inputs, targets)` batches; and its size."""
        raise NotImplementedError

    def _save_preprocessing(self, directory):
        raise NotImplementedError

    def _load_preprocessing(self, directory):
        raise NotImplementedError

    def _add_endpoints(self, archive):
        """Adds the raw-input signatures to a `keras.export.ExportArchive`."""
        raise NotImplementedError

    def _exported_model(self):
        """The Keras model the export serves (the trained one by default)."""
        return self.model

    # === Training ===

    def fit(
        self,
        train,
        validation=None,
        *,
        epochs=5,
        batch_size=32,
        checkpoint_dir=None,
        log_dir=None,
        restore_best=True,
        callbacks=(),
        verbose="auto",
    ):
        """Trains the model, building preprocessing and model on first use.

        Args:
            train: the training data (the task's data type).
            validation: validation data, or None.
            epochs: the total number of epochs (a resumed run does only the
                missing ones).
            batch_size: examples per batch.
            checkpoint_dir: folder for the resumable backup, the best weights
                and `history.csv`; None trains without checkpoints.
            log_dir: folder for TensorBoard scalars; None writes none.
            restore_best: with validation data, end with the weights of the
                epoch with the best `monitor` value.
            callbacks: more Keras callbacks.
            verbose: Keras' verbosity ("auto" shows a progress bar).

        Returns:
            The history: a dict of per-epoch lists (`loss`, `accuracy`, ...).
        """
        keras.utils.set_random_seed(self.seed)
        if not self._is_adapted():
            self._adapt(train)
        if self.model is None:
            self.model = self._build_model()
        train_ds, num_train = self._dataset(train, batch_size=batch_size, training=True)
        val_ds = None
        if validation is not None:
            val_ds, _ = self._dataset(validation, batch_size=batch_size, training=False)

        all_callbacks = [*self._fit_callbacks(validation), *callbacks]
        csv_path = best_path = None
        if checkpoint_dir is not None:
            checkpoint_dir = pathlib.Path(checkpoint_dir)
            self._claim_checkpoint_dir(checkpoint_dir)
            backup_dir = checkpoint_dir / "backup"
            csv_path = checkpoint_dir / "history.csv"
            _truncate_history(csv_path, _backed_up_epochs(backup_dir))
            all_callbacks += [
                keras.callbacks.BackupAndRestore(str(backup_dir)),
                keras.callbacks.CSVLogger(str(csv_path), append=True),
            ]
            if val_ds is not None and restore_best:
                best_path = checkpoint_dir / "best.weights.h5"
                all_callbacks.append(self._best_checkpoint(best_path, csv_path))
        if log_dir is not None:
            all_callbacks.append(keras.callbacks.TensorBoard(str(log_dir)))
        if val_ds is not None and restore_best and best_path is None:
            # Without a checkpoint folder the best weights are kept in memory.
            monitor, mode = self.monitor
            all_callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=monitor,
                    mode=mode,
                    patience=epochs,
                    restore_best_weights=True,
                )
            )

        start = time.perf_counter()
        result = self.model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=epochs,
            shuffle=False,  # the dataset shuffles itself
            callbacks=all_callbacks,
            verbose=verbose,
        )
        seconds = time.perf_counter() - start
        epochs_run = len(result.epoch)
        self.train_seconds += seconds
        self.train_examples += num_train * epochs_run
        if best_path is not None and best_path.exists():
            self.model.load_weights(str(best_path))
        if csv_path is not None:
            self.history = _read_history(csv_path)
        else:
            for key, values in result.history.items():
                self.history.setdefault(key, []).extend(float(v) for v in values)
        return self.history

    @property
    def examples_per_second(self):
        """Training examples per second of `fit` (wall clock, validation
        included), over all calls."""
        return self.train_examples / self.train_seconds if self.train_seconds else 0.0

    def _claim_checkpoint_dir(self, checkpoint_dir):
        """Refuses to resume a checkpoint written by a different set-up."""
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        path = checkpoint_dir / "setup.json"
        fingerprint = json.loads(json.dumps(self._fingerprint()))
        if path.exists():
            if json.loads(path.read_text()) != fingerprint:
                raise CheckpointMismatchError(
                    f"The checkpoint in {checkpoint_dir} was written by a different "
                    "set-up (model, preprocessing or vocabulary differ), so it "
                    "cannot be resumed. Use another folder, or delete this one "
                    "to start again."
                )
        else:
            path.write_text(json.dumps(fingerprint, indent=1))

    def _best_checkpoint(self, best_path, csv_path):
        monitor, mode = self.monitor
        previous = _read_history(csv_path).get(monitor, [])
        best = (max if mode == "max" else min)(previous) if previous else None
        return keras.callbacks.ModelCheckpoint(
            str(best_path),
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=best,
            verbose=0,
        )

    def _preprocessing_config(self):
        """What members of an ensemble must share (JSON-serialisable)."""
        raise NotImplementedError

    # === Ensembles ===

    @classmethod
    def average(cls, pipelines):
        """One pipeline whose model averages the outputs of trained pipelines.

        The members must share their preprocessing (the same vocabulary and
        encoder settings, which is the case for the same training data and
        pipeline settings with different seeds or architectures). The result
        predicts, evaluates, saves and exports like any pipeline, one
        SavedModel for the whole ensemble; its config is the first member's.
        Its model is not compiled, so it is not trained further: train the
        members and average them again.

        Example:

        >>> import numpy as np
        >>> from seqkeras.datasets import load
        >>> from seqkeras.pipelines import SentimentPipeline
        >>> data = load("sentiment-sample").subset(train=200, test=50)
        >>> members = [SentimentPipeline(data.label_names, seed=s, units=8)
        ...            for s in (0, 1)]
        >>> for member in members:
        ...     _ = member.fit(data.train, epochs=1, verbose=0)
        >>> ensemble = SentimentPipeline.average(members)
        >>> mean = (members[0].predict(["Great!"]) + members[1].predict(["Great!"])) / 2
        >>> bool(np.allclose(ensemble.predict(["Great!"]), mean, atol=1e-6))
        True
        """
        pipelines = list(pipelines)
        for i, pipeline in enumerate(pipelines):
            if type(pipeline) is not cls:
                raise InvalidInputError(
                    f"Member {i} is a {type(pipeline).__name__}, not a {cls.__name__}."
                )
            if pipeline.model is None:
                raise InvalidInputError(f"Member {i} is not trained: call `fit` first.")
        first = pipelines[0] if pipelines else None
        for i, pipeline in enumerate(pipelines[1:], start=1):
            if pipeline._preprocessing_config() != first._preprocessing_config():
                raise InvalidInputError(
                    f"Member {i} prepares its input differently from member 0 (another "
                    "vocabulary or encoder setting): train the members on the same "
                    "data with the same preprocessing arguments."
                )
        model = average_ensemble([p.model for p in pipelines])  # checks >= 2
        ensemble = cls(**first.get_config())
        ensemble._load_preprocessing_from(first)
        ensemble.model = model
        ensemble.train_seconds = sum(p.train_seconds for p in pipelines)
        ensemble.train_examples = sum(p.train_examples for p in pipelines)
        return ensemble

    def _load_preprocessing_from(self, other):
        """Shares `other`'s fitted preprocessing."""
        raise NotImplementedError

    # === Saving ===

    def save(self, directory):
        """Writes the model (`model.keras`), preprocessing and config."""
        if self.model is None:
            raise InvalidInputError("Nothing to save: call `fit` first.")
        directory = pathlib.Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save(directory / MODEL_FILE)
        self._save_preprocessing(directory)
        info = {
            "task": self.task,
            "config": self.get_config(),
            "history": self.history,
            "train_seconds": self.train_seconds,
            "train_examples": self.train_examples,
        }
        (directory / PIPELINE_FILE).write_text(json.dumps(info, indent=1))

    @classmethod
    def load(cls, directory):
        """Loads a pipeline written by `save`."""
        directory = pathlib.Path(directory)
        info = json.loads((directory / PIPELINE_FILE).read_text())
        if info["task"] != cls.task:
            raise InvalidInputError(
                f"{directory} holds a {info['task']!r} pipeline, not {cls.task!r}."
            )
        pipeline = cls(**info["config"])
        pipeline._load_preprocessing(directory)
        pipeline.model = keras.saving.load_model(directory / MODEL_FILE)
        pipeline.history = info.get("history", {})
        pipeline.train_seconds = info.get("train_seconds", 0.0)
        pipeline.train_examples = info.get("train_examples", 0)
        return pipeline

    # === Export ===

    def export(self, path, verbose=False):
        """Writes a SavedModel whose signatures take raw inputs.

        It needs only TensorFlow and tensorflow-text to run: load it with
        `tf.saved_model.load(path)` after `import tensorflow_text`.
        """
        if self.model is None:
            raise InvalidInputError("Nothing to export: call `fit` first.")
        import tensorflow as tf

        archive = keras.export.ExportArchive()
        archive.track(self._exported_model())
        self._add_endpoints(archive)
        logger = tf.get_logger()  # TF logs "Assets written to ..." at INFO
        level = logger.level
        logger.setLevel("INFO" if verbose else "WARNING")
        try:
            archive.write_out(str(path), verbose=verbose)
        finally:
            logger.setLevel(level)
        return pathlib.Path(path)


def _backed_up_epochs(backup_dir):
    path = pathlib.Path(backup_dir) / "training_metadata.json"
    if not path.exists():
        return None
    # BackupAndRestore records the number of finished epochs.
    return int(json.loads(path.read_text())["epoch"])


def _truncate_history(csv_path, epochs):
    """Keeps the first `epochs` rows of `history.csv` (all rows if None).

    An interruption between the history row and the backup of an epoch must
    not leave a row for an epoch that will be trained again.
    """
    if epochs is None or not csv_path.exists():
        return
    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f))
    if len(rows) - 1 > epochs:
        with open(csv_path, "w", newline="") as f:
            csv.writer(f).writerows(rows[: epochs + 1])


def _read_history(csv_path):
    """Reads `history.csv` into a dict of per-epoch lists (without `epoch`).

    Keras' CSVLogger writes `val_*` columns even without validation data,
    filled with "NA"; those columns are left out.
    """
    if not pathlib.Path(csv_path).exists():
        return {}
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    keys = [k for k in (rows[0] if rows else {}) if k != "epoch"]
    return {
        k: [float("nan") if row[k] == "NA" else float(row[k]) for row in rows]
        for k in keys
        if any(row[k] != "NA" for row in rows)
    }
