"""The schema is a public interface: every path to the latest version gives the same schema."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from trendwatch.db.migrations import migrations
from trendwatch.db.store import Store

NAMES = [m.name for m in migrations._migrations]


def schema(db: Database) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for table in db.table_names():
        if table == "_sqlite_migrations":
            continue
        out[table] = sorted((c.name, c.type) for c in db[table].columns)
    return out


def test_blank_database_gets_every_table(tmp_path):
    store = Store(tmp_path / "t.db")
    tables = set(store.db.table_names())
    assert {"sources", "fetches", "items", "suggestions", "feedback", "scores", "models",
            "digests", "events", "daemon", "http_cache"} <= tables
    items = {c.name for c in store.db["items"].columns}
    assert {"id", "source", "guid", "url", "title", "summary", "published_at",
            "fetched_at", "metrics"} <= items
    assert [m.name for m in migrations.applied(store.db)] == NAMES
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_reopening_applies_nothing_twice(tmp_path):
    Store(tmp_path / "t.db").close()
    store = Store(tmp_path / "t.db")
    assert len(migrations.applied(store.db)) == len(NAMES)


@pytest.mark.parametrize("stop", NAMES[1:] or [None])
def test_upgrade_from_every_earlier_version(tmp_path, stop):
    if stop is None:
        pytest.skip("only one migration so far: nothing to upgrade from")
    blank = Store(tmp_path / "blank.db").db
    old = Database(sqlite3.connect(tmp_path / "old.db"))
    migrations.apply(old, stop_before=stop)
    assert migrations.pending(old)
    old.conn.close()
    upgraded = Store(tmp_path / "old.db").db
    assert schema(upgraded) == schema(blank)


def test_fts_search_finds_items(tmp_path):
    store = Store(tmp_path / "t.db")
    with store.write() as db:
        db["items"].insert({"source": "s", "dedup_key": "k", "title": "Festival film pendek",
                            "summary": "Sutradara muda"})
    hits = list(store.db["items"].search("sutradara"))
    assert [h["title"] for h in hits] == ["Festival film pendek"]


def test_failed_write_rolls_back(tmp_path):
    store = Store(tmp_path / "t.db")
    with pytest.raises(RuntimeError), store.write() as db:
        db["events"].insert({"at": "x", "level": "info", "kind": "t", "subject": "s",
                             "message": "m"})
        raise RuntimeError("boom")
    assert store.db["events"].count == 0


def test_not_a_database_is_a_clear_error(tmp_path):
    from trendwatch.errors import TrendwatchError

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(TrendwatchError, match="cannot open database"):
        Store(bad)
