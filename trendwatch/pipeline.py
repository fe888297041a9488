"""One round of fetching: sources run concurrently, results are stored one at a time.

Workers only do network and parsing; the calling thread owns the database and writes each
source's result in a single transaction (items, HTTP cache, the ``fetches`` row and the
``sources`` row together), so a crash at any moment leaves the previous state.

A source that raises affects only itself. One that hangs past ``hang_timeout`` is
abandoned (its thread is a daemon thread and its late result is ignored) and reported.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .api import FetchContext, Item
from .backoff import next_delay
from .config import Config, ConfiguredSource
from .errors import SourceError
from .fetcher import CacheEntry, Fetcher, SourceHttp
from .ingest import save_items
from .store import Store, dumps, iso, utcnow

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
        items = cs.source.fetch(ctx)
        if not isinstance(items, list) or not all(isinstance(i, Item) for i in items):
            raise SourceError(f"plugin {cs.table.plugin!r} returned {type(items).__name__}, "
                              "not a list of Item")
        out.items = items
        out.warnings = list(ctx.warnings)
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
        out.warnings = list(ctx.warnings)
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


def store_outcome(store: Store, cs: ConfiguredSource, out: FetchOutcome,
                  config: Config) -> FetchOutcome:
    """Write one source's result in one transaction."""
    finished = out.finished or utcnow()
    with store.write() as db:
        prev = db["sources"].get(cs.name) if db["sources"].count_where(
            "name = ?", [cs.name]) else None
        failures = (prev["consecutive_failures"] or 0) if prev else 0
        if out.failed:
            failures += 1
        else:
            failures = 0
            if out.items:
                out.items_new, out.items_seen = save_items(db, cs.name, out.items, out.started)
            for url, entry in out.cache_updates.items():
                db["http_cache"].upsert({"source": cs.name, "url": url, "etag": entry.etag,
                                         "last_modified": entry.last_modified,
                                         "body_sha256": entry.body_sha256,
                                         "updated_at": iso(finished)}, pk=("source", "url"))
        delay = next_delay(cs.every, failures=failures, retry_after=out.retry_after,
                           max_age=out.max_age, max_backoff=config.fetch.max_backoff)
        out.next_due = finished + timedelta(seconds=delay)
        duration = int((finished - out.started).total_seconds() * 1000)
        db["fetches"].insert({
            "source": cs.name, "started_at": iso(out.started), "finished_at": iso(finished),
            "duration_ms": duration, "status": out.status, "http_status": out.http_status,
            "bytes": out.bytes, "items_new": out.items_new, "items_seen": out.items_seen,
            "error": out.error, "warnings": dumps(out.warnings) if out.warnings else None,
        })
        row = {"plugin": cs.table.plugin, "last_fetch_at": iso(finished),
               "last_status": out.status, "last_error": out.error,
               "consecutive_failures": failures, "next_due_at": iso(out.next_due),
               "items_total": ((prev or {}).get("items_total") or 0) + out.items_new}
        if not out.failed:
            row["last_success_at"] = iso(finished)
        if prev:
            db["sources"].update(cs.name, row)
        else:
            db["sources"].insert({"name": cs.name, "added_at": iso(finished),
                                  "every_seconds": cs.every, "enabled": 1, **row})
    if out.failed:
        log.warning("source %s failed (%d in a row): %s", cs.name, failures, out.error)
    else:
        log.info("source %s: %s, %d new, %d seen", cs.name, out.status, out.items_new,
                 out.items_seen)
    if out.detail:
        store.event("error", "plugin", cs.name, out.error or "", out.detail)
    return out


def run_round(store: Store, sources: Sequence[ConfiguredSource], config: Config, *,
              fetcher: Fetcher | None = None, stop: threading.Event | None = None,
              hang_timeout: float | None = None,
              on_outcome: Callable[[FetchOutcome], None] | None = None) -> list[FetchOutcome]:
    """Fetch ``sources`` concurrently (``[fetch] concurrency`` at a time), store each result
    as it arrives. Returns the outcomes in completion order."""
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(config.fetch, config.brand.contact_url)
    hang_timeout = hang_timeout or config.fetch.timeout * 4 + 10
    results: queue.Queue[tuple[int, FetchOutcome]] = queue.Queue()
    todo = list(sources)
    by_name = {cs.name: cs for cs in sources}
    running: dict[int, tuple[ConfiguredSource, float]] = {}
    outcomes: list[FetchOutcome] = []
    token = 0

    def work(tok: int, cs: ConfiguredSource, http: SourceHttp) -> None:
        results.put((tok, fetch_one(cs, http, config)))

    def finish(out: FetchOutcome) -> None:
        cs = by_name[out.source]
        try:
            store_outcome(store, cs, out, config)
        except Exception as err:  # e.g. disk full: the transaction rolled back
            out.status, out.error = "error", f"could not store result: {err}"
            log.error("source %s: could not store result: %s", cs.name, err)
            store.event("error", "job", cs.name, out.error, traceback.format_exc())
        outcomes.append(out)
        if on_outcome:
            on_outcome(out)

    try:
        while todo or running:
            while todo and len(running) < config.fetch.concurrency and not (stop and stop.is_set()):
                cs = todo.pop(0)
                token += 1
                http = fetcher.client(load_cache(store, cs.name))
                running[token] = (cs, time.monotonic())
                threading.Thread(target=work, args=(token, cs, http), daemon=True,
                                 name=f"fetch-{cs.name}").start()
            if stop and stop.is_set():
                todo.clear()
                if not running:
                    break
            try:
                tok, out = results.get(timeout=0.2)
            except queue.Empty:
                tok, out = 0, None
            if out is not None and tok in running:
                del running[tok]
                finish(out)
            now = time.monotonic()
            for tok, (cs, started) in list(running.items()):
                if now - started > hang_timeout:
                    del running[tok]  # abandoned: its late result will be ignored
                    finish(FetchOutcome(cs.name, status="error", error=(
                        f"source did not finish within {hang_timeout:g}s; abandoned "
                        "(plugin hung?)"), started=utcnow() - timedelta(seconds=now - started)))
            if stop and stop.is_set() and running:
                # shutting down: whatever is still in flight is dropped, nothing half-written
                break
    finally:
        if own_fetcher:
            fetcher.close()
    return outcomes


def due_sources(store: Store, sources: Sequence[ConfiguredSource],
                now: datetime | None = None) -> list[ConfiguredSource]:
    """The enabled sources whose ``next_due_at`` has passed (or that were never fetched)."""
    now_s = iso(now or utcnow())
    due = {r["name"] for r in store.db.query(
        "select name from sources where next_due_at is null or next_due_at <= ?", [now_s])}
    known = {r["name"] for r in store.db.query("select name from sources")}
    return [cs for cs in sources if cs.table.enabled and (cs.name in due or cs.name not in known)]
