"""Opening the SQLite database and the few write patterns everything shares.

One file, WAL mode (readers never block the daemon's writes), a busy timeout, and write
transactions started with ``BEGIN IMMEDIATE`` so a read-then-write never fails half way
with SQLITE_BUSY. Migrations run on every open.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TrendwatchError
from .faults import describe

if TYPE_CHECKING:
    from sqlite_utils import Database

log = logging.getLogger(__name__)

BUSY_TIMEOUT = 30.0


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with seconds precision: sorts as text, reads well in Datasette."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


#: The database name whose folders keep their historical names (``models/``, ``digests/``).
DEFAULT_DB_NAME = "trendwatch.db"


def folder_beside(db_path: str | os.PathLike[str], kind: str) -> Path:
    """The folder of ``kind`` ("models", "digests") that belongs to this database alone.

    ``trendwatch.db`` keeps ``models/`` and ``digests/`` beside it, as before; any other
    database gets ``<name>-models/``, so two databases in one folder never share (and
    prune) each other's model files or overwrite each other's digests."""
    path = Path(db_path)
    name = kind if path.name == DEFAULT_DB_NAME else f"{path.stem}-{kind}"
    return path.parent / name


def default_db_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("trendwatch")) / "trendwatch.db"


def resolve_db_path(explicit: str | os.PathLike[str] | None, config_db: str | None) -> Path:
    """``--db``, else ``$TRENDWATCH_DB``, else ``[storage] db``, else the user data dir."""
    for candidate in (explicit, os.environ.get("TRENDWATCH_DB"), config_db):
        if candidate:
            return Path(candidate).expanduser()
    return default_db_path()


class Store:
    """The database, opened and migrated."""

    def __init__(self, path: str | os.PathLike[str], *, migrate: bool = True):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves (see write()).
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as err:
            raise TrendwatchError(f"cannot open database: {describe(err, path)}") from None
        # imported here: sqlite-utils pulls in numpy (~0.15 s), which read-only commands
        # such as `status` avoid by using Reader instead
        from sqlite_utils import Database

        from . import migrations

        self.db = Database(conn)
        if migrate:
            try:
                with self.write():
                    pass
                migrations.apply(self.db)
            except sqlite3.DatabaseError as err:
                raise TrendwatchError(f"cannot open database: {describe(err, path)}") from None

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self, retries: int = 5) -> Iterator[Database]:
        """A write transaction: ``BEGIN IMMEDIATE`` (retried while the database is locked),
        committed on success, rolled back on any exception, so nothing is half written."""
        conn = self.db.conn
        delay = 0.1
        for attempt in range(retries + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as err:
                if ("locked" not in str(err) and "busy" not in str(err)) or attempt == retries:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # -- small shared helpers -----------------------------------------------------------

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))

    def event(self, level: str, kind: str, subject: str, message: str,
              detail: str | None = None) -> None:
        """Record something the user should be able to see later (``status``, web page)."""
        try:
            with self.write() as db:
                db["events"].insert({"at": iso(utcnow()), "level": level, "kind": kind,
                                     "subject": subject, "message": message[:2000],
                                     "detail": detail})
        except sqlite3.Error as err:  # the database itself is the problem: log is all we have
            log.error("could not record event %s/%s: %s (%s)", kind, subject, message, err)

    def sync_sources(self, configured: list[Any]) -> None:
        """Make the ``sources`` table match the config: add new ones, update descriptions
        and intervals, mark the ones no longer configured as disabled (history is kept)."""
        now = iso(utcnow())
        names = set()
        with self.write() as db:
            for cs in configured:
                names.add(cs.name)
                row = {"name": cs.name, "plugin": cs.table.plugin,
                       "description": cs.source.describe(), "every_seconds": cs.every,
                       "enabled": int(cs.table.enabled)}
                if db["sources"].count_where("name = ?", [cs.name]):
                    db["sources"].update(cs.name, row)
                else:
                    db["sources"].insert({**row, "added_at": now, "consecutive_failures": 0,
                                          "items_total": 0})
            for row in db.query("select name from sources where enabled = 1"):
                if row["name"] not in names:
                    db["sources"].update(row["name"], {"enabled": 0})


class Reader:
    """A read-only view of the database over plain sqlite3, for commands that only read
    (``status``): no migrations, no sqlite-utils import, never takes a write lock.

    It offers the same ``query`` and ``path`` as :class:`Store`, so read helpers such as
    :mod:`trendwatch.service.status` accept either.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        try:
            self.conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("select count(*) from sources").fetchone()
        except sqlite3.Error as err:
            raise TrendwatchError(f"cannot read database {path}: {err}") from None

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Reader | Store:
        """A Reader if the database exists and is set up, else a migrated Store."""
        try:
            return cls(path) if Path(path).exists() else Store(path)
        except TrendwatchError:
            return Store(path)

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(sql, params)]

    def close(self) -> None:
        self.conn.close()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def loads(text: str | None, default: Any = None) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default
