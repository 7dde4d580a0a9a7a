"""The user's own files on the command line: telling a file from a catalogue
name in `--dataset`, checking `--validation`, `--test` and `--split`, and
the one-line error every such mistake prints."""

import os
import pathlib

from seqkeras.errors import InvalidArgumentError


def user_error(message):
    """An error that the command line prints as one line (exit status 1)."""
    return InvalidArgumentError(message)


def is_file_name(name):
    """True when `--dataset` names a file rather than a catalogue entry
    (catalogue names hold no dot and no path separator)."""
    path = pathlib.Path(name)
    return bool(path.suffix) or path.exists() or os.sep in str(name)


def split_fractions(text):
    """`--split 0.8,0.1` -> (0.8, 0.1), checked."""
    from seqkeras.datasets.splits import check_fractions

    try:
        train, validation = (float(x) for x in text.split(","))
    except ValueError:
        raise user_error(
            f"--split expects two fractions such as 0.8,0.1 (train, validation), "
            f"got {text!r}"
        ) from None
    try:
        check_fractions(train, validation)
    except InvalidArgumentError as e:
        raise user_error(f"--split {text}: {e}") from None
    return train, validation


def file_arguments(args):
    """The files and split of a run on the user's files, paths made absolute
    (and kept so in `args`, so that `metrics.json` can find them again)."""
    for name in ("dataset", "validation", "test"):
        value = getattr(args, name)
        if value is not None:
            path = pathlib.Path(value).expanduser()
            if not path.exists():
                flag = "--" + name
                raise user_error(f"{flag} {value}: no such file.")
            setattr(args, name, str(path.resolve()))
    return {
        "train": args.dataset,
        "validation": args.validation,
        "test": args.test,
        "split": split_fractions(args.split),
        "seed": args.seed,
    }


def columns(text):
    """A comma-separated list of column names, or None."""
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]
