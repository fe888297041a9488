"""Commands: run, status."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, tzinfo

import click

from ..app import App, pass_app


@click.command()
@click.option("--once", is_flag=True,
              help="One full cycle (fetch every source, rank, build today's list), then exit: "
                   "0 if every source worked, 1 if some failed (the rest is still stored).")
@pass_app
def run(app: App, once: bool) -> None:
    """Run the daemon: fetch sources on schedule, rank, build the daily digest.

    One daemon per database (a second one is refused); `status`, `suggestions` and
    `serve` keep working meanwhile. SIGTERM or Ctrl-C stops it cleanly within 10 s.
    See docs/service.md to run it under systemd."""
    from ..service.daemon import run_daemon
    from ..service.once import run_once

    if once:
        sys.exit(run_once(app))
    sys.exit(run_daemon(app))


def _ago(ts: str | None, tz: tzinfo | None = None) -> str:
    """A stored timestamp in the brand's time zone, as the web page shows it
    ("2026-11-30 10:15 WIB"); UTC without a zone."""
    if not ts:
        return "never"
    try:
        when = datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(tz or UTC)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


def _uptime(seconds: int | None) -> str:
    if seconds is None:
        return "?"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


_STATE = {
    "stuck": "running but its heartbeat is stale (stuck?)",
    "stopped": "not running (stopped cleanly)",
    "crashed": "not running (last run did not stop cleanly)",
    "never": "not running (never started on this database)",
}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys).")
@pass_app
def status(app: App, as_json: bool) -> None:
    """Daemon state, and per source: last fetch, result, next due, failures, last error.

    Reads the database only (safe while the daemon runs); never loads scikit-learn."""
    # lazy imports keep `trendwatch --help` fast; Reader avoids sqlite-utils (and numpy)
    from ..daily.render import clean_line
    from ..db.store import Reader
    from ..service.status import full_status

    app.reading()
    reader = Reader.open(app.db_path)
    try:
        report = full_status(reader, app.config)
    finally:
        reader.close()
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    d = report["daemon"]
    tz = app.config.brand.tz  # times as the web page shows them
    if d["state"] == "running":
        click.echo(f"daemon: running (pid {d['pid']} on {d['host'] or '?'}, up "
                   f"{_uptime(d['uptime_seconds'])}, heartbeat {_ago(d['heartbeat_at'], tz)})")
    else:
        detail = f", last heartbeat {_ago(d['heartbeat_at'], tz)}" if d["heartbeat_at"] else ""
        click.echo(f"daemon: {_STATE[d['state']]}{detail}")
    nxt = d.get("next_digest_at")
    click.echo(f"last digest: {_ago(d['last_digest_at'], tz)}; next: "
               f"{_ago(nxt, tz) if nxt else 'none scheduled ([digest] days is empty)'}")
    m = report["model"]
    click.echo(f"model: {m['version']} ({_ago(m['created_at'], tz)})" if m else
               "model: none trained yet (seed-only ranking until `trendwatch train`)")
    click.echo(f"items: {report['items']}, new suggestions: {report['suggestions_new']}")
    if report["config_problem"]:
        click.echo(f"CONFIG: {clean_line(report['config_problem'])}")
    if report["hung_fetches"]:
        names = sorted({h["source"] for h in report["hung_fetches"]})
        click.echo(f"hung fetches abandoned in the last day: {len(report['hung_fetches'])} "
                   f"({', '.join(names)})")
    click.echo("")
    for s in report["sources"]:
        if not s["enabled"]:
            continue
        flag = "BROKEN" if s["broken"] else (s["last_status"] or "pending")
        click.echo(f"{s['name']:<28} {flag:<12} last {_ago(s['last_fetch_at'], tz)}  "
                   f"next {_ago(s['next_due_at'], tz)}  items {s['items_total']}  "
                   f"failures {s['consecutive_failures']}")
        if s["last_error"]:
            # server-supplied text: no terminal escape sequences may get through
            click.echo(f"    last error: {clean_line(s['last_error'])}")
    for e in report["recent_errors"][:5]:
        click.echo(f"error {_ago(e['at'], tz)} {e['kind']}/{e['subject']}: "
                   f"{clean_line(e['message'])}")


def register(cli: click.Group) -> None:
    cli.add_command(run)
    cli.add_command(status)
