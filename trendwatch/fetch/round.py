"""One round of fetching: sources run concurrently, results are stored one at a time.

Workers only do network and parsing; the calling thread owns the database and writes each
source's result in a single transaction (items, HTTP cache, the ``fetches`` row and the
``sources`` row together), so a crash at any moment leaves the previous state.

A source that raises affects only itself. One that hangs past ``hang_timeout`` is
abandoned (its thread is a daemon thread and its late result is ignored) and reported.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sqlite3
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..binding import ConfiguredSource
from ..config import Config
from ..contracts import FetchContext, Item
from ..db.store import Store, dumps, iso, utcnow
from ..errors import SourceError
from ..items.ingest import dedup_key, save_items
from ..parse import budget
from ..parse.itemcheck import cap_warnings, check_items
from ..parse.normalize import canonical_url
from .backoff import next_delay
from .http import CacheEntry, Fetcher, SourceHttp

log = logging.getLogger(__name__)


@dataclass
class FetchOutcome:
    source: str
    status: str = "ok"            # ok | not_modified | partial | error
    items: list[Item] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    detail: str | None = None     # traceback of a plugin crash
    http_status: int | None = None
    bytes: int = 0
    started: datetime = field(default_factory=utcnow)
    finished: datetime | None = None
    retry_after: float | None = None
    max_age: float | None = None
    cache_updates: dict[str, CacheEntry] = field(default_factory=dict)
    items_new: int = 0
    items_seen: int = 0
    next_due: datetime | None = None
    #: False when the result could not be written (database locked, disk full): nothing of
    #: it was stored and the source is still due.
    stored: bool = True

    @property
    def failed(self) -> bool:
        return self.status == "error"


def load_cache(store: Store, source: str) -> dict[str, CacheEntry]:
    return {r["url"]: CacheEntry(r["etag"], r["last_modified"], r["body_sha256"])
            for r in store.db.query("select * from http_cache where source = ?", [source])}


def fetch_one(cs: ConfiguredSource, http: SourceHttp, config: Config,
              now: datetime | None = None) -> FetchOutcome:
    """Run one source's ``fetch`` (no database access: safe in a worker thread)."""
    now = now or utcnow()
    out = FetchOutcome(cs.name, started=now)
    ctx = FetchContext(http=http, now=now, brand=config.brand,
                       log=logging.getLogger(f"trendwatch.source.{cs.name}"))
    try:
        with budget.limits(config.fetch.max_items, config.fetch.max_cpu_seconds):
            items = cs.source.fetch(ctx)
        if not isinstance(items, list):
            raise SourceError(f"plugin {cs.table.plugin!r} returned {type(items).__name__}, "
                              "not a list of Item")
        items = _bounded_items(items, config, ctx)
        out.items = items
        out.warnings = cap_warnings(list(ctx.warnings))
        if not items and http.all_not_modified:
            out.status = "not_modified"
        elif out.warnings:
            out.status = "partial"
            out.error = "; ".join(out.warnings)[:1000]
        out.cache_updates = http.cache_updates
    except SourceError as err:
        out.status, out.error = "error", str(err)
        out.http_status = err.http_status
        out.retry_after = err.retry_after
        out.warnings = cap_warnings(list(ctx.warnings))
    except Exception as err:  # a plugin bug: contain it, keep the traceback for status
        out.status = "error"
        out.error = f"plugin {cs.table.plugin!r} crashed: {type(err).__name__}: {err}"
        out.detail = traceback.format_exc()
    out.http_status = out.http_status or http.last_status
    out.bytes = http.bytes
    out.retry_after = out.retry_after or http.retry_after
    out.max_age = http.max_age
    out.finished = utcnow()
    return out


def _bounded_items(items: list[object], config: Config, ctx: FetchContext) -> list[Item]:
    """What a plugin returned, made safe to store: at most ``[fetch] max_items``, each one
    an :class:`Item` cleaned by :func:`check_items` (a bad one is dropped and named)."""
    limit = config.fetch.max_items
    if len(items) > limit:
        ctx.warn(f"{len(items)} items returned; kept the first {limit} ([fetch] max_items)")
        items = items[:limit]
    good = [i for i in items if isinstance(i, Item)]
    if len(good) < len(items):
        ctx.warn(f"{len(items) - len(good)} returned value(s) are not an Item; dropped")
    good, dropped = check_items(good)
    for warning in dropped:
        ctx.warn(warning)
    _count_merged(good, ctx)
    return good


