"""The hackernews source against a local server serving a recorded-style Algolia answer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from trendwatch_hackernews import HackerNewsSource

from trendwatch.errors import ConfigError
from trendwatch.plugins import load_plugins
from trendwatch.testing import configure_source

FIXTURES = Path(__file__).parent / "fixtures"
FRONT_PAGE = FIXTURES / "front_page.json"


def serve_front_page(feed_server, **kwargs) -> str:
    feed_server.serve_file("/api/v1/search", FRONT_PAGE, "application/json; charset=utf-8",
                           **kwargs)
    return feed_server.url("/api/v1")


def test_front_page_items(feed_server, run_source):
    base = serve_front_page(feed_server)
    result = run_source(HackerNewsSource, base_url=base)

    # The null-title hit is skipped with a warning: the fetch is "partial", not failed.
    assert result.status == "partial"
    assert result.warnings == ["story 42003100: no title, skipped"]
    assert [i.guid for i in result.items] == ["41999871", "42001337", "42002210", "42003001",
                                              "42003555"]
    first = result.items[0]
    assert first.title == "Colour grading a feature film on a single laptop GPU"
    assert first.url == "https://blog.example.org/grading-on-a-laptop"
    assert first.metrics == {"points": 412.0, "comments": 187.0}
    assert first.published == datetime(2026, 11, 27, 8, 12, 45, tzinfo=UTC)
    assert first.author == "kretek_dev"
    assert first.extra["discussion_url"] == "https://news.ycombinator.com/item?id=41999871"


def test_ask_hn_links_to_the_discussion_and_keeps_its_text(feed_server, run_source):
    result = run_source(HackerNewsSource, base_url=serve_front_page(feed_server))
    ask = next(i for i in result.items if i.guid == "42001337")
    assert ask.url == "https://news.ycombinator.com/item?id=42001337"
    assert ask.summary.startswith("I run a five-person studio & we shoot ~4/TB a month.")
    assert "<" not in ask.summary and '"long term"' in ask.summary


def test_missing_numbers_and_timestamp_fallback(feed_server, run_source):
    result = run_source(HackerNewsSource, base_url=serve_front_page(feed_server))
    by_id = {i.guid: i for i in result.items}
    assert by_id["42003001"].metrics == {}  # a job post: points and comments are null
    # no created_at_i: the ISO created_at is used instead
    assert by_id["42003555"].published == datetime(2026, 11, 28, 2, 21, 54, tzinfo=UTC)


def test_query_and_min_points_are_sent_and_applied(feed_server, run_source):
    base = serve_front_page(feed_server, query_string={
        "tags": "story", "hitsPerPage": "50", "query": "film", "numericFilters": "points>=100"})
    result = run_source(HackerNewsSource, base_url=base, query="film", tags="story",
                        hits_per_page=50, min_points=100)
    # The fixture ignores numericFilters (as a stale cache might): the source filters again.
    assert [i.guid for i in result.items] == ["41999871", "42001337", "42003555"]


def test_unchanged_answer_is_not_modified(feed_server, run_source):
    base = serve_front_page(feed_server)
    first = run_source(HackerNewsSource, base_url=base)
    again = run_source(HackerNewsSource, base_url=base, cache=first.cache)
    assert again.status == "not_modified"
    assert again.items == []


def test_not_json_is_an_error_naming_the_url(feed_server, run_source):
    feed_server.serve("/api/v1/search", "<html>maintenance</html>", "text/html")
    result = run_source(HackerNewsSource, base_url=feed_server.url("/api/v1"))
    assert result.status == "error"
    assert "/api/v1/search" in result.error and "did not return JSON" in result.error


def test_json_without_hits_is_an_error(feed_server, run_source):
    feed_server.serve("/api/v1/search", '{"message": "Invalid API key"}', "application/json")
    result = run_source(HackerNewsSource, base_url=feed_server.url("/api/v1"))
    assert result.status == "error"
    assert 'no "hits" list' in result.error


def test_server_error_is_reported(feed_server, run_source):
    feed_server.serve("/api/v1/search", "busy", "text/plain", status=503)
    result = run_source(HackerNewsSource, base_url=feed_server.url("/api/v1"))
    assert result.status == "error"
    assert result.http_status == 503


@pytest.mark.parametrize(("options", "message"), [
    ({"min_points": -1}, "sources[0].min_points: Input should be greater than or equal to 0"),
    ({"base_url": "file:///etc/passwd"}, "sources[0].base_url: only http:// and https://"),
    ({"qeury": "film"}, "sources[0].qeury: unknown key"),
])
def test_bad_options_name_the_key(options, message):
    with pytest.raises(ConfigError) as err:
        configure_source(HackerNewsSource, **options)
    assert message in str(err.value)


def test_installed_plugin_provides_the_source_type():
    """Found through the entry point, as trendwatch finds it (needs `pip install -e .`)."""
    host = load_plugins()
    assert host.sources.get("hackernews") is HackerNewsSource
    assert host.provided_by["hackernews"] == "hackernews"
