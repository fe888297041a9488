"""Storing a fetch's outcome: each source's result is one transaction.

Items, the HTTP cache, the ``fetches`` row and the ``sources`` row are written together, so
a crash at any moment leaves the previous state. Only the thread that owns the database
calls this (see :class:`~trendwatch.fetch.pool.FetchPool`).
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta

from ..binding import ConfiguredSource
from ..config import Config
from ..db.store import Store, dumps, iso, utcnow
from ..items.ingest import save_items
from .backoff import next_delay
from .conditional import CacheEntry
from .worker import FetchOutcome

#: The name these lines have always been logged under, kept so log filters and readers
#: of the log see the same lines as before the round was split.
log = logging.getLogger("trendwatch.fetch.round")


def load_cache(store: Store, source: str) -> dict[str, CacheEntry]:
    return {r["url"]: CacheEntry(r["etag"], r["last_modified"], r["body_sha256"])
            for r in store.db.query("select * from http_cache where source = ?", [source])}


def store_outcome(store: Store, cs: ConfiguredSource, out: FetchOutcome,
                  config: Config) -> FetchOutcome:
    """Write one source's result in one transaction."""
    finished = out.finished or utcnow()
    # Plain SQL on the connection: sqlite-utils' table helpers introspect the schema on
    # every call (~50 statements per source instead of ~6), and this runs once per fetch.
    new = seen = 0
    with store.write() as db:
        conn = db.conn
        prev = conn.execute("select consecutive_failures, items_total from sources "
                            "where name = ?", [cs.name]).fetchone()
        failures = (prev[0] or 0) if prev else 0
        if out.failed:
            failures += 1
        else:
            failures = 0
            if out.items:
                new, seen = save_items(db, cs.name, out.items, out.started)
            conn.executemany(
                "insert into http_cache (source, url, etag, last_modified, body_sha256, "
                "updated_at) values (?, ?, ?, ?, ?, ?) on conflict (source, url) do update "
                "set etag = excluded.etag, last_modified = excluded.last_modified, "
                "body_sha256 = excluded.body_sha256, updated_at = excluded.updated_at",
                [(cs.name, url, e.etag, e.last_modified, e.body_sha256, iso(finished))
                 for url, e in out.cache_updates.items()])
        delay = next_delay(cs.every, failures=failures, retry_after=out.retry_after,
                           max_age=out.max_age, max_backoff=config.fetch.max_backoff)
        out.next_due = finished + timedelta(seconds=delay)
        duration = int((finished - out.started).total_seconds() * 1000)
        _insert_row(conn, "fetches", {
            "source": cs.name, "started_at": iso(out.started), "finished_at": iso(finished),
            "duration_ms": duration, "status": out.status, "http_status": out.http_status,
            "bytes": out.bytes, "items_new": new, "items_seen": seen,
            "error": out.error, "warnings": dumps(out.warnings) if out.warnings else None,
        })
        row: dict[str, object] = {
            "plugin": cs.table.plugin, "last_fetch_at": iso(finished),
            "last_status": out.status, "last_error": out.error,
            "consecutive_failures": failures, "next_due_at": iso(out.next_due),
            "items_total": ((prev[1] if prev else 0) or 0) + new}
        if not out.failed:
            row["last_success_at"] = iso(finished)
        if prev:
            conn.execute(f"update sources set {', '.join(f'{k} = ?' for k in row)} "
                         "where name = ?", [*row.values(), cs.name])
        else:
            _insert_row(conn, "sources", {"name": cs.name, "added_at": iso(finished),
                                          "every_seconds": cs.every, "enabled": 1, **row})
    # counted only now that the transaction committed: a full disk rolls it back, and the
    # log must not report items that were never stored
    out.items_new, out.items_seen = new, seen
    if out.failed:
        log.warning("source %s failed (%d in a row): %s", cs.name, failures, out.error)
    else:
        log.info("source %s: %s, %d new, %d seen", cs.name, out.status, out.items_new,
                 out.items_seen)
    if out.detail:
        store.event("error", "plugin", cs.name, out.error or "", out.detail)
    return out


def mark_unstored(store: Store, cs: ConfiguredSource, error: str) -> None:
    """Record on the source's row that its last result could not be stored (one attempt,
    the smallest write there is); nothing else of the fetch is written."""
    try:
        with store.write(retries=0) as db:
            cur = db.conn.execute("update sources set last_status = 'error', last_error = ? "
                                  "where name = ?", [error[:1000], cs.name])
            if not cur.rowcount:
                _insert_row(db.conn, "sources", {
                    "name": cs.name, "plugin": cs.table.plugin, "added_at": iso(utcnow()),
                    "every_seconds": cs.every, "enabled": 1, "last_status": "error",
                    "last_error": error[:1000], "consecutive_failures": 0, "items_total": 0})
    except sqlite3.Error as err:
        log.error("source %s: could not record the failure either: %s", cs.name, err)


def _insert_row(conn: sqlite3.Connection, table: str, row: dict[str, object]) -> None:
    # table and column names are literals of this module, never input
    conn.execute(f"insert into {table} ({', '.join(row)}) values "
                 f"({', '.join('?' * len(row))})", list(row.values()))
