"""Storing items: dedup per source, cross-source story linking, refetch behaviour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trendwatch.api import Item
from trendwatch.db.store import Store, loads
from trendwatch.items.ingest import save_items

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=30)


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "tw.db") as s:
        yield s


def save(store: Store, source: str, items: list[Item], at: datetime = T0) -> tuple[int, int]:
    with store.write() as db:
        return save_items(db, source, items, at)


def rows(store: Store, source: str | None = None) -> list[dict]:
    if source:
        return store.query("select * from items where source = ? order by id", [source])
    return store.query("select * from items order by id")


def test_new_items_are_stored_with_keys_dates_and_their_own_story(store: Store) -> None:
    published = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    new, seen = save(store, "kompas-hiburan", [
        Item("Film horor lokal tembus satu juta penonton",
             url="https://www.kompas.com/hype/read/2026/11/26/film-horor?utm_source=rss",
             guid="kompas-2026-11-26-001", published=published, lang="id",
             metrics={"comments": 12}),
        Item("Sinopsis film akhir pekan", url="https://www.kompas.com/hype/sinopsis"),
    ])
    assert (new, seen) == (2, 0)
    first, second = rows(store)
    assert first["dedup_key"] == "guid:kompas-2026-11-26-001"
    assert first["canonical_url"] == "https://kompas.com/hype/read/2026/11/26/film-horor"
    assert first["published_at"] == "2026-11-26T12:30:00+00:00"
    assert first["published_estimated"] == 0
    assert loads(first["metrics"]) == {"comments": 12}
    assert first["story_id"] == first["id"]
    # no date in the feed: the fetch time, and the row says it was estimated
    assert second["published_at"] == "2026-11-27T02:00:00+00:00"
    assert second["published_estimated"] == 1
    assert second["dedup_key"] == "url:https://kompas.com/hype/sinopsis"
    assert second["story_id"] == second["id"]


def test_same_guid_is_the_same_item_even_when_the_url_changes(store: Store) -> None:
    save(store, "detik", [Item("Trailer resmi dirilis", url="https://x.example/a",
                               guid="tag:detik,2026:1")])
    new, seen = save(store, "detik", [Item("Trailer resmi dirilis (video)",
                                           url="https://x.example/a-updated",
                                           guid=" tag:detik,2026:1 ")], T1)
    assert (new, seen) == (0, 1)
    (row,) = rows(store)
    assert row["title"] == "Trailer resmi dirilis"  # refetch refreshes, never rewrites
    assert row["last_seen_at"] == "2026-11-27T02:30:00+00:00"
    assert row["first_seen_at"] == "2026-11-27T02:00:00+00:00"


@pytest.mark.parametrize("again", [
    "https://www.film.example.id/berita/ffi-2026/?utm_source=twitter&utm_medium=social",
    "http://film.example.id/berita/ffi-2026?fbclid=IwAR0abc123",
    "https://FILM.example.id/berita/ffi-2026/#komentar",
    "https://film.example.id:443/berita/ffi-2026?utm_campaign=nov&gclid=xyz",
])
def test_without_guid_the_canonical_url_recognises_the_item(store: Store, again: str) -> None:
    save(store, "film-news", [Item("FFI 2026 umumkan nominasi",
                                   url="https://film.example.id/berita/ffi-2026")])
    new, seen = save(store, "film-news", [Item("FFI 2026 umumkan nominasi", url=again)], T1)
    assert (new, seen) == (0, 1)
    assert len(rows(store)) == 1


def test_meaningful_query_parameters_keep_items_apart(store: Store) -> None:
    new, _ = save(store, "forum", [
        Item("Thread satu", url="https://forum.example.id/view?id=1&utm_source=rss"),
        Item("Thread dua", url="https://forum.example.id/view?id=2&utm_source=rss"),
    ])
    assert new == 2


def test_without_guid_or_url_the_content_hash_recognises_the_item(store: Store) -> None:
    items = [Item("Hari Batik Nasional", summary="2 Oktober"),
             Item("Hari Batik Nasional", summary="Ide konten batik untuk Reels")]
    assert save(store, "catatan", items) == (2, 0)  # same title, other text: two items
    assert save(store, "catatan", list(reversed(items)), T1) == (0, 2)
    assert all(r["dedup_key"].startswith("content:") for r in rows(store))


def test_duplicate_guids_within_one_fetch_count_once(store: Store) -> None:
    new, seen = save(store, "sloppy-feed", [
        Item("Box office pekan ini", guid="42", metrics={"rank": 1}),
        Item("Box office pekan ini (diperbarui)", guid="42", metrics={"rank": 3}),
        Item("Jadwal tayang bioskop", guid="43"),
    ])
    assert (new, seen) == (2, 0)
    first = rows(store)[0]
    assert first["title"] == "Box office pekan ini"  # the first occurrence wins
    assert loads(first["metrics"]) == {"rank": 1}


def test_the_same_key_in_two_sources_is_two_items(store: Store) -> None:
    item = Item("Teaser film animasi lokal", guid="yt:video:abc123")
    assert save(store, "channel-a", [item]) == (1, 0)
    assert save(store, "channel-b", [item]) == (1, 0)
    assert len(rows(store)) == 2


def test_refetch_updates_metrics_and_last_seen_only(store: Store) -> None:
    save(store, "reddit-indonesia", [Item("Rekomendasi film Indonesia terbaik 2026?",
                                          guid="t3_1abcde", metrics={"score": 10,
                                                                     "num_comments": 4})])
    save(store, "reddit-indonesia", [Item("edited title", guid="t3_1abcde",
                                          metrics={"score": 250})], T1)
    (row,) = rows(store)
    assert loads(row["metrics"]) == {"score": 250, "num_comments": 4}  # merged, newest wins
    assert row["title"] == "Rekomendasi film Indonesia terbaik 2026?"
    assert row["last_seen_at"] == "2026-11-27T02:30:00+00:00"
    # a fetch without metrics keeps the ones we have
    save(store, "reddit-indonesia", [Item("x", guid="t3_1abcde")], T1 + timedelta(hours=1))
    assert loads(rows(store)[0]["metrics"]) == {"score": 250, "num_comments": 4}


def test_refetch_never_touches_suggestions_or_feedback(store: Store) -> None:
    item = Item("Sutradara muda menang di festival Busan", guid="g-1",
                url="https://news.example.id/sutradara-busan", metrics={"views": 100})
    save(store, "berita", [item])
    (row,) = rows(store)
    with store.write() as db:
        db["suggestions"].insert({"id": 1, "item_id": row["id"], "list_date": "2026-11-27",
                                  "theme": "film-industry", "score": 0.8, "status": "accepted",
                                  "updated_at": "2026-11-27T03:00:00+00:00"})
        db["feedback"].insert({"id": 1, "suggestion_id": 1, "item_id": row["id"],
                               "verdict": "accept", "theme": "film-industry",
                               "created_at": "2026-11-27T03:00:00+00:00"})
    before = (store.query("select * from suggestions"), store.query("select * from feedback"))
    item.metrics = {"views": 5000}
    assert save(store, "berita", [item], T1) == (0, 1)
    assert save(store, "berita", [item], T1 + timedelta(hours=1)) == (0, 1)
    assert (store.query("select * from suggestions"), store.query("select * from feedback")) \
        == before
    assert [r["id"] for r in rows(store)] == [row["id"]]


def test_same_canonical_url_from_two_sources_is_one_story(store: Store) -> None:
    save(store, "google-news-film", [Item("Film Indonesia tembus Oscar?",
                                          url="https://www.tempo.co/hiburan/film-oscar-123")])
    save(store, "tempo-rss", [Item("Film Indonesia Tembus Nominasi Oscar",
                                   url="http://tempo.co/hiburan/film-oscar-123/?utm_source=rss",
                                   guid="tempo-123")], T1)
    first, second = rows(store)
    assert second["story_id"] == first["story_id"] == first["id"]


def test_same_title_with_an_outlet_suffix_links_the_story(store: Store) -> None:
    save(store, "kompas", [Item("Film horor lokal tembus satu juta penonton - Kompas.com",
                                url="https://kompas.example/a")])
    save(store, "detik", [Item("Film Horor Lokal Tembus Satu Juta Penonton | detikHot",
                               url="https://detik.example/b")], T1)
    save(store, "cnn", [Item("Film horor lokal tembus satu juta penonton!",
                             url="https://cnn.example/c")], T1)
    save(store, "other", [Item("Film horor lokal tembus dua juta penonton",
                               url="https://other.example/d")], T1)
    kompas, detik, cnn, other = rows(store)
    assert detik["story_id"] == cnn["story_id"] == kompas["id"]
    # not by its title key (another title) but by similarity: the follow-up of the same
    # story, in the same words (trendwatch.stories; tests/test_stories.py)
    assert other["title_key"] != kompas["title_key"]
    assert other["story_id"] == kompas["id"]


def test_short_or_colon_titles_do_not_link_different_stories(store: Store) -> None:
    save(store, "a", [Item("Trailer", url="https://a.example/1"),
                      Item("Festival Film Indonesia 2026: Daftar Lengkap Pemenang",
                           url="https://a.example/2")])
    save(store, "b", [Item("Trailer", url="https://b.example/1"),
                      Item("Festival Film Indonesia 2026: Nominasi Diumumkan",
                           url="https://b.example/2")], T1)
    _, _, b1, b2 = rows(store)
    assert b1["story_id"] == b1["id"]  # "trailer" is too generic to mean the same story
    assert b2["story_id"] == b2["id"]


def test_stories_link_within_one_batch(store: Store) -> None:
    save(store, "aggregator", [
        Item("Harbolnas 12.12: promo tiket bioskop", url="https://agg.example/1",
             guid="1"),
        Item("Harbolnas 12.12: promo tiket bioskop", url="https://agg.example/1",
             guid="2"),
    ])
    first, second = rows(store)
    assert second["story_id"] == first["id"]


def test_a_large_fetch_is_stored_in_full(store: Store) -> None:
    items = [Item(f"Berita ke-{i} tentang industri film", guid=f"g{i}",
                  url=f"https://big.example/{i}") for i in range(1200)]
    assert save(store, "big", items) == (1200, 0)
    assert save(store, "big", items, T1) == (0, 1200)
    assert store.db["items"].count == 1200
    ids = [r["id"] for r in rows(store)]
    assert ids == sorted(set(ids))
    # full-text search still indexes what was batch-inserted
    hits = store.query("select rowid from items_fts where items_fts match ?", ['"ke 1199"'])
    assert len(hits) == 1


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    save(store, "berita", [Item("Sudah ada", guid="old")])
    with pytest.raises(RuntimeError), store.write() as db:
        save_items(db, "berita", [Item("Baru", guid="new"), Item("Sudah ada", guid="old")], T1)
        raise RuntimeError("crash mid-way")
    (row,) = rows(store)
    assert row["guid"] == "old" and row["last_seen_at"] == "2026-11-27T02:00:00+00:00"


def test_search_index_follows_text_changes_but_not_refetches(store: Store) -> None:
    item = Item("Sutradara muda menang di Busan", guid="g-1")
    save(store, "berita", [item])
    fts_rows = "select count(*) from items_fts_docsize"  # one row per indexed document

    def search(term: str) -> list[str]:
        return [r["title"] for r in store.query(
            "select i.title from items_fts f join items i on i.rowid = f.rowid "
            "where items_fts match ?", [term])]

    for _ in range(3):  # refetches touch last_seen_at only: the index is left alone
        before = store.db.conn.total_changes  # counts rows written by triggers too
        save(store, "berita", [item], T1)
        assert store.db.conn.total_changes - before == 1
    assert search("busan") == ["Sutradara muda menang di Busan"]
    assert store.db.execute(fts_rows).fetchone()[0] == 1
    with store.write() as db:  # an edited title is re-indexed
        db.execute("update items set title = 'Sutradara muda menang di Venesia'")
    assert search("busan") == []
    assert search("venesia") == ["Sutradara muda menang di Venesia"]
