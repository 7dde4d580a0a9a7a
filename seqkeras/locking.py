"""One writer per run folder.

Two trainings started into the same folder would both write there: the
second would resume from the first's half-written checkpoints while the
first still trains. `FolderLock` lets one process hold a folder at a time.

It is an advisory lock (`fcntl.flock`) on the file `.seqkeras.lock` in the
folder, which also records who holds it (process id, host, command, start
time), so that a second writer is refused with a message naming the holder.
The operating system drops the lock when its process ends, however it ends,
so a run that was killed leaves no lock behind, only the file: the next
writer takes the lock, says whose stale lock it cleared, and writes its own
details. (POSIX systems only; on a network filesystem the lock is as good
as the filesystem's `flock`.)
"""

import datetime
import fcntl
import json
import os
import pathlib
import socket
import sys

from seqkeras.errors import FolderLockedError

LOCK_FILE = ".seqkeras.lock"


class FolderLock:
    """The lock of one folder; a context manager.

    Args:
        directory: the folder (created if missing).

    Example:

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with FolderLock(folder):
    ...     try:
    ...         FolderLock(folder).acquire()
    ...     except FolderLockedError as error:
    ...         print("refused")
    refused
    """

    def __init__(self, directory):
        self.directory = pathlib.Path(directory)
        self.path = self.directory / LOCK_FILE
        self.stale = None  # the details of a stale lock this one cleared
        self._fd = None

    def acquire(self):
        """Takes the lock, or raises `FolderLockedError` naming its holder."""
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read(fd)
                os.close(fd)
                raise FolderLockedError(
                    f"{self.directory} is in use by {describe(holder)}: only one "
                    "run at a time writes into a folder. Wait for that run to "
                    "finish or stop it, or choose another folder."
                ) from None
            # The holder before us may have removed the file between our open
            # and our lock; then we hold a lock on a file nobody else sees.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self.stale = _read(fd) or None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(_details()).encode(), 0)
        self._fd = fd
        return self

    def release(self):
        """Gives the lock up (and removes its file)."""
        if self._fd is None:
            return
        # Removed before unlocking, so that nobody takes a lock on a file
        # that is about to disappear (see `acquire`).
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


def describe(holder):
    """'process 123 on host (seqkeras train ...), since ...' from the lock
    file's details."""
    if not holder:
        return "another process"
    text = f"process {holder.get('pid')} on {holder.get('host')}"
    if holder.get("command"):
        text += f" ({holder['command']})"
    if holder.get("since"):
        text += f", since {holder['since']}"
    return text


def _details():
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": " ".join([pathlib.Path(sys.argv[0]).name, *sys.argv[1:]]),
        "since": datetime.datetime.now().isoformat(timespec="seconds"),
    }


def _read(fd):
    size = os.fstat(fd).st_size
    if not size:
        return {}
    try:
        return json.loads(os.pread(fd, size, 0).decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
