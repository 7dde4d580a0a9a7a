"""What the data containers share: random subsets and train / validation / test.

`Examples` is mixed into containers of aligned examples (texts with labels,
tagged sentences, sentence pairs, captioned images): `subset(size, seed)`
draws examples without replacement, and `split(train, validation, seed=...)`
cuts one file's examples into training, validation and test parts at random,
both keeping the file's order within each part. A container whose examples
come in groups that must stay together (every translation of one source
sentence) says so with `_groups`. `Splits` is mixed into data sets with
`train`, `validation` and `test` attributes: `subset(train=...)` shrinks each
split for quick runs.

Time series split by time instead (`TimeSeries.split`), and text streams
into contiguous parts (`TextStream.split`): a random cut would let a model
train on what comes after its test.
"""

import dataclasses

import numpy as np

from seqkeras.errors import InvalidArgumentError


def check_fractions(train, validation):
    """Refuses split fractions that leave a part without data."""
    for name, value in (("train", train), ("validation", validation)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidArgumentError(
                f"Received an invalid value for argument `{name}`, expected a "
                f"fraction, got {value!r}"
            )
    if not (0 < train < 1 and 0 <= validation < 1 and train + validation < 1):
        raise InvalidArgumentError(
            "Expected fractions with 0 < train < 1, 0 <= validation and "
            f"train + validation < 1 (the rest is the test), got train={train}, "
            f"validation={validation}."
        )


def cut_points(size, train, validation):
    """Where `size` items are cut into the three parts."""
    check_fractions(train, validation)
    return int(round(size * train)), int(round(size * (train + validation)))


class Examples:
    """Mixin: `subset` for a dataclass whose fields are aligned sequences (one
    item per example), or one that implements `__len__` and `_take`."""

    def __len__(self):
        return len(getattr(self, dataclasses.fields(self)[0].name))

    def _take(self, index):
        """A container of the examples at the sorted positions `index`: each
        field's items at those positions (arrays indexed, others listed)."""
        taken = [
            values[index]
            if isinstance(values, np.ndarray)
            else [values[i] for i in index]
            for values in (getattr(self, f.name) for f in dataclasses.fields(self))
        ]
        return type(self)(*taken)

    def subset(self, size, seed=0):
        """Returns `size` examples drawn without replacement (all if fewer)."""
        if size is None or size >= len(self):
            return self
        rng = np.random.default_rng(seed)
        return self._take(np.sort(rng.choice(len(self), size=size, replace=False)))

    def _groups(self):
        """One key per example; examples with the same key land in the same
        part of a split. By default every example is its own group."""
        return range(len(self))

    def split(self, train=0.8, validation=0.1, *, seed=0):
        """Splits the examples at random into `(train, validation, test)`.

        Args:
            train: the share of examples (of groups, see `_groups`) for training.
            validation: the share for validation; the rest is the test.
            seed: the shuffle's seed: the same seed gives the same split.

        Returns:
            Three containers of this type, each in the original order.

        Example:

        >>> from seqkeras.datasets import LabelledTexts
        >>> data = LabelledTexts([f"text {i}" for i in range(10)], [0, 1] * 5)
        >>> [len(part) for part in data.split(0.6, 0.2, seed=1)]
        [6, 2, 2]
        """
        check_fractions(train, validation)
        return self._parts((train, validation), seed)

    def _parts(self, fractions, seed):
        """The examples cut at random into `len(fractions) + 1` parts, the
        last taking the rest."""
        keys = list(self._groups())
        groups = list(dict.fromkeys(keys))
        ends = np.round(np.cumsum(fractions) * len(groups)).astype("int64")
        order = np.random.default_rng(seed).permutation(len(groups))
        part = np.empty(len(groups), dtype="int64")
        for i, (start, end) in enumerate(
            zip([0, *ends], [*ends, len(groups)], strict=True)
        ):
            part[order[start:end]] = i
        part_of = dict(zip(groups, part.tolist(), strict=True))
        parts = np.array([part_of[key] for key in keys], dtype="int64")
        return tuple(
            self._take(np.flatnonzero(parts == i)) for i in range(len(fractions) + 1)
        )


def from_files(read, train, validation=None, test=None, *, split=(0.8, 0.1), seed=0):
    """Training, validation and test examples from the user's files.

    Args:
        read: reads one file into an `Examples` container.
        train: the training file.
        validation, test: their files, or None to cut that part from the
            training file at random (`Examples.split`).
        split: `(train, validation)` fractions used for the parts cut from
            the training file: both missing, the file is cut in three (the
            rest is the test); one missing, its own fraction is cut off
            (`validation`, or the test's `1 - train - validation`).
        seed: the seed of the cut.

    Returns:
        `(train, validation, test)` containers.
    """
    check_fractions(*split)
    examples = read(train)
    if validation is None and test is None:
        return examples.split(*split, seed=seed)
    if validation is not None and test is not None:
        return examples, read(validation), read(test)
    carved = split[1] if validation is None else 1.0 - sum(split)
    rest, cut = examples._parts((1.0 - carved,), seed)
    if validation is None:
        return rest, cut, read(test)
    return rest, read(validation), cut


class Splits:
    """Mixin for a dataclass with `train`, `validation` and `test` fields."""

    def subset(self, train=None, validation=None, test=None, seed=0):
        """Returns a smaller copy (for quick runs): at most that many per split."""
        return dataclasses.replace(
            self,
            train=self.train.subset(train, seed),
            validation=self.validation.subset(validation, seed),
            test=self.test.subset(test, seed),
        )

    def split_sizes(self, unit=""):
        """ "14,041 train / 3,250 validation / 3,453 test" (then `unit`)."""
        sizes = (
            f"{len(self.train):,} train / {len(self.validation):,} validation / "
            f"{len(self.test):,} test"
        )
        return f"{sizes} {unit}" if unit else sizes