def _count_merged(items: list[Item], ctx: FetchContext) -> None:
    """Warn when different items of one fetch share a dedup key (a guid reused, or no guid
    and one link): storing keeps the first of each, and the others must not vanish unsaid.
    The same entry listed twice (same key, same title) loses nothing and is not counted."""
    seen: dict[str, Item] = {}
    merged: list[str] = []
    for item in items:
        key = dedup_key(item, canonical_url(item.url))
        first = seen.setdefault(key, item)
        if first is not item and first.title != item.title:
            merged.append(f"{item.title[:60]!r} into {first.title[:60]!r}")
    if merged:
        ctx.warn(f"{len(merged)} item(s) share a guid or link with an earlier item of this "
                 f"fetch and were merged into it (the first is kept): "
                 f"{'; '.join(merged[:3])}{' ...' if len(merged) > 3 else ''}")


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


#: Events not yet written, per database path (see ``FetchPool.record_event``).
_PENDING: dict[str, list[dict[str, object]]] = {}


@atexit.register
def _log_pending() -> None:
    """At exit, what could never be written goes to the log, one line each: no failure
    is lost unsaid."""
    for path, events in _PENDING.items():
        for event in events:
            log.error("not recorded in %s: %s %s: %s", path, event["kind"], event["subject"],
                      event["message"])
        events.clear()


def _mark_unstored(store: Store, cs: ConfiguredSource, error: str) -> None:
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


