"""mastodon_trends against a local server: string counts, history, disabled trends."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database
from trendwatch_plugins.mastodon_trends import history_metrics, parse_history

from trendwatch.errors import ConfigError
from trendwatch.testing import configure_source

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TODAY = int(datetime(2026, 11, 28, tzinfo=UTC).timestamp())
TAGS, LINKS = "/api/v1/trends/tags", "/api/v1/trends/links"


def serve_fixture(feed_server, fixtures, path: str, name: str) -> None:
    feed_server.serve_file(path, fixtures / "mastodon" / name, "application/json; charset=utf-8")


@pytest.fixture
def instance(feed_server, fixtures) -> str:
    serve_fixture(feed_server, fixtures, TAGS, "tags.json")
    serve_fixture(feed_server, fixtures, LINKS, "links.json")
    return feed_server.url("/")


def test_tags_and_links(run_source, instance):
    result = run_source("mastodon_trends", instance=instance, now=NOW)
    assert result.status == "ok", result.error
    assert result.warnings == []
    tags = [i for i in result.items if i.kind == "tag"]
    links = [i for i in result.items if i.kind == "link"]
    assert [t.title for t in tags] == ["#FilmIndonesia", "#HariGuruNasional", "#photography",
                                       "#Harbolnas"]
    film = tags[0]
    # "143" etc. arrive as strings; metrics are numbers
    assert film.metrics == {"uses_today": 143, "accounts_today": 97, "uses_week": 411,
                            "accounts_week": 294}
    assert film.guid == "tag:filmindonesia:2026-11-28"
    assert film.url == "https://mastodon.example/tags/FilmIndonesia"
    assert film.published == datetime(2026, 11, 28, tzinfo=UTC)
    assert film.extra["history"][0] == {"day": TODAY, "uses": 143, "accounts": 97}
    assert len(film.extra["history"]) == 7

    # a tag that peaked two days ago: today's numbers are small, the week's are not
    guru = tags[1]
    assert guru.metrics["uses_today"] == 12 and guru.metrics["uses_week"] == 293

    assert [link.url for link in links] == [
        "https://wartasinema.example/berita/rumah-kosong-tembus-1-juta-penonton",
        "https://techdaily.example/2026/11/27/open-source-video-editor-2-0/",
        "https://videohost.example/watch?v=Xy12"]
    card = links[0]
    assert card.title == "Film Horor \u201cRumah Kosong\u201d Tembus 1 Juta Penonton dalam 5 Hari"
    assert card.summary.startswith("Film produksi rumah produksi lokal")
    assert card.published == datetime(2026, 11, 27, 8, 15, tzinfo=UTC)
    assert card.lang == "id" and card.author == "Redaksi Warta Sinema"
    assert card.metrics == {"uses_today": 54, "accounts_today": 49, "uses_week": 85,
                            "accounts_week": 79}
    assert card.extra["provider_name"] == "Warta Sinema"
    assert card.extra["image"].endswith("/a1b2c3d4e5f6.jpg")
    assert card.guid is None  # recognised by URL, so it links with the same article elsewhere

    english = links[1]  # no image, no published_at, empty author
    assert "image" not in english.extra and english.published is None
    assert english.author is None and english.lang == "en"
    assert links[2].title == "https://videohost.example/watch?v=Xy12"  # untitled video card


def test_malformed_history_rows_are_dropped(run_source, instance):
    items = run_source("mastodon_trends", instance=instance, now=NOW).items
    harbolnas = next(i for i in items if i.title == "#Harbolnas")
    assert harbolnas.extra["history"] == [{"day": TODAY, "uses": 9, "accounts": 7},
                                          {"day": TODAY - 86400, "uses": 3, "accounts": 0}]
    assert harbolnas.metrics == {"uses_today": 9, "accounts_today": 7, "uses_week": 12,
                                 "accounts_week": 7}


def test_history_helpers():
    rows = parse_history([{"day": "100", "uses": "2", "accounts": "1"},
                          {"day": "200", "uses": 5, "accounts": "3"},
                          {"day": None, "uses": "9"}, "x", {"day": "50", "uses": "-1"}])
    assert rows == [{"day": 200, "uses": 5, "accounts": 3}, {"day": 100, "uses": 2, "accounts": 1},
                    {"day": 50, "uses": 0, "accounts": 0}]
    assert history_metrics(rows)["uses_week"] == 7
    assert history_metrics([]) == {}
    assert parse_history(None) == [] and parse_history({"day": "1"}) == []


def test_same_tag_next_day_is_a_new_item(feed_server, run_source, fixtures):
    serve_fixture(feed_server, fixtures, TAGS, "tags.json")
    first = run_source("mastodon_trends", instance=feed_server.url("/"), links=False, now=NOW)
    again = run_source("mastodon_trends", instance=feed_server.url("/"), links=False, now=NOW)
    assert [i.guid for i in first.items] == [i.guid for i in again.items]
    tomorrow = json.loads((fixtures / "mastodon" / "tags.json").read_text())
    for tag in tomorrow:
        tag["history"].insert(0, {"day": str(TODAY + 86400), "uses": "3", "accounts": "3"})
    feed_server.httpserver.clear()
    feed_server.serve(TAGS, json.dumps(tomorrow), "application/json")
    later = run_source("mastodon_trends", instance=feed_server.url("/"), links=False, now=NOW)
    assert later.items[0].guid == "tag:filmindonesia:2026-11-29"


def test_links_endpoint_disabled_keeps_tags_and_warns(feed_server, fixtures, run_source):
    serve_fixture(feed_server, fixtures, TAGS, "tags.json")
    feed_server.serve(LINKS, json.dumps({"error": "Record not found"}), "application/json",
                      status=404)
    result = run_source("mastodon_trends", instance=feed_server.url("/"), now=NOW)
    assert result.status == "partial"
    assert len(result.items) == 4 and {i.kind for i in result.items} == {"tag"}
    assert len(result.warnings) == 1
    assert "/api/v1/trends/links" in result.warnings[0]
    assert "HTTP 404" in result.warnings[0] and "kept the other endpoint's items" in \
        result.warnings[0]


def test_both_endpoints_failing_is_one_clear_error(feed_server, run_source):
    feed_server.serve(TAGS, b'{"error":"This API requires an authenticated user"}',
                      "application/json", status=401)
    feed_server.serve(LINKS, b'{"error":"Record not found"}', "application/json", status=404)
    result = run_source("mastodon_trends", instance=feed_server.url("/"), now=NOW)
    assert result.status == "error"
    assert result.error.startswith("no trends from localhost (/api/v1/trends/tags or "
                                   "/api/v1/trends/links): tags: HTTP 401")
    assert "links: HTTP 404" in result.error
    assert "trends disabled or not public" in result.error


def test_trends_switched_off_answers_empty_lists(feed_server, run_source):
    feed_server.serve(TAGS, b"[]", "application/json")
    feed_server.serve(LINKS, b"[]", "application/json")
    result = run_source("mastodon_trends", instance=feed_server.url("/"), now=NOW)
    assert result.status == "error"
    assert "trends are probably disabled on this instance" in result.error


def test_one_empty_one_broken(feed_server, run_source):
    feed_server.serve(TAGS, b"[]", "application/json")
    feed_server.serve(LINKS, b"<html>502 Bad Gateway</html>", "text/html", status=502)
    result = run_source("mastodon_trends", instance=feed_server.url("/"), now=NOW)
    assert result.status == "error"
    assert "probably disabled" in result.error and "links: HTTP 502" in result.error


def test_not_json_is_reported(feed_server, run_source, fixtures):
    serve_fixture(feed_server, fixtures, LINKS, "links.json")
    feed_server.serve(TAGS, b"<!doctype html><title>Maintenance</title>", "text/html")
    result = run_source("mastodon_trends", instance=feed_server.url("/"), now=NOW)
    assert result.status == "partial"
    assert "did not return JSON" in result.warnings[0]
    assert len(result.items) == 3


def test_only_links_requested(feed_server, fixtures, run_source):
    serve_fixture(feed_server, fixtures, LINKS, "links.json")  # no tags endpoint served
    result = run_source("mastodon_trends", instance=feed_server.url("/"), tags=False,
                        limit=5, now=NOW)
    assert result.status == "ok"
    assert {i.kind for i in result.items} == {"link"}


def test_unchanged_endpoints_are_not_modified(run_source, instance):
    first = run_source("mastodon_trends", instance=instance, now=NOW)
    second = run_source("mastodon_trends", instance=instance, now=NOW, cache=first.cache)
    assert second.status == "not_modified" and second.items == []


@pytest.mark.parametrize("options,message", [
    ({"instance": "https://mastodon.example", "tags": False, "links": False},
     "enable at least one"),
    ({"instance": "https://mastodon.example", "limit": 40}, "sources[0].limit:"),
    ({"instance": "mastodon.example"}, "sources[0].instance:"),
    ({}, "sources[0].instance: required key is missing"),
])
def test_bad_options(options, message):
    with pytest.raises(ConfigError) as info:
        configure_source("mastodon_trends", **options)
    assert any(message in p for p in info.value.problems), info.value.problems


def test_full_pipeline(feed_server, fixtures, write_config, cli, tmp_path):
    serve_fixture(feed_server, fixtures, TAGS, "tags.json")
    serve_fixture(feed_server, fixtures, LINKS, "links.json")
    config = write_config(f"""
        [fetch]
        allow_private = true

        [[sources]]
        name = "mastodon-local"
        plugin = "mastodon_trends"
        instance = "{feed_server.url('/')}"
        """)
    db_path = tmp_path / "tw.db"
    assert "mastodon-local: ok, 7 new, 0 seen" in \
        cli("--config", str(config), "--db", str(db_path), "fetch").output

    feed_server.httpserver.clear()  # later the same day: more uses of the same tag
    tags = json.loads((fixtures / "mastodon" / "tags.json").read_text())
    tags[0]["history"][0]["uses"] = "180"
    feed_server.serve(TAGS, json.dumps(tags), "application/json")
    serve_fixture(feed_server, fixtures, LINKS, "links.json")
    # the links answer is byte-identical, so only the 4 tags are parsed and refreshed
    assert "mastodon-local: ok, 0 new, 4 seen" in \
        cli("--config", str(config), "--db", str(db_path), "fetch").output

    db = Database(db_path)
    rows = list(db.query("select title, kind, metrics, extra from items "
                         "where source = 'mastodon-local' order by id"))
    assert len(rows) == 7
    assert rows[0]["title"] == "#FilmIndonesia"
    assert json.loads(rows[0]["metrics"])["uses_today"] == 180
    assert {r["kind"] for r in rows} == {"tag", "link"}
    assert json.loads(rows[4]["extra"])["provider_name"] == "Warta Sinema"


def test_malformed_urls_never_take_the_source_down(feed_server, run_source, write_config, cli,
                                                   tmp_path):
    """A tag with a bad-port URL keeps the tag (without the URL); a link card whose URL
    can't be used is skipped with a warning; the rest is stored."""
    history = [{"day": str(TODAY), "uses": "9", "accounts": "7"}]
    tags = [{"name": "FilmIndonesia", "url": "https://mastodon.example:99999/tags/x",
             "history": history},
            {"name": "Sinema", "url": "https://mastodon.example/tags/sinema", "history": history}]
    links = [{"url": "https://berita.example:abc/film", "title": "Rusak", "history": history},
             {"url": "http://[berita.example/film", "title": "Rusak juga", "history": history},
             {"url": "https://berita.example/film-baru", "title": "Film baru tayang",
              "history": history}]
    feed_server.serve(TAGS, json.dumps(tags), "application/json")
    feed_server.serve(LINKS, json.dumps(links), "application/json")
    result = run_source("mastodon_trends", instance=feed_server.url("/"), now=NOW)
    assert [(i.title, i.url) for i in result.items] == [
        ("#FilmIndonesia", None), ("#Sinema", "https://mastodon.example/tags/sinema"),
        ("Film baru tayang", "https://berita.example/film-baru")]
    assert result.status == "partial" and len(result.warnings) == 2
    assert "'https://berita.example:abc/film'" in result.warnings[0]

    config = write_config(f"""
        [fetch]
        allow_private = true

        [[sources]]
        name = "m"
        plugin = "mastodon_trends"
        instance = "{feed_server.url('/')}"
        """)
    out = cli("--config", str(config), "--db", str(tmp_path / "tw.db"), "fetch").output
    assert "m: partial, 3 new, 0 seen" in out, out
