"""Data-parallel training on several devices, processes and machines.

Every pipeline's `fit(..., distribute=...)` trains one model on several
devices at once: each global batch of `batch_size` examples is split evenly
across the devices, each computes the gradient of its share, and the
gradients are summed (an all-reduce) before one update that every device
applies, so the result is that of one device on the same global batches.
It runs on the engines that come with the backends:

- JAX: `keras.distribution.DataParallel`, over the devices of one process
  or, after `start_processes`, over every device of every process (each
  process on its own machine or on a share of one; gloo collectives join
  CPU processes);
- TensorFlow: `tf.distribute.MirroredStrategy`, over the devices of one
  process. Several processes need JAX: `MultiWorkerMirroredStrategy` fails
  with Keras 3's `fit` (keras-team/keras issue 20585).

On a machine without accelerators, `use_devices(n)` splits the processor
into `n` devices before Keras starts, which is how this machine's tests and
benchmarks run it; on a GPU machine the devices are the GPUs.

What `Pipeline.fit` does with a `DataParallel` (`seqkeras.pipelines.base`):

- the model trains as a copy built inside the engine's scope (its weights,
  frozen layers and optimizer state copied in), and the pipeline keeps an
  ordinary one-device model whose weights are brought up to date at the end
  of every epoch, so that validation, `evaluate`, `predict`, `save` and
  `export` run exactly as after training on one device;
- on JAX every batch must split evenly, so training drops a last batch
  smaller than `batch_size`, and with several processes each feeds its own
  rows of every global batch (the batches are made the same way in every
  process, bucketed or not, so their shapes agree);
- with several processes, process 0 writes (checkpoints, logs, the run's
  files) and the others train into a private folder that starts as a copy
  of process 0's, so that a resumed run resumes the same epoch everywhere.
"""

import contextlib
import json
import os
import pathlib
import tempfile

import keras
import numpy as np

from seqkeras.errors import DistributedError, InvalidArgumentError

# How long (seconds) the processes of a run wait for each other: to join at
# the start, and for a heartbeat before deciding that one has died.
JOIN_TIMEOUT = 300
HEARTBEAT_TIMEOUT = 100

# Environment variables that `start_processes_from_environment` reads (a
# cluster scheduler sets them per process).
COORDINATOR_VARIABLE = "SEQKERAS_COORDINATOR"
NUM_PROCESSES_VARIABLE = "SEQKERAS_NUM_PROCESSES"
PROCESS_ID_VARIABLE = "SEQKERAS_PROCESS_ID"


# === Devices and processes (before Keras starts) ===


def use_devices(count):
    """Makes `count` devices of the processor, on a machine without GPUs.

    Call it before the backend starts (before the first model or tensor):
    JAX and TensorFlow fix their devices then. With GPUs it does nothing:
    the devices are the GPUs.
    """
    count = _positive("count", count)
    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            jax.config.update("jax_num_cpu_devices", count)
        elif backend == "tensorflow":
            import tensorflow as tf

            if tf.config.list_physical_devices("GPU"):
                return
            cpu = tf.config.list_physical_devices("CPU")[0]
            logical = [tf.config.LogicalDeviceConfiguration()] * count
            tf.config.set_logical_device_configuration(cpu, logical)
    except RuntimeError as error:
        raise DistributedError(
            f"Cannot make {count} devices now: {backend} has started already "
            f"({error}). Call seqkeras.distribute.use_devices({count}) before "
            "building a model, or pass --devices to `seqkeras train`."
        ) from None


