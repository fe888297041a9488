"""The performance inbox the daemon watches (``[performance] inbox``)."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from trendwatch.config import parse_config
from trendwatch.db.store import Store
from trendwatch.performance.inbox import process_inbox
from trendwatch.plugins import load_plugins
from trendwatch.service.daemon import Daemon
from trendwatch.service.options import DaemonOptions

WIB = ZoneInfo("Asia/Jakarta")


def _drop(src, folder, name=None, age: float = 60.0):
    target = folder / (name or src.name)
    shutil.copy(src, target)
    old = time.time() - age
    os.utime(target, (old, old))
    return target


def test_inbox_imports_moves_and_reports(tmp_path, fixtures):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _drop(fixtures / "performance" / "instagram_en.csv", inbox)
    bad = inbox / "broken.csv"
    bad.write_text("Date,Followers\n2026-11-01,1200\n", encoding="utf-8")
    os.utime(bad, (time.time() - 60, time.time() - 60))
    fresh = _drop(fixtures / "performance" / "tiktok_en.csv", inbox, age=0)  # still copying
    store = Store(tmp_path / "t.db")
    now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    done = process_inbox(store, inbox, load_plugins().importers, WIB, now=now)
    assert {d["file"]: d["status"] for d in done} == {"instagram_en.csv": "imported",
                                                      "broken.csv": "failed"}
    assert (inbox / "imported" / "20261130T030000-instagram_en.csv").exists()
    error = (inbox / "failed" / "20261130T030000-broken.csv.error.txt").read_text("utf-8")
    assert "not a recognised export" in error
    assert fresh.exists()  # left for the next look
    assert store.query("select count(*) as n from posts")[0]["n"] == 4
    events = store.query("select level, message from events where subject = "
                         "'performance-import' order by id")
    assert sorted(e["level"] for e in events) == ["error", "info"]
    error_event = next(e["message"] for e in events if e["level"] == "error")
    assert "broken.csv: not a recognised export" in error_event


def test_the_daemon_watches_the_inbox(tmp_path, fixtures):
    inbox = tmp_path / "exports"
    inbox.mkdir()
    cfg = parse_config(f'[performance]\ninbox = "{inbox}"\nevery = "1s"\n')
    daemon = Daemon(cfg, [], tmp_path / "tw.db", options=DaemonOptions(tick=0.05))
    daemon.start()
    try:
        _drop(fixtures / "performance" / "youtube_id.csv", inbox)
        deadline = time.monotonic() + 15
        while (inbox / "youtube_id.csv").exists():
            assert time.monotonic() < deadline, "the inbox was never read"
            # no timed wait inside tick: a timed threading wait never returns under
            # libfaketime, and this test must pass there too
            daemon.tick(wait=0)
            time.sleep(0.05)
    finally:
        daemon.shutdown()
    assert [p.name.split("-", 1)[1] for p in (inbox / "imported").iterdir()] == [
        "youtube_id.csv"]
    store = Store(tmp_path / "tw.db")
    assert store.query("select count(*) as n from post_metrics")[0]["n"] == 2
