"""Freshness: publication dates, maximum age per kind and source, absurd dates, and "why
now" that states only the evidence it has (issue 15, point 1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from trendwatch.config import parse_config
from trendwatch.daily.build import build_daily_list
from trendwatch.db.store import Store, iso, utcnow
from trendwatch.items.freshness import item_date, published_words, relative
from trendwatch.plugins import load_plugins
from trendwatch.ranking.evidence import count_words, evidence

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 WIB
WIB = parse_config("").brand.tz

FILM_TITLES = [
    "Film horor lokal tembus dua juta penonton di bioskop",
    "Sutradara muda umumkan film drama keluarga tayang di bioskop",
    "Festival film Jakarta umumkan daftar film pendek kompetisi",
    "Trailer film laga terbaru rilis, penayangan di bioskop bulan depan",
    "Box office pekan ini: film animasi lokal puncaki daftar penonton",
    "Netflix umumkan serial orisinal dari sutradara film Indonesia",
]


def test_placeholder_and_future_dates_are_undated_and_say_so():
    seen = "2026-11-30T02:00:00+00:00"
    for bogus in ("0001-01-01T00:00:00+00:00", "1970-01-01T00:00:00+00:00",
                  "2027-06-01T00:00:00+00:00"):
        dated = item_date(bogus, 0, seen)
        assert dated.undated and dated.when == datetime(2026, 11, 30, 2, tzinfo=UTC)
        assert "ignored" in dated.note or "future" in dated.note
        assert published_words(bogus, 0, seen, NOW).startswith("tanpa tanggal")
    assert item_date(seen, 1, seen).note == "no date in the feed"
    real = item_date("2026-11-30T00:00:00+00:00", 0, seen)
    assert not real.undated and real.when == datetime(2026, 11, 30, 0, tzinfo=UTC)
    assert published_words("2026-11-30T00:00:00+00:00", 0, seen, NOW) == "terbit 3 jam lalu"
    assert published_words("2026-11-30T00:00:00+00:00", 0, seen, NOW,
                           lang="en") == "published 3 hours ago"


@pytest.mark.parametrize(("ago", "words"), [
    (timedelta(seconds=30), "baru saja"), (timedelta(minutes=40), "40 menit lalu"),
    (timedelta(hours=3), "3 jam lalu"), (timedelta(days=2), "2 hari lalu"),
    (timedelta(days=40), "21 Okt 2026")])
def test_relative_time_in_indonesian(ago, words):
    assert relative(NOW - ago, NOW, tz=WIB) == words


def test_count_words_reads_like_the_platforms():
    assert count_words(12_300_000) == "12,3 jt"
    assert count_words(12_300_000, lang="en") == "12.3M"
    assert count_words(45_000) == "45 rb"
    assert count_words(950) == "950"


def _evidence(**kw):
    base = {"title": "x", "source": "detik", "kind": "article", "metrics": {}, "extra": {},
            "dated": item_date(iso(NOW - timedelta(minutes=40)), 0, iso(NOW)),
            "n_sources": 1, "story_seen": [], "now": NOW, "tz": WIB}
    return evidence(**{**base, **kw})


def test_why_now_states_only_the_evidence_it_has():
    # five outlets over three hours
    seen = [NOW - timedelta(hours=3), NOW - timedelta(minutes=5)]
    assert _evidence(n_sources=5, story_seen=seen)[0] == "diberitakan 5 media dalam 3 jam"
    assert _evidence(n_sources=5, story_seen=seen, lang="en")[0] == "5 outlets in 3 hours"
    # a TikTok export: rank and views
    tiktok = _evidence(source="manual-imports", kind="tag",
                       metrics={"rank": 2.0, "views": 12_300_000.0},
                       extra={"platform": "tiktok"}, lang="en")
    assert tiktok[0] == "#2 on TikTok, 12.3M views"
    assert _evidence(source="manual-imports", kind="tag",
                     metrics={"rank": 2.0, "views": 12_300_000.0},
                     extra={"platform": "tiktok"})[0] == "#2 di TikTok, 12,3 jt tayangan"
    # a calendar moment twelve days away
    moment = _evidence(title="Hari Film Nasional (30 Maret) — 12 hari lagi", kind="event",
                       extra={"date": "2026-12-12"}, source="moments-id", lang="en")
    assert moment == ["Hari Film Nasional in 12 days"]
    # nothing else known: only the age, never "trending"
    plain = _evidence(lang="en")
    assert plain == ["published 40 minutes ago"]
    assert _evidence() == ["terbit 40 menit lalu"]
    undated = _evidence(dated=item_date(None, 1, iso(NOW)))
    assert undated == ["tanpa tanggal terbit"]
    for phrases in (plain, undated, tiktok, moment):
        assert not any("ramai" in p or "trending" in p for p in phrases)


def _rss(items: list[tuple[str, datetime | None]]) -> str:
    body = []
    for i, (title, when) in enumerate(items):
        date = f"<pubDate>{format_datetime(when)}</pubDate>" if when else ""
        body.append(f"<item><title>{title}</title><link>https://film.example.id/{i}</link>"
                    f"<guid>arsip-{i}</guid><description>{title}. Cerita lengkap di dalam."
                    f"</description>{date}</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>Kabar Film</title><link>https://film.example.id/</link>"
            + "".join(body) + "</channel></rss>")


CONFIG = """
[brand]
name = "Studio Uji"
[fetch]
allow_private = true
timeout = 5
[[themes]]
id = "film-industry"
name = "Film"
keywords = ["film", "bioskop", "sutradara", "box office", "penonton", "trailer"]
examples = ["Film horor lokal tembus satu juta penonton"]
[[sources]]
name = "kabar-film"
plugin = "rss"
url = "{url}"
"""


def test_a_new_feeds_archive_never_reaches_the_list(cli, tmp_path, httpserver):
    """A feed added today with years of archive: only what was published recently is
    suggested; the old items are stored but none of them is on the list."""
    now = utcnow()
    old = [(f"{t} ({year})", datetime(year, 2, 14, 9, tzinfo=UTC))
           for year in (2013, 2022, 2024, 2025) for t in FILM_TITLES]
    old += [(f"{t} (arsip)", now - timedelta(days=20)) for t in FILM_TITLES]
    fresh = [(f"{FILM_TITLES[0]} hari ini", now - timedelta(hours=2)),
             (f"{FILM_TITLES[3]} pagi ini", now - timedelta(minutes=40))]
    httpserver.expect_request("/feed.xml").respond_with_data(
        _rss(old + fresh), content_type="application/rss+xml")
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG.format(url=httpserver.url_for("/feed.xml")), encoding="utf-8")
    db = tmp_path / "t.db"
    assert cli("--config", str(cfg), "--db", str(db), "fetch").exit_code == 0
    config = parse_config(cfg.read_text(), str(cfg))
    with Store(db) as store:
        assert store.db["items"].count == len(old) + len(fresh)  # the archive is stored
        rows = build_daily_list(store, config, load_plugins(), now=now)
    titles = {r["title"] for r in rows}
    assert titles == {t for t, _ in fresh}
    for r in rows:
        assert r["signals"]["evidence"][-1].startswith("terbit ")
        assert all("ramai" not in a["why_now"] for a in r["angles"])
    # the publication date is on every view: table, review card, digest
    day = rows[0]["list_date"]
    published = re.compile(r"terbit (\d+ menit|\d+ jam|baru saja)")
    table = cli("--config", str(cfg), "--db", str(db), "suggestions", "--date", day)
    assert len(published.findall(table.output)) == len(rows), table.output
    review = cli("--config", str(cfg), "--db", str(db), "review", "--date", day, input="q\n")
    assert published.search(review.output), review.output
    digest = cli("--config", str(cfg), "--db", str(db), "digest", "--date", day)
    assert len(published.findall(digest.output)) >= len(rows), digest.output


def test_an_evergreen_source_keeps_items_longer(tmp_path):
    config = parse_config(CONFIG.format(url="https://blog.example.id/feed.xml")
                          .replace('url = "https://blog.example.id/feed.xml"',
                                   'url = "https://blog.example.id/feed.xml"\n'
                                   'max_age = "30d"'))
    assert config.sources[0].max_age == 30 * 86400
    assert config.freshness.max_age["article"] == 36 * 3600
    with Store(tmp_path / "t.db") as store:
        with store.write() as db:
            for i, (title, age) in enumerate([(FILM_TITLES[1], timedelta(days=10)),
                                              (FILM_TITLES[2], timedelta(days=45))], 1):
                db["items"].insert({"id": i, "source": "kabar-film", "dedup_key": f"k{i}",
                                    "title": title, "summary": "", "kind": "article",
                                    "first_seen_at": iso(NOW - timedelta(hours=1)),
                                    "published_at": iso(NOW - age), "story_id": i,
                                    "metrics": "{}"})
        rows = build_daily_list(store, config, None, now=NOW)
    assert [r["item_id"] for r in rows] == [1]


def test_undated_items_are_listed_and_say_so(tmp_path):
    config = parse_config(CONFIG.format(url="https://x.example.id/f.xml"))
    with Store(tmp_path / "t.db") as store:
        with store.write() as db:
            db["items"].insert({"id": 1, "source": "kabar-film", "dedup_key": "k1",
                                "title": FILM_TITLES[4], "summary": "", "kind": "article",
                                "first_seen_at": iso(NOW - timedelta(hours=2)),
                                "published_at": "0001-01-01T00:00:00+00:00",
                                "published_estimated": 0, "story_id": 1, "metrics": "{}"})
        rows = build_daily_list(store, config, None, now=NOW)
    assert [r["item_id"] for r in rows] == [1]
    assert rows[0]["signals"]["evidence"] == ["tanpa tanggal terbit"]
    assert rows[0]["signals"]["recency"] > 0.9  # aged from first seen, not from year 1
