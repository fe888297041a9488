"""Timed jobs: the digest's local-time slots, guarded schedule jobs (errors stored, missed
runs once), the background job runner, and the fake-clock testing aid."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from trendwatch.clock import install_fake_clock
from trendwatch.config import DigestConfig
from trendwatch.db.store import Store
from trendwatch.errors import ConfigError
from trendwatch.service.scheduler import (
    GuardedScheduler,
    JobRunner,
    digest_due,
    last_digest_slot,
    next_digest_slot,
)

WIB = ZoneInfo("Asia/Jakarta")
WEEKDAYS = DigestConfig()  # 09:00, mon–fri


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.mark.parametrize(("now", "last", "expected"), [
    # Monday 30 Nov 2026
    (wib(2026, 11, 30, 8, 59, 59), None, None),                   # not yet
    (wib(2026, 11, 30, 9, 0), None, wib(2026, 11, 30, 9, 0)),      # on time
    (wib(2026, 11, 30, 9, 0, 5), wib(2026, 11, 30, 9, 0, 1), None),  # already built
    (wib(2026, 11, 30, 11, 30), wib(2026, 11, 27, 9, 0), wib(2026, 11, 30, 9, 0)),  # late
    (wib(2026, 11, 30, 22, 0), wib(2026, 11, 27, 9, 0), None),     # too late: skip it
    # Sunday: no digest on weekends; Friday's was built
    (wib(2026, 11, 29, 9, 30), wib(2026, 11, 27, 9, 0), None),
])
def test_digest_due(now, last, expected):
    assert digest_due(now.astimezone(UTC), last, WEEKDAYS, WIB) == expected


def test_digest_slots_follow_the_brand_time_zone_not_the_server():
    # 02:00 UTC on Monday is 09:00 in Jakarta
    now = datetime(2026, 11, 30, 2, 0, 30, tzinfo=UTC)
    assert last_digest_slot(now, WEEKDAYS, WIB) == wib(2026, 11, 30, 9, 0)
    assert next_digest_slot(now, WEEKDAYS, WIB) == wib(2026, 12, 1, 9, 0)
    friday_evening = wib(2026, 12, 4, 18, 0)
    assert next_digest_slot(friday_evening, WEEKDAYS, WIB) == wib(2026, 12, 7, 9, 0)
    assert next_digest_slot(friday_evening, DigestConfig(days=[]), WIB) is None


def test_after_a_week_asleep_only_one_digest_is_due():
    last = wib(2026, 11, 23, 9, 0)
    now = wib(2026, 11, 30, 9, 5)  # slept through five mornings
    due = [d for d in (digest_due(now, last, WEEKDAYS, WIB),) if d]
    assert due == [wib(2026, 11, 30, 9, 0)]
    assert digest_due(now + timedelta(seconds=1), now, WEEKDAYS, WIB) is None


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "tw.db") as s:
        yield s


def test_a_raising_job_is_stored_once_and_stays_scheduled(store):
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("feed list unreadable")

    with time_machine.travel(datetime(2026, 11, 30, 2, 0, tzinfo=UTC), tick=False) as clock:
        sched = GuardedScheduler(store)
        sched.every(60, "flaky", flaky)
        clock.shift(61)
        sched.run_pending()   # raises inside: reported, not propagated
        sched.run_pending()   # schedule would re-run a raising job on every tick: not here
        assert calls == [1]
        clock.shift(60)
        sched.run_pending()
        assert calls == [1, 1]
    events = store.query("select kind, subject, message, detail from events")
    assert len(events) == 1
    assert events[0]["subject"] == "flaky" and "ValueError: feed list unreadable" in \
        events[0]["message"]
    assert "Traceback" in events[0]["detail"]


def test_missed_runs_after_a_clock_jump_run_once_not_in_a_burst(store):
    calls: list[int] = []
    with time_machine.travel(datetime(2026, 11, 30, 2, 0, tzinfo=UTC), tick=False) as clock:
        sched = GuardedScheduler(store)
        sched.every(60, "minutely", lambda: calls.append(1))
        clock.shift(timedelta(hours=5))  # laptop lid closed, or NTP jump
        for _ in range(10):
            sched.run_pending()
        assert calls == [1]


def test_job_runner_runs_in_background_and_collapses_bursts(tmp_path, store):
    gate = threading.Event()
    ran: list[str] = []
    failures: list[str] = []

    def slow(s: Store) -> None:
        gate.wait(5)
        ran.append("slow")

    runner = JobRunner(tmp_path / "tw.db", on_error=lambda name, err: failures.append(name))
    assert runner.submit("rank", slow)
    assert not runner.submit("rank", slow)  # already queued or running
    assert runner.submit("boom", lambda s: 1 / 0)
    gate.set()
    assert runner.wait_idle(5)
    assert ran == ["slow"] and failures == ["boom"]
    assert store.query("select subject from events") == [{"subject": "boom"}]
    assert runner.stop(1)
    assert not runner.submit("rank", slow)  # stopped: no new work


def test_a_job_still_queued_at_stop_never_starts(tmp_path, store):
    gate = threading.Event()
    ran: list[str] = []

    def first(s: Store) -> None:
        gate.wait(5)
        ran.append("first")

    runner = JobRunner(tmp_path / "tw.db")
    runner.submit("first", first)
    runner.submit("second", lambda s: ran.append("second"))
    time.sleep(0.1)
    assert runner.stop(0.05) is False  # "first" is still running
    gate.set()
    deadline = time.monotonic() + 5
    while runner.busy and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ran == ["first"]
    assert not runner.busy


def test_only_ranking_and_training_skip_interpreter_teardown():
    from trendwatch.service import jobs

    assert all(getattr(f, "exits_fast", False)
               for f in (jobs.rank, jobs.rank_while_fetching, jobs.retrain))
    # the digest runs notifier plugins, which may deliver from a thread or an atexit hook
    assert not getattr(jobs.digest, "exits_fast", False)


def test_job_runner_abandons_a_job_that_outlives_the_grace(tmp_path, store):
    release = threading.Event()
    runner = JobRunner(tmp_path / "tw.db")
    runner.submit("stuck", lambda s: release.wait(10))
    time.sleep(0.1)
    started = time.monotonic()
    assert runner.stop(0.3) is False
    assert time.monotonic() - started < 1
    release.set()


def test_fake_clock_testing_aid(monkeypatch):
    monkeypatch.setenv("TRENDWATCH_FAKE_TIME", "2026-11-30T08:59:57+07:00")
    traveller = install_fake_clock()
    try:
        now = datetime.now(UTC)
        assert abs((now - wib(2026, 11, 30, 8, 59, 57)).total_seconds()) < 5
    finally:
        traveller.stop()
    monkeypatch.setenv("TRENDWATCH_FAKE_TIME", "tomorrow morning")
    with pytest.raises(ConfigError, match="not an ISO 8601 time"):
        install_fake_clock()
    monkeypatch.setenv("TRENDWATCH_FAKE_TIME", "2026-11-30T08:59:57")
    with pytest.raises(ConfigError, match="needs a UTC offset"):
        install_fake_clock()
    monkeypatch.delenv("TRENDWATCH_FAKE_TIME")
    assert install_fake_clock() is None


def test_fake_clock_reaches_a_child_process_through_the_cli(tmp_path):
    """What time-machine cannot do: a `python -m trendwatch` child runs at the given day."""
    cfg = tmp_path / "t.toml"
    cfg.write_text('[brand]\nname = "Studio"\ntimezone = "Asia/Jakarta"\n', encoding="utf-8")
    env = {**os.environ, "TRENDWATCH_FAKE_TIME": "2031-01-01T00:30:00+07:00"}
    proc = subprocess.run(
        [sys.executable, "-m", "trendwatch", "--config", str(cfg), "--db",
         str(tmp_path / "t.db"), "suggestions"], capture_output=True, text=True, env=env,
        timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "2031-01-01" in proc.stderr
    env["TRENDWATCH_FAKE_TIME"] = "next tuesday"
    bad = subprocess.run([sys.executable, "-m", "trendwatch", "status"], capture_output=True,
                         text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "not an ISO 8601 time" in bad.stderr
    assert "Traceback" not in bad.stderr


# -- jobs in a child process (what the daemon uses) --------------------------------------


def write_event(store: Store, message: str) -> None:
    """A job: proves it ran with its own connection to the same database."""
    store.event("info", "job", "child", f"{message} from pid {os.getpid()}")


def failing_job(store: Store) -> None:
    raise RuntimeError("model file corrupt")


def sleeping_job(store: Store, seconds: float) -> None:
    with store.write() as db:  # holds a write transaction while it sleeps
        db["events"].insert({"at": "x", "level": "info", "kind": "job", "subject": "half",
                             "message": "must never be committed"})
        time.sleep(seconds)


def test_isolated_jobs_run_in_a_child_process_and_report_errors(tmp_path, store):
    runner = JobRunner(tmp_path / "tw.db", isolate=True)
    assert runner.submit("hello", write_event, "hello")
    assert runner.submit("broken", failing_job)
    assert runner.wait_idle(60)
    events = store.query("select subject, message, detail from events order by id")
    assert events[0]["subject"] == "child" and str(os.getpid()) not in events[0]["message"]
    assert events[1]["subject"] == "broken"
    assert events[1]["message"] == "RuntimeError: model file corrupt"
    assert "Traceback" in events[1]["detail"] and "failing_job" in events[1]["detail"]
    assert runner.stop(1)


def test_isolated_job_is_killed_at_shutdown_and_rolled_back(tmp_path, store):
    runner = JobRunner(tmp_path / "tw.db", isolate=True)
    runner.submit("slow", sleeping_job, 60)
    deadline = time.monotonic() + 30
    while runner._child is None or not runner._child.is_alive():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.5)  # inside its transaction by now
    started = time.monotonic()
    assert runner.stop(0.2) is False
    assert time.monotonic() - started < 5
    assert store.query("select count(*) as n from events where subject = 'half'")[0]["n"] == 0
    assert store.db.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_isolated_job_past_its_timeout_is_killed_and_reported(tmp_path, store):
    runner = JobRunner(tmp_path / "tw.db", isolate=True, timeout=2)
    runner.submit("stuck", sleeping_job, 60)
    assert runner.wait_idle(30)
    event = store.query("select subject, message from events")[0]
    assert event == {"subject": "stuck", "message": "job did not finish within 2s; killed"}
    runner.stop(1)