class FetchPool:
    """Fetches running in worker threads, their results stored by the owning thread.

    ``submit`` starts a source's fetch in its own daemon thread (never more than
    ``[fetch] concurrency`` at once, never two for the same source); ``poll`` stores the
    results that arrived and abandons fetches running longer than ``hang_timeout``. Only the
    thread that calls ``poll`` touches the database, so every result is one transaction.

    An abandoned thread cannot be killed in Python: it keeps running until its plugin
    returns. Its source is not started again while that thread lives (so one hung plugin
    holds at most one thread), and ``abandoned_alive`` says how many such threads exist so
    the daemon can cap them.
    """

    def __init__(self, store: Store, config: Config, *, fetcher: Fetcher | None = None,
                 hang_timeout: float | None = None,
                 on_outcome: Callable[[FetchOutcome], None] | None = None) -> None:
        self.store = store
        self.config = config
        self._own_fetcher = fetcher is None
        self.fetcher = fetcher or Fetcher(config.fetch, config.brand.contact_url)
        self.hang_timeout = hang_timeout or config.fetch.timeout * 4 + 10
        self.on_outcome = on_outcome
        self._results: queue.Queue[tuple[int, FetchOutcome]] = queue.Queue()
        self._running: dict[int, tuple[ConfiguredSource, float, threading.Thread]] = {}
        self._abandoned: dict[str, threading.Thread] = {}
        self._token = 0
        # shared by every pool on this database in this process: what one round could not
        # record (a full disk) is written by the next one that can
        self._unsaved = _PENDING.setdefault(str(store.path), [])

    # -- state --------------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return len(self._running)

    @property
    def free_slots(self) -> int:
        return max(0, self.config.fetch.concurrency - len(self._running))

    def is_busy(self, name: str) -> bool:
        """True while a fetch of this source runs, or its abandoned thread still lives."""
        return any(cs.name == name for cs, _, _ in self._running.values()) or \
            self.still_hung(name)

    def still_hung(self, name: str) -> bool:
        thread = self._abandoned.get(name)
        if thread is not None and not thread.is_alive():
            del self._abandoned[name]
            return False
        return thread is not None

    def abandoned_alive(self) -> list[str]:
        """Names of sources whose abandoned fetch thread is still running."""
        return [name for name in list(self._abandoned) if self.still_hung(name)]

    # -- events that must not be lost ---------------------------------------------------

    def record_event(self, level: str, kind: str, subject: str, message: str,
                     detail: str | None = None, *, flush: bool = True) -> None:
        """Store an event; if the database refuses (locked, disk full) keep it and retry on
        the next poll, so the error that explains an outage is not lost with it."""
        for kept in self._unsaved:  # the same failure again: counted, not repeated
            if (kept["kind"], kept["subject"], kept["message"].split(" (x")[0]) == \
                    (kind, subject, message[:2000]):
                kept["count"] = int(kept.get("count", 1)) + 1
                kept["message"] = f"{message[:1900]} (x{kept['count']} since {kept['at']})"
                break
        else:
            self._unsaved.append({"at": iso(utcnow()), "level": level, "kind": kind,
                                  "subject": subject, "message": message[:2000],
                                  "detail": detail})
        if flush:
            self.flush_events()

    def flush_events(self) -> None:
        if not self._unsaved:
            return
        try:  # one attempt (the busy timeout): this runs on every poll of an outage
            with self.store.write(retries=0) as db:
                db["events"].insert_all([{k: v for k, v in e.items() if k != "count"}
                                         for e in self._unsaved])
            self._unsaved.clear()
        except sqlite3.Error as err:
            # bounded: a long outage keeps the latest 500 (a failure repeated is one entry
            # with a count, so that is 500 different ones)
            del self._unsaved[:-500]
            log.error("could not record %d event(s) yet: %s", len(self._unsaved), err)

    # -- work ---------------------------------------------------------------------------

    def submit(self, cs: ConfiguredSource) -> bool:
        """Start fetching ``cs``; False when no slot is free or it is already running."""
        if not self.free_slots or self.is_busy(cs.name):
            return False
        self._token += 1
        tok = self._token
        http = self.fetcher.client(load_cache(self.store, cs.name))
        thread = threading.Thread(target=self._work, args=(tok, cs, http), daemon=True,
                                  name=f"fetch-{cs.name}")
        self._running[tok] = (cs, time.monotonic(), thread)
        thread.start()
        return True

    def _work(self, tok: int, cs: ConfiguredSource, http: SourceHttp) -> None:
        self._results.put((tok, fetch_one(cs, http, self.config)))

    def poll(self, timeout: float = 0.0) -> list[FetchOutcome]:
        """Store every result that has arrived (waiting up to ``timeout`` for the first),
        abandon hung fetches; returns the outcomes stored."""
        done: list[FetchOutcome] = []
        self.flush_events()
        wait = timeout
        while True:
            try:
                tok, out = self._results.get(timeout=wait) if wait > 0 else \
                    self._results.get_nowait()
            except queue.Empty:
                break
            wait = 0
            entry = self._running.pop(tok, None)
            if entry is not None:  # a late result of an abandoned fetch is ignored
                done.append(self._finish(entry[0], out))
        now = time.monotonic()
        for tok, (cs, started, thread) in list(self._running.items()):
            if now - started > self.hang_timeout:
                del self._running[tok]
                self._abandoned[cs.name] = thread
                msg = (f"source did not finish within {self.hang_timeout:g}s; abandoned "
                       "(plugin hung?)")
                self.record_event("error", "plugin", cs.name, msg)
                done.append(self._finish(cs, FetchOutcome(
                    cs.name, status="error", error=msg,
                    started=utcnow() - timedelta(seconds=now - started))))
        return done

    def skip_hung(self, cs: ConfiguredSource) -> FetchOutcome:
        """Record that ``cs`` is due but its previous, abandoned fetch still runs: it counts
        as a failure (so backoff grows and status flags it) and no new thread is started."""
        return self._finish(cs, FetchOutcome(
            cs.name, status="error", finished=utcnow(),
            error="previous fetch is still hung (abandoned thread alive); not retried yet"))

    def _finish(self, cs: ConfiguredSource, out: FetchOutcome) -> FetchOutcome:
        try:
            store_outcome(self.store, cs, out, self.config)
        except Exception as err:  # disk full, locked too long: the transaction rolled back
            out.status, out.error = "error", f"could not store result: {err}"
            out.stored = False
            out.items_new = out.items_seen = 0
            log.error("source %s: could not store result: %s", cs.name, err)
            # kept for the next poll: retrying now would only wait on the same lock again
            self.record_event("error", "job", cs.name, out.error, traceback.format_exc(),
                              flush=False)
            if isinstance(err, sqlite3.Error):
                # A full disk still takes a one-row update (written over the WAL file's
                # checkpointed frames): status then shows why the source is stuck
                self.flush_events()
                _mark_unstored(self.store, cs, out.error)
            else:
                # Not the database: something in this source's data that storing can't
                # take, and that will come back on every fetch. Record it as this source's
                # failed fetch, so it counts, backs off and shows as broken.
                failed = FetchOutcome(cs.name, status="error", error=out.error,
                                      started=out.started, finished=out.finished,
                                      http_status=out.http_status, bytes=out.bytes)
                try:
                    store_outcome(self.store, cs, failed, self.config)
                except Exception as again:
                    log.error("source %s: could not record the failure: %s", cs.name, again)
        if self.on_outcome:
            self.on_outcome(out)
        return out

    def drain(self, grace: float) -> list[FetchOutcome]:
        """Give in-flight fetches up to ``grace`` seconds to finish and store them; the
        rest are dropped (nothing of theirs is written)."""
        deadline = time.monotonic() + grace
        done: list[FetchOutcome] = []
        while self._running and time.monotonic() < deadline:
            done.extend(self.poll(timeout=min(0.2, max(0.0, deadline - time.monotonic()))))
        if self._running:
            log.warning("dropped %d fetch(es) still in flight: %s", len(self._running),
                        ", ".join(cs.name for cs, _, _ in self._running.values()))
            self._running.clear()
        return done

    def close(self) -> None:
        """One more attempt to store the events an outage kept back; the rest wait for
        the next round (and are logged if the process ends first)."""
        self.flush_events()
        if self._own_fetcher:
            self.fetcher.close()


