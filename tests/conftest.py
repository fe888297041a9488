"""Shared fixtures. Every test gets its own HOME/XDG dirs, so the user's real config and
database are never touched, and a fresh working directory."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest_plugins = ["trendwatch.testing"]

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    for var in ("TRENDWATCH_CONFIG", "TRENDWATCH_DB", "TRENDWATCH_LOAD_PLUGINS"):
        monkeypatch.delenv(var, raising=False)
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
