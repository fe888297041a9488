"""The daemon: the scheduled service (``run``). One full cycle (``run --once``) is
:mod:`.once`.

The service is a loop that ticks about once a second:

1. store the fetch results that arrived (each source's result is one transaction);
2. ask the database which sources are due (``sources.next_due_at``, set after every fetch
   from the interval, the server's Retry-After / max-age and failure backoff, with
   jitter) and hand them to the bounded worker pool without waiting for them, so a slow
   source never delays the others;
3. run the timed jobs of a guarded ``schedule.Scheduler``: heartbeat, ranking, retraining,
   the digest check, housekeeping. Slow jobs run one at a time on a background thread.

Why the database and not one ``schedule`` job per source: a source's next run changes
after every fetch (Retry-After, backoff) and must survive a restart; ``next_due_at`` is
both, and ``status`` can show it.

Only this process writes fetch results, guarded by an ``flock`` on ``<db>.lock``; readers
(``status``, ``suggestions``, ``serve``) use their own connections (WAL) meanwhile.
SIGTERM/SIGINT stop new work, give in-flight fetches a few seconds, close the database
and exit 0. A SIGKILL loses at most the fetches in flight: nothing is half-written.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..binding import ConfiguredSource
from ..clock import announce_fake_clock, install_fake_clock, process_clock_installed
from ..config import Config
from ..db.faults import quick_check
from ..db.lock import DaemonLock
from ..db.store import Store, iso, parse_iso, utcnow
from ..fetch.http import Fetcher
from ..fetch.pool import FetchPool
from ..fetch.round import due_sources
from ..fetch.worker import FetchOutcome
from ..plugins import load_plugins
from . import jobs
from .config_watch import ConfigWatch
from .options import DaemonOptions
from .scheduler import GuardedScheduler, JobRunner, digest_due

if TYPE_CHECKING:
    from ..app import App
    from ..plugins import PluginHost

log = logging.getLogger(__name__)

#: The daemon's own connection waits at most this long for a lock held by another writer
#: (a CLI verdict, a web click) before the write is rolled back and retried later, so a
#: stuck writer elsewhere cannot keep SIGTERM from being honoured in time.
DAEMON_BUSY_TIMEOUT_MS = 500

#: A backwards wall-clock step larger than this (seconds) is treated as a clock jump.
CLOCK_JUMP = 120.0

#: How long after a failed digest job the digest is tried again.
DIGEST_RETRY = timedelta(minutes=10)


class Daemon:
    """The long-running service. ``run()`` blocks until SIGTERM/SIGINT or ``stop``."""

    def __init__(self, config: Config, sources: Sequence[ConfiguredSource], db_path: Path, *,
                 options: DaemonOptions | None = None, host: PluginHost | None = None) -> None:
        self.config = config
        self._host = host
        self.watch: ConfigWatch | None = None
        self._config_loaded_at = iso(utcnow())
        self._config_reported: str | None = None
        self.all_sources = list(sources)
        self.sources = [s for s in sources if s.table.enabled]
        self.db_path = Path(db_path)
        self.options = options or DaemonOptions()
        self.stop_event = threading.Event()
        self.exit_code = 0
        self.store: Store | None = None
        self.pool: FetchPool | None = None
        self.jobs: JobRunner | None = None
        self.scheduler: GuardedScheduler | None = None
        self._lock = DaemonLock(self.db_path)
        self._retry_at: dict[str, float] = {}
        self._ranked_up_to = 0             # highest item id the last ranking saw
        self._last_digest: datetime | None = None
        # A failed digest job gives its slot back (retried, not lost for the day), but not
        # before this time, so a persistent failure isn't retried every second.
        self._digest_before_claim: datetime | None = None
        self._digest_retry_at: datetime | None = None
        self._clock_ref: tuple[datetime, float] | None = None  # (wall, monotonic) last tick
        self.outcomes = 0                  # fetch results stored (for tests and benchmarks)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Take the lock, open the database, record the start, schedule the jobs."""
        self._lock.acquire()
        try:
            self.store = Store(self.db_path)
            quick_check(self.store.db.conn, self.db_path)
            self.store.db.conn.execute(f"PRAGMA busy_timeout={DAEMON_BUSY_TIMEOUT_MS}")
            self.store.sync_sources(self.all_sources)
            self._record_start()
            self.pool = FetchPool(self.store, self.config, hang_timeout=self.options.hang_timeout,
                                  on_outcome=self._on_outcome)
            self.jobs = JobRunner(self.db_path, on_error=self._job_failed,
                                  isolate=self.options.isolate_jobs,
                                  timeout=self.options.job_timeout)
            self.scheduler = self._schedule_jobs()
            self.watch = ConfigWatch(self.config, self._host or load_plugins())
        except BaseException:
            self._close()
            raise
        log.info("daemon started: pid %d, %d sources, database %s", os.getpid(),
                 len(self.sources), self.db_path)

    def run(self) -> int:
        """Start, loop until stopped, shut down. Returns the process exit code."""
        self.start()
        self._install_signals()
        try:
            while not self.stop_event.is_set():
                self.tick(wait=self.options.tick)
        finally:
            self.shutdown()
        return self.exit_code

    def stop(self, reason: str = "requested") -> None:
        if not self.stop_event.is_set():
            log.info("stopping: %s", reason)
        self.stop_event.set()

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals can only be handled on the main thread (tests run elsewhere)

        def handle(signum: int, _frame: Any) -> None:
            # Only set a flag: a transaction in progress on this thread completes first.
            self.stop(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def shutdown(self) -> None:
        """Stop taking work, let in-flight fetches finish within the grace period (the rest
        are dropped, unwritten), give the running job a moment, record the stop, close."""
        self.stop_event.set()
        started = time.monotonic()
        if self.pool is not None:
            self.pool.drain(self.options.shutdown_grace)
        if self.jobs is not None:
            self.jobs.stop(self.options.job_grace)
        try:  # one attempt: an abandoned job may hold the write lock, and time is short
            self._write_daemon_row({"stopped_at": iso(utcnow())}, retries=0)
        except Exception as err:  # the database is the problem: the lock still goes
            log.error("could not record the stop: %s", err)
        self._close()
        log.info("daemon stopped in %.1fs", time.monotonic() - started)

    def _close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.clear()
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.store is not None:
            self.store.close()
            self.store = None
        self._lock.release()

    # -- one tick -----------------------------------------------------------------------

    def tick(self, wait: float = 0.0) -> list[FetchOutcome]:
        """Store arrived results (waiting up to ``wait`` for one), dispatch due sources,
        run due jobs. Tests call this directly with a time-machine clock."""
        assert self.pool is not None and self.scheduler is not None
        done = self.pool.poll(timeout=wait)
        if self.stop_event.is_set():
            return done
        self._check_clock()
        self._dispatch()
        self._check_abandoned()
        self.scheduler.run_pending()
        return done

    def _check_clock(self) -> None:
        """Follow the wall clock when it jumps *back* (a wrong RTC fixed by NTP, a VM
        restored from a snapshot): every ``next_due_at`` moves back by the same amount,
        otherwise no source would be fetched until the clock caught up again. (Forward
        jumps need nothing: everything overdue runs once.)"""
        assert self.store is not None
        wall, mono = utcnow(), time.monotonic()
        if self._clock_ref is not None:
            prev_wall, prev_mono = self._clock_ref
            jump = (wall - prev_wall).total_seconds() - (mono - prev_mono)
            if jump < -CLOCK_JUMP:
                msg = f"wall clock went back {-jump:.0f}s; source schedules moved back too"
                log.warning(msg)
                delta = timedelta(seconds=jump)
                with self.store.write() as db:
                    for row in db.query("select name, next_due_at from sources "
                                        "where next_due_at is not null"):
                        due = parse_iso(row["next_due_at"])
                        if due is not None:
                            db["sources"].update(row["name"], {"next_due_at": iso(due + delta)})
                self.store.event("warning", "daemon", "clock", msg)
        self._clock_ref = (wall, mono)

    def _dispatch(self) -> None:
        assert self.pool is not None and self.store is not None
        mono = time.monotonic()
        for cs in due_sources(self.store, self.sources, utcnow()):
            if not self.pool.free_slots:
                break
            if self._retry_at.get(cs.name, 0) > mono:
                continue  # its last result could not be stored; don't hammer the server
            if self.pool.still_hung(cs.name):
                self.pool.skip_hung(cs)
            elif not self.pool.is_busy(cs.name):
                self.pool.submit(cs)

    def _on_outcome(self, out: FetchOutcome) -> None:
        self.outcomes += 1
        if out.stored:
            self._retry_at.pop(out.source, None)
        else:
            self._retry_at[out.source] = time.monotonic() + self.options.store_retry

    def _check_abandoned(self) -> None:
        assert self.pool is not None
        hung = self.pool.abandoned_alive()
        if len(hung) > self.options.max_abandoned:
            msg = (f"{len(hung)} hung fetch threads cannot be reclaimed ({', '.join(hung)}); "
                   "exiting so the service manager restarts a clean process")
            log.error(msg)
            self.pool.record_event("error", "daemon", "abandoned-threads", msg)
            self.exit_code = 1
            self.stop("too many hung fetches")

    # -- timed jobs ---------------------------------------------------------------------

    def _schedule_jobs(self) -> GuardedScheduler:
        opts = self.options
        sched = GuardedScheduler(self.store)
        sched.every(opts.heartbeat_every, "heartbeat", self.heartbeat)
        sched.every(1, "digest-check", self.check_digest)
        sched.every(opts.rank_every, "rank", self.queue_rank)
        sched.every(self.config.ranking.retrain_every, "retrain", self.queue_retrain)
        sched.every(opts.housekeeping_every, "housekeeping", self.housekeeping)
        sched.every(opts.config_check_every, "config-check", self.check_config)
        if self.config.performance.inbox:
            sched.every(self.config.performance.every, "performance-import",
                        self.import_performance)
        return sched

    # -- the config file changing under us ------------------------------------------------

    def check_config(self) -> bool:
        """Reload the config file when it was edited and is valid; when it is invalid keep
        the running one and say so (log, an event ``status`` and the web page show)."""
        assert self.pool is not None and self.store is not None
        if self.watch is None:
            return False
        reloaded = self.watch.check()
        path = str(self.watch.path)
        if reloaded is None:
            problem = self.watch.problem
            if problem and problem != self._config_reported:
                self._config_reported = problem
                msg = (f"the config file was edited and is now invalid; still running with "
                       f"the one loaded at {self._config_loaded_at}: {problem}")
                log.error(msg)
                self.pool.record_event("error", "config", path, msg)
            return False
        old = self.config
        self.config = reloaded.config
        self.all_sources = reloaded.sources
        self.sources = [s for s in reloaded.sources if s.table.enabled]
        self.store.sync_sources(self.all_sources)
        self.pool.config = self.config
        if self.config.fetch != old.fetch:  # in-flight fetches finish on the old fetcher
            self.pool.fetcher = Fetcher(self.config.fetch, self.config.brand.contact_url)
        if self.scheduler is not None:
            self.scheduler.clear()
        self.scheduler = self._schedule_jobs()
        self._config_loaded_at = iso(utcnow())
        self._config_reported = None
        msg = f"config reloaded: {len(self.sources)} enabled sources"
        log.info("%s (%s)", msg, path)
        self.pool.record_event("info", "config", path, msg)
        return True

    def heartbeat(self) -> None:
        self._write_daemon_row({"heartbeat_at": iso(utcnow())})

    def queue_rank(self) -> bool:
        """Queue a ranking run if items arrived since the last one."""
        assert self.store is not None and self.jobs is not None
        top = next(self.store.db.query("select max(id) as m from items"))["m"] or 0
        if top <= self._ranked_up_to:
            return False
        self._ranked_up_to = top
        return self.jobs.submit("rank", jobs.rank, self.config, utcnow())

    def queue_retrain(self) -> bool:
        assert self.jobs is not None
        return self.jobs.submit("retrain", jobs.retrain, self.config, utcnow())

    def check_digest(self) -> bool:
        """Queue the digest when its local time has come (once per slot)."""
        assert self.jobs is not None
        now = utcnow()
        if self._digest_retry_at is not None and now < self._digest_retry_at:
            return False
        slot = digest_due(now, self._last_digest, self.config.digest, self.config.brand.tz)
        if slot is None:
            return False
        self._digest_before_claim = self._last_digest
        self._last_digest = now  # claimed now: the check runs every second
        log.info("digest due (slot %s)", slot.isoformat())
        return self.jobs.submit("digest", jobs.digest, self.config, now)

    def _job_failed(self, name: str, err: BaseException) -> None:
        if name == "rank":
            self._ranked_up_to = 0  # try again at the next ranking slot
        elif name == "digest":
            # the slot is not done: give it back, and retry in a while (within the catch-up
            # window) instead of losing the day's digest to one failure
            self._last_digest = self._digest_before_claim
            self._digest_retry_at = utcnow() + DIGEST_RETRY

    def import_performance(self) -> None:
        """Import the exports waiting in ``[performance] inbox`` (light: no job process)."""
        from ..performance.inbox import process_inbox
        from ..plugins import load_plugins

        assert self.store is not None and self.config.performance.inbox
        process_inbox(self.store, self.config.performance.inbox, load_plugins().importers,
                      self.config.brand.tz)

    def housekeeping(self) -> None:
        """Keep the WAL file small (a long-running writer otherwise lets it grow)."""
        assert self.store is not None
        self.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- the `daemon` row ---------------------------------------------------------------

    def _record_start(self) -> None:
        assert self.store is not None
        now = iso(utcnow())
        prev = next(self.store.db.query("select * from daemon where id = 1"), None)
        if prev and not prev["stopped_at"]:
            log.warning("previous daemon (pid %s) did not stop cleanly; last heartbeat %s",
                        prev["pid"], prev["heartbeat_at"])
            self.store.event("warning", "daemon", "restart",
                             f"previous daemon (pid {prev['pid']}) did not stop cleanly; "
                             f"last heartbeat {prev['heartbeat_at']}")
        last = (prev or {}).get("last_digest_at") or next(self.store.db.query(
            "select max(created_at) as m from digests"))["m"]
        self._last_digest = parse_iso(last)
        self._write_daemon_row({"pid": os.getpid(), "host": socket.gethostname(),
                                "started_at": now, "heartbeat_at": now, "stopped_at": None,
                                "version": __version__})

    def _write_daemon_row(self, values: dict[str, Any], retries: int = 5) -> None:
        if self.store is None:
            return
        with self.store.write(retries=retries) as db:
            db["daemon"].upsert({"id": 1, **values}, pk="id")


def run_daemon(app: App) -> int:
    """``trendwatch run``: the service, until SIGTERM/SIGINT. Exit code 0 on a clean stop."""
    # `python -m trendwatch run` has its clock set by the CLI entry point already; a daemon
    # started another way (tests through click's runner) sets it here.
    traveller = None if process_clock_installed() else install_fake_clock()
    if traveller is None and process_clock_installed():
        announce_fake_clock()
    try:
        app.notifiers  # noqa: B018 - validate [[notifiers]] now; jobs bind them in their process
        daemon = Daemon(app.config, app.sources, app.db_path, host=app.host)
        app.close()  # the daemon opens its own connection (with a short busy timeout)
        return daemon.run()
    finally:
        if traveller is not None:
            traveller.stop()
