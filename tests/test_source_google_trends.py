"""google_trends against a local server: ht: namespace, news items, guids, broken feeds."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database
from trendwatch_plugins.google_trends import parse_traffic

from trendwatch.errors import ConfigError
from trendwatch.testing import configure_source

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10:00 WIB


@pytest.fixture
def trends_bytes(fixtures):
    return (fixtures / "google_trends" / "trending_id.xml").read_bytes()


def serve(feed_server, body: bytes, path: str = "/trending/rss") -> str:
    feed_server.serve(path, body, "application/rss+xml; charset=UTF-8")
    return feed_server.url(path)


@pytest.mark.parametrize("text,expected", [
    ("100+", 100), ("2000+", 2000), ("50,000+", 50_000), ("10.000+", 10_000),
    ("1,000,000+", 1_000_000), ("20 rb+", 20_000), ("1,5 jt+", 1_500_000), ("2K+", 2_000),
    ("1.5M+", 1_500_000), ("200 ribu+", 200_000), (" 500+ ", 500),
    ("lebih dari seribu", None), ("", None), (None, None), ("+", None), ("12,34,5+", None),
])
def test_traffic_parsing_is_tolerant_but_never_guesses(text, expected):
    assert parse_traffic(text) == expected


def test_trends_parsed_with_every_news_item(feed_server, run_source, trends_bytes):
    result = run_source("google_trends", url=serve(feed_server, trends_bytes), now=NOW)
    assert result.status == "ok", result.error
    assert result.warnings == []
    assert result.titles == ["timnas indonesia vs vietnam", "film horor rumah kosong",
                             "hari guru nasional 2026", "libur nataru 2026", "harbolnas 12.12",
                             "cuaca jakarta"]
    traffic = {i.title: i.metrics.get("traffic") for i in result.items}
    assert traffic == {"timnas indonesia vs vietnam": 50_000, "film horor rumah kosong": 2_000,
                       "hari guru nasional 2026": 20_000, "libur nataru 2026": 100,
                       "harbolnas 12.12": 10_000, "cuaca jakarta": 200}
    assert all(i.kind == "trend" for i in result.items)

    timnas = result.items[0]
    news = timnas.extra["news"]
    # feedparser alone would keep only the last of these three
    assert [n["source"] for n in news] == ["Kabar Bola Harian", "Portal Nusantara",
                                           "Warta Olahraga"]
    assert news[1]["title"] == ("Link Live Streaming Timnas Indonesia vs Vietnam Malam Ini "
                                "& Jadwal Kick-off")  # double-escaped &amp;amp; decoded
    assert news[1]["snippet"].startswith("Pertandingan Timnas Indonesia melawan")  # <b> gone
    assert "snippet" not in news[0]  # empty snippets are dropped, not stored as ""
    assert news[2]["title"] == "Pelatih Timnas: 'Kami Bermain dengan Hati'"
    assert news[0]["url"] == "https://kabarbola.example/timnas/2026/11/28/timnas-tekuk-vietnam"
    assert timnas.summary.startswith(
        "Timnas Indonesia Tekuk Vietnam 2-1, Garuda Melaju ke Semifinal (Kabar Bola Harian); ")
    assert timnas.extra["picture"].startswith("https://encrypted-tbn2.gstatic.com/")
    assert timnas.extra["picture_source"] == "Kabar Bola Harian"
    assert timnas.extra["approx_traffic"] == "50,000+"
    assert timnas.published == datetime(2026, 11, 28, 1, 10, tzinfo=UTC)
    # the feed's <link> is the feed itself: each trend links to its own explore page instead
    assert timnas.url == ("https://trends.google.com/trends/explore?geo=ID"
                          "&q=timnas+indonesia+vs+vietnam&date=now%207-d")
    assert len({i.url for i in result.items}) == len(result.items)

    nataru = result.items[3]  # no news, no picture
    assert nataru.extra["news"] == [] and nataru.summary == ""
    assert "picture" not in nataru.extra


def test_guid_is_stable_per_day_in_brand_time_zone(feed_server, run_source, trends_bytes):
    url = serve(feed_server, trends_bytes)
    first = run_source("google_trends", url=url, now=NOW)
    again = run_source("google_trends", url=url, now=NOW.replace(hour=9))
    assert [i.guid for i in first.items] == [i.guid for i in again.items]
    guids = {i.title: i.guid for i in first.items}
    # 18:10 -0700 on the 27th is 08:10 WIB on the 28th; 09:20 -0700 is 23:20 WIB the 27th
    assert guids["timnas indonesia vs vietnam"] == \
        "google_trends:ID:timnas indonesia vs vietnam:2026-11-28"
    assert guids["film horor rumah kosong"] == \
        "google_trends:ID:film horor rumah kosong:2026-11-27"


def test_same_search_trending_another_day_is_a_new_item(feed_server, run_source,
                                                        trends_bytes):
    today = run_source("google_trends", url=serve(feed_server, trends_bytes), now=NOW)
    next_week = trends_bytes.replace(b"Fri, 27 Nov 2026 18:10:00 -0700",
                                     b"Fri, 04 Dec 2026 18:10:00 -0700")
    later = run_source("google_trends", url=serve(feed_server, next_week, "/later"),
                       now=datetime(2026, 12, 5, 3, 0, tzinfo=UTC))
    assert today.items[0].title == later.items[0].title
    assert today.items[0].guid != later.items[0].guid
    assert later.items[0].guid.endswith(":2026-12-05")
    assert today.items[1].guid == later.items[1].guid  # unchanged pubDate, same trend


def test_trend_without_pubdate_takes_the_fetch_day(feed_server, run_source):
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:ht="https://trends.google.com/trending/rss" version="2.0"><channel>
<title>Daily Search Trends</title><link>https://trends.google.com/trending/rss?geo=ID</link>
<item><title>Jadwal   Imsakiyah</title><ht:approx_traffic>5000+</ht:approx_traffic>
<link>https://trends.google.com/trending/rss?geo=ID</link></item></channel></rss>"""
    url = serve(feed_server, body)
    one = run_source("google_trends", url=url, now=NOW)
    two = run_source("google_trends", url=url, now=datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
    assert one.items[0].title == "Jadwal Imsakiyah"
    assert one.items[0].guid == "google_trends:ID:jadwal imsakiyah:2026-11-28"
    assert two.items[0].guid == "google_trends:ID:jadwal imsakiyah:2026-11-29"
    assert one.items[0].extra["news"] == []


def test_unrecognised_traffic_is_a_warning_and_the_trend_is_kept(feed_server, run_source,
                                                                 trends_bytes):
    body = trends_bytes.replace(b"<ht:approx_traffic>200+</ht:approx_traffic>",
                                b"<ht:approx_traffic>lebih dari seribu</ht:approx_traffic>")
    result = run_source("google_trends", url=serve(feed_server, body), now=NOW)
    assert result.status == "partial"
    assert any("'lebih dari seribu'" in w for w in result.warnings)
    cuaca = next(i for i in result.items if i.title == "cuaca jakarta")
    assert "traffic" not in cuaca.metrics
    assert cuaca.extra["approx_traffic"] == "lebih dari seribu"
    assert len(result.items) == 6


def test_truncated_feed_keeps_complete_news_items(feed_server, run_source, fixtures):
    body = (fixtures / "google_trends" / "trending_truncated.xml").read_bytes()
    result = run_source("google_trends", url=serve(feed_server, body), now=NOW)
    assert result.status == "partial"
    assert any("ht:news_item" in w for w in result.warnings)
    assert result.titles == ["timnas indonesia vs vietnam", "film horor rumah kosong"]
    assert len(result.items[0].extra["news"]) == 3
    # the second trend broke off inside its second news item: only the complete one is kept,
    # never a mix of fields from two news items
    film_news = result.items[1].extra["news"]
    assert film_news == [{
        "title": 'Film Horor "Rumah Kosong" Tembus 1 Juta Penonton dalam 5 Hari',
        "snippet": "Film produksi rumah produksi lokal ini menjadi film horor tercepat tahun "
                   "ini yang menembus angka satu juta penonton.",
        "url": "https://wartasinema.example/berita/rumah-kosong-tembus-1-juta-penonton",
        "picture": "https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcS7f2Kx",
        "source": "Warta Sinema"}]


def test_cp1252_byte_in_a_utf8_feed(feed_server, run_source, trends_bytes):
    # one windows-1252 en dash (0x96) in a document declared UTF-8
    body = trends_bytes.replace(b"Digelar Serentak", b"Digelar Serentak \x96 Catat")
    result = run_source("google_trends", url=serve(feed_server, body), now=NOW)
    assert result.status in ("ok", "partial")
    assert len(result.items) == 6
    assert len(result.items[0].extra["news"]) == 3  # read before the bad byte
    harbolnas = next(i for i in result.items if i.title == "harbolnas 12.12")
    assert harbolnas.metrics["traffic"] == 10_000
    assert "Digelar Serentak \u2013 Catat" in harbolnas.extra["news"][0]["title"]


def test_billion_laughs_and_xxe_are_not_expanded(feed_server, run_source, fixtures):
    body = (fixtures / "google_trends" / "billion_laughs.xml").read_bytes()
    started = time.monotonic()
    result = run_source("google_trends", url=serve(feed_server, body), now=NOW)
    assert time.monotonic() - started < 10
    assert result.titles == ["promo tiket bioskop"]
    stored = json.dumps([i.extra for i in result.items]) + result.items[0].summary
    assert "lollol" not in stored and "root:" not in stored
    assert len(stored) < 2000
    assert any("EntitiesForbidden" in w for w in result.warnings)


def test_html_page_instead_of_feed_is_a_clear_error(feed_server, run_source):
    feed_server.serve("/trending/rss", b"<!DOCTYPE html><html><body>Sorry...</body></html>",
                      "text/html")
    result = run_source("google_trends", url=feed_server.url("/trending/rss"), now=NOW)
    assert result.status == "error"
    assert "HTML page, not a feed" in result.error


@pytest.mark.parametrize("geo,expected", [("ID", "ID"), ("my", "MY"), (" us ", "US")])
def test_geo_normalised_and_default_url(geo, expected):
    cs = configure_source("google_trends", geo=geo)
    assert cs.source.options.geo == expected
    assert cs.source.describe() == \
        f"google_trends https://trends.google.com/trending/rss?geo={expected}"


@pytest.mark.parametrize("options,key", [
    ({"geo": "IDN"}, "geo"), ({"geo": "I1"}, "geo"), ({"url": "file:///etc/passwd"}, "url"),
    ({"goe": "ID"}, "goe"),
])
def test_bad_options_name_the_key(options, key):
    with pytest.raises(ConfigError) as info:
        configure_source("google_trends", **options)
    assert any(p.startswith(f"sources[0].{key}:") for p in info.value.problems), \
        info.value.problems


def test_full_pipeline_stores_metrics_without_duplicates(feed_server, write_config, cli,
                                                         tmp_path, trends_bytes):
    url = serve(feed_server, trends_bytes)
    config = write_config(f"""
        [fetch]
        allow_private = true

        [[sources]]
        name = "gt-id"
        plugin = "google_trends"
        url = "{url}"
        """)
    db_path = tmp_path / "tw.db"
    first = cli("--config", str(config), "--db", str(db_path), "fetch")
    assert first.exit_code == 0, first.output
    assert "gt-id: ok, 6 new, 0 seen" in first.output

    # the feed changes (traffic grows, same trends): rows are updated, not duplicated
    feed_server.httpserver.clear()
    serve(feed_server, trends_bytes.replace(b"50,000+", b"100,000+"))
    second = cli("--config", str(config), "--db", str(db_path), "fetch")
    assert second.exit_code == 0, second.output
    assert "gt-id: ok, 0 new, 6 seen" in second.output

    db = Database(db_path)
    rows = list(db.query("select title, kind, guid, metrics, extra from items "
                         "where source = 'gt-id' order by id"))
    assert len(rows) == 6
    assert json.loads(rows[0]["metrics"]) == {"traffic": 100_000}
    assert rows[0]["kind"] == "trend"
    assert len(json.loads(rows[0]["extra"])["news"]) == 3
    assert db.execute("select count(*) from fetches where source = 'gt-id'").fetchone()[0] == 2