def start_processes(
    coordinator,
    num_processes,
    process_id,
    *,
    heartbeat_timeout=HEARTBEAT_TIMEOUT,
    join_timeout=JOIN_TIMEOUT,
):
    """Joins this process to a run of `num_processes` (JAX only).

    Every process calls it with the same `coordinator` ("host:port" of
    process 0, which listens there) and `num_processes`, and its own
    `process_id` (0 to `num_processes - 1`), before the backend starts.
    A process that does not join within `join_timeout` seconds, or stops
    answering for `heartbeat_timeout` seconds, ends the run.
    """
    if keras.backend.backend() != "jax":
        raise DistributedError(
            "Training across processes needs the JAX backend (--backend jax, or "
            "KERAS_BACKEND=jax): TensorFlow's MultiWorkerMirroredStrategy fails "
            "with Keras 3 (keras-team/keras issue 20585). On one machine, "
            "TensorFlow trains on several devices with --devices."
        )
    num_processes = _positive("num_processes", num_processes)
    process_id = int(process_id)
    if not 0 <= process_id < num_processes:
        raise InvalidArgumentError(
            f"process_id must be between 0 and {num_processes - 1} for "
            f"{num_processes} processes, got {process_id}."
        )
    host, _, port = str(coordinator).rpartition(":")
    if not host or not port.isdigit():
        raise InvalidArgumentError(
            f"coordinator must be HOST:PORT (process 0's address), got {coordinator!r}."
        )
    import jax

    # Gloo carries the all-reduce between CPU devices of different processes
    # (GPUs have their own collectives; the setting does not touch them).
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=str(coordinator),
        num_processes=num_processes,
        process_id=process_id,
        initialization_timeout=int(join_timeout),
        heartbeat_timeout_seconds=int(heartbeat_timeout),
    )


def start_processes_from_environment(**kwargs):
    """`start_processes` from `SEQKERAS_COORDINATOR`,
    `SEQKERAS_NUM_PROCESSES` and `SEQKERAS_PROCESS_ID`, if they are set;
    returns whether they were."""
    names = (COORDINATOR_VARIABLE, NUM_PROCESSES_VARIABLE, PROCESS_ID_VARIABLE)
    given = [os.environ.get(name) for name in names]
    if not any(given):
        return False
    missing = [name for name, value in zip(names, given, strict=True) if not value]
    if missing:
        raise InvalidArgumentError(
            f"Set all of {', '.join(names)} to train across processes; "
            f"{', '.join(missing)} missing."
        )
    start_processes(given[0], int(given[1]), int(given[2]), **kwargs)
    return True


def process_count():
    """How many processes train together (1 without `start_processes`)."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.process_count()
    return 1


def process_index():
    """This process's number among them (0 without `start_processes`)."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.process_index()
    return 0


def is_writer():
    """Whether this process writes the run's files (process 0 does)."""
    return process_index() == 0


# === What `fit(distribute=...)` takes ===


def resolve(distribute):
    """`fit`'s `distribute` as a `DataParallel`, or None for one device.

    Args:
        distribute: None or 1 (one device); an int, that many devices of
            this process (with several processes, the total over all of
            them); "all", every device of every process; or the engine
            itself, a `keras.distribution.DataParallel` (JAX) or a
            `tf.distribute.MirroredStrategy` (TensorFlow).
    """
    if distribute is None or isinstance(distribute, DataParallel):
        return distribute
    if isinstance(distribute, bool):
        raise InvalidArgumentError(
            "distribute takes a number of devices, 'all', or a Keras "
            f"distribution / tf.distribute strategy, not {distribute!r}."
        )
    backend = keras.backend.backend()
    if backend == "jax":
        return _jax_data_parallel(distribute)
    if backend == "tensorflow":
        return _mirrored(distribute)
    raise DistributedError(
        f"Distributed training runs on the JAX and TensorFlow backends, not on "
        f"{backend}."
    )


def _devices(distribute, available, where):
    """The first `distribute` of `available` devices (or all of them)."""
    if distribute == "all":
        return list(available)
    if not isinstance(distribute, int) or distribute < 1:
        raise InvalidArgumentError(
            "distribute takes a number of devices, 'all', or a Keras "
            f"distribution / tf.distribute strategy, not {distribute!r}."
        )
    if distribute > len(available):
        raise DistributedError(
            f"distribute={distribute} asks for more devices than the "
            f"{len(available)} {where}. On a machine without GPUs, make "
            f"devices of the processor first: seqkeras.distribute.use_devices("
            f"{distribute}) before building a model, or `seqkeras train "
            f"--devices {distribute}`."
        )
    return list(available)[:distribute]