def run_round(store: Store, sources: Sequence[ConfiguredSource], config: Config, *,
              fetcher: Fetcher | None = None, stop: threading.Event | None = None,
              hang_timeout: float | None = None, grace: float = 0.0,
              on_outcome: Callable[[FetchOutcome], None] | None = None) -> list[FetchOutcome]:
    """Fetch ``sources`` concurrently (``[fetch] concurrency`` at a time), store each result
    as it arrives. Returns the outcomes in completion order.

    When ``stop`` is set no new fetch starts; those in flight get ``grace`` seconds to
    finish, then are dropped (their source keeps its previous state)."""
    pool = FetchPool(store, config, fetcher=fetcher, hang_timeout=hang_timeout,
                     on_outcome=on_outcome)
    todo = list(sources)
    outcomes: list[FetchOutcome] = []
    with _switch_interval(ROUND_SWITCH_INTERVAL):
        try:
            while todo or pool.in_flight:
                if stop and stop.is_set():
                    outcomes.extend(pool.drain(grace))
                    break
                while todo and pool.submit(todo[0]):
                    todo.pop(0)
                outcomes.extend(pool.poll(timeout=0.2))
        finally:
            pool.close()
    return outcomes


#: The interpreter's thread switch interval during a round (Python's default is 5 ms).
#: Parsing is CPU-bound in up to ``concurrency`` threads; at 5 ms they pass the GIL to each
#: other 200 times a second, and on two cores every handoff costs wake-ups and cold caches.
#: At 50 ms a cold ``run --once`` of the fetch benchmark used ~9% less CPU (median of 6
#: alternating runs: 9.6 s vs 10.5 s). Threads waiting on the network or the deadline
#: watchdog still get the GIL within a few handoffs: the deadlines are in seconds.
ROUND_SWITCH_INTERVAL = 0.05


@contextmanager
def _switch_interval(seconds: float) -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(max(before, seconds))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def due_sources(store: Store, sources: Sequence[ConfiguredSource],
                now: datetime | None = None) -> list[ConfiguredSource]:
    """The enabled sources whose ``next_due_at`` has passed (or that were never fetched)."""
    now_s = iso(now or utcnow())
    # most overdue first (never fetched before all), so a short pool serves the oldest
    order = {r["name"]: i for i, r in enumerate(store.db.query(
        "select name from sources where next_due_at is null or next_due_at <= ? "
        "order by next_due_at is not null, next_due_at", [now_s]))}
    known = {r["name"] for r in store.db.query("select name from sources")}
    due = [cs for cs in sources if cs.table.enabled and (cs.name in order or cs.name not in known)]
    return sorted(due, key=lambda cs: order.get(cs.name, -1))
