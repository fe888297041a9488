"""Timed jobs for the daemon: a guarded ``schedule.Scheduler``, the digest's local-time
slots, a background job runner, and the clock everything reads.

``schedule`` lets a job's exception escape ``run_pending()`` and then re-runs that job on
every tick; :class:`GuardedScheduler` wraps every job so an error is logged, stored as an
event, and the job simply waits for its next slot. ``schedule`` already runs a job that was
missed (sleep, clock jump) once, not once per missed slot; the digest slot logic below does
the same.

Time: everything reads the wall clock through :func:`utcnow`/``datetime.now`` (which
``time-machine`` can move in tests) and waits with ``Event.wait`` (which a SIGTERM cuts
short). ``TRENDWATCH_FAKE_TIME`` starts a *ticking* fake clock at a given instant in any trendwatch
process; it exists so tests can check that the digest fires at its local time without
waiting for it (see :mod:`trendwatch.clock`).
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import schedule

from ..config import DAYS, DigestConfig
from ..db.store import Store

log = logging.getLogger(__name__)

#: How far back a missed digest is still worth sending (the daemon was down at 09:00 and
#: started at 11:00: send it; started the next evening: don't send yesterday's).
DIGEST_CATCH_UP = timedelta(hours=12)

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


class JobError(Exception):
    """A job failed in its child process; carries the child's traceback."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


def _child_main(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...],
                db_path: str, log_level: int, log_format: str) -> None:
    """Entry point of a job's child process: run ``fn(store, *args)``, report back."""
    from ..logs import setup_logging

    setup_logging(fmt=log_format)
    logging.getLogger("trendwatch").setLevel(log_level)
    try:
        with Store(db_path, migrate=False) as store:
            fn(store, *args)
        result = ("ok", None, None)
    except BaseException as err:
        result = ("error", f"{type(err).__name__}: {err}", traceback.format_exc())
    try:
        conn.send(result)
    except OSError:  # the parent is gone (killed): nobody to tell
        logging.getLogger(__name__).warning("job ended (%s) after its parent process did",
                                            result[1] or "ok")
    finally:
        conn.close()
    if getattr(fn, "exits_fast", False):
        # The result is reported and the database closed. Skipping the interpreter's
        # teardown (unloading scikit-learn and scipy, freeing the job's matrices object by
        # object) saves ~0.3 s that ``run --once`` would otherwise wait for; the memory goes
        # back to the system all the same. Only for jobs marked :func:`exits_fast`: it also
        # skips ``atexit`` handlers and non-daemon threads, which a notifier might use.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def exits_fast(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a job whose process may end without interpreter teardown once it has reported
    (no ``atexit`` handlers, no waiting for non-daemon threads): ranking and training."""
    fn.exits_fast = True  # type: ignore[attr-defined]
    return fn


class JobRunner:
    """Runs slow jobs (ranking, digest, retraining) one at a time, off the fetch loop.

    With ``isolate`` (what the daemon uses) each job runs in a fresh child process: the
    ~110 MB scikit-learn brings, and whatever a job allocates, goes back to the system
    when it ends, so months of ranking can't grow the daemon; a job that hangs is killed
    after ``timeout``; and at shutdown a running job is terminated, its open transaction
    rolled back by SQLite. Job functions must then be module-level (picklable) and get
    ``(store, *args)``. Without ``isolate`` jobs run on the runner's thread (tests).

    A job already queued or running is not queued again, so a burst of triggers collapses
    into one run. Errors are logged and stored as events; the runner goes on.
    """

    def __init__(self, db_path: str | os.PathLike[str],
                 on_error: Callable[[str, BaseException], None] | None = None, *,
                 isolate: bool = False, timeout: float = 3600.0) -> None:
        self.db_path = str(db_path)
        self.on_error = on_error
        self.isolate = isolate
        self.timeout = timeout
        self._queue: queue.Queue[tuple[str, Callable[..., Any], tuple[Any, ...]] | None] = \
            queue.Queue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._current: str | None = None
        self._child: Any = None
        self._closed = False
        self._store: Store | None = None
        self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
        self._thread.start()

    def submit(self, name: str, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue ``fn(store, *args)``; False if stopped or ``name`` is already queued."""
        with self._lock:
            if self._closed:
                return False
            if name in self._pending:
                log.info("job %s is already queued or running; not queued again", name)
                return False
            self._pending.add(name)
        self._queue.put((name, fn, args))
        return True

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def _events(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path, migrate=False)
        return self._store

    def _loop(self) -> None:
        try:
            while True:
                entry = self._queue.get()
                if entry is None:
                    return
                name, fn, args = entry
                if self._closed:  # stopped while this job waited in the queue: not started
                    with self._lock:
                        self._pending.discard(name)
                    log.info("job %s not started: the runner is stopping", name)
                    continue
                self._current = name
                started = time.monotonic()
                try:
                    if self.isolate:
                        self._run_child(name, fn, args)
                    else:
                        fn(self._events(), *args)
                    log.info("job %s done in %.1fs", name, time.monotonic() - started)
                except Exception as err:
                    if not self._closed:
                        self._report(name, err)
                finally:
                    self._current = None
                    with self._lock:
                        self._pending.discard(name)
        finally:
            if self._store is not None:
                self._store.close()

    def _report(self, name: str, err: Exception) -> None:
        store = self._events()
        if isinstance(err, JobError):
            log.error("job %s failed: %s", name, err)
            store.event("error", "job", name, str(err), err.detail)
        else:
            report_job_error(store, name, err)
        if self.on_error:
            self.on_error(name, err)

    def _run_child(self, name: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        import multiprocessing

        # spawn, not fork: forking a process that runs threads can copy a held lock
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=False)
        root = logging.getLogger("trendwatch")
        fmt = "json" if any(type(h.formatter).__name__ == "JsonFormatter"
                            for h in root.handlers) else "text"
        proc = ctx.Process(target=_child_main, name=f"trendwatch-job-{name}", daemon=True,
                           args=(child, fn, args, self.db_path, root.getEffectiveLevel(), fmt))
        proc.start()
        child.close()
        self._child = proc
        try:
            proc.join(self.timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
                raise JobError(f"job did not finish within {self.timeout:g}s; killed")
            result = parent.recv() if parent.poll() else None
        finally:
            self._child = None
            parent.close()
        if result is None:
            raise JobError(f"job process died (exit code {proc.exitcode}) without a result")
        status, message, detail = result
        if status != "ok":
            raise JobError(message, detail)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.busy:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self, grace: float) -> bool:
        """No new jobs; give the running one ``grace`` seconds. Then a child process is
        terminated (SQLite rolls back its open transaction: nothing half-written); a job
        on the thread is abandoned, with the same effect when the process exits. Returns
        True if everything stopped within the grace."""
        with self._lock:
            self._closed = True
        self._queue.put(None)
        self._thread.join(grace)
        if not self._thread.is_alive():
            return True
        child = self._child
        if child is not None:
            log.warning("job %s still running at shutdown; terminated (its open "
                        "transaction, if any, is rolled back)", self._current)
            child.terminate()  # default SIGTERM action in the child: immediate exit
            child.join(1)
            if child.is_alive():
                child.kill()
            self._thread.join(1)
        else:
            log.warning("job %s still running at shutdown; abandoned (its transaction, if "
                        "any, is rolled back)", self._current)
        return False