def _jax_data_parallel(distribute):
    import jax

    engines = (keras.distribution.DataParallel, keras.distribution.ModelParallel)
    if isinstance(distribute, engines):
        return DataParallel(distribute)
    devices = _devices(distribute, jax.devices(), "devices JAX sees")
    if jax.process_count() > 1 and len(devices) != len(jax.devices()):
        raise InvalidArgumentError(
            f"With {jax.process_count()} processes, distribute is 'all' (or "
            f"{len(jax.devices())}, every device of every process), not "
            f"{distribute!r}."
        )
    if len(devices) == 1 and jax.process_count() == 1:
        return None
    # Each process feeds its own rows (DataParallel.batches), so Keras must
    # not shard the data again.
    engine = keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)
    return DataParallel(engine)


def _mirrored(distribute):
    import tensorflow as tf

    if isinstance(distribute, tf.distribute.Strategy):
        return DataParallel(distribute)
    gpus = tf.config.list_logical_devices("GPU")
    available = gpus or tf.config.list_logical_devices("CPU")
    devices = _devices(distribute, available, "devices TensorFlow sees")
    if len(devices) == 1:
        return None
    names = [d.name for d in devices]
    if gpus:
        return DataParallel(tf.distribute.MirroredStrategy(names))
    # The default all-reduce between CPU devices (collective ops) failed on
    # the embeddings' sparse gradients ("Shape mismatch in the collective
    # instance"); summing on one device does not.
    reduce = tf.distribute.ReductionToOneDevice()
    return DataParallel(tf.distribute.MirroredStrategy(names, cross_device_ops=reduce))


class DataParallel:
    """A distribution engine as `Pipeline.fit` uses it (see the module
    docstring); made by `resolve`."""

    def __init__(self, engine):
        self.engine = engine
        if keras.backend.backend() == "jax":
            self.replicas = int(np.prod(engine.device_mesh.shape))
        else:
            self.replicas = int(engine.num_replicas_in_sync)
        self.processes = process_count()
        self.process_id = process_index()

    def __repr__(self):
        return (
            f"DataParallel({self.replicas} devices, {self.processes} "
            f"process{'es' if self.processes > 1 else ''})"
        )

    @property
    def is_writer(self):
        return self.process_id == 0

    def scope(self):
        """The context in which the training copy is built."""
        return self.engine.scope()

    def training(self, model):
        """`(context, callbacks)` in which `model`, the training copy, trains.

        JAX's trainer reads the distribution while it runs. On TensorFlow,
        Keras' trainer, given a model built under a strategy, takes one batch
        from the data before training to build the model: one more pass of
        the dataset's shuffle, so that every epoch would see another order
        than on one device. So the model forgets its strategy until training
        begins (its data comes distributed already, from `batches`, and its
        variables are built); and no strategy scope is open meanwhile, so
        that the one-device model validates on one device."""
        if keras.backend.backend() == "jax":
            return self.engine.scope(), []
        model._distribute_strategy = None
        return contextlib.nullcontext(), [_StrategyFromTrainingOn(self.engine)]

    @contextlib.contextmanager
    def outside(self):
        """The context in which the one-device model runs during training
        (validation between epochs): no distribution (on TensorFlow there is
        none then, see `training`)."""
        if keras.backend.backend() != "jax":
            yield
            return
        from keras.distribution import distribution, set_distribution

        current = distribution()
        set_distribution(None)
        try:
            yield
        finally:
            set_distribution(current)

    def check_batch_size(self, batch_size):
        if batch_size % self.replicas:
            raise InvalidArgumentError(
                f"batch_size={batch_size} does not split evenly across "
                f"{self.replicas} devices: use a multiple of {self.replicas} (the "
                "batch size is the global one, each device takes an equal share)."
            )

    def batches(self, dataset, batch_size):
        """The training batches as the engine takes them: dealt to the
        devices and, with several processes, this process's rows of each.
        Every batch must hold `batch_size` examples (a pipeline's
        `_dataset(..., whole_batches=True)`), so that it splits evenly."""
        import tensorflow as tf

        if keras.backend.backend() == "tensorflow":
            # Split here rather than by Keras (see `training`); each device
            # gets its rows of every batch, padding and all. (Sharding is for
            # several workers: one reads all the data here.)
            options = tf.data.Options()
            options.experimental_distribute.auto_shard_policy = (
                tf.data.experimental.AutoShardPolicy.OFF
            )
            dataset = dataset.with_options(options)
            return self.engine.experimental_distribute_dataset(dataset)
        if self.processes == 1:
            return dataset
        share = batch_size // self.processes
        first = self.process_id * share

        def own_rows(*batch):
            rows = tf.nest.map_structure(lambda t: t[first : first + share], batch)
            return rows if len(rows) > 1 else rows[0]

        return dataset.map(own_rows)

    # === Files of several processes ===

    @contextlib.contextmanager
    def folder(self, directory):
        """The folder this process writes `directory`'s files into: the
        folder itself on process 0; on the others a private copy of it
        (made from process 0's files, which need not be on a shared
        filesystem), removed at the end. None stays None."""
        if directory is None or self.processes == 1:
            yield directory
            return
        files = _folder_files(directory) if self.is_writer else {}
        files = broadcast_files(files)
        if self.is_writer:
            yield directory
            return
        with tempfile.TemporaryDirectory(prefix="seqkeras-process-") as private:
            for name, data in files.items():
                path = pathlib.Path(private) / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            yield pathlib.Path(private)


