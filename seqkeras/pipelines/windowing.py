"""Windows over a time series: inputs, and the labels that follow them.

A window is `input_width` consecutive steps of the feature columns, paired
with `label_width` steps of the target columns that end `shift` steps after
the inputs end:

    steps   0 1 2 3 4 5 6 7 8      input_width=6, shift=2, label_width=2
    inputs  x x x x x x
    labels              y y        (the next 2 steps: a 2-step forecast)

`shift` is the horizon: `shift=1, label_width=1` is a next-step forecast,
`shift=label_width=24` the next 24 steps at once, and `shift=0,
label_width=1` labels a window by its own last step (the course's "what is
the weather today"). Windows start every `stride` steps from step 0; the
last one is the last that fits entirely.

Example:

>>> spec = WindowSpec(input_width=3, label_width=1, shift=1)
>>> spec.num_windows(6)
3
>>> inputs, labels = window_arrays(np.arange(6.0), np.arange(6.0), spec)
>>> inputs[:, :, 0].tolist(), labels[:, :, 0].tolist()
([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [[3.0], [4.0], [5.0]])
"""

import dataclasses

import numpy as np
import tensorflow as tf

from seqkeras._validation import non_negative_int, positive_int
from seqkeras.errors import InvalidArgumentError, InvalidInputError


@dataclasses.dataclass(frozen=True)
class WindowSpec:
    """The shape of a window: see the module docstring.

    Args:
        input_width: steps the model reads.
        label_width: steps it predicts.
        shift: how many steps after the last input the last label comes.
        stride: steps between the starts of consecutive windows.
    """

    input_width: int
    label_width: int = 1
    shift: int = 1
    stride: int = 1

    def __post_init__(self):
        positive_int("input_width", self.input_width)
        positive_int("label_width", self.label_width)
        non_negative_int("shift", self.shift)
        positive_int("stride", self.stride)
        if self.label_width > self.total_width:
            raise InvalidArgumentError(
                f"label_width={self.label_width} is longer than the whole window "
                f"(input_width + shift = {self.total_width})."
            )

    @property
    def total_width(self):
        """Steps one window spans, inputs and labels together."""
        return self.input_width + self.shift

    def num_windows(self, length):
        """How many windows fit in a series of `length` steps."""
        if length < self.total_width:
            return 0
        return (length - self.total_width) // self.stride + 1

    def positions(self, length):
        """Step indices: `(inputs (n, input_width), labels (n, label_width))`.

        Raises a clear error if the series is shorter than one window.
        """
        n = self.num_windows(length)
        if n == 0:
            raise InvalidInputError(
                f"The series has {length} steps, but one window needs "
                f"{self.total_width} (input_width {self.input_width} + shift "
                f"{self.shift}): use a longer series or a smaller window."
            )
        starts = np.arange(n) * self.stride
        inputs = starts[:, None] + np.arange(self.input_width)
        first_label = self.total_width - self.label_width
        labels = starts[:, None] + first_label + np.arange(self.label_width)
        return inputs, labels


def _as_2d(array, name):
    array = np.asarray(array)
    if array.ndim == 1:
        return array[:, None]
    if array.ndim != 2:
        raise InvalidInputError(
            f"Expected {name} of shape (steps,) or (steps, columns), got {array.shape}."
        )
    return array


def _checked(features, targets):
    features = _as_2d(features, "features").astype("float32")
    targets = np.asarray(targets)
    if len(targets) != len(features):
        raise InvalidInputError(
            f"Got {len(features)} steps of features but {len(targets)} of targets."
        )
    if not np.isfinite(features).all():
        step = int(np.argwhere(~np.isfinite(features))[0][0])
        raise InvalidInputError(
            f"The features hold NaN or infinite values (first at step {step}): "
            "load the series with nan='interpolate' or nan='drop'."
        )
    return features, targets


def window_arrays(features, targets, spec):
    """All windows as NumPy arrays.

    Args:
        features: `(steps, features)` (or `(steps,)`) values the model reads.
        targets: `(steps, targets)` floats, or `(steps,)` integer class ids.
        spec: a `WindowSpec`.

    Returns:
        `inputs (n, input_width, features)` float32 and labels
        `(n, label_width, targets)` float32, or `(n, label_width)` int64 for
        class ids.
    """
    features, targets = _checked(features, targets)
    if np.issubdtype(targets.dtype, np.floating):
        targets = _as_2d(targets, "targets").astype("float32")
    inputs, labels = spec.positions(len(features))
    return features[inputs], targets[labels]


def window_dataset(
    features,
    targets,
    spec,
    *,
    batch_size=32,
    shuffle=False,
    seed=0,
    drop_remainder=False,
):
    """A `tf.data.Dataset` of `(inputs, labels)` batches of windows.

    The series stays in memory once; each batch gathers its windows by index,
    so windows are never copied ahead of time. With `shuffle`, the order of
    windows changes every epoch (deterministically for a `seed`); windows
    never mix steps across the series' split boundaries, because each split
    is windowed on its own.

    Args:
        features, targets: as for `window_arrays`.
        spec: a `WindowSpec`.
        batch_size: windows per batch (the last batch may be smaller).
        shuffle: shuffle the windows (training).
        seed: the shuffling seed.
        drop_remainder: leave out a last batch smaller than `batch_size`.

    Returns:
        The dataset; batches are the `window_arrays` windows, in order
        unless shuffled.
    """
    positive_int("batch_size", batch_size)
    features, targets = _checked(features, targets)
    if np.issubdtype(targets.dtype, np.floating):
        targets = _as_2d(targets, "targets").astype("float32")
    input_positions, label_positions = spec.positions(len(features))
    features = tf.constant(features)
    targets = tf.constant(targets)
    input_positions = tf.constant(input_positions, tf.int32)
    label_positions = tf.constant(label_positions, tf.int32)
    n = int(input_positions.shape[0])

    def gather(index):  # index: (batch,)
        inputs = tf.gather(features, tf.gather(input_positions, index))
        labels = tf.gather(targets, tf.gather(label_positions, index))
        return inputs, labels  # (batch, input_width, f), (batch, label_width[, t])

    dataset = tf.data.Dataset.range(n)
    if shuffle:
        dataset = dataset.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)
