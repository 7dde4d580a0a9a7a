"""What the data containers share: random subsets and train / validation / test.

`Examples` is mixed into containers of aligned examples (texts with labels,
tagged sentences, sentence pairs): `subset(size, seed)` draws examples
without replacement, keeping their order. `Splits` is mixed into data sets
with `train`, `validation` and `test` attributes: `subset(train=...)` shrinks
each split for quick runs.
"""

import dataclasses

import numpy as np


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
