"""The fetch pool: contained plugin crashes and hangs, one transaction per result, a locked
database, backoff written to ``next_due_at``, and shutdown with work in flight."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from typing import ClassVar

import pytest

from trendwatch.api import FetchContext, Item, Source, SourceOptions
from trendwatch.config import Config
from trendwatch.db.store import Store, parse_iso, utcnow
from trendwatch.errors import SourceError
from trendwatch.fetch.round import FetchOutcome, FetchPool, due_sources, run_round, store_outcome
from trendwatch.testing import configure_source


class Gate(SourceOptions):
    title: str = "Sutradara muda raih penghargaan di festival film"


class Quick(Source):
    """Returns two items at once."""

    type_name = "test-quick"
    Options = Gate

    def fetch(self, ctx: FetchContext) -> list[Item]:
        base = self.options.title  # type: ignore[attr-defined]
        return [Item(title=base, guid=f"{self.name}-1"),
                Item(title=f"{base} (bagian 2)", guid=f"{self.name}-2")]


class Crashing(Source):
    type_name = "test-crashing"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        raise KeyError("entries")  # a plugin bug, not a SourceError


class Hanging(Source):
    """Blocks until the test releases it (a plugin stuck in a call with no timeout)."""

    type_name = "test-hanging"
    release: ClassVar[threading.Event] = threading.Event()
    calls: ClassVar[int] = 0

    def fetch(self, ctx: FetchContext) -> list[Item]:
        type(self).calls += 1
        self.release.wait(30)
        return [Item(title="late", guid="late")]


class RateLimited(Source):
    type_name = "test-429"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        raise SourceError("HTTP 429 Too Many Requests", http_status=429, retry_after=3600)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "tw.db") as s:
        yield s


@pytest.fixture(autouse=True)
def _reset_hanging():
    Hanging.release.clear()
    Hanging.calls = 0
    yield
    Hanging.release.set()


def src(cls: type[Source], name: str, every: str = "10m"):
    return configure_source(cls, name=name, every=every)


def wait_until(cond, pool: FetchPool, limit: float = 5.0) -> list[FetchOutcome]:
    got: list[FetchOutcome] = []
    deadline = time.monotonic() + limit
    while not cond(got):
        assert time.monotonic() < deadline, f"condition never met; got {got}"
        got.extend(pool.poll(timeout=0.05))
    return got


def test_a_crashing_plugin_affects_only_itself(store):
    sources = [src(Quick, "good"), src(Crashing, "crashy")]
    outcomes = {o.source: o for o in run_round(store, sources, Config())}
    assert outcomes["good"].status == "ok" and outcomes["good"].items_new == 2
    assert outcomes["crashy"].failed
    assert "crashed: KeyError" in outcomes["crashy"].error
    rows = {r["name"]: r for r in store.query("select * from sources")}
    assert rows["crashy"]["consecutive_failures"] == 1
    assert rows["good"]["items_total"] == 2
    event = store.query("select kind, subject, detail from events")[0]
    assert event["kind"] == "plugin" and event["subject"] == "crashy"
    assert "Traceback" in event["detail"]  # kept for the contributor to debug


def test_a_hung_plugin_is_abandoned_and_never_piles_up_threads(store):
    pool = FetchPool(store, Config(), hang_timeout=0.3)
    hung, good = src(Hanging, "stuck"), src(Quick, "good")
    assert pool.submit(hung) and pool.submit(good)
    got = wait_until(lambda g: len(g) >= 2, pool)
    by = {o.source: o for o in got}
    assert by["good"].status == "ok"
    assert "abandoned" in by["stuck"].error
    assert pool.abandoned_alive() == ["stuck"]
    # while its thread lives the source is not started again: one thread per hung plugin
    assert not pool.submit(hung)
    skipped = pool.skip_hung(hung)
    assert skipped.failed and "still hung" in skipped.error
    assert Hanging.calls == 1
    row = store.query("select * from sources where name = 'stuck'")[0]
    assert row["consecutive_failures"] == 2  # flagged, and backing off
    # once the plugin finally returns, its late result is ignored and it can run again
    Hanging.release.set()
    deadline = time.monotonic() + 5
    while pool.abandoned_alive():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    pool.poll()
    assert store.query("select count(*) as n from items where source = 'stuck'")[0]["n"] == 0
    assert pool.submit(hung)
    pool.close()


def test_pool_never_exceeds_concurrency(store):
    config = Config(fetch={"concurrency": 2})
    pool = FetchPool(store, config, hang_timeout=5)
    assert pool.submit(src(Hanging, "a")) and pool.submit(src(Hanging, "b"))
    assert pool.free_slots == 0 and not pool.submit(src(Quick, "c"))
    Hanging.release.set()
    wait_until(lambda g: len(g) >= 2, pool)
    assert pool.free_slots == 2
    pool.close()


def test_locked_database_rolls_back_and_keeps_the_error(store, tmp_path):
    store.db.conn.execute("PRAGMA busy_timeout=50")
    pool = FetchPool(store, Config(), hang_timeout=5)
    other = sqlite3.connect(tmp_path / "tw.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        assert pool.submit(src(Quick, "good"))
        out = wait_until(lambda g: len(g) >= 1, pool)[0]
        assert out.failed and not out.stored
        assert "could not store result" in out.error and "locked" in out.error
    finally:
        other.execute("ROLLBACK")
        other.close()
    # nothing half-written: no items, no fetch row, no source state from that attempt
    assert store.query("select count(*) as n from items")[0]["n"] == 0
    assert store.query("select count(*) as n from fetches")[0]["n"] == 0
    # the error that explains the gap is stored as soon as the database is writable again
    pool.poll()
    events = store.query("select kind, subject, message from events")
    assert events and events[0]["subject"] == "good" and "locked" in events[0]["message"]
    # and the source is still due, so the next round stores it
    assert [cs.name for cs in due_sources(store, [src(Quick, "good")])] == ["good"]
    assert pool.submit(src(Quick, "good"))
    assert wait_until(lambda g: len(g) >= 1, pool)[0].stored
    assert store.query("select count(*) as n from items")[0]["n"] == 2
    assert store.db.execute("pragma integrity_check").fetchone()[0] == "ok"
    pool.close()


def test_failure_backoff_and_retry_after_set_next_due(store):
    config = Config(fetch={"max_backoff": "1h"})
    broken = src(Crashing, "crashy", every="1m")
    gaps = []
    for _ in range(4):
        before = utcnow()
        out = run_round(store, [broken], config)[0]
        gaps.append((out.next_due - before).total_seconds())
    # exponential: ~1, 2, 4, 8 minutes (±5% jitter)
    for gap, minutes in zip(gaps, (1, 2, 4, 8), strict=True):
        assert minutes * 60 * 0.94 <= gap <= minutes * 60 * 1.06 + 1
    limited = run_round(store, [src(RateLimited, "busy", every="1m")], config)[0]
    assert limited.next_due - utcnow() >= timedelta(minutes=56)  # Retry-After: 3600 s
    row = store.query("select next_due_at from sources where name = 'busy'")[0]
    assert parse_iso(row["next_due_at"]) == limited.next_due.replace(microsecond=0)


def test_due_sources_puts_the_most_overdue_first(store):
    a, b, c = src(Quick, "a"), src(Quick, "b"), src(Quick, "c")
    now = utcnow()
    for cs, ago in ((a, 1), (b, 30), (c, 5)):
        out = FetchOutcome(cs.name, started=now - timedelta(minutes=ago + 20),
                           finished=now - timedelta(minutes=ago + 20))
        store_outcome(store, cs, out, Config())
    new = src(Quick, "new")  # never fetched: first of all
    names = [cs.name for cs in due_sources(store, [a, b, c, new], now=now)]
    assert names == ["new", "b", "c", "a"]


def test_stop_drains_in_flight_work_within_grace(store):
    stop = threading.Event()
    sources = [src(Hanging, "stuck"), src(Quick, "good")]
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    started = time.monotonic()
    outcomes = run_round(store, sources, Config(), stop=stop, grace=0.5, hang_timeout=30)
    took = time.monotonic() - started
    assert took < 2.5
    assert [o.source for o in outcomes] == ["good"]  # the hung one was dropped, unwritten
    assert store.query("select count(*) as n from fetches where source = 'stuck'")[0]["n"] == 0


class Wordy(Source):
    """Many long items: enough to overflow a nearly full database."""

    type_name = "test-wordy"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        return [Item(title=f"Kampanye iklan kreatif nomor {i}", guid=f"w{i}",
                     summary="Ulasan panjang tentang produksi iklan. " * 200)
                for i in range(200)]


def test_disk_full_rolls_back_the_whole_result(store):
    # SQLITE_FULL, the error a full disk gives, reproduced by capping the database's pages
    pages = store.db.execute("pragma page_count").fetchone()[0]
    store.db.execute(f"pragma max_page_count = {pages + 20}")
    pool = FetchPool(store, Config(), hang_timeout=5)
    assert pool.submit(src(Wordy, "wordy"))
    out = wait_until(lambda g: len(g) >= 1, pool)[0]
    assert not out.stored and "full" in out.error
    assert store.query("select count(*) as n from items")[0]["n"] == 0
    assert store.query("select count(*) as n from fetches")[0]["n"] == 0
    assert store.db.execute("pragma integrity_check").fetchone()[0] == "ok"
    # space is freed: the kept error event is written, and the source can be stored
    store.db.execute("pragma max_page_count = 1073741823")
    pool.poll()
    assert "full" in store.query("select message from events")[0]["message"]
    assert pool.submit(src(Wordy, "wordy"))
    assert wait_until(lambda g: len(g) >= 1, pool)[0].stored
    assert store.query("select count(*) as n from items")[0]["n"] == 200
    pool.close()


def test_a_result_that_cannot_be_stored_counts_as_a_failed_fetch(store, monkeypatch):
    def explode(*args, **kwargs):
        raise ValueError("item 3 has a title the store cannot take")

    monkeypatch.setattr("trendwatch.fetch.round.save_items", explode)
    (out,) = run_round(store, [src(Quick, "odd")], Config())
    assert out.failed and "could not store result" in out.error
    row = store.query("select * from sources where name = 'odd'")[0]
    assert row["consecutive_failures"] == 1  # flagged as broken, backs off
    assert row["next_due_at"] is not None
    fetch = store.query("select status, error from fetches where source = 'odd'")
    assert fetch == [{"status": "error", "error": out.error}]
    assert store.query("select count(*) as n from items")[0]["n"] == 0  # nothing half-written
