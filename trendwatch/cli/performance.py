"""Commands: performance (report), performance import, posted.

None of them imports scikit-learn: they read and write the database only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from ..app import App, pass_app


class _When(click.ParamType):
    """A date or date-time (ISO 8601); a naive one is in the brand's time zone."""

    name = "YYYY-MM-DD[THH:MM]"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f'"{value}" is not a date or date-time (use 2026-11-30 or '
                      "2026-11-30T09:00)", param, ctx)


WHEN = _When()


def _aware(app: App, when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=app.config.brand.tz)


@click.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format (json/csv: for scripts).")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Only posts published in the last N days (default: all).")
@click.pass_context
def performance(ctx: click.Context, fmt: str, days: int | None) -> None:
    """How your posts performed: what sells, by theme, platform, format and time.

    Without a subcommand, prints the report: per group the number of posts, the median
    lift (engagement rate / your median on that platform) with its 95% interval, and the
    shrunk lift that small groups get (see docs/performance.md).
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..performance.analysis import analyse_store
    from ..performance.report import csv_report, json_report, text_report

    app: App = ctx.ensure_object(App)
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    a = analyse_store(app.store, app.config.brand.tz,
                      prior_posts=app.config.performance.prior_posts, since=since)
    if fmt == "json":
        click.echo(json_report(a))
    elif fmt == "csv":
        click.echo(csv_report(a))
    else:
        click.echo(text_report(a, app.config.brand.timezone))


@performance.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--importer", default=None,
              help="Read the files as this format (instagram, tiktok, youtube, generic...) "
                   "instead of recognising it from the columns.")
@click.option("--taken", type=WHEN, default=None,
              help="When the export was downloaded (default: now); the numbers are recorded "
                   "as of then.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def import_(app: App, files: tuple[str, ...], importer: str | None, taken: datetime | None,
            as_json: bool) -> None:
    """Import post performance from platform exports (CSV or XLSX).

    Instagram (Meta Business Suite content export), TikTok Studio, YouTube Studio
    ("Table data.csv") and the generic CSV are recognised by their columns, in English or
    Indonesian. Importing the same or an overlapping export again updates the numbers
    (their history is kept) and never duplicates a post. All files are checked first:
    if one is wrong, nothing is imported.
    """
    from ..performance.posts import import_files

    result = import_files(app.store, files, app.host.importers, app.config.brand.tz,
                          now=_aware(app, taken), forced=importer)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    for f in result.files:
        click.echo(f"{f['file']}: {f['importer']}, {f['rows']} rows ({f['new']} new, "
                   f"{f['updated']} updated, {f['unchanged']} unchanged)")
    click.echo(f"{result.new_posts} new posts, {result.updated_posts} updated, "
               f"{result.unchanged_posts} unchanged; {result.snapshots} new metric "
               f"snapshots; {result.linked} linked to suggestions.")


@click.command()
@click.argument("suggestion_id", type=int)
@click.argument("url")
@pass_app
def posted(app: App, suggestion_id: int, url: str) -> None:
    """Record that suggestion SUGGESTION_ID was posted at URL.

    The next import that contains this post (matched by its link in any form, or the
    platform's post id) brings its numbers, and they count for the suggestion's theme.
    """
    from ..performance.links import link_post

    done = link_post(app.store, suggestion_id, url)
    moved = (f" (it was linked to suggestion {done['previous_suggestion_id']})"
             if done["previous_suggestion_id"] not in (None, suggestion_id) else "")
    state = "new post, numbers come with the next import" if done["created"] \
        else "known post"
    click.echo(f"suggestion {suggestion_id} → {done['platform']} post {done['post_id']} "
               f"({state}){moved}")


def register(cli: click.Group) -> None:
    cli.add_command(performance)
    cli.add_command(posted)

