"""Commands: init, fetch, plugins, status."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..app import App, pass_app


@click.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: str | None, force: bool) -> None:
    """Write a commented starter config to PATH (default: ./trendwatch.toml).

    The starter config is made for a small Indonesian film and advertising production
    house: brand in Asia/Jakarta, five themes, a dozen public sources. Use `-` for stdout.
    """
    from ..config import starter_text

    text = starter_text()
    if path == "-":
        click.echo(text, nl=False)
        return
    target = Path(path or "trendwatch.toml")
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists (use --force to overwrite)")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {target}. Edit it, then run: trendwatch --config {target} run --once")


@click.command()
@click.argument("names", nargs=-1)
@pass_app
def fetch(app: App, names: tuple[str, ...]) -> None:
    """Fetch sources now (all, or the NAMES given) and store what they return.

    Exits 1 if any source failed; the others are stored anyway.
    """
    from ..daily.render import clean_line
    from ..fetch.round import run_round

    sources = app.sources
    if names:
        known = {s.name for s in sources}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise click.UsageError(f"unknown source(s): {', '.join(unknown)} "
                                   f"(configured: {', '.join(sorted(known)) or 'none'})")
        sources = [s for s in sources if s.name in names]
    store = app.store
    store.sync_sources(app.sources)
    outcomes = run_round(store, sources, app.config)
    failed = 0
    for out in sorted(outcomes, key=lambda o: o.source):
        if out.failed:
            failed += 1
            # The error can quote a server's reply: no escape sequences reach the terminal.
            click.echo(f"{out.source}: error: {clean_line(out.error)}", err=True)
        else:
            click.echo(f"{out.source}: {clean_line(out.status)}, {out.items_new} new, "
                       f"{out.items_seen} seen")
    if failed:
        sys.exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def plugins(app: App, as_json: bool) -> None:
    """List the loaded plugins, their hooks and what they provide, and any that failed."""
    host = app.host
    info = host.plugin_info()
    failures = [{"name": f.name, "error": f.error} for f in host.failures]
    if as_json:
        click.echo(json.dumps({"plugins": info, "failures": failures}, indent=2))
    else:
        for p in info:
            provides = ", ".join(p["sources"] + p["notifiers"]) or "-"
            version = f" {p['version']}" if p["version"] else ""
            click.echo(f"{p['name']}{version}  [{p['package'] or 'local'}]  provides: {provides}"
                       f"  hooks: {', '.join(p['hooks'])}")
        for f in failures:
            click.echo(f"FAILED {f['name']}: {f['error']}", err=True)
    if failures:
        sys.exit(1)


@click.command("config")
@click.option("--path", "show_path", is_flag=True, help="Only print which file is used.")
@pass_app
def config_cmd(app: App, show_path: bool) -> None:
    """Check the config (and its sources against the plugins) and print where it is."""
    from ..config import find_config, user_config_path

    found = find_config(app.config_path)
    where = str(found) if found else f"<embedded starter config> (create one: trendwatch init " \
                                      f"{user_config_path()})"
    if show_path:
        click.echo(where)
        return
    app.sources  # noqa: B018 - validates every [[sources]] table against its plugin
    app.notifiers  # noqa: B018
    click.echo(f"{where}: ok ({len(app.config.themes)} themes, {len(app.sources)} sources, "
               f"{len(app.notifiers)} notifiers); database: {app.db_path}")


def register(cli: click.Group) -> None:
    for command in (init, fetch, plugins, config_cmd):
        cli.add_command(command)
