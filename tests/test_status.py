"""``trendwatch status``: running or not (lock + heartbeat), sources first when broken,
JSON keys, and no scikit-learn."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta

import pytest

from trendwatch.config import Config
from trendwatch.db.lock import DaemonLock, lock_holder
from trendwatch.db.store import Store, iso, utcnow
from trendwatch.fetch.storing import store_outcome
from trendwatch.fetch.worker import FetchOutcome
from trendwatch.service.status import daemon_status, full_status
from trendwatch.testing import configure_source


@pytest.fixture
def db(tmp_path):
    return tmp_path / "tw.db"


def set_daemon_row(store: Store, **values) -> None:
    now = iso(utcnow())
    with store.write() as d:
        d["daemon"].upsert({"id": 1, "pid": 4242, "host": "studio-box", "started_at": now,
                            "heartbeat_at": now, "stopped_at": None, **values}, pk="id")


def test_daemon_states(db):
    with Store(db) as store:
        assert daemon_status(store)["state"] == "never"
        lock = DaemonLock(db).acquire()
        try:
            set_daemon_row(store, started_at=iso(utcnow() - timedelta(hours=2)))
            st = daemon_status(store)
            assert st["state"] == "running" and st["running"]
            assert st["pid"] == lock_holder(db) and st["uptime_seconds"] >= 7200
            set_daemon_row(store, heartbeat_at=iso(utcnow() - timedelta(minutes=10)))
            assert daemon_status(store)["state"] == "stuck"
        finally:
            lock.release()
        # the process died without recording a stop (SIGKILL, OOM): the lock is gone
        assert lock_holder(db) is None
        st = daemon_status(store)
        assert (st["state"], st["running"], st["pid"]) == ("crashed", False, None)
        set_daemon_row(store, stopped_at=iso(utcnow()))
        assert daemon_status(store)["state"] == "stopped"


def test_status_text_and_json(db, cli, write_config, minimal_themes):
    cfg = write_config(minimal_themes)
    with Store(db) as store:
        good = configure_source("rss", name="layar-kaca", url="https://layarkaca.example.com/f")
        bad = configure_source("rss", name="zz-broken", url="https://mati.example.org/feed")
        store.sync_sources([good, bad])
        store_outcome(store, good, FetchOutcome("layar-kaca", finished=utcnow()), Config())
        for _ in range(3):
            store_outcome(store, bad, FetchOutcome(
                "zz-broken", status="error", http_status=500,
                error="HTTP 500 from https://mati.example.org/feed"), Config())
        store.event("error", "plugin", "zz-hung",
                    "source did not finish within 90s; abandoned (plugin hung?)")
    out = cli("--config", str(cfg), "--db", str(db), "status").output
    lines = out.splitlines()
    assert lines[0] == "daemon: not running (never started on this database)"
    assert lines[1].startswith("last digest: never; next: ")
    assert "hung fetches abandoned in the last day: 1 (zz-hung)" in out
    source_lines = [ln for ln in lines if ln.startswith(("layar-kaca", "zz-broken"))]
    assert source_lines[0].startswith("zz-broken") and "BROKEN" in source_lines[0]
    assert "failures 3" in source_lines[0]
    # times in the brand's time zone (WIB), as on the web page, not UTC
    assert re.search(r"last \d{4}-\d\d-\d\d \d\d:\d\d WIB", source_lines[1]), source_lines
    assert re.search(r"next: \d{4}-\d\d-\d\d 09:00 WIB$", lines[1])
    assert "last error: HTTP 500 from https://mati.example.org/feed" in out

    report = json.loads(cli("--config", str(cfg), "--db", str(db), "status", "--json").output)
    assert set(report) >= {"daemon", "sources", "model", "recent_errors", "hung_fetches"}
    assert set(report["daemon"]) >= {"running", "state", "pid", "uptime_seconds",
                                     "last_digest_at", "next_digest_at"}
    broken = report["sources"][0]
    assert broken["name"] == "zz-broken" and broken["broken"]
    assert {"last_fetch_at", "last_status", "next_due_at", "items_total",
            "consecutive_failures", "last_error"} <= set(broken)


def test_full_status_without_config_has_no_next_digest(db):
    with Store(db) as store:
        assert "next_digest_at" not in full_status(store)["daemon"]


def test_status_does_not_import_scikit_learn(db):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from trendwatch.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['--db', {str(db)!r}, 'status', '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
