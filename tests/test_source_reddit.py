"""reddit against a local server: Listing parsing, skipped posts, 429 and other errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from trendwatch.errors import ConfigError
from trendwatch.testing import configure_source

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
HOT = "/r/sinemaindo/hot.json"


@pytest.fixture
def hot_body(fixtures) -> bytes:
    return (fixtures / "reddit" / "hot.json").read_bytes()


@pytest.fixture
def base(feed_server, hot_body) -> str:
    feed_server.serve(HOT, hot_body, "application/json; charset=UTF-8",
                      query_string={"limit": "25", "raw_json": "1"})
    return feed_server.url("/")


def run(run_source, base: str, **options):
    return run_source("reddit", subreddit="sinemaindo", base_url=base, now=NOW, **options)


def test_posts_parsed_nsfw_and_stickied_skipped(run_source, base):
    result = run(run_source, base)
    assert result.status == "ok", result.error
    assert result.warnings == []
    guids = [i.guid for i in result.items]
    assert guids == ["t3_1h9c7ab", "t3_1h9e0kq", "t3_1h9f3nx", "t3_1h9h1xp", "t3_1h9i4zt"]
    assert "t3_1h8k2qz" not in guids  # stickied weekly thread
    assert "t3_1h9g8wd" not in guids  # over_18

    horror = result.items[0]
    assert horror.title.startswith('Film horor "Rumah Kosong" tembus 1 juta penonton')
    assert horror.kind == "post"
    assert horror.metrics == {"score": 1843, "num_comments": 327, "upvote_ratio": 0.96}
    assert horror.published == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
    assert horror.author == "u/rara_nonton"
    assert "penonton kita suka horor & mistis?" in horror.summary
    # a self post links to its thread on reddit (here: the configured base URL)
    assert horror.url == f"{base}r/sinemaindo/comments/1h9c7ab/" \
                         "film_horor_rumah_kosong_tembus_1_juta_penonton/"
    assert horror.extra == {"flair": "Diskusi", "domain": "self.sinemaindo",
                            "permalink": horror.url, "subreddit": "sinemaindo",
                            "is_self": True}


def test_link_image_crosspost_and_deleted_author(run_source, base):
    items = {i.guid: i for i in run(run_source, base).items}
    link = items["t3_1h9e0kq"]
    assert link.url.startswith("https://wartasinema.example/festival/jadwal-festival")
    assert link.extra["domain"] == "wartasinema.example"
    assert link.extra["permalink"].endswith("/comments/1h9e0kq/"
                                            "jadwal_festival_film_pendek_desember_2026/")
    assert link.extra["is_self"] is False
    assert link.title == ("Jadwal festival film pendek Desember 2026 & cara daftar "
                          "(deadline 15 Des)")

    image = items["t3_1h9f3nx"]
    assert image.url == "https://i.redd.it/q2v9x0rk7h3e1.jpeg"
    assert image.author is None  # "[deleted]"
    assert "flair" not in image.extra  # no flair: not stored as null

    crosspost = items["t3_1h9h1xp"]  # relative url resolved against reddit
    assert crosspost.url == f"{base}r/aktingindo/comments/1h8zz10/tips_audisi_untuk_aktor_pemula/"

    job = items["t3_1h9i4zt"]
    assert job.metrics == {"score": 0, "num_comments": 1, "upvote_ratio": 0.5}
    assert job.summary == ""


def test_guids_stable_across_fetches(run_source, base):
    first = run(run_source, base)
    second = run(run_source, base)
    assert [i.guid for i in first.items] == [i.guid for i in second.items]


def test_listing_limit_and_period_in_request(feed_server, run_source, hot_body):
    feed_server.serve("/r/sinemaindo/top.json", hot_body, "application/json",
                      query_string={"limit": "100", "raw_json": "1", "t": "week"})
    result = run_source("reddit", subreddit="r/sinemaindo", listing="top", limit=100,
                        period="week", base_url=feed_server.url("/"), now=NOW)
    assert result.status == "ok", result.error
    assert len(result.items) == 5


@pytest.mark.parametrize("headers,wait", [
    ({"x-ratelimit-remaining": "0.0", "x-ratelimit-used": "100", "x-ratelimit-reset": "412"},
     412),
    ({"Retry-After": "90", "x-ratelimit-reset": "412"}, 90),  # Retry-After wins
])
def test_rate_limited_is_graceful(feed_server, run_source, headers, wait):
    feed_server.serve(HOT, b"<html><body><h1>whoa there, pardner!</h1></body></html>",
                      "text/html", status=429, headers=headers)
    result = run(run_source, feed_server.url("/"))
    assert result.status == "error"
    assert result.error == f"rate limited by reddit, retrying after {wait}s"
    assert result.http_status == 429


def test_rate_limited_without_hint(feed_server, run_source):
    feed_server.serve(HOT, b"Too Many Requests", "text/plain", status=429)
    result = run(run_source, feed_server.url("/"))
    assert result.error == "rate limited by reddit, retrying later"


def test_429_wait_pushes_next_fetch_back(feed_server, write_config, cli, tmp_path):
    feed_server.serve(HOT, b"Too Many Requests", "text/plain", status=429,
                      headers={"x-ratelimit-reset": "3600"})
    config = write_config(f"""
        [fetch]
        allow_private = true

        [[sources]]
        name = "r-sinemaindo"
        plugin = "reddit"
        subreddit = "sinemaindo"
        base_url = "{feed_server.url('/')}"
        every = "15m"
        """)
    db_path = tmp_path / "tw.db"
    result = cli("--config", str(config), "--db", str(db_path), "fetch")
    assert result.exit_code == 1
    assert "rate limited by reddit, retrying after 3600s" in result.output
    row = Database(db_path)["sources"].get("r-sinemaindo")
    assert row["consecutive_failures"] == 1
    wait = (datetime.fromisoformat(row["next_due_at"])
            - datetime.fromisoformat(row["last_fetch_at"])).total_seconds()
    assert wait >= 3600 * 0.94  # not the 15 minutes of `every` (jitter is ±5%)


@pytest.mark.parametrize("status,message", [
    (403, "r/sinemaindo is private or quarantined, or reddit refused this client (HTTP 403)"),
    (404, "r/sinemaindo is banned or does not exist (HTTP 404)"),
])
def test_private_and_banned_subreddits(feed_server, run_source, status, message):
    feed_server.serve(HOT, json.dumps({"reason": "private", "message": "Forbidden",
                                       "error": status}), "application/json", status=status)
    assert run(run_source, feed_server.url("/")).error == message


def test_unknown_subreddit_redirected_to_search(feed_server, fixtures, run_source):
    feed_server.serve(HOT, b"", "text/html", status=302,
                      headers={"Location": "/subreddits/search.json?q=sinemaindo"})
    feed_server.serve_file("/subreddits/search.json", fixtures / "reddit" /
                           "subreddit_search.json", "application/json")
    result = run(run_source, feed_server.url("/"))
    assert result.error == "r/sinemaindo does not exist (reddit redirected to search)"


@pytest.mark.parametrize("body,message", [
    (b"<!doctype html><html>blocked</html>", "did not return JSON"),
    (b'{"kind": "t3", "data": {}}', "is not a reddit Listing"),
    (b"[]", "is not a reddit Listing"),
])
def test_not_a_listing(feed_server, run_source, body, message):
    feed_server.serve(HOT, body, "application/json")
    result = run(run_source, feed_server.url("/"))
    assert result.status == "error" and message in result.error


def test_odd_posts_are_skipped_or_tolerated(feed_server, run_source):
    listing = {"kind": "Listing", "data": {"children": [
        {"kind": "t3", "data": {"name": "t3_a", "title": "   "}},
        {"kind": "t1", "data": {"name": "t1_b", "body": "a comment"}},
        "garbage",
        {"kind": "t3", "data": {"name": "t3_c", "title": "Judul\nbaris dua", "score": "12",
                                "created_utc": "not a number", "permalink": "/r/x/c/"}},
    ]}}
    feed_server.serve(HOT, json.dumps(listing), "application/json")
    result = run(run_source, feed_server.url("/"))
    assert result.titles == ["Judul baris dua"]
    assert result.items[0].metrics == {}  # "12" as a string is not trusted as a score
    assert result.items[0].published is None
    assert result.status == "partial" and "has no title" in result.warnings[0]


@pytest.mark.parametrize("options,key,message", [
    ({"subreddit": "film indonesia"}, "subreddit", "is not a subreddit name"),
    ({"subreddit": "a"}, "subreddit", "is not a subreddit name"),
    ({"subreddit": "x", "listing": "best"}, "listing", ""),
    ({"subreddit": "film", "limit": 500}, "limit", ""),
    ({"subreddit": "film", "base_url": "file:///tmp"}, "base_url", "only http"),
])
def test_bad_options(options, key, message):
    with pytest.raises(ConfigError) as info:
        configure_source("reddit", **options)
    assert any(p.startswith(f"sources[0].{key}:") and message in p
               for p in info.value.problems), info.value.problems


def test_full_pipeline(feed_server, write_config, cli, tmp_path, hot_body):
    feed_server.serve(HOT, hot_body, "application/json")
    config = write_config(f"""
        [fetch]
        allow_private = true

        [[sources]]
        name = "r-sinemaindo"
        plugin = "reddit"
        subreddit = "sinemaindo"
        base_url = "{feed_server.url('/')}"
        """)
    db_path = tmp_path / "tw.db"
    assert "r-sinemaindo: ok, 5 new, 0 seen" in \
        cli("--config", str(config), "--db", str(db_path), "fetch").output

    feed_server.httpserver.clear()  # an hour later: the score has grown
    feed_server.serve(HOT, hot_body.replace(b'"score": 1843', b'"score": 2510'),
                      "application/json")
    assert "r-sinemaindo: ok, 0 new, 5 seen" in \
        cli("--config", str(config), "--db", str(db_path), "fetch").output

    db = Database(db_path)
    rows = {r["guid"]: r for r in db.query("select * from items where source = 'r-sinemaindo'")}
    assert set(rows) == {"t3_1h9c7ab", "t3_1h9e0kq", "t3_1h9f3nx", "t3_1h9h1xp", "t3_1h9i4zt"}
    assert json.loads(rows["t3_1h9c7ab"]["metrics"])["score"] == 2510
    assert rows["t3_1h9c7ab"]["published_at"].startswith("2026-11-28T01:30:00")
    assert json.loads(rows["t3_1h9e0kq"]["extra"])["flair"] == "Berita"


def test_all_nsfw_subreddit_warns(feed_server, run_source, hot_body):
    listing = json.loads(hot_body)
    for child in listing["data"]["children"]:
        child["data"]["over_18"] = True
    feed_server.serve(HOT, json.dumps(listing), "application/json")
    result = run(run_source, feed_server.url("/"))
    assert result.items == [] and result.status == "partial"
    assert result.warnings == ["r/sinemaindo: all 7 posts are NSFW and were skipped "
                               "(is this subreddit right for the brand?)"]


def test_bad_link_urls_fall_back_to_the_thread(feed_server, run_source, write_config, cli,
                                               tmp_path):
    """A link post whose URL has a bad port (or can't be parsed, or isn't http) keeps its
    reddit thread as URL; the listing is stored, not rolled back."""
    posts = [("t3_p1", "https://wartasinema.example:99999/festival", "/r/x/comments/p1/a/"),
             ("t3_p2", "http://wartasinema.example:abc/", "/r/x/comments/p2/b/"),
             ("t3_p3", "http://[wartasinema.example/", "/r/x/comments/p3/c/"),
             ("t3_p4", "javascript:alert(1)", "http://reddit.example:70000/r/x/p4/")]
    listing = {"kind": "Listing", "data": {"children": [
        {"kind": "t3", "data": {"name": name, "title": f"Pos {name}", "url": url,
                                "permalink": permalink, "is_self": False,
                                "created_utc": 1764290000.0}}
        for name, url, permalink in posts]}}
    feed_server.serve(HOT, json.dumps(listing), "application/json")
    base = feed_server.url("/")
    result = run(run_source, base)
    assert result.status == "ok", result.error
    urls = {i.guid: i.url for i in result.items}
    assert urls == {"t3_p1": f"{base}r/x/comments/p1/a/", "t3_p2": f"{base}r/x/comments/p2/b/",
                    "t3_p3": f"{base}r/x/comments/p3/c/", "t3_p4": None}
    assert "permalink" not in result.items[3].extra

    config = write_config(f"""
        [fetch]
        allow_private = true

        [[sources]]
        name = "r-x"
        plugin = "reddit"
        subreddit = "sinemaindo"
        base_url = "{base}"
        """)
    out = cli("--config", str(config), "--db", str(tmp_path / "tw.db"), "fetch").output
    assert "r-x: ok, 4 new, 0 seen" in out
