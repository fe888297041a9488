"""``trendwatch plugin new NAME``: write a ready-to-install source plugin package.

The package it writes (``trendwatch-NAME/``) has a ``pyproject.toml`` with the entry point,
a working :class:`~trendwatch.api.Source` for a JSON API or an RSS/Atom feed (``--kind``), a
realistic fixture, tests that use
:mod:`trendwatch.testing`, and a README. Its tests pass as generated, so a contributor starts
from green and changes one thing at a time.

The templates live in ``trendwatch/data/scaffold/``; ``{{key}}`` placeholders are filled
from :func:`names_for`.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from ..errors import TrendwatchError

#: template file -> where it goes in the package, for every kind of plugin
COMMON = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "gitignore.tmpl": ".gitignore",
    "conftest.py.tmpl": "tests/conftest.py",
}


@dataclass(frozen=True)
class Kind:
    """One kind of source the scaffold can write."""

    files: dict[str, str]
    #: placeholders used by the shared templates (README)
    values: dict[str, str]


KINDS = {
    "json": Kind(
        files={"module_json.py.tmpl": "src/{module}/__init__.py",
               "test_json.py.tmpl": "tests/test_{name}.py",
               "sample.json.tmpl": "tests/fixtures/sample.json"},
        values={"kind_desc": "a JSON API", "example_url": "https://api.example.com/v1/trending",
                "option_example": "min_score = 10        # optional, default 0",
                "fixture": "tests/fixtures/sample.json", "adapt": "parse_entry"}),
    "rss": Kind(
        files={"module_rss.py.tmpl": "src/{module}/__init__.py",
               "test_rss.py.tmpl": "tests/test_{name}.py",
               "sample.xml.tmpl": "tests/fixtures/sample.xml"},
        values={"kind_desc": "an RSS or Atom feed with fields of its own",
                "example_url": "https://news.example.com/feed/",
                "option_example": "max_items = 100       # optional, default 100",
                "fixture": "tests/fixtures/sample.xml", "adapt": "enrich"}),
}

_NAME = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*")


class ScaffoldError(TrendwatchError):
    """The plugin name or target folder is not usable."""

    exit_code = 2


@dataclass(frozen=True)
class PluginNames:
    """The spellings of one plugin name."""

    name: str      # type_name and entry-point name: podcast_charts
    hyphen: str    # podcast-charts
    dist: str      # trendwatch-podcast-charts (the PyPI name)
    module: str    # trendwatch_podcast_charts
    cls: str       # PodcastChartsSource
    title: str     # Podcast charts


def names_for(raw: str) -> PluginNames:
    """Validate a plugin name and derive its spellings; raise ScaffoldError if unusable."""
    name = raw.strip().lower().replace("-", "_")
    if raw.strip().startswith("trendwatch"):
        raise ScaffoldError(f'plugin name "{raw}": leave out the "trendwatch" prefix '
                            f'(the package is called trendwatch-NAME anyway)')
    if not _NAME.fullmatch(raw.strip().lower()) or len(name) > 40 or keyword.iskeyword(name):
        raise ScaffoldError(
            f'plugin name "{raw}" is not usable: use lower-case letters and digits, words '
            f'joined by "_" or "-", starting with a letter, at most 40 characters '
            f'(e.g. "podcast_charts")')
    words = name.split("_")
    return PluginNames(
        name=name,
        hyphen=name.replace("_", "-"),
        dist=f"trendwatch-{name.replace('_', '-')}",
        module=f"trendwatch_{name}",
        cls="".join(w.capitalize() for w in words) + "Source",
        title=" ".join(words).capitalize(),
    )


def _trendwatch_version() -> str:
    try:
        return metadata.version("trendwatch")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0.1"


def render(template: str, names: PluginNames, extra: dict[str, str] | None = None) -> str:
    values = {"name": names.name, "hyphen": names.hyphen, "dist": names.dist,
              "module": names.module, "class": names.cls, "title": names.title,
              "tw_version": _trendwatch_version(), **(extra or {})}
    text = template
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:  # a template bug, not a user error
        raise AssertionError(f"unfilled placeholder in scaffold template: {text[:200]}")
    return text


def new_plugin(raw_name: str, parent: Path, taken: dict[str, str] | None = None,
               kind: str = "json") -> Path:
    """Write the package for plugin ``raw_name`` into ``parent/trendwatch-NAME``.

    ``kind`` is a key of :data:`KINDS`: the source reads a JSON API or an RSS/Atom feed.

    ``taken`` maps source type names already provided by installed plugins to their
    plugin; reusing one is refused, since the second registration would be ignored.
    Returns the package folder.
    """
    names = names_for(raw_name)
    if taken and names.name in taken:
        raise ScaffoldError(f'a source type "{names.name}" already exists (from plugin '
                            f'"{taken[names.name]}"); pick another name')
    target = parent / names.dist
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} already exists and is not empty")
    if kind not in KINDS:
        raise ScaffoldError(f'unknown kind "{kind}" (choose from {", ".join(KINDS)})')
    templates = resources.files("trendwatch").joinpath("data/scaffold")
    for template, dest in {**COMMON, **KINDS[kind].files}.items():
        path = target / dest.format(module=names.module, name=names.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = templates.joinpath(template).read_text("utf-8")
        path.write_text(render(text, names, KINDS[kind].values), encoding="utf-8")
    return target
