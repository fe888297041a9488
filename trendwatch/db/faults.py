"""Storage faults in one line each: what went wrong with the database, and what to do.

SQLite and the OS report a read-only file, a read-only folder, a full disk or a damaged
file as ``sqlite3.OperationalError`` / ``OSError`` deep inside whatever was writing. The
commands turn them into a :class:`~trendwatch.errors.TrendwatchError` with these messages
(one line, exit 1, no traceback), and the daemon and ``run --once`` run
``PRAGMA quick_check`` when they start, so a damaged page is reported before hours of
writes rather than by the first job that trips on it.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from ..errors import TrendwatchError


class StorageError(TrendwatchError):
    """The database or its folder can't be written or read as needed."""


def describe(err: BaseException, db_path: str | Path | None = None) -> str:
    """One line for a storage ``err``: what happened and what to do about it."""
    where = f" {db_path}" if db_path else ""
    text = str(err) or type(err).__name__
    low = text.lower()
    if isinstance(err, OSError) and not isinstance(err, sqlite3.Error):
        name = getattr(err, "filename", None) or db_path or "a file"
        reason = err.strerror or text
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            folder = Path(str(name)).parent
            return (f"cannot write {name}: {reason}. The folder {folder} and the database "
                    "in it must be writable by the user running trendwatch (the service runs "
                    "as user trendwatch).")
        if err.errno == errno.ENOSPC:
            return f"disk full writing {name}: free some space; nothing was half-written."
        return f"cannot use {name}: {reason}"
    if "readonly" in low or "read-only" in low:
        return (f"the database{where} is read-only ({text}): make the file and its folder "
                "writable by the user running trendwatch; read-only commands such as "
                "`trendwatch status` still work.")
    if "disk is full" in low or "database or disk is full" in low:
        return (f"disk full writing the database{where} ({text}): free some space; nothing "
                "was half-written and trendwatch carries on when there is room.")
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return damaged(db_path, text)
    if "unable to open" in low:
        return (f"cannot open the database{where} ({text}): check that its folder exists and "
                "is writable by the user running trendwatch.")
    if "locked" in low or "busy" in low:
        return (f"the database{where} is busy ({text}): another process holds its write lock "
                "for too long; try again in a moment.")
    return f"database error{(' on' + where) if where else ''}: {text}"


def damaged(db_path: str | Path | None, detail: str) -> str:
    path = db_path or "the database"
    return (f"the database {path} is damaged ({detail[:200]}). Stop trendwatch, keep a copy "
            f"of the file, then rebuild it: sqlite3 {path} '.recover' | sqlite3 "
            f"{path}.recovered && mv {path}.recovered {path} (see docs/service.md, "
            "\"When things go wrong\").")


def quick_check(conn: sqlite3.Connection, db_path: str | Path) -> None:
    """Raise :class:`StorageError` when ``PRAGMA quick_check`` finds the file damaged.

    quick_check reads every page (not the index contents: that is integrity_check), a
    second or so for a database of a few hundred MB, once at start."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as err:
        raise StorageError(damaged(db_path, str(err))) from None
    problems = [str(r[0]) for r in rows if r and r[0] != "ok"]
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise StorageError(damaged(db_path, f"quick_check: {problems[0]}{more}"))


