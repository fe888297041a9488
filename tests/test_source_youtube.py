"""youtube against a local server: yt:/media: fields, Shorts, premieres, options."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database
from trendwatch_plugins.youtube import YoutubeSource

from trendwatch.errors import ConfigError
from trendwatch.testing import configure_source

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
CHANNEL = "UCq7Rk2mWb9xTzL4vNf3pYhA"


@pytest.fixture
def channel_url(feed_server, fixtures):
    feed_server.serve_file("/feeds/videos.xml", fixtures / "youtube" / "channel.xml",
                           "application/atom+xml; charset=UTF-8")
    return feed_server.url("/feeds/videos.xml")


def test_channel_feed_metrics_and_extra(run_source, channel_url):
    result = run_source("youtube", url=channel_url, now=NOW)
    assert result.status == "ok", result.error
    assert [i.guid for i in result.items] == ["k3Vq9ZpL2xE", "Qm4_tR7yW0s", "Zr8-Ux2bN5c",
                                              "Lv0eS7aHq1M", "Ht6yG3wJk9P", "Bf2nC8dRt4V"]
    assert all(i.kind == "video" for i in result.items)
    bts = result.items[0]
    assert bts.title == "Behind The Scenes: Syuting Iklan Ramadan di Tengah Hujan Deras"
    assert bts.url == "https://www.youtube.com/watch?v=k3Vq9ZpL2xE"
    assert bts.metrics == {"views": 18_452, "rating_count": 612, "rating_average": 5.0}
    assert bts.published == datetime(2026, 11, 26, 11, 0, 6, tzinfo=UTC)
    assert bts.author == "Studio Layar Kaca"
    assert bts.summary.startswith("Gimana sih proses syuting iklan Ramadan kami?")
    assert "\n" not in bts.summary
    assert bts.extra == {
        "is_short": False,
        "thumbnail": "https://i1.ytimg.com/vi/k3Vq9ZpL2xE/hqdefault.jpg",
        "channel": {"name": "Studio Layar Kaca", "id": CHANNEL,
                    "url": f"https://www.youtube.com/channel/{CHANNEL}"},
    }


def test_short_premiere_live_and_missing_fields(run_source, channel_url):
    items = {i.guid: i for i in run_source("youtube", url=channel_url, now=NOW).items}
    short = items["Qm4_tR7yW0s"]
    assert short.extra["is_short"] is True
    assert short.url == "https://www.youtube.com/shorts/Qm4_tR7yW0s"
    assert short.metrics["views"] == 241_003 and short.metrics["rating_average"] == 4.98
    assert short.title == "POV: jadi PA di hari pertama syuting \U0001F605 #shorts"

    premiere = items["Zr8-Ux2bN5c"]
    assert premiere.title == '[PREMIERE] Trailer Resmi Film Pendek "Senja di Pelabuhan"'
    assert premiere.metrics == {"views": 0, "rating_count": 0}  # no fake 0.0 average
    assert premiere.published == NOW  # scheduled tomorrow: clamped to the fetch time
    assert premiere.extra["scheduled_for"] == "2026-11-29T12:00:00+00:00"

    live = items["Lv0eS7aHq1M"]
    assert live.metrics["views"] == 0 and live.summary == ""
    assert live.title == "LIVE: Diskusi Industri Film Indonesia 2027 & Tanya Jawab"

    no_community = items["Ht6yG3wJk9P"]  # media:community missing altogether
    assert no_community.metrics == {}
    assert no_community.extra["thumbnail"].endswith("/Ht6yG3wJk9P/hqdefault.jpg")

    # no yt:videoId element: the id comes from <id>yt:video:...</id>
    assert items["Bf2nC8dRt4V"].url == "https://www.youtube.com/watch?v=Bf2nC8dRt4V"


def test_guids_stable_and_unchanged_feed_is_not_reparsed(run_source, channel_url):
    first = run_source("youtube", url=channel_url, now=NOW)
    second = run_source("youtube", url=channel_url, now=NOW, cache=first.cache)
    assert second.status == "not_modified" and second.items == []
    third = run_source("youtube", url=channel_url, now=NOW)
    assert [i.guid for i in first.items] == [i.guid for i in third.items]


def test_playlist_feed(feed_server, fixtures, run_source):
    feed_server.serve_file("/pl.xml", fixtures / "youtube" / "playlist.xml")
    result = run_source("youtube", url=feed_server.url("/pl.xml"), now=NOW)
    assert result.status == "ok"
    assert [i.guid for i in result.items] == ["Zr8-Ux2bN5c", "k3Vq9ZpL2xE"]


@pytest.mark.parametrize("options,url", [
    ({"channel_id": CHANNEL},
     f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"),
    ({"playlist_id": "PLx4Jr7KqM2nV8bT5wZ1cY6eH3gA0dF9sU"},
     "https://www.youtube.com/feeds/videos.xml?playlist_id=PLx4Jr7KqM2nV8bT5wZ1cY6eH3gA0dF9sU"),
])
def test_feed_url_from_ids(options, url):
    source = configure_source("youtube", **options).source
    assert isinstance(source, YoutubeSource)
    assert source.feed_url == url
    assert source.describe() == f"youtube {url}"


@pytest.mark.parametrize("options,message", [
    ({}, "give exactly one of channel_id, playlist_id or url (got none)"),
    ({"channel_id": CHANNEL, "playlist_id": "PLx4Jr7KqM2nV8bT5wZ1cY6eH3gA0dF9sU"},
     "got channel_id, playlist_id"),
    ({"channel_id": "@studiolayarkaca"}, "is not a channel id"),
    ({"channel_id": "UCshort"}, "is not a channel id"),
    ({"playlist_id": "PL x"}, "is not a playlist id"),
    ({"url": "ftp://example.com/feed"}, "only http:// and https://"),
])
def test_bad_options_are_clear(options, message):
    with pytest.raises(ConfigError) as info:
        configure_source("youtube", **options)
    assert any(message in p for p in info.value.problems), info.value.problems


def test_not_found_channel_is_an_error(feed_server, run_source):
    feed_server.serve("/feeds/videos.xml", b"", "text/html", status=404)
    result = run_source("youtube", url=feed_server.url("/feeds/videos.xml"), now=NOW)
    assert result.status == "error"
    assert result.http_status == 404
    assert result.error == (f"YouTube has no feed at {feed_server.url('/feeds/videos.xml')} "
                            "(HTTP 404): check the channel or playlist id")


def test_server_error_is_reported_as_is(feed_server, run_source):
    feed_server.serve("/feeds/videos.xml", b"", "text/html", status=500)
    result = run_source("youtube", url=feed_server.url("/feeds/videos.xml"), now=NOW)
    assert result.status == "error" and result.http_status == 500
    assert result.error.startswith("HTTP 500 (server error)")


def test_full_pipeline_stores_views(feed_server, fixtures, write_config, cli, tmp_path):
    body = (fixtures / "youtube" / "channel.xml").read_bytes()
    feed_server.serve("/feeds/videos.xml", body, "application/atom+xml")
    config = write_config(f"""
        [fetch]
        allow_private = true

        [[sources]]
        name = "yt-layar-kaca"
        plugin = "youtube"
        url = "{feed_server.url('/feeds/videos.xml')}"
        """)
    db_path = tmp_path / "tw.db"
    first = cli("--config", str(config), "--db", str(db_path), "fetch")
    assert first.exit_code == 0, first.output
    assert "yt-layar-kaca: ok, 6 new, 0 seen" in first.output

    feed_server.httpserver.clear()  # views grew since the last fetch
    feed_server.serve("/feeds/videos.xml", body.replace(b'views="18452"', b'views="20117"'),
                      "application/atom+xml")
    second = cli("--config", str(config), "--db", str(db_path), "fetch")
    assert "yt-layar-kaca: ok, 0 new, 6 seen" in second.output

    db = Database(db_path)
    rows = {r["guid"]: r for r in db.query("select * from items where source = 'yt-layar-kaca'")}
    assert len(rows) == 6
    assert json.loads(rows["k3Vq9ZpL2xE"]["metrics"]) == {
        "views": 20_117, "rating_count": 612, "rating_average": 5.0}
    assert json.loads(rows["Qm4_tR7yW0s"]["extra"])["is_short"] is True
    assert rows["Zr8-Ux2bN5c"]["kind"] == "video"
