"""Shared fixtures. Every test gets its own HOME/XDG dirs, so the user's real config and
database are never touched, and a fresh working directory."""

from __future__ import annotations

import os
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest_plugins = ["trendwatch.testing"]

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock", metavar="ISO8601", default=os.environ.get("TRENDWATCH_TEST_CLOCK") or None,
        help="Run the suite as if the wall clock started at this instant (with a UTC offset, "
             "e.g. 2027-03-07T23:55:00+07:00): time-machine moves this process's clock, and "
             "TRENDWATCH_FAKE_TIME carries it into every trendwatch child process. Finds "
             "tests that depend on today's date without libfaketime (whose frozen monotonic "
             "waits break threaded tests). Also read from $TRENDWATCH_TEST_CLOCK.")


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("--clock")
    if not value:
        return
    start = datetime.fromisoformat(value)
    if start.tzinfo is None:
        raise pytest.UsageError(f"--clock {value!r}: give a UTC offset, e.g. +07:00")
    import time_machine

    traveller = time_machine.travel(start, tick=True)
    traveller.start()
    config.stash[_CLOCK] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_CLOCK, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    value = config.getoption("--clock")
    return f"clock: started at {value} (--clock)" if value else None


_CLOCK = pytest.StashKey[object]()


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch, request):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    for var in ("TRENDWATCH_CONFIG", "TRENDWATCH_DB", "TRENDWATCH_LOAD_PLUGINS",
                "TRENDWATCH_FAKE_TIME"):
        monkeypatch.delenv(var, raising=False)
    if request.config.getoption("--clock"):
        # child processes start where this process's shifted clock is now
        monkeypatch.setenv("TRENDWATCH_FAKE_TIME", datetime.now(UTC).isoformat())
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def write_config(tmp_path):
    """Write a config file from TOML text (dedented); returns its path."""

    def write(text: str, name: str = "trendwatch.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


MINIMAL_THEMES = """
[[themes]]
id = "film-industry"
name = "Film"
keywords = ["film", "bioskop", "sutradara", "box office"]
examples = ["Film horor lokal tembus satu juta penonton"]
"""


@pytest.fixture
def minimal_themes() -> str:
    return MINIMAL_THEMES


@pytest.fixture
def cli():
    """Invoke the CLI in-process; returns click's Result."""
    from trendwatch.cli import cli as group

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(group, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def no_network(monkeypatch):
    """Every way out to the network refuses, and the pretrained vectors are loaded again
    inside the test (their loader caches), so what runs here runs offline."""
    import socket

    from trendwatch.ranking import pretrained

    def refuse(*args, **kwargs):
        raise AssertionError("network access with sockets blocked")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    pretrained.load.cache_clear()
    yield
    pretrained.load.cache_clear()
