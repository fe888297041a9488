"""The worker pool: fetches run in their own threads, results are stored by the owner.

A source that hangs past ``hang_timeout`` is abandoned (its thread is a daemon thread and
its late result is ignored) and reported. Events that the database refuses (locked, disk
full) are kept and written later, so the error that explains an outage is not lost.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from datetime import timedelta

from ..binding import ConfiguredSource
from ..config import Config
from ..db.store import Store, iso, utcnow
from .conditional import SourceHttp
from .http import Fetcher
from .storing import load_cache, mark_unstored, store_outcome
from .worker import FetchOutcome, fetch_one

#: The name these lines have always been logged under, kept so log filters and readers
#: of the log see the same lines as before the round was split.
log = logging.getLogger("trendwatch.fetch.round")

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
                mark_unstored(self.store, cs, out.error)
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
