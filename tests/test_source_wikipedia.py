"""The ``wikipedia_top`` source against a local copy of the Wikimedia pageviews API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from trendwatch_plugins.wikipedia_top import is_article

from trendwatch.config import Config, FetchConfig
from trendwatch.db.store import Store
from trendwatch.errors import ConfigError
from trendwatch.fetch.round import run_round
from trendwatch.testing import configure_source

API = "/metrics/pageviews/top/id.wikipedia/all-access"
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)   # yesterday (UTC) is 2026-11-26


@pytest.fixture
def api(feed_server, fixtures):
    """Serve the 2026-11-26 top list; returns the base_url to configure."""
    feed_server.serve_file(f"{API}/2026/11/26", fixtures / "wikipedia_top" / "id-2026-11-26.json",
                           "application/json; charset=utf-8")
    return feed_server.url("/").rstrip("/")


def test_top_articles_of_yesterday(api, run_source):
    result = run_source("wikipedia_top", base_url=api, now=NOW)
    assert result.status == "ok", result.error
    titles = result.titles
    # main pages, "-" and every special namespace are gone
    assert titles[:4] == ["Timnas Sepak Bola Indonesia", "Pintu Kedua (film 2026)",
                          "Hari Guru Nasional", "Joko Anwar"]
    for dropped in ("Halaman Utama", "Main Page", "-", "Istimewa:Pencarian", "Special:Search",
                    "Wikipedia:Tentang", "Berkas:Logo Timnas.svg", "Kategori:Film Indonesia",
                    "Portal:Film", "Templat:Kotak info film", "Bantuan:Isi", "Pengguna:Contoh",
                    "Pembicaraan:Dangdut"):
        assert dropped not in titles
    assert len(titles) == 17
    timnas = result.items[0]
    assert timnas.kind == "page"
    assert timnas.url == "https://id.wikipedia.org/wiki/Timnas_Sepak_Bola_Indonesia"
    assert timnas.metrics == {"views": 88120.0, "rank": 4.0}  # the API's own rank is kept
    assert timnas.guid == "id.wikipedia:2026-11-26:Timnas_Sepak_Bola_Indonesia"
    assert timnas.published == datetime(2026, 11, 26, tzinfo=UTC)
    assert timnas.extra["date"] == "2026-11-26"
    assert timnas.lang == "id"
    liga = next(i for i in result.items if i.title.startswith("Liga 1"))
    assert liga.title == "Liga 1 Indonesia 2026–2027"
    assert liga.url == "https://id.wikipedia.org/wiki/Liga_1_Indonesia_2026%E2%80%932027"
    assert "Ma'ruf Amin" in titles


def test_limit_counts_articles_only(api, run_source):
    result = run_source("wikipedia_top", base_url=api, limit=3, now=NOW)
    assert result.titles == ["Timnas Sepak Bola Indonesia", "Pintu Kedua (film 2026)",
                             "Hari Guru Nasional"]


def test_falls_back_to_the_day_before_when_not_published(api, feed_server, fixtures,
                                                         run_source):
    feed_server.serve_file(f"{API}/2026/11/27", fixtures / "wikipedia_top" / "not-found.json",
                           "application/problem+json", status=404)
    result = run_source("wikipedia_top", base_url=api,
                        now=datetime(2026, 11, 28, 1, 0, tzinfo=UTC))
    assert result.status == "partial"
    assert result.warnings == ["pageviews for 2026-11-27 are not published yet (HTTP 404); "
                               "using 2026-11-26"]
    assert result.items[0].extra["date"] == "2026-11-26"


def test_other_errors_are_not_hidden(feed_server, run_source):
    feed_server.serve(f"{API}/2026/11/26", '{"title": "Internal error"}', "application/json",
                      status=500)
    result = run_source("wikipedia_top", base_url=feed_server.url("/").rstrip("/"), now=NOW)
    assert result.status == "error" and "500" in result.error


def test_unexpected_shape_is_a_clear_error(feed_server, run_source):
    feed_server.serve(f"{API}/2026/11/26", '{"items": []}', "application/json")
    result = run_source("wikipedia_top", base_url=feed_server.url("/").rstrip("/"), now=NOW)
    assert result.status == "error"
    assert "no items[0].articles" in result.error


def test_options_project_access_and_days_ago(feed_server, fixtures, run_source):
    path = "/metrics/pageviews/top/en.wikipedia/mobile-web/2026/11/24"
    feed_server.serve_file(path, fixtures / "wikipedia_top" / "id-2026-11-26.json",
                           "application/json")
    result = run_source("wikipedia_top", base_url=feed_server.url("/").rstrip("/"),
                        project="en.wikipedia", access="mobile-web", days_ago=3, now=NOW)
    assert result.status == "ok", result.error
    assert result.items[0].url == "https://en.wikipedia.org/wiki/Timnas_Sepak_Bola_Indonesia"
    assert result.items[0].lang == "en"


@pytest.mark.parametrize("options, key", [
    ({"project": "id.wikipedia.org"}, "project"),
    ({"access": "tablet"}, "access"),
    ({"days_ago": 0}, "days_ago"),
    ({"base_url": "file:///etc"}, "base_url"),
    ({"limt": 5}, "limt"),
])
def test_bad_options_name_the_key(options, key):
    with pytest.raises(ConfigError) as err:
        configure_source("wikipedia_top", **options)
    assert key in str(err.value)


@pytest.mark.parametrize("name, ok", [
    ("Timnas_Sepak_Bola_Indonesia", True), ("Halaman_Utama", False), ("Main_Page", False),
    ("-", False), ("Istimewa:Pencarian", False), ("Special:Search", False),
    ("Berkas:Foto.jpg", False), ("File:Photo.jpg", False), ("Kategori:Film", False),
    ("Star_Wars:_The_Force_Awakens", True), ("Mission:_Impossible", True),
])
def test_is_article(name, ok):
    assert is_article(name) is ok


def test_stored_daily_and_refetch_is_free(api, tmp_path):
    config = Config(fetch=FetchConfig(allow_private=True))
    cs = configure_source("wikipedia_top", name="wiki-id", base_url=api)
    # run_round reads the clock itself: travel to the fixture's next day
    with time_machine.travel(NOW, tick=True), Store(tmp_path / "tw.db") as store:
        (out,) = run_round(store, [cs], config)
        assert out.status == "ok" and out.items_new == 17
        (again,) = run_round(store, [cs], config)
        assert again.status == "not_modified" and store.db["items"].count == 17
        row = next(store.db.query("select * from items where title = 'Hari Guru Nasional'"))
        assert row["kind"] == "page" and row["published_estimated"] == 0
        assert row["published_at"] == "2026-11-26T00:00:00+00:00"
