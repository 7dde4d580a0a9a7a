"""What every task's pipeline shares: the verbs, the input rule, training,
saving and export.

A pipeline owns the preprocessing and the Keras model of one task and turns
raw inputs into predictions. Every pipeline has the same verbs:

- `fit(train, validation)`: builds the preprocessing and the model on first
  use, trains with a progress bar, keeps the best validation epoch, and
  with `checkpoint_dir` survives an interruption
  (`seqkeras.pipelines.training`);
- `evaluate(data)`: a dict of scores;
- `predict(inputs)`: raw inputs in, predictions out;
- `save(directory)` / `load(directory)` (or `load_pipeline(directory)`);
- `export(path)`: a SavedModel that takes raw inputs and needs only
  TensorFlow and tensorflow-text.

**One item in, one item out; a batch in, a batch out.** `predict` given one
input (a string, one window `(input_width, features)`, one image) returns
that input's prediction; given a batch (a list of strings, windows
`(batch, input_width, features)`, a list of image files) it returns one
prediction per input, as a list or an array whose first axis runs over the
inputs. `predict(batch)[i]` equals `predict(batch[i])`, with one exception:
sampled text (`method="sample"`) is reproducible for a seed and a batch,
but a row's random draws depend on its place in the batch.

**Batch sizes.** `fit` trains on batches of `TRAINING_BATCH_SIZE` (32,
Keras' own default) unless told otherwise; `predict` and `evaluate` work
through `INFERENCE_BATCH_SIZE` (256) inputs at a time, which changes their
speed and memory but not their results (sampled text aside, see above). The
language model is the one exception to the training default: it trains on
the batch size it was built for (its state carries from batch to batch), and
its `evaluate` reads a split as `streams` side by side (1 by default).

A task subclasses `Pipeline` (or `GenerativePipeline`, for the tasks that
write text) and fills in the hooks marked "Task hooks", then registers
itself with `seqkeras.pipelines.registry.register_pipeline`.
"""

import contextlib
import inspect
import json
import pathlib
import time

import keras

from seqkeras import distribute as distribute_lib
from seqkeras._validation import (
    builder_arguments,
    positive_int,
    positive_int_or_none,
)
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.models.ensemble import average_ensemble
from seqkeras.pipelines import registry
from seqkeras.pipelines.data import JAX_LENGTH_MULTIPLE, PipelineData  # noqa: F401
from seqkeras.pipelines.distributed import OneDeviceCopy
from seqkeras.pipelines.stages import Staged
from seqkeras.pipelines.training import Checkpoints

MODEL_FILE = "model.keras"
PREPROCESSING_FILE = "preprocessing.json"
TRAINING_BATCH_SIZE = 32
INFERENCE_BATCH_SIZE = 256


def plain(value):
    """`value` for JSON: tuples become lists, inside lists and dicts too."""
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def count(items):
    """How many inputs a batch holds (a list, an array, a dense or ragged
    tensor)."""
    if hasattr(items, "nrows"):
        return int(items.nrows())
    if hasattr(items, "shape") and items.shape is not None:
        return int(items.shape[0])
    return len(items)


def auto_jit_compile():
    """Keras' `jit_compile="auto"`: XLA on JAX, and on TensorFlow only where
    a GPU or TPU is."""
    name = keras.backend.backend()
    if name == "jax":
        return True
    if name == "tensorflow":
        import tensorflow as tf

        devices = tf.config.list_physical_devices()
        return any(device.device_type != "CPU" for device in devices)
    return False


def as_data(data, data_class, pair):
    """`data` as a `data_class` (or built from a pair such as `(texts,
    labels)`, named by `pair`), refused when empty."""
    if not isinstance(data, data_class):
        if not (isinstance(data, (tuple, list)) and len(data) == 2):
            raise InvalidInputError(
                f"Expected {data_class.__name__} or a {pair} pair, got "
                f"{type(data).__name__}."
            )
        data = data_class(*data)
    if len(data) == 0:
        raise InvalidInputError(
            f"Got an empty {data_class.__name__}: there is nothing to train or "
            "evaluate on."
        )
    return data


