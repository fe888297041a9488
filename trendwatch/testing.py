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

To test plugin *loading* (entry points, import errors) without pip, ``write_plugin_dist``
writes a module plus a minimal ``.dist-info`` folder that :mod:`importlib.metadata` finds
once the folder is on ``sys.path``; the ``plugin_dist`` fixture does that for one test.
"""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .binding import ConfiguredSource, bind_table
from .config import Config, SourceTable
from .contracts import Item, Source
from .errors import ConfigError
from .fetch.conditional import CacheEntry
from .fetch.http import Fetcher
from .fetch.worker import fetch_one
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
        return bind_table(table, 0, "sources", host.sources, host)
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


def write_plugin_dist(root: Path, name: str, code: str, *, module: str | None = None,
                      package: str | None = None, version: str = "0.1.0") -> Path:
    """Write plugin module ``module`` (default ``tw_test_<name>``) with source ``code`` and a
    distribution ``package`` whose ``trendwatch`` entry point ``name`` points at it.

    Returns ``root``; put it on ``sys.path`` (or ``PYTHONPATH`` for a subprocess) and
    :func:`trendwatch.plugins.load_plugins` finds the plugin as if it were pip-installed.
    """
    module = module or f"tw_test_{name}"
    package = package or f"trendwatch-test-{name}"
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(textwrap.dedent(code), encoding="utf-8")
    info = root / f"{re.sub(r'[-_.]+', '_', package)}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[trendwatch]\n{name} = {module}\n",
                                           encoding="utf-8")
    return root


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

    @pytest.fixture
    def plugin_dist(tmp_path: Path, monkeypatch: Any) -> Iterator[Callable[..., Path]]:
        """``plugin_dist(name, code, **kw)``: a fake installed plugin for this test only
        (see :func:`write_plugin_dist`). Its modules are forgotten afterwards."""
        root = tmp_path / "fake-site-packages"
        modules: list[str] = []

        def make(name: str, code: str, **kwargs: Any) -> Path:
            if not modules and not root.exists():
                root.mkdir(parents=True)
                monkeypatch.syspath_prepend(str(root))
            modules.append(kwargs.get("module") or f"tw_test_{name}")
            write_plugin_dist(root, name, code, **kwargs)
            importlib.invalidate_caches()  # finders cache directory listings
            return root

        yield make
        for mod in modules:
            sys.modules.pop(mod, None)

    @pytest.fixture(name="run_source")
    def run_source_fixture() -> Any:
        """:func:`run_source`, as a fixture."""
        return run_source
except ImportError:  # pragma: no cover
    pass
