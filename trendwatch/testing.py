"""Helpers for testing source plugins against a real HTTP server on 127.0.0.1.

In your plugin's ``tests/conftest.py``::

    pytest_plugins = ["trendwatch.testing"]

Then, in a test::

    def test_my_source(feed_server, run_source):
        feed_server.serve_file("/feed.xml", FIXTURES / "feed.xml", "application/rss+xml")
        result = run_source("my_source", url=feed_server.url("/feed.xml"))
        assert result.status == "ok"
        assert result.items[0].title == "..."

``run_source`` validates the options exactly as the config loader does, runs the source once
through the shared fetcher (``allow_private`` on, so 127.0.0.1 is reachable), and touches no
database. It is also what ``trendwatch source test NAME`` uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .api import Item, Source
from .config import Config, ConfiguredSource, SourceTable, _bind
from .errors import ConfigError
from .fetcher import CacheEntry, Fetcher
from .pipeline import fetch_one
from .plugins import PluginHost, load_plugins


@dataclass
class SourceRun:
    """What one run of a source produced (nothing stored)."""

    status: str
    items: list[Item]
    warnings: list[str]
    error: str | None
    http_status: int | None
    cache: dict[str, CacheEntry] = field(default_factory=dict)
    detail: str | None = None

    @property
    def titles(self) -> list[str]:
        return [i.title for i in self.items]


def configure_source(plugin: str | type[Source], name: str = "test-source",
                     host: PluginHost | None = None, **options: Any) -> ConfiguredSource:
    """Build a configured source the way the config loader does (options validated)."""
    host = host or load_plugins()
    if isinstance(plugin, type):
        host.sources.setdefault(plugin.type_name, plugin)
        plugin = plugin.type_name
    table = SourceTable(name=name, plugin=plugin, **options)
    try:
        return _bind(table, 0, "sources", host.sources, host)
    except ConfigError:
        raise


def run_configured(cs: ConfiguredSource, config: Config | None = None, *,
                   cache: dict[str, CacheEntry] | None = None,
                   now: datetime | None = None) -> SourceRun:
    config = config or Config()
    fetcher = Fetcher(config.fetch, config.brand.contact_url)
    try:
        http = fetcher.client(cache)
        out = fetch_one(cs, http, config, now=now)
    finally:
        fetcher.close()
    merged = {**(cache or {}), **out.cache_updates}
    return SourceRun(out.status, out.items, out.warnings, out.error, out.http_status,
                     merged, out.detail)


def run_source(plugin: str | type[Source], *, config: Config | None = None,
               cache: dict[str, CacheEntry] | None = None, now: datetime | None = None,
               allow_private: bool = True, **options: Any) -> SourceRun:
    """Run a source once with these options; nothing is stored."""
    config = config or Config()
    if allow_private and not config.fetch.allow_private:
        config = config.model_copy(update={
            "fetch": config.fetch.model_copy(update={"allow_private": True})})
    cs = configure_source(plugin, **options)
    return run_configured(cs, config, cache=cache, now=now)


class FeedServer:
    """A thin wrapper over pytest-httpserver for serving fixture files."""

    def __init__(self, httpserver: Any):
        self.httpserver = httpserver

    def url(self, path: str) -> str:
        return self.httpserver.url_for(path)

    def serve(self, path: str, body: bytes | str, content_type: str = "application/xml",
              status: int = 200, headers: dict[str, str] | None = None,
              query_string: Any = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.httpserver.expect_request(path, query_string=query_string).respond_with_data(
            data, status=status, content_type=content_type, headers=headers or {})

    def serve_file(self, path: str, file: str | Path, content_type: str = "application/xml",
                   **kwargs: Any) -> None:
        self.serve(path, Path(file).read_bytes(), content_type, **kwargs)


try:  # the fixtures need pytest and pytest-httpserver; the rest of this module doesn't
    import pytest

    @pytest.fixture
    def feed_server(httpserver: Any) -> FeedServer:
        """A local HTTP server (pytest-httpserver) for fixture files."""
        return FeedServer(httpserver)

    @pytest.fixture(name="run_source")
    def run_source_fixture() -> Any:
        """:func:`run_source`, as a fixture."""
        return run_source
except ImportError:  # pragma: no cover
    pass