class Pipeline(PipelineData):
    """Base class: preprocessing + model for one task.

    Subclasses set `task` (the task's name, see `registry`), `monitor` (the
    validation metric that picks the best epoch, and "max" or "min"),
    `export_signature` and `export_output` (the exported signature that
    `predict` matches, and its output that holds the prediction), and
    implement the task hooks.
    """

    task = None
    task_aliases = ()
    presets = {}  # architecture name -> builder arguments
    builder = None  # the model builder the architectures configure
    monitor = ("val_loss", "min")
    export_signature = "serve"
    export_output = None
    # Constructor arguments of earlier versions -> their current names, so
    # that pipelines saved by them still load.
    renamed_arguments = {}

    def __init__(self, *, seed=0):
        self.seed = seed
        self.model = None
        self.history = {}
        self.train_seconds = 0.0
        self.train_examples = 0
        self._functions, self._functions_for = {}, None

    # === Task hooks ===

    def get_config(self):
        """The constructor's arguments, JSON-serialisable: each read from the
        attribute of the same name, then the builder arguments
        (`model_kwargs`)."""
        parameters = inspect.signature(type(self).__init__).parameters.values()
        kinds = (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        )
        names = [p.name for p in parameters if p.name != "self" and p.kind in kinds]
        config = {name: plain(getattr(self, name)) for name in names}
        return {**config, **plain(getattr(self, "model_kwargs", {}))}

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

    def _evaluation_callbacks(self):
        """Callbacks that an evaluation pass of the model needs (the
        language model's state reset)."""
        return []

    def _replica_model(self, replicas):
        """The model that trains under `replicas` (a
        `distribute.DataParallel`), built in its scope; the pipeline's model
        is copied into it. The same architecture by default."""
        return self._build_model()

    def _check_jit_compile(self, jit_compile):
        """Refuses a `jit_compile` the task's model cannot take."""

    def _initialise_model(self, train):
        """Sets a newly built model's starting weights where they do not come
        from its initialisers (see `pipelines.pretrained`)."""

    def _embedding_callbacks(self):
        """Callbacks that change what trains during `fit` (see
        `pipelines.pretrained`)."""
        return []

    def _fingerprint(self):
        """What a checkpoint must agree with to be resumed (JSON-serialisable)."""
        return {"task": self.task, "config": self.get_config()}

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        """A `tf.data.Dataset` of `(inputs, targets)` batches; and its size.
        With `whole_batches`, every batch holds `batch_size` examples (a
        last smaller one is left out)."""
        raise NotImplementedError

    def _batch_of(self, inputs):
        """`(single, batch)`: whether `inputs` is one input, and the inputs
        as a batch the task's `_predict_batch` takes."""
        raise NotImplementedError

    def _predict_batch(self, batch, *, batch_size, verbose, **options):
        """Predictions for a batch: a list or an array, one row per input."""
        raise NotImplementedError

    def _save_preprocessing(self, directory):
        raise NotImplementedError

    def _load_preprocessing(self, directory):
        raise NotImplementedError

    def _preprocessing_config(self):
        """What members of an ensemble must share (JSON-serialisable)."""
        raise NotImplementedError

    def _load_preprocessing_from(self, other):
        """Shares `other`'s fitted preprocessing."""
        raise NotImplementedError

    def _function_owners(self):
        """What the compiled functions capture: a change of any of these
        (compared by identity) makes them again."""
        return (self.model,)

    def _endpoints(self):
        """The exported signatures: a dict of name -> `tf.function` or
        `stages.Staged` (which runs on every backend)."""
        raise NotImplementedError

    def _trackables(self):
        """Objects the exported graph reads besides the model (encoders)."""
        return []

    def _exported_model(self):
        """The Keras model the export serves (the trained one by default)."""
        return self.model

    def export_arguments(self):
        """The arguments, besides the inputs, with which the exported
        `export_signature` gives what `predict(inputs)` gives with its
        defaults (a dict of JSON values; empty for most tasks)."""
        return {}

    # === Arguments ===

    def _model_arguments(self, builder, given, exclude):
        """Checks the builder arguments a user passed to the constructor."""
        for old, new in self.renamed_arguments.items():
            if old in given:
                raise InvalidArgumentError(
                    f"{type(self).__name__} takes `{new}`, not `{old}` (renamed "
                    f"so that every pipeline names its preset the same way): pass "
                    f"{new}={given[old]!r}."
                )
        return builder_arguments(builder, given, exclude=exclude)

    @classmethod
    def _current_config(cls, config):
        """A saved config with the arguments of earlier versions renamed."""
        return {cls.renamed_arguments.get(k, k): v for k, v in config.items()}

    @staticmethod
    def _inference_batch_size(batch_size):
        if batch_size is None:
            return INFERENCE_BATCH_SIZE
        return positive_int("batch_size", batch_size)

    # === Training ===

    def fit(
        self,
        train,
        validation=None,
        *,
        epochs=5,
        batch_size=None,
        checkpoint_dir=None,
        log_dir=None,
        restore_best=True,
        callbacks=(),
        verbose="auto",
        jit_compile=None,
        distribute=None,
    ):
        """Trains the model, building preprocessing and model on first use.

        Args:
            train: the training data (the task's data type), or for the
                tasks that stream files, such a file or its path.
            validation: validation data (as `train`), or None.
            epochs: the total number of epochs (a resumed run does only the
                missing ones).
            batch_size: examples per batch (default `TRAINING_BATCH_SIZE`).
            checkpoint_dir: folder for the resumable backup, the best weights
                and `history.csv`; None trains without checkpoints.
            log_dir: folder for TensorBoard scalars; None writes none.
            restore_best: with validation data, end with the weights of the
                epoch with the best `monitor` value.
            callbacks: more Keras callbacks.
            verbose: Keras' verbosity ("auto" shows a progress bar).
            jit_compile: compile the whole training step with XLA (True),
                or not (False); None takes Keras' choice, XLA on JAX and on
                TensorFlow only with a GPU or TPU, which was the faster
                setting for every task on a CPU (BENCHMARKS.md, "Keras on
                JAX"). On JAX, False runs the steps op by op.
            distribute: train on several devices, each on an equal share of
                every batch of `batch_size`: a number of devices, "all"
                (every device of every process, after
                `seqkeras.distribute.start_processes`), or a
                `keras.distribution.DataParallel` (JAX) or
                `tf.distribute.MirroredStrategy` (TensorFlow); None trains
                on one device. See `seqkeras.distribute`.

        Returns:
            The history: a dict of per-epoch lists (`loss`, `accuracy`, ...).
        """
        batch_size = positive_int("batch_size", batch_size or TRAINING_BATCH_SIZE)
        train, validation = self._open(train), self._open(validation)
        replicas = distribute_lib.resolve(distribute)
        if replicas is not None:
            replicas.check_batch_size(batch_size)
            if not replicas.is_writer:
                verbose, log_dir = 0, None  # process 0 reports and logs
        keras.utils.set_random_seed(self.seed)
        if not self._is_adapted():
            self._adapt(train)
        if self.model is None:
            self.model = self._build_model()
            self._initialise_model(train)
        train_ds, num_train = self._dataset(
            train,
            batch_size=batch_size,
            training=True,
            whole_batches=replicas is not None,
        )
        val_ds = None
        if validation is not None:
            val_ds, _ = self._dataset(validation, batch_size=batch_size, training=False)
        one_device = self.model
        if replicas is not None:
            # The copy that trains is built in the engine's scope; the
            # pipeline's own model follows it (`OneDeviceCopy`).
            with replicas.scope():
                self.model = self._replica_model(replicas)
                distribute_lib.copy_state(one_device, self.model)
                distribute_lib.global_batch_statistics(self.model)
            train_ds = replicas.batches(train_ds, batch_size)
        self._set_jit_compile(jit_compile)
        folder = (
            contextlib.nullcontext(checkpoint_dir)
            if replicas is None
            else replicas.folder(checkpoint_dir)
        )
        try:
            with folder as checkpoint_dir:
                result = self._fit_model(
                    train_ds,
                    val_ds,
                    validation,
                    replicas=replicas,
                    one_device=one_device,
                    epochs=epochs,
                    checkpoint_dir=checkpoint_dir,
                    log_dir=log_dir,
                    restore_best=restore_best,
                    callbacks=callbacks,
                    verbose=verbose,
                )
        except BaseException:
            self.model = one_device  # the checkpoint holds the last epoch
            raise
        if replicas is not None:
            distribute_lib.copy_state(self.model, one_device)
            self.model = one_device
        self.train_examples += num_train * len(result.epoch)
        return self.history

    def _fit_model(
        self,
        train_ds,
        val_ds,
        validation,
        *,
        replicas,
        one_device,
        epochs,
        checkpoint_dir,
        log_dir,
        restore_best,
        callbacks,
        verbose,
    ):
        """Keras' `fit` with the checkpoint, logging and task callbacks;
        keeps the history and, with validation, ends on the best epoch."""
        checkpoints = Checkpoints(
            checkpoint_dir,
            self.monitor,
            self._fingerprint(),
            lock=replicas is None or replicas.is_writer,
        )
        keep_best = val_ds is not None and restore_best
        all_callbacks = [
            *self._embedding_callbacks(),
            *self._fit_callbacks(validation),
            *callbacks,
            *checkpoints.callbacks(epochs=epochs, keep_best=keep_best),
        ]
        if log_dir is not None:
            all_callbacks.append(keras.callbacks.TensorBoard(str(log_dir)))
        training = contextlib.nullcontext()
        if replicas is not None:
            # Validation runs on the one-device model, before the callbacks
            # that read its scores (see `OneDeviceCopy`).
            training, first = replicas.training(self.model)
            copy = OneDeviceCopy(self, one_device, replicas, val_ds)
            all_callbacks[:0] = [*first, copy]
            val_ds = None

        start = time.perf_counter()
        with checkpoints, training:
            result = self.model.fit(
                train_ds,
                validation_data=val_ds,
                epochs=epochs,
                shuffle=False,  # the dataset shuffles itself
                callbacks=all_callbacks,
                verbose=verbose,
            )
            self.train_seconds += time.perf_counter() - start
            checkpoints.restore_best(self.model)
            history = checkpoints.history()
        if history is not None:
            self.history = history
        else:
            for key, values in result.history.items():
                self.history.setdefault(key, []).extend(float(v) for v in values)
        return result

    def _set_jit_compile(self, jit_compile):
        """Sets the model's `jit_compile` (None: Keras' "auto"); Keras makes
        its step functions again on a change."""
        jit_compile = auto_jit_compile() if jit_compile is None else bool(jit_compile)
        self._check_jit_compile(jit_compile)
        compiled = getattr(self.model, "compiled", False)
        if compiled and self.model.jit_compile != jit_compile:
            self.model.jit_compile = jit_compile
            self.model.make_train_function(force=True)
            self.model.make_test_function(force=True)

    @property
    def examples_per_second(self):
        """Training examples per second of `fit` (wall clock, validation
        included), over all calls."""
        return self.train_examples / self.train_seconds if self.train_seconds else 0.0

    # === Prediction ===

    def predict(self, inputs, *, batch_size=None, verbose=0, **options):
        """Predictions for raw inputs: one input in, one prediction out; a
        batch in, one prediction per input out (see the module docstring).

        Args:
            inputs: one raw input or a batch of them (the task's type).
            batch_size: inputs per batch (default `INFERENCE_BATCH_SIZE`).
            verbose: 1 shows a progress bar.
            **options: the task's prediction options, if it has any.
        """
        self._require_model()
        single, batch = self._batch_of(inputs)
        outputs = self._predict_batch(
            batch,
            batch_size=self._inference_batch_size(batch_size),
            verbose=verbose,
            **options,
        )
        return outputs[0] if single else outputs

    def _require_model(self):
        if self.model is None:
            raise InvalidInputError("This pipeline is not trained: call `fit` first.")

    def _text_options(self, max_vocabulary_size, min_count, max_length, lowercase):
        """Checks and sets the vocabulary and text settings that the text
        pipelines share."""
        self.max_vocabulary_size = positive_int_or_none(
            "max_vocabulary_size", max_vocabulary_size
        )
        self.min_count = positive_int("min_count", min_count)
        self.max_length = positive_int("max_length", max_length)
        self.lowercase = bool(lowercase)

    def _adapt_encoder(self, encoder, texts):
        """Builds `encoder`'s vocabulary from training texts, with the
        pipeline's `max_vocabulary_size` and `min_count`."""
        encoder.adapt(
            texts, max_size=self.max_vocabulary_size, min_count=self.min_count
        )

    def _batches(self, items, batch_size, verbose=0):
        """Slices of `batch_size` inputs, with a progress bar if `verbose`."""
        n = count(items)
        progress = keras.utils.Progbar(n) if verbose and n else None
        for start in range(0, n, batch_size):
            yield items[start : start + batch_size]
            if progress:
                progress.update(min(start + batch_size, n))

    def _compiled(self, key, make):
        """The compiled function cached under `key`, made by `make()` on
        first use; the cache empties when the model or preprocessing change
        (`_function_owners`)."""
        owners = self._function_owners()
        if self._functions_for is None or any(
            a is not b for a, b in zip(owners, self._functions_for, strict=True)
        ):
            self._functions, self._functions_for = {}, owners
        if key not in self._functions:
            self._functions[key] = make()
        return self._functions[key]

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
        >>> mean = (members[0].predict("Great!") + members[1].predict("Great!")) / 2
        >>> bool(np.allclose(ensemble.predict("Great!"), mean, atol=1e-6))
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
        (directory / registry.PIPELINE_FILE).write_text(json.dumps(info, indent=1))

    @classmethod
    def load(cls, directory):
        """Loads a pipeline written by `save`."""
        directory = pathlib.Path(directory)
        info = registry.read_info(directory)
        if info["task"] != cls.task:
            raise InvalidInputError(
                f"{directory} holds a {info['task']!r} pipeline, not {cls.task!r}: "
                "load it with seqkeras.pipelines.load_pipeline."
            )
        pipeline = cls(**cls._current_config(info["config"]))
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
        for trackable in self._trackables():
            archive.track(trackable)
        for name, function in self._endpoints().items():
            if isinstance(function, Staged):
                function = function.exported(archive)
            archive.add_endpoint(name, function)
        logger = tf.get_logger()  # TF logs "Assets written to ..." at INFO
        level = logger.level
        logger.setLevel("INFO" if verbose else "WARNING")
        try:
            archive.write_out(str(path), verbose=verbose)
        finally:
            logger.setLevel(level)
        return pathlib.Path(path)
