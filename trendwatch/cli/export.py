"""Commands: export (the content calendar as .ics or CSV) and digest (the daily digest,
built, stored and sent now).

Apart from ``review.py``: these write files and reach notifiers, while ``suggestions`` and
``review`` only read and write the database.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from ..app import App, pass_app
from ..errors import TrendwatchError
from .review import DATE


@click.command()
@click.option("--format", "fmt", type=click.Choice(["ics", "csv"]), default="ics",
              show_default=True, help="iCalendar (Google Calendar, Outlook) or CSV.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to FILE (default: stdout).")
@click.option("--since", type=DATE, default=None, help="Only posts planned on or after this.")
@pass_app
def export(app: App, fmt: str, output: str | None, since: date | None) -> None:
    """Export the content calendar: the plan as .ics, or accepted suggestions as CSV.

    The .ics file has one event per plan item at its planned time (all day when it has
    none), lasting its format's [plan] duration, with hook, angle, stage, owner and link
    in its description; import it into Google Calendar or Outlook (importing again updates
    the same events). `serve` also publishes it as a calendar to subscribe to.
    """
    from ..daily.export import to_csv
    from ..daily.queries import backlog as load_backlog

    if fmt == "ics":
        from ..plan import items
        from ..plan.calendar import to_ics

        items.sync(app.store, app.config)
        rows = items.list_items(app.store, start=since)
        data = to_ics(rows, app.config)
    else:
        rows = load_backlog(app.store, app.config, since=since)
        data = to_csv(rows).encode("utf-8")
    if output is None:
        click.echo(data, nl=False)  # bytes: written to the binary stream as they are
        return
    target = Path(output)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as err:
        raise TrendwatchError(f"cannot write {target}: {err.strerror or err}") from None
    click.echo(f"Wrote {len(rows)} planned posts to {target}.", err=True)


@click.command()
@click.option("--date", "day", type=DATE, default=None,
              help="The list's date (default: today in the brand's time zone).")
@click.option("--send/--no-send", default=False, show_default=True,
              help="Also send it through the configured [[notifiers]].")
@click.option("--print", "show", type=click.Choice(["none", "md", "html"]), default="md",
              show_default=True, help="Print the digest to stdout in this format.")
@pass_app
def digest(app: App, day: date | None, send: bool, show: str) -> None:
    """Build the daily digest now: broken sources, rising topics, then the suggestions.

    It is stored, written to [digest] output_dir as Markdown and HTML, and with --send
    delivered by every notifier. Exits 1 if a notifier failed (the digest is kept anyway).
    """
    from ..daily.digest import build_digest
    from ..daily.render import clean_line

    notifiers = app.notifiers if send else []
    result = build_digest(app.store, app.config, app.host, notifiers, list_date=day)
    if show != "none":
        click.echo(result["markdown" if show == "md" else "html"].rstrip("\n"))
    for path in (result["md_path"], result["html_path"]):
        if path:
            click.echo(f"wrote {path}", err=True)
    failed = [n for n in result["notifications"] if n["status"] != "sent"]
    for n in result["notifications"]:
        # A notifier's error can quote the server's reply (a webhook's error page).
        click.echo(f"notifier {clean_line(n['notifier'])}: {clean_line(n['status'])}"
                   + (f": {clean_line(n['error'])}" if n["error"] else ""), err=True)
    if failed:
        sys.exit(1)


def register(cli: click.Group) -> None:
    for command in (export, digest):
        cli.add_command(command)
