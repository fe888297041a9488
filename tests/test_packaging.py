"""The wheel installs trendwatch and trendwatch_plugins, never a top-level `plugins`."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> tuple[Path, str]:
    """The wheel, and everything the build printed."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-w", str(out), str(ROOT)], check=True,
                          capture_output=True, text=True, timeout=300)
    (whl,) = out.glob("trendwatch-*.whl")
    return whl, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def wheel(build) -> Path:
    return build[0]


def test_build_prints_no_warning(build):
    """setuptools warns when data folders are not declared as packages (and says it will
    stop shipping them) or when the license is an old-style table: the build stays quiet."""
    _whl, log = build
    warnings = [line for line in log.splitlines() if "warning" in line.lower()]
    assert not warnings, "\n".join(warnings)


def test_wheel_layout(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("plugins/")]
    assert "trendwatch_plugins/rss.py" in names
    assert "trendwatch/data/starter.toml" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[trendwatch]" in text and "rss = trendwatch_plugins.rss" in text
    # every subpackage and data file of trendwatch/ is shipped
    for init in (ROOT / "trendwatch").rglob("__init__.py"):
        rel = init.relative_to(ROOT).as_posix()
        assert rel in names, f"{rel} missing from the wheel (pyproject packages list?)"
    for f in (ROOT / "trendwatch").rglob("*"):
        if f.is_file() and "__pycache__" not in f.parts:
            rel = f.relative_to(ROOT).as_posix()
            assert rel in names, f"{rel} missing from the wheel (packages / package-data?)"
    # the shipped model assets (seed data and model card), without a top-level "models"
    assert "trendwatch_models/seeds.toml" in names and "trendwatch_models/README.md" in names
    assert not [n for n in names if n.startswith("models/")]
    # every module in plugins/ is shipped
    for module in (ROOT / "plugins").glob("*.py"):
        assert f"trendwatch_plugins/{module.name}" in names
    for data in (ROOT / "plugins" / "data").iterdir():
        assert f"trendwatch_plugins/data/{data.name}" in names


def test_installed_wheel_works_and_has_no_plugins_module(wheel, tmp_path):
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = ("import trendwatch, trendwatch_plugins, trendwatch.ranking.seeds, sys; "
             "assert trendwatch.__file__.startswith(sys.argv[1]), trendwatch.__file__; "
             "import importlib.util as u; print(u.find_spec('plugins'), u.find_spec('models'))")
    proc = subprocess.run([sys.executable, "-c", probe, str(target)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None None"
    proc = subprocess.run([sys.executable, "-m", "trendwatch", "plugins", "--json"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    import json

    data = json.loads(proc.stdout)
    rss = next(p for p in data["plugins"] if p["name"] == "rss")
    assert rss["package"] == "trendwatch" and rss["version"] and "register_sources" in rss["hooks"]