class _StrategyFromTrainingOn(keras.callbacks.Callback):
    """Gives the model its strategy back as training begins, before its
    training step is traced (see `DataParallel.training`)."""

    def __init__(self, strategy):
        super().__init__()
        self.strategy = strategy

    def on_train_begin(self, logs=None):
        self.model._distribute_strategy = self.strategy


def _rows(batch):
    import tensorflow as tf

    return tf.shape(tf.nest.flatten(batch)[0])[0]


def _folder_files(directory):
    directory = pathlib.Path(directory)
    if not directory.exists():
        return {}
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not path.name.startswith(".seqkeras")
    }


def broadcast_files(files):
    """Process 0's `{relative path: bytes}` in every process (JAX's
    `broadcast_one_to_all`); the other processes' `files` are ignored."""
    from jax.experimental import multihost_utils

    def broadcast(data):
        # Every process passes an array of the same shape: first the length.
        size = int(multihost_utils.broadcast_one_to_all(np.int64(len(data))))
        array = np.zeros(size, np.uint8)
        if process_index() == 0:
            array = np.frombuffer(data, np.uint8)
        return np.asarray(multihost_utils.broadcast_one_to_all(array)).tobytes()

    names = json.loads(broadcast(json.dumps(sorted(files)).encode()))
    return {name: broadcast(files.get(name, b"")) for name in names}


# === Models ===


def global_batch_statistics(model):
    """Makes `model`'s batch normalisation use the statistics of the whole
    batch, as on one device: MirroredStrategy's devices would otherwise
    each normalise with their own share's (on JAX they are global already;
    Keras' `synchronized` exists on TensorFlow only)."""
    if keras.backend.backend() != "tensorflow":
        return
    for layer in _all_layers(model):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = True


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def copy_state(source, target, *, optimizer=True):
    """Gives `target` (the same architecture as `source`) `source`'s
    weights, frozen layers and, with `optimizer`, optimizer state.

    `target`'s optimizer is built for the variables `source`'s was built
    with (trained, or built for frozen layers to thaw later), and takes its
    state; or for its trainable variables, if `source`'s is not built.
    """
    target.set_weights(source.get_weights())
    for source_layer, target_layer in zip(source.layers, target.layers, strict=True):
        target_layer.trainable = source_layer.trainable
    old, new = source.optimizer, target.optimizer
    if not optimizer or old is None or new is None:
        return
    if not old.built:
        # Built now, in the caller's scope: a strategy's variables are made
        # there, not inside a training step.
        new.build(target.trainable_variables)
        return
    # The variables the optimizer was built with (which may include a frozen
    # layer's, see `pipelines.pretrained`); Keras keeps no public list.
    position = {id(v): i for i, v in enumerate(source.weights)}
    trained = getattr(old, "_trainable_variables", None) or source.trainable_variables
    new.build([target.weights[position[id(v)]] for v in trained])
    for old_variable, new_variable in zip(old.variables, new.variables, strict=True):
        new_variable.assign(old_variable.value)


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer, got {value!r}.")
    return value
