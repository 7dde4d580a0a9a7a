"""How a pipeline turns its training data into batches: lists of examples,
or files streamed from disk (`seqkeras.datasets.streams`). A mixin of
`Pipeline`; the tasks call these from their `_dataset`."""

import pathlib

import keras

from seqkeras.errors import InvalidInputError

# On JAX, training batches are padded to a multiple of this many steps.
JAX_LENGTH_MULTIPLE = 8


class PipelineData:
    """Mixin: batches from lists or from streamed files."""

    # The file a task streams its data from when given one or its path (a
    # `seqkeras.datasets.streams.TextFile`); None: lists only.
    file_class = None

    def _file_options(self):
        """How the task opens a path given as data (`file_class`'s options)."""
        return {}

    def _sequence_batches(
        self, ids, labels=None, *, batch_size, training, whole_batches=False, **kw
    ):
        """`batching.sequence_dataset` of `ids` (and `labels`): shuffled and,
        if the pipeline buckets, bucketed by length in training."""
        from seqkeras.pipelines.batching import sequence_dataset

        options = self._batching(training, whole_batches)
        return sequence_dataset(ids, labels, batch_size=batch_size, **options, **kw)

    def _stream_batches(
        self, rows, stream, *, batch_size, training, whole_batches=False, **kw
    ):
        """`batching.row_dataset` of the encoded `rows` of a streamed file
        (`stream`): the batches `_sequence_batches` makes of the same
        examples given as a list, for a file that fits the shuffle buffer."""
        from seqkeras.datasets.streams import SHUFFLE_BUFFER
        from seqkeras.pipelines.batching import row_dataset

        options = self._batching(training, whole_batches)
        return row_dataset(
            rows,
            len(stream),
            batch_size=batch_size,
            shuffle_buffer=SHUFFLE_BUFFER,
            **options,
            **kw,
        )

    def _batching(self, training, whole_batches):
        bucketing = training and getattr(self, "bucketing", False)
        # On JAX a training step is compiled for each batch shape: lengths
        # rounded up to a multiple of 8 leave a few shapes instead of one per
        # sentence length (the mask hides the extra padding). TensorFlow
        # traces its step once for any shape.
        multiple = JAX_LENGTH_MULTIPLE if keras.backend.backend() == "jax" else 1
        return dict(
            shuffle=training,
            bucketing=bucketing,
            seed=self.seed,
            length_multiple=multiple,
            drop_remainder=whole_batches,
        )

    def _open(self, data):
        """A path becomes the task's streamed file (`file_class`, see
        `seqkeras.datasets.streams`), read once to count its lines and
        report its bad ones; anything else passes through."""
        if self.file_class is None:
            return data
        from seqkeras.datasets.streams import as_stream

        if isinstance(data, str) and not pathlib.Path(data).expanduser().is_file():
            raise InvalidInputError(
                f"Got the text {data!r} as data, and no file has that name: pass the "
                "data itself (see the pipeline's docstring) or the path of a file "
                f"({self.file_class.__name__})."
            )
        stream = as_stream(data, self.file_class, **self._file_options())
        if stream is None:
            return data
        if stream.report.bad and not stream.reported:
            print(stream.report.summary())
            stream.reported = True
        return stream

    def _stream(self, data):
        """`data` if it is a streamed file, else None."""
        if self.file_class is not None and isinstance(data, self.file_class):
            return data
        return None
