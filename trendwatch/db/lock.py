"""One daemon per database: an exclusive ``flock`` on ``<db>.lock``.

The kernel releases a ``flock`` when its process dies, however it dies (SIGKILL, OOM,
power loss on reboot), so a stale lock never blocks a restart and no pid-file guessing is
needed. The pid is written into the file only to name the holder in the error message.
Readers (``status``, ``suggestions``, ``serve``) never take this lock; they may *probe* it
to tell whether a daemon is alive.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from ..errors import DaemonLockedError
from .faults import StorageError, describe


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{db_path}.lock")


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class DaemonLock:
    """Held for the daemon's lifetime; ``acquire`` raises DaemonLockedError if taken."""

    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self.db_path = Path(db_path)
        self.path = lock_path(db_path)
        self._fd: int | None = None

    def acquire(self) -> DaemonLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:  # a read-only folder: say so in one line
            raise StorageError(describe(err)) from None
        for attempt in range(4):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # A reader's lock_holder() probe holds a shared lock for microseconds:
                # retry briefly before concluding that a daemon owns the database.
                if attempt < 3:
                    time.sleep(0.1)
        else:
            os.close(fd)
            pid = _read_pid(self.path)
            who = f"pid {pid}" if pid else "another process"
            raise DaemonLockedError(
                f"another trendwatch daemon ({who}) is already running on {self.db_path}; "
                f"stop it first (lock file {self.path})") from None
        # Only now that we own the lock do we overwrite the holder's pid.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            # Leave the file in place: deleting it would race with a starting daemon that
            # already opened it (two processes could then lock two different inodes).
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DaemonLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_holder(db_path: str | os.PathLike[str]) -> int | None:
    """The pid of the daemon holding the lock, or None when no daemon holds it.

    Probes with a non-blocking shared lock, so it never disturbs a running daemon. Returns
    0 when the lock is held but the pid can't be read."""
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_pid(path) or 0
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
