"""The daemon, run for real as a subprocess against a local HTTP server (the acceptance
tests of issue 5), plus in-process checks of one tick with a time-machine clock."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from local_http import LocalHTTPServer

from trendwatch.api import FetchContext, Item, Source
from trendwatch.binding import bind_sources
from trendwatch.config import Config, parse_config
from trendwatch.db.store import Store
from trendwatch.plugins import load_plugins
from trendwatch.service.daemon import Daemon, DaemonOptions
from trendwatch.testing import configure_source

FIXTURES = Path(__file__).parent / "fixtures"
RSS = (FIXTURES / "rss" / "rss20.xml").read_bytes()


class FeedHandler(BaseHTTPRequestHandler):
    """/good.xml → the RSS fixture, /broken.xml → 500, /hang.xml → no answer for a long
    time (until the test ends). Every request is counted per path."""

    hits: Counter[str]
    release: threading.Event

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.server.hits[path] += 1  # type: ignore[attr-defined]
        if path == "/good.xml":
            self._send(200, RSS, "application/rss+xml; charset=UTF-8")
        elif path == "/broken.xml":
            self._send(500, b"<h1>Internal Server Error</h1>", "text/html")
        elif path == "/hang.xml":
            self.server.release.wait(60)  # type: ignore[attr-defined]
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    srv = LocalHTTPServer(("127.0.0.1", 0), FeedHandler)
    srv.hits = Counter()  # type: ignore[attr-defined]
    srv.release = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.release.set()  # type: ignore[attr-defined]
    srv.shutdown()
    srv.server_close()
    assert not srv.errors, f"the test server failed: {srv.errors!r}"


def url(srv: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}{path}"


def make_config(write_config, srv: ThreadingHTTPServer, paths: dict[str, str], *,
                timeout: float = 1.5, every: str = "1s", digest: str = "") -> Path:
    sources = "".join(
        f'\n[[sources]]\nname = "{name}"\nplugin = "rss"\nurl = "{url(srv, path)}"\n'
        f'every = "{every}"\n' for name, path in paths.items())
    return write_config(f"""
        [brand]
        name = "Studio Uji"
        timezone = "Asia/Jakarta"

        [fetch]
        allow_private = true
        timeout = {timeout}
        max_backoff = "2s"

        {digest}

        [[themes]]
        id = "film-industry"
        name = "Film"
        keywords = ["film", "bioskop", "penonton"]
        """ + sources)


class DaemonProcess:
    """``trendwatch run`` in a subprocess, stderr captured to a file."""

    def __init__(self, config: Path, db: Path, env: dict[str, str] | None = None,
                 name: str = "daemon", args: list[str] | None = None):
        self.db = db
        self.log = db.parent / f"{name}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trendwatch", "--config", str(config), "--db", str(db),
             "-v", *(args or []), "run"],
            stdout=subprocess.DEVNULL, stderr=self.log.open("wb"),
            env={**os.environ, **(env or {})})

    def stderr(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if not self.db.exists():
            return []
        conn = sqlite3.connect(self.db, timeout=5)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []
        finally:
            conn.close()

    def wait_for(self, what: str, check, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited ({self.proc.returncode}) while waiting "
                                     f"for {what}:\n{self.stderr()}")
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}:\n{self.stderr()}")

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"daemon did not exit within {timeout}s:\n{self.stderr()}"
                                 ) from None
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    started: list[DaemonProcess] = []
    yield started
    for d in started:
        d.kill()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("pragma integrity_check").fetchone()[0]
    finally:
        conn.close()


# -- acceptance: the real daemon ---------------------------------------------------------


def test_good_source_keeps_being_fetched_while_others_fail_or_hang(
        server, write_config, tmp_path, daemons, cli):
    cfg = make_config(write_config, server, {
        "good": "/good.xml", "broken": "/broken.xml", "hanging": "/hang.xml"})
    db = tmp_path / "tw.db"
    d = DaemonProcess(cfg, db)
    daemons.append(d)
    # the hanging source holds a worker for its whole timeout; the good one, due every
    # second, must be fetched again and again meanwhile
    d.wait_for("3 fetches of the good source", lambda: server.hits["/good.xml"] >= 3)
    d.wait_for("the hanging source to time out", lambda: d.query(
        "select 1 from fetches where source = 'hanging' and status = 'error'"))
    d.wait_for("the broken source to fail twice", lambda: d.query(
        "select 1 from sources where name = 'broken' and consecutive_failures >= 2"))
    assert server.hits["/broken.xml"] >= 2  # a failing source is still retried

    # a reader works while the daemon runs, and flags the broken sources
    result = cli("--config", str(cfg), "--db", str(db), "status", "--json")
    report = json.loads(result.output)
    assert report["daemon"]["running"] is True
    assert report["daemon"]["pid"] == d.proc.pid
    by_name = {s["name"]: s for s in report["sources"]}
    assert by_name["good"]["last_status"] in ("ok", "not_modified")
    assert by_name["good"]["items_total"] == 2  # the fixture's two entries, once
    assert by_name["broken"]["broken"] and "500" in by_name["broken"]["last_error"]
    assert by_name["hanging"]["broken"] and "timed out" in by_name["hanging"]["last_error"]
    assert by_name["broken"]["next_due_at"]

    code, took = d.terminate()
    assert code == 0, d.stderr()
    assert took < 10
    assert d.query("select stopped_at from daemon")[0][0]
    assert integrity(db) == "ok"
    good = d.query("select count(*) from fetches where source = 'good'")[0][0]
    assert good >= 3


def test_sigterm_mid_fetch_exits_zero_within_ten_seconds(server, write_config, tmp_path,
                                                         daemons):
    # a 30 s timeout: the hanging fetch is certainly in flight when SIGTERM arrives
    cfg = make_config(write_config, server, {"good": "/good.xml", "hanging": "/hang.xml"},
                      timeout=30)
    db = tmp_path / "tw.db"
    d = DaemonProcess(cfg, db)
    daemons.append(d)
    d.wait_for("the good source stored", lambda: d.query(
        "select 1 from fetches where source = 'good'"))
    d.wait_for("the hanging fetch in flight", lambda: server.hits["/hang.xml"] >= 1)
    code, took = d.terminate(signal.SIGTERM)
    assert code == 0, d.stderr()
    assert took < 10, f"took {took:.1f}s"
    assert "dropped 1 fetch(es) still in flight: hanging" in d.stderr()
    # the dropped fetch wrote nothing: no half-recorded attempt
    assert d.query("select count(*) from fetches where source = 'hanging'")[0][0] == 0
    assert integrity(db) == "ok"


def test_sigint_also_stops_cleanly(server, write_config, tmp_path, daemons):
    cfg = make_config(write_config, server, {"good": "/good.xml"})
    d = DaemonProcess(cfg, tmp_path / "tw.db")
    daemons.append(d)
    d.wait_for("a fetch", lambda: d.query("select 1 from fetches"))
    code, _ = d.terminate(signal.SIGINT)
    assert code == 0
    assert "Traceback" not in d.stderr()


def test_sigkill_then_restart_duplicates_nothing(server, write_config, tmp_path, daemons):
    cfg = make_config(write_config, server, {"good": "/good.xml", "broken": "/broken.xml"})
    db = tmp_path / "tw.db"
    first = DaemonProcess(cfg, db, name="first")
    daemons.append(first)
    first.wait_for("items stored", lambda: first.query(
        "select 1 from fetches where source = 'good' and items_new > 0"))
    first.wait_for("a few more fetches", lambda: server.hits["/good.xml"] >= 3)
    first.terminate(signal.SIGKILL)
    assert integrity(db) == "ok"

    second = DaemonProcess(cfg, db, name="second")
    daemons.append(second)
    seen = server.hits["/good.xml"]
    second.wait_for("refetches after restart", lambda: server.hits["/good.xml"] >= seen + 2)
    code, _ = second.terminate()
    assert code == 0
    assert "did not stop cleanly" in second.stderr()
    rows = second.query("select guid, count(*) from items group by source, dedup_key")
    assert len(rows) == 2 and all(n == 1 for _, n in rows)
    assert second.query("select count(*) from items")[0][0] == 2
    assert integrity(db) == "ok"


def test_second_daemon_on_the_same_database_is_refused(server, write_config, tmp_path,
                                                        daemons, cli):
    cfg = make_config(write_config, server, {"good": "/good.xml"})
    db = tmp_path / "tw.db"
    first = DaemonProcess(cfg, db, name="first")
    daemons.append(first)
    first.wait_for("the first daemon running", lambda: first.query(
        "select 1 from daemon where stopped_at is null"))
    second = subprocess.run(
        [sys.executable, "-m", "trendwatch", "--config", str(cfg), "--db", str(db), "run"],
        capture_output=True, text=True, timeout=30)
    assert second.returncode == 1
    assert f"(pid {first.proc.pid}) is already running" in second.stderr
    assert "Traceback" not in second.stderr
    # `run --once` is refused the same way, and readers still work
    once = cli("--config", str(cfg), "--db", str(db), "run", "--once")
    assert once.exit_code == 1 and "already running" in once.output
    assert "daemon: running" in cli("--config", str(cfg), "--db", str(db), "status").output
    assert first.proc.poll() is None  # the first one is undisturbed
    code, _ = first.terminate()
    assert code == 0


def test_digest_fires_at_the_configured_local_time(server, write_config, tmp_path, daemons):
    # Monday 30 Nov 2026, 08:59:50 in Jakarta; the digest is due at 09:00 WIB (10 s leave
    # the daemon time to start and fetch even on a loaded CI machine)
    cfg = make_config(write_config, server, {"good": "/good.xml", "broken": "/broken.xml"},
                      every="1h", digest='[digest]\nat = "09:00"\ndays = ["mon"]')
    db = tmp_path / "tw.db"
    d = DaemonProcess(cfg, db, env={"TRENDWATCH_FAKE_TIME": "2026-11-30T08:59:50+07:00"})
    daemons.append(d)
    d.wait_for("the sources fetched", lambda: len(d.query("select 1 from fetches")) >= 2)
    assert not d.query("select 1 from digests"), "digest built before its time"
    d.wait_for("the digest", lambda: d.query("select created_at from digests"), timeout=30)
    created = datetime.fromisoformat(d.query("select created_at from digests")[0][0])
    local = created.astimezone(ZoneInfo("Asia/Jakarta"))
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-11-30", 9, 0)
    assert d.query("select last_digest_at from daemon")[0][0] is not None
    broken = json.loads(d.query("select broken_sources from digests")[0][0])
    assert broken == ["broken"]  # the broken source leads the digest
    code, _ = d.terminate()
    assert code == 0
    assert len(d.query("select 1 from digests")) == 1  # once, not on every tick


# -- in process: one tick at a time, time-machine clock ----------------------------------


@pytest.fixture
def local_daemon(server, write_config, tmp_path):
    def make(paths: dict[str, str], every: str = "10m", **options) -> Daemon:
        cfg = parse_config(make_config(write_config, server, paths, every=every)
                           .read_text("utf-8"))
        host = load_plugins()
        opts = DaemonOptions(**{"tick": 0.05, **options})
        return Daemon(cfg, bind_sources(cfg, host), tmp_path / "tw.db", options=opts)

    return make


def run_ticks(daemon: Daemon, until, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while not until():
        assert time.monotonic() < deadline, "condition never met"
        daemon.tick(wait=0.05)


def test_sources_are_refetched_when_due_not_before(local_daemon, server):
    with time_machine.travel(datetime(2026, 11, 30, 1, 0, tzinfo=UTC), tick=False) as clock:
        d = local_daemon({"good": "/good.xml"}, every="10m")
        d.start()
        try:
            run_ticks(d, lambda: d.outcomes >= 1)
            for _ in range(5):
                d.tick(wait=0.05)
            assert server.hits["/good.xml"] == 1  # not due again yet
            clock.shift(timedelta(minutes=11))
            run_ticks(d, lambda: d.outcomes >= 2)
            assert server.hits["/good.xml"] == 2
            # a long sleep or clock jump: the source is fetched once, not once per interval
            clock.shift(timedelta(days=3))
            run_ticks(d, lambda: d.outcomes >= 3)
            for _ in range(5):
                d.tick(wait=0.05)
            assert server.hits["/good.xml"] == 3
        finally:
            d.shutdown()


def test_failing_job_is_reported_and_the_loop_goes_on(local_daemon, server, tmp_path,
                                                      monkeypatch):
    d = local_daemon({"good": "/good.xml"})
    d.start()
    try:
        def broken_heartbeat() -> None:
            raise RuntimeError("disk on fire")

        d.scheduler.every(1, "broken", broken_heartbeat)
        d.scheduler.scheduler.jobs[-1].next_run = datetime.now()  # due now
        run_ticks(d, lambda: d.outcomes >= 1)
        d.tick()
        d.tick()
    finally:
        d.shutdown()
    with Store(tmp_path / "tw.db") as store:
        events = store.query("select kind, subject, message from events where subject = "
                             "'broken'")
    assert events == [{"kind": "job", "subject": "broken",
                       "message": "RuntimeError: disk on fire"}]  # once, not every tick


# -- run --once ---------------------------------------------------------------------------


def scored(db) -> int:
    with Store(db) as store:
        return store.query("select count(*) as n from scores")[0]["n"]


def test_run_once_exit_codes(server, write_config, tmp_path, cli):
    # the real ranking engine runs, in its own child process as in the daemon
    db = tmp_path / "tw.db"
    ok_cfg = make_config(write_config, server, {"good": "/good.xml"})
    result = cli("--config", str(ok_cfg), "--db", str(db), "run", "--once")
    assert result.exit_code == 0, result.output
    assert scored(db) == 2  # both items of good.xml were ranked
    # one line says what happened
    assert re.search(r"^Fetched 1 sources, 2 new items, 2 scored, \d+ new suggestions on "
                     r"today's list \(\d{4}-\d\d-\d\d\)\.$", result.output, re.M), result.output

    both = make_config(write_config, server, {"good": "/good.xml", "broken": "/broken.xml"})
    result = cli("--config", str(both), "--db", str(db), "run", "--once")
    assert result.exit_code == 1
    with Store(db) as store:  # what worked is stored anyway
        assert store.query("select count(*) as n from items")[0]["n"] == 2
        rows = {r["name"]: r for r in store.query("select * from sources")}
    assert rows["broken"]["consecutive_failures"] == 1
    assert rows["good"]["last_status"] in ("ok", "not_modified")
    assert scored(db) == 2


def test_run_once_fails_when_ranking_fails(server, write_config, tmp_path, cli):
    db = tmp_path / "tw.db"
    with Store(db) as store, store.write() as w:  # every score write fails, for real
        w.execute("create trigger no_scores before insert on scores "
                  "begin select raise(abort, 'disk says no'); end")
    cfg = make_config(write_config, server, {"good": "/good.xml"})
    result = cli("--config", str(cfg), "--db", str(db), "run", "--once")
    assert result.exit_code == 1
    with Store(db) as store:
        events = store.query("select subject, message from events")
        assert store.query("select count(*) as n from items")[0]["n"] == 2  # fetch kept
    assert [e["subject"] for e in events] == ["rank"]
    assert "disk says no" in events[0]["message"]


def test_run_once_ranks_with_the_real_engine(server, write_config, tmp_path, cli):
    cfg = make_config(write_config, server, {"good": "/good.xml"})
    db = tmp_path / "tw.db"
    result = cli("--config", str(cfg), "--db", str(db), "run", "--once")
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        scored = store.query("select item_id, theme from scores")
        models = store.query("select version from models where active = 1")
    assert len(scored) == 2  # both fetched items were scored by the classifier
    assert len(models) == 1


class _Stuck(Source):
    """A plugin stuck outside HTTP (no deadline applies): only abandonment helps."""

    type_name = "test-stuck"
    release = threading.Event()

    def fetch(self, ctx: FetchContext) -> list[Item]:
        self.release.wait(30)
        return []


def test_too_many_hung_threads_stop_the_daemon_with_exit_1(tmp_path):
    sources = [configure_source(_Stuck, name=f"stuck-{i}") for i in range(2)]
    opts = DaemonOptions(hang_timeout=0.2, max_abandoned=1, shutdown_grace=0.2)
    daemon = Daemon(Config(), sources, tmp_path / "tw.db", options=opts)
    daemon.start()
    try:
        run_ticks(daemon, daemon.stop_event.is_set)
    finally:
        daemon.shutdown()
        _Stuck.release.set()
    assert daemon.exit_code == 1
    with Store(tmp_path / "tw.db") as store:
        msgs = [e["message"] for e in store.query("select message from events")]
    assert sum("abandoned" in m for m in msgs) == 2
    assert any("2 hung fetch threads cannot be reclaimed" in m for m in msgs)


def test_json_log_lines(server, write_config, tmp_path, daemons):
    cfg = make_config(write_config, server, {"good": "/good.xml", "broken": "/broken.xml"})
    d = DaemonProcess(cfg, tmp_path / "tw.db", args=["--log-format", "json"])
    daemons.append(d)
    d.wait_for("both sources fetched", lambda: len(d.query("select 1 from fetches")) >= 2)
    code, _ = d.terminate()
    assert code == 0
    records = [json.loads(line) for line in d.stderr().splitlines()]  # one event per line
    assert {"ts", "level", "logger", "msg"} <= set(records[0])
    assert any(r["level"] == "warning" and "source broken failed" in r["msg"]
               for r in records)


def test_a_clock_stepping_back_does_not_stall_the_schedule(local_daemon, server):
    start = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        d = local_daemon({"good": "/good.xml"}, every="10m")
        d.start()
        try:
            run_ticks(d, lambda: d.outcomes >= 1)
            clock.move_to(start - timedelta(days=1))  # NTP fixes a clock that ran a day fast
            d.tick()
            with Store(d.db_path) as store:
                due = store.query("select next_due_at from sources")[0]["next_due_at"]
            expected = start - timedelta(days=1) + timedelta(minutes=10)  # moved back too
            assert abs(datetime.fromisoformat(due) - expected) < timedelta(minutes=1)
            clock.shift(timedelta(minutes=11))
            run_ticks(d, lambda: d.outcomes >= 2)  # ten minutes later, not a day later
            assert server.hits["/good.xml"] == 2
        finally:
            d.shutdown()


def test_a_failed_digest_job_gives_its_slot_back(local_daemon):
    import time_machine

    d = local_daemon({"good": "/good.xml"}, isolate_jobs=False)
    submitted: list[str] = []

    class Jobs:  # records submissions instead of running the digest
        def submit(self, name, fn, *args):
            submitted.append(name)
            return True

    d.jobs = Jobs()
    wib = ZoneInfo("Asia/Jakarta")
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, 5, tzinfo=wib), tick=False):
        assert d.check_digest() is True
        assert d.check_digest() is False  # claimed: not queued on every tick
        d._job_failed("digest", RuntimeError("notifier and disk both down"))
        assert d.check_digest() is False  # not retried at once...
    with time_machine.travel(datetime(2026, 11, 30, 9, 11, tzinfo=wib), tick=False):
        assert d.check_digest() is True  # ...but retried, not lost for the day
    assert submitted == ["digest", "digest"]


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (an orphan nobody has reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_run_once_killed_mid_fetch_leaves_no_ranking_process_behind(server, write_config,
                                                                    tmp_path):
    """run --once starts its ranking process before fetching; if run --once itself is
    killed mid-round, that process must notice and exit instead of waiting forever."""
    cfg = make_config(write_config, server, {"good": "/good.xml", "hanging": "/hang.xml"},
                      timeout=30)
    log = tmp_path / "once.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "trendwatch", "--config", str(cfg), "--db",
         str(tmp_path / "tw.db"), "-vv", "run", "--once"],
        stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        deadline = time.monotonic() + 20
        job: list[int] = []
        while time.monotonic() < deadline and not (job and server.hits["/hang.xml"]):
            job = [c for c in _children(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
            time.sleep(0.1)
        assert job and server.hits["/hang.xml"], log.read_text()
        proc.kill()
        proc.wait(5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _running(job[0]):
            time.sleep(0.1)
        assert not _running(job[0]), "the ranking process outlived run --once"
    finally:
        if proc.poll() is None:
            proc.kill()
