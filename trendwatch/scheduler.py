"""Timed jobs for the daemon: a guarded ``schedule.Scheduler``, the digest's local-time
slots, a background job runner, and the clock everything reads.

``schedule`` lets a job's exception escape ``run_pending()`` and then re-runs that job on
every tick; :class:`GuardedScheduler` wraps every job so an error is logged, stored as an
event, and the job simply waits for its next slot. ``schedule`` already runs a job that was
missed (sleep, clock jump) once, not once per missed slot; the digest slot logic below does
the same.

Time: everything reads the wall clock through :func:`utcnow`/``datetime.now`` (which
``time-machine`` can move in tests) and waits with ``Event.wait`` (which a SIGTERM cuts
short). ``TRENDWATCH_FAKE_TIME`` starts a *ticking* fake clock at a given instant in the
daemon process; it exists so tests can check that the digest fires at its local time
without waiting for it (see :func:`install_fake_clock`).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import schedule

from .config import DAYS, DigestConfig
from .errors import ConfigError
from .store import Store

log = logging.getLogger(__name__)

#: How far back a missed digest is still worth sending (the daemon was down at 09:00 and
#: started at 11:00: send it; started the next evening: don't send yesterday's).
DIGEST_CATCH_UP = timedelta(hours=12)

FAKE_TIME_ENV = "TRENDWATCH_FAKE_TIME"


def install_fake_clock() -> Any | None:
    """Testing aid: when ``$TRENDWATCH_FAKE_TIME`` holds an ISO 8601 instant (with offset),
    start this process's clock there and let it tick at normal speed (uses time-machine,
    a test dependency). Returns the traveller, or None when the variable is unset."""
    value = os.environ.get(FAKE_TIME_ENV)
    if not value:
        return None
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{FAKE_TIME_ENV}: {value!r} is not an ISO 8601 time") from None
    try:
        import time_machine
    except ImportError:
        raise ConfigError(f"{FAKE_TIME_ENV} is a testing aid and needs time-machine "
                          "(pip install time-machine)") from None
    traveller = time_machine.travel(start, tick=True)
    traveller.start()
    log.warning("clock set to %s by %s (testing aid)", start.isoformat(), FAKE_TIME_ENV)
    return traveller


# -- the digest's slots ----------------------------------------------------------------


def digest_slot(day: date, digest: DigestConfig, tz: ZoneInfo) -> datetime | None:
    """The digest instant on ``day`` (local date), or None if no digest that weekday."""
    if DAYS[day.weekday()] not in digest.days:
        return None
    return datetime.combine(day, digest.at_time, tzinfo=tz)


def last_digest_slot(now: datetime, digest: DigestConfig, tz: ZoneInfo) -> datetime | None:
    """The most recent digest instant at or before ``now`` (within the last week)."""
    local = now.astimezone(tz)
    for back in range(8):
        slot = digest_slot(local.date() - timedelta(days=back), digest, tz)
        if slot is not None and slot <= local:
            return slot
    return None


def next_digest_slot(now: datetime, digest: DigestConfig, tz: ZoneInfo) -> datetime | None:
    """The first digest instant strictly after ``now``."""
    local = now.astimezone(tz)
    for ahead in range(8):
        slot = digest_slot(local.date() + timedelta(days=ahead), digest, tz)
        if slot is not None and slot > local:
            return slot
    return None


def digest_due(now: datetime, last_built: datetime | None, digest: DigestConfig,
               tz: ZoneInfo) -> datetime | None:
    """The slot to build a digest for now, or None.

    Only the latest passed slot counts, so after a long sleep or a clock jump one digest is
    built, not one per missed morning; a slot older than DIGEST_CATCH_UP is skipped."""
    slot = last_digest_slot(now, digest, tz)
    if slot is None or now - slot > DIGEST_CATCH_UP:
        return None
    if last_built is not None and last_built >= slot:
        return None
    return slot


# -- jobs --------------------------------------------------------------------------------


def report_job_error(store: Store | None, name: str, err: BaseException) -> None:
    """Log a failed job and store it as an event (status and the web page show events)."""
    log.error("job %s failed: %s: %s", name, type(err).__name__, err)
    if store is not None:
        store.event("error", "job", name, f"{type(err).__name__}: {err}",
                    traceback.format_exc())


class GuardedScheduler:
    """A ``schedule.Scheduler`` whose jobs cannot break the loop."""

    def __init__(self, store: Store | None = None) -> None:
        self.scheduler = schedule.Scheduler()
        self.store = store

    def every(self, seconds: float, name: str, fn: Callable[[], Any]) -> schedule.Job:
        """Run ``fn`` every ``seconds``; an exception is reported and the loop goes on."""
        return self.scheduler.every(max(1, round(seconds))).seconds.do(self._guard, name, fn)

    def _guard(self, name: str, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception as err:
            report_job_error(self.store, name, err)
        # returning None (not CancelJob) keeps the job scheduled at its next slot

    def run_pending(self) -> None:
        self.scheduler.run_pending()

    def idle_seconds(self) -> float | None:
        return self.scheduler.idle_seconds

    def clear(self) -> None:
        self.scheduler.clear()


class JobRunner:
    """Runs slow jobs (ranking, digest, retraining) one at a time in a background thread,
    so the fetch loop keeps dispatching meanwhile.

    The thread opens its own database connection (SQLite connections are not shared across
    writers); each job's writes are its own transactions. A job already queued or running
    is not queued again, so a burst of triggers collapses into one run.
    """

    def __init__(self, db_path: str | os.PathLike[str],
                 on_error: Callable[[str, BaseException], None] | None = None) -> None:
        self.db_path = db_path
        self.on_error = on_error
        self._queue: queue.Queue[tuple[str, Callable[[Store], Any]] | None] = queue.Queue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._current: str | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
        self._thread.start()

    def submit(self, name: str, fn: Callable[[Store], Any]) -> bool:
        with self._lock:
            if self._closed:
                return False
            if name in self._pending:
                log.info("job %s is already queued or running; not queued again", name)
                return False
            self._pending.add(name)
        self._queue.put((name, fn))
        return True

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def _loop(self) -> None:
        store: Store | None = None
        try:
            while True:
                entry = self._queue.get()
                if entry is None:
                    return
                name, fn = entry
                self._current = name
                started = time.monotonic()
                try:
                    if store is None:
                        store = Store(self.db_path, migrate=False)
                    fn(store)
                    log.info("job %s done in %.1fs", name, time.monotonic() - started)
                except Exception as err:
                    report_job_error(store, name, err)
                    if self.on_error:
                        self.on_error(name, err)
                finally:
                    self._current = None
                    with self._lock:
                        self._pending.discard(name)
        finally:
            if store is not None:
                store.close()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.busy:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self, grace: float) -> bool:
        """No new jobs; give the running one ``grace`` seconds. A job still running after
        that is abandoned: the process exits under it and SQLite rolls back its open
        transaction, so nothing half-written remains. Returns True if it stopped cleanly."""
        with self._lock:
            self._closed = True
        self._queue.put(None)
        self._thread.join(grace)
        if self._thread.is_alive():
            log.warning("job %s still running at shutdown; abandoned (its transaction, if "
                        "any, is rolled back)", self._current)
            return False
        return True
