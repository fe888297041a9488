"""Commands for plugin authors and feed debugging: ``plugin new``, ``source test``."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC
from pathlib import Path
from typing import Any

import click

from ..app import App, pass_app
from ..daily.render import clean_line


@click.group("plugin")
def plugin_group() -> None:
    """Write new plugins (see docs/plugins.md)."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--dir", "parent", type=click.Path(file_okay=False), default=".",
              show_default=True, help="Folder to create the package in.")
@click.option("--kind", type=click.Choice(["json", "rss"]), default="json", show_default=True,
              help="What the source reads: a JSON API, or an RSS/Atom feed with extra fields.")
@pass_app
def plugin_new(app: App, name: str, parent: str, kind: str) -> None:
    """Write a new source plugin package, trendwatch-NAME.

    Its tests pass as generated: install it with `pip install -e '.[test]'`, then adapt it.
    NAME is the source type (`plugin = "NAME"` in [[sources]]): lower-case letters and
    digits, words joined by "_" or "-". The package has a pyproject.toml with the
    `trendwatch` entry point, a Source for a JSON API, a fixture, tests and a README.
    """
    from .scaffold import new_plugin

    host = app.host
    taken = {t: host.provided_by.get(t, "?") for t in host.sources}
    target = new_plugin(name, Path(parent), taken, kind=kind)
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    click.echo(f"Created {target}/:")
    for f in files:
        click.echo(f"  {f}")
    click.echo(f"\nNext:\n  cd {target}\n  pip install -e '.[test]'\n  pytest -q\n"
               f"  trendwatch plugins")


@click.group("source")
def source_group() -> None:
    """Work with one configured source."""


def _item_json(item: Any) -> dict[str, Any]:
    return {"title": item.title, "url": item.url, "guid": item.guid, "summary": item.summary,
            "published": item.published.isoformat() if item.published else None,
            "author": item.author, "kind": item.kind, "metrics": item.metrics,
            "extra": item.extra, "lang": item.lang}


@source_group.command("test")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def source_test(app: App, name: str, as_json: bool) -> None:
    """Fetch source NAME once and print what it would store; the database is not touched.

    Shows each item (title, url, published, metrics), warnings and the error, if any.
    Uses the config's [fetch] settings. Exits 1 when the fetch failed.
    """
    from ..binding import bind_table
    from ..testing import run_configured

    config = app.config
    index = next((i for i, t in enumerate(config.sources) if t.name == name), None)
    if index is None:
        known = ", ".join(t.name for t in config.sources) or "none"
        raise click.UsageError(f'no source named "{name}" in {config.path} (configured: {known})')
    # Only this table is bound, so a problem in another source doesn't stop the test.
    cs = bind_table(config.sources[index], index, "sources", app.host.sources, app.host)
    # Warnings are printed below with the items; don't also log each one as it happens.
    source_log = logging.getLogger(f"trendwatch.source.{name}")
    level = source_log.level
    source_log.setLevel(max(level, logging.ERROR))
    try:
        result = run_configured(cs, config)
    finally:
        source_log.setLevel(level)
    if as_json:
        click.echo(json.dumps({
            "source": name, "plugin": cs.table.plugin, "status": result.status,
            "http_status": result.http_status, "error": result.error,
            "warnings": result.warnings, "items": [_item_json(i) for i in result.items],
        }, indent=2, ensure_ascii=False))
    else:
        _print_run(name, cs.source.describe(), cs.table.enabled, result)
    if result.status == "error":
        sys.exit(1)


def _print_run(name: str, described: str, enabled: bool, result: Any) -> None:
    http = f", HTTP {result.http_status}" if result.http_status else ""
    note = " (disabled in the config)" if not enabled else ""
    click.echo(f"{name} ({clean_line(described)}){note}: {result.status}{http}, "
               f"{len(result.items)} item(s), {len(result.warnings)} warning(s)")
    for n, item in enumerate(result.items, 1):
        click.echo(f"{n:>3}. {clean_line(item.title)}")
        if item.url:
            click.echo(f"     {clean_line(item.url)}")
        facts = []
        if item.published:
            # Shown in UTC, as stored (naive times are taken as UTC, like the store does).
            when = item.published if item.published.tzinfo else item.published.replace(
                tzinfo=UTC)
            facts.append(f"published {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        facts += [f"{clean_line(k)} {v:g}" for k, v in item.metrics.items()]
        if facts:
            click.echo(f"     {' · '.join(facts)}")
    for w in result.warnings:
        click.echo(f"warning: {clean_line(w)}", err=True)
    if result.status == "error":
        click.echo(f"error: {clean_line(result.error)}", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(plugin_group)
    cli.add_command(source_group)
