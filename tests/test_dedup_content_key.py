"""Items with neither guid nor link: the content key never merges distinct entries.

The shape comes from a real feed (1,046 entries, none with an id or a link, titles repeating
with different bodies and dates: 1,032 distinct title+summary pairs, 1,046 distinct
title+summary+date triples) that stored only 489 items when the key was title + summary.
The fixture below has that shape at a smaller size and is served over real HTTP.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import time_machine

from trendwatch.api import Item
from trendwatch.config import Config, FetchConfig
from trendwatch.db.store import Store, iso
from trendwatch.fetch.round import run_round
from trendwatch.items.ingest import legacy_key, save_items
from trendwatch.testing import configure_source

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
TITLES = ["Jadwal tayang bioskop hari ini", "Info lalu lintas Jakarta", "Prakiraan cuaca",
          "Rekap box office pekan ini", "Agenda komunitas film"]


def no_id_feed(n: int = 120) -> tuple[str, int, int]:
    """An RSS feed of ``n`` entries without guid or link. Titles repeat every 5 entries;
    every 10th entry repeats the previous entry's title and body with another date (the
    real feed's 14 title+summary pairs that differ only by date). Returns the XML and the
    numbers of distinct (title, summary) pairs and (title, summary, date) triples."""
    entries, pairs, triples = [], set(), set()
    body = ""
    for i in range(n):
        title = TITLES[i % len(TITLES)]
        if i % 10 != 9:
            body = f"Edisi ke-{i}: {title.lower()} untuk warga, catatan nomor {i * 7 % 101}."
        else:
            title = TITLES[(i - 1) % len(TITLES)]  # same title and body as entry i-1
        when = NOW - timedelta(hours=i)
        pairs.add((title, body))
        triples.add((title, body, when))
        entries.append(f"<item><title>{escape(title)}</title>"
                       f"<description>{escape(body)}</description>"
                       f"<pubDate>{format_datetime(when)}</pubDate></item>")
    xml = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
           "<title>Papan pengumuman</title><language>id</language>"
           + "".join(entries) + "</channel></rss>")
    return xml, len(pairs), len(triples)


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "tw.db") as s:
        yield s


def test_every_entry_of_a_feed_without_ids_or_links_is_kept(feed_server, store) -> None:
    xml, n_pairs, n_triples = no_id_feed()
    assert (n_pairs, n_triples) == (108, 120)  # the fixture has the real feed's shape
    feed_server.serve("/papan.xml", xml, "application/rss+xml")
    config = Config(fetch=FetchConfig(allow_private=True, timeout=10))
    source = configure_source("rss", name="papan", url=feed_server.url("/papan.xml"))

    with time_machine.travel(NOW, tick=True):
        (first,) = run_round(store, [source], config)
    assert first.items_new == 120
    assert store.query("select count(*) as n from items")[0]["n"] == 120
    assert all(r["dedup_key"].startswith("content:")
               for r in store.query("select dedup_key from items"))

    # An hour later the feed has one more entry on top (a changed body, so it is parsed
    # again rather than answered from the HTTP cache): only that entry is new.
    later = xml.replace("<item>", "<item><title>Prakiraan cuaca</title><description>Hujan "
                        "ringan sore hari.</description><pubDate>"
                        + format_datetime(NOW + timedelta(hours=1)) + "</pubDate></item><item>", 1)
    feed_server.httpserver.clear_all_handlers()
    feed_server.serve("/papan.xml", later, "application/rss+xml")
    with time_machine.travel(NOW + timedelta(hours=1), tick=True):
        (again,) = run_round(store, [source], config)
    assert (again.items_new, again.items_seen) == (1, 120)
    assert store.query("select count(*) as n from items")[0]["n"] == 121


def test_an_item_stored_under_the_old_key_is_recognised_by_its_date(store) -> None:
    """A database from before the fix keyed such items by title + summary: refetching must
    not store them twice, and must store the entries that key had swallowed."""
    when = NOW - timedelta(days=1)
    old = Item("Prakiraan cuaca", summary="Cerah berawan", published=when)
    with store.write() as db:
        db["items"].insert({"source": "papan", "dedup_key": legacy_key(old),
                            "title": old.title, "summary": old.summary,
                            "published_at": iso(when), "published_estimated": 0,
                            "first_seen_at": iso(when), "last_seen_at": iso(when)})
    swallowed = Item("Prakiraan cuaca", summary="Cerah berawan",
                     published=when - timedelta(days=1))
    with store.write() as db:
        assert save_items(db, "papan", [old, swallowed], NOW) == (1, 1)
    assert store.query("select count(*) as n from items")[0]["n"] == 2


def test_entries_without_a_date_are_keyed_by_content_alone(store) -> None:
    items = [Item("Agenda komunitas film", summary="Nobar Sabtu"),
             Item("Agenda komunitas film", summary="Diskusi Minggu")]
    with store.write() as db:
        assert save_items(db, "papan", items, NOW) == (2, 0)
    with store.write() as db:
        assert save_items(db, "papan", items, NOW + timedelta(hours=2)) == (0, 2)
