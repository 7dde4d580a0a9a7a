"""What `Pipeline.fit` needs around Keras' own `fit`: resumable checkpoints,
the history file, and keeping the best epoch.

With a checkpoint folder, `fit` backs up the weights, optimizer state and
epoch at the end of every epoch (`keras.callbacks.BackupAndRestore`), and
calling `fit` again with the same arguments after an interruption carries on
from the last finished epoch. The per-epoch history is appended to
`history.csv` in the same folder, so it too survives the interruption; the
folder's `setup.json` records what trained it, so that a checkpoint of
another set-up is never resumed by mistake. With validation data, the
weights of the best validation epoch are kept and restored at the end.
"""

import csv
import json
import pathlib

import keras

from seqkeras.errors import CheckpointMismatchError
from seqkeras.locking import FolderLock


class Checkpoints:
    """The checkpoint folder of one `fit` call (or none).

    Args:
        directory: the folder, or None to train without checkpoints (the
            best weights are then kept in memory).
        monitor: `(metric, "min" | "max")`, what picks the best epoch.
        fingerprint: what a checkpoint must agree with to be resumed.
        lock: hold the folder (`seqkeras.locking.FolderLock`) until
            `release`, so that no other run writes there meanwhile; a second
            `fit` into a folder in use is refused.
    """

    def __init__(self, directory, monitor, fingerprint, *, lock=True):
        self.directory = None if directory is None else pathlib.Path(directory)
        self.monitor = monitor
        self.best_path = self.history_path = None
        self._lock = None
        if self.directory is not None:
            if lock:
                self._lock = FolderLock(self.directory).acquire()
            try:
                self._claim(fingerprint)
            except BaseException:
                self.release()
                raise
            self.history_path = self.directory / "history.csv"

    def release(self):
        """Lets another run write into the folder."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.release()

    def _claim(self, fingerprint):
        """Refuses to resume a checkpoint written by a different set-up."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / "setup.json"
        fingerprint = json.loads(json.dumps(fingerprint))
        if path.exists():
            if json.loads(path.read_text()) != fingerprint:
                raise CheckpointMismatchError(
                    f"The checkpoint in {self.directory} was written by a "
                    "different set-up (model, preprocessing or vocabulary "
                    "differ), so it cannot be resumed. Use another folder, or "
                    "delete this one to start again."
                )
        else:
            path.write_text(json.dumps(fingerprint, indent=1))

    def callbacks(self, *, epochs, keep_best):
        """The callbacks that back up, log and keep the best epoch."""
        monitor, mode = self.monitor
        if self.directory is None:
            if not keep_best:
                return []
            # Without a checkpoint folder the best weights are kept in memory.
            return [
                keras.callbacks.EarlyStopping(
                    monitor=monitor,
                    mode=mode,
                    patience=epochs,
                    restore_best_weights=True,
                )
            ]
        backup_dir = self.directory / "backup"
        truncate_history(self.history_path, backed_up_epochs(backup_dir))
        callbacks = [
            keras.callbacks.BackupAndRestore(str(backup_dir)),
            keras.callbacks.CSVLogger(str(self.history_path), append=True),
        ]
        if keep_best:
            self.best_path = self.directory / "best.weights.h5"
            previous = read_history(self.history_path).get(monitor, [])
            best = (max if mode == "max" else min)(previous) if previous else None
            callbacks.append(
                keras.callbacks.ModelCheckpoint(
                    str(self.best_path),
                    monitor=monitor,
                    mode=mode,
                    save_best_only=True,
                    save_weights_only=True,
                    initial_value_threshold=best,
                    verbose=0,
                )
            )
        return callbacks

    def restore_best(self, model):
        """Loads the best epoch's weights, if a best epoch was saved."""
        if self.best_path is not None and self.best_path.exists():
            model.load_weights(str(self.best_path))

    def history(self):
        """The whole history of the folder, or None without one."""
        if self.history_path is None:
            return None
        return read_history(self.history_path)


def backed_up_epochs(backup_dir):
    path = pathlib.Path(backup_dir) / "training_metadata.json"
    if not path.exists():
        return None
    # BackupAndRestore records the number of finished epochs.
    return int(json.loads(path.read_text())["epoch"])


def truncate_history(csv_path, epochs):
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


def read_history(csv_path):
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
