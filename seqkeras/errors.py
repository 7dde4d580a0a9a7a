"""Errors that seqkeras raises for mistakes a user can fix.

Every error here derives from `SeqkerasError` and also from the built-in
exception a Python user would expect (`ValueError`, `OSError`, `KeyError`),
so both `except SeqkerasError` and `except ValueError` work. The command line
turns a `SeqkerasError` into one line on stderr and a non-zero exit; any
other exception is a bug and keeps its traceback.
"""


class SeqkerasError(Exception):
    """Base class of the errors a user can fix (bad input, missing data)."""


class InvalidArgumentError(SeqkerasError, ValueError):
    """An argument has the wrong type or an out-of-range value."""


class InvalidInputError(SeqkerasError, ValueError):
    """Data passed to a pipeline cannot be used (wrong type, wrong shape)."""


class UnknownDatasetError(SeqkerasError, KeyError):
    """A data set name that the registry does not know."""

    def __str__(self):
        # KeyError quotes its message; this error is read by people.
        return str(self.args[0]) if self.args else ""


class DatasetUnavailableError(SeqkerasError, OSError):
    """A data set file cannot be obtained (offline, no cache, no mirror)."""


class ChecksumError(SeqkerasError, OSError):
    """A downloaded or cached file does not match its SHA-256 checksum."""


class CheckpointMismatchError(SeqkerasError, ValueError):
    """A training checkpoint was written by a different set-up."""


class InvalidTagSequenceError(InvalidInputError):
    """A tag sequence breaks the rules of its tag scheme (IOB1, IOB2, IOBES)."""


class FolderLockedError(SeqkerasError, OSError):
    """A run folder is held by another process (see `seqkeras.locking`)."""


class DistributedError(SeqkerasError, RuntimeError):
    """Training across devices or processes cannot go on as set up (a
    process left, a batch size the devices cannot share)."""
