"""`trendwatch plugin new`: the package it writes is valid, installable and green."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from trendwatch.cli.scaffold import ScaffoldError, names_for


@pytest.mark.parametrize(("raw", "name", "dist", "module", "cls"), [
    ("podcast_charts", "podcast_charts", "trendwatch-podcast-charts",
     "trendwatch_podcast_charts", "PodcastChartsSource"),
    ("podcast-charts", "podcast_charts", "trendwatch-podcast-charts",
     "trendwatch_podcast_charts", "PodcastChartsSource"),
    ("kaskus2", "kaskus2", "trendwatch-kaskus2", "trendwatch_kaskus2", "Kaskus2Source"),
])
def test_names(raw, name, dist, module, cls):
    names = names_for(raw)
    assert (names.name, names.dist, names.module, names.cls) == (name, dist, module, cls)


@pytest.mark.parametrize("raw", ["Podcast Charts", "2fast", "a--b", "_x", "x_", "import",
                                 "é", "", "a" * 41, "podcast.charts"])
def test_bad_names_are_refused(raw):
    with pytest.raises(ScaffoldError, match="is not usable"):
        names_for(raw)


def test_trendwatch_prefix_is_refused():
    with pytest.raises(ScaffoldError, match='leave out the "trendwatch" prefix'):
        names_for("trendwatch-foo")


def test_cli_writes_the_package(cli, tmp_path):
    result = cli("plugin", "new", "podcast-charts", "--dir", str(tmp_path / "work"))
    assert result.exit_code == 0, result.output
    root = tmp_path / "work" / "trendwatch-podcast-charts"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [".gitignore", "README.md", "pyproject.toml",
                     "src/trendwatch_podcast_charts/__init__.py", "tests/conftest.py",
                     "tests/fixtures/sample.json", "tests/test_podcast_charts.py"]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "trendwatch-podcast-charts"
    assert project["project"]["entry-points"]["trendwatch"] == {
        "podcast_charts": "trendwatch_podcast_charts"}
    assert any(d.startswith("trendwatch>=") for d in project["project"]["dependencies"])
    json.loads((root / "tests/fixtures/sample.json").read_text())
    compile((root / "src/trendwatch_podcast_charts/__init__.py").read_text(), "module", "exec")
    assert 'plugin = "podcast_charts"' in (root / "README.md").read_text()
    assert "pip install -e '.[test]'" in result.output


def test_cli_refuses_bad_name_existing_folder_and_taken_type(cli, tmp_path):
    result = cli("plugin", "new", "Bad Name")
    assert result.exit_code == 2
    assert 'plugin name "Bad Name" is not usable' in result.stderr

    result = cli("plugin", "new", "rss")
    assert result.exit_code == 2
    assert 'a source type "rss" already exists (from plugin "rss")' in result.stderr

    (tmp_path / "trendwatch-charts").mkdir()
    (tmp_path / "trendwatch-charts" / "notes.txt").write_text("mine")
    result = cli("plugin", "new", "charts", "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert "already exists and is not empty" in result.stderr
    assert (tmp_path / "trendwatch-charts" / "notes.txt").read_text() == "mine"


def _pytest(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    env.pop("TRENDWATCH_LOAD_PLUGINS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_rss_kind_writes_a_feed_source(cli, tmp_path):
    result = cli("plugin", "new", "prod_notes", "--kind", "rss", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    root = tmp_path / "trendwatch-prod-notes"
    assert (root / "tests/fixtures/sample.xml").read_text().startswith("<?xml")
    assert not (root / "tests/fixtures/sample.json").exists()
    module = (root / "src/trendwatch_prod_notes/__init__.py").read_text()
    assert "parse_feed(resp, ctx.now, entry_hook=self.enrich)" in module
    assert "adapt `enrich`" in (root / "README.md").read_text()


@pytest.mark.parametrize("kind", ["json", "rss"])
def test_generated_tests_pass_as_generated(cli, tmp_path, kind):
    cli("plugin", "new", "podcast_charts", "--kind", kind, "--dir", str(tmp_path))
    root = tmp_path / "trendwatch-podcast-charts"
    proc = _pytest(root, root / "src")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the entry-point test skips until the package is installed
    assert "6 passed, 1 skipped" in proc.stdout


def test_generated_package_installs_and_is_found_by_trendwatch(cli, tmp_path):
    """pip builds and installs it (into a folder, so the shared venv is untouched); a new
    process then finds it through its entry point, and all its tests pass, none skipped."""
    cli("plugin", "new", "podcast_charts", "--dir", str(tmp_path))
    root = tmp_path / "trendwatch-podcast-charts"
    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                          "--target", str(site), str(root)],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr

    env = {**os.environ, "PYTHONPATH": str(site), "TRENDWATCH_LOAD_PLUGINS": "podcast_charts"}
    proc = subprocess.run([sys.executable, "-m", "trendwatch", "plugins", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    info = {p["name"]: p for p in json.loads(proc.stdout)["plugins"]}
    assert info["podcast_charts"]["package"] == "trendwatch-podcast-charts"
    assert info["podcast_charts"]["version"] == "0.1.0"
    assert info["podcast_charts"]["sources"] == ["podcast_charts"]

    tests = _pytest(root, site)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "7 passed" in tests.stdout and "skipped" not in tests.stdout
