"""Commands: plan (the content plan: show, add, set, stage, posted, history, undo, remove,
restore, send) and backlog (the plan grouped by stage).

Like ``review`` they only read and write the database: no scikit-learn, fast start.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from typing import Any

import click

from ..app import App, pass_app
from ..errors import TrendwatchError
from .review import DATE, _verdict, _width

OUTPUT = ("table", "json", "csv")
WHO_HELP = "Who makes the change (default: $TRENDWATCH_USER, else your login name)."


def _warn(warnings: list[str]) -> None:
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


def _load(app: App, **filters: Any) -> list[dict[str, Any]]:
    """Plan items (after giving accepted suggestions theirs), each with its warnings."""
    from ..plan.views import with_warnings

    return with_warnings(app.store, app.config, **filters)


def _print(app: App, rows: list[dict[str, Any]], fmt: str, grouped: bool) -> None:
    from ..plan import views

    if fmt == "json":
        click.echo(views.to_json(rows))
    elif fmt == "csv":
        click.echo(views.to_csv(rows).rstrip("\n"))
    elif grouped:
        click.echo(views.stage_table(app.config, rows, _width()))
    else:
        click.echo(views.table(rows, _width()))


def _filters(f: Any) -> Any:
    for opt in (click.option("--owner", default=None, help="Only this owner."),
                click.option("--platform", default=None, help="Only this platform."),
                click.option("--stage", default=None, help="Only this stage."),
                click.option("--format", "fmt", type=click.Choice(OUTPUT), default="table",
                             show_default=True, help="Output format.")):
        f = opt(f)
    return f


def _describe(item: dict[str, Any]) -> str:
    from ..daily.render import clean_line

    when = date.fromisoformat(item["planned_date"])
    text = f"Plan item {item['id']} planned for {when:%Y-%m-%d (%a)}"
    if item.get("planned_time"):
        text += f" {item['planned_time']}"
    if item.get("platform"):
        text += f" on {clean_line(item['platform'])}"
    text += f", stage {clean_line(item['stage'])}"
    if item.get("owner"):
        text += f", owner {clean_line(item['owner'])}"
    if item.get("archived_at"):
        text += " (taken off the plan)"
    return text + "."


class _PlanGroup(click.Group):
    """``trendwatch plan --format json`` is ``plan show --format json``, and
    ``trendwatch plan SUGGESTION_ID YYYY-MM-DD`` (the old form) still moves a post."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if len(args) >= 2 and args[0].isdigit():
            args = ["set", "--suggestion", args[0], "--date", args[1], *args[2:]]
        elif args and args[0].startswith("-") and args[0] != "--help":
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_PlanGroup, invoke_without_command=True)
@click.pass_context
def plan(ctx: click.Context) -> None:
    """The content plan: what to post, when, where, by whom, and how far along it is.

    Without a subcommand it shows this week and next (`plan --format json` is
    `plan show --format json`). Accepting a
    suggestion puts it on the plan in its platform's next free slot; `plan set` changes
    any field, and every change is kept (`plan history`, `plan undo`). See
    docs/planning.md.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(show)


@plan.command()
@click.option("--week", "day", type=DATE, default=None,
              help="Any day of the first week shown (default: today in the brand's time zone).")
@click.option("--weeks", type=click.IntRange(1, 52), default=2, show_default=True,
              help="How many weeks.")
@_filters
@pass_app
def show(app: App, day: date | None, weeks: int, owner: str | None, platform: str | None,
         stage: str | None, fmt: str) -> None:
    """Show the plan by date and time, with warnings (past slots, clashes)."""
    from ..daily.queries import today
    from ..plan.views import week_start

    start = week_start(day or today(app.config.brand.tz))
    end = start + timedelta(days=7 * weeks - 1)
    rows = _load(app, start=start, end=end, owner=owner, platform=platform, stage=stage)
    if not rows and fmt == "table":
        click.echo(f"Nothing planned {start:%a %d %b} – {end:%a %d %b %Y}. Accept suggestions "
                   "with `trendwatch review`, or see `trendwatch backlog`.", err=True)
        return
    _print(app, rows, fmt, grouped=False)


@click.command()
@click.option("--since", type=DATE, default=None, help="Only posts planned on or after this.")
@click.option("--archived", is_flag=True, help="Show the items taken off the plan instead.")
@_filters
@pass_app
def backlog(app: App, since: date | None, archived: bool, owner: str | None,
            platform: str | None, stage: str | None, fmt: str) -> None:
    """The content backlog: every plan item grouped by stage (idea ... posted)."""
    from ..plan.views import by_stage

    rows = _load(app, start=since, owner=owner, platform=platform, stage=stage,
                 archived=archived)
    rows = [item for _stage, group in by_stage(app.config, rows) for item in group]
    if not rows and fmt == "table":
        click.echo("The backlog is empty: accept suggestions with `trendwatch review`.",
                   err=True)
        return
    _print(app, rows, fmt, grouped=True)


@plan.command()
@click.argument("suggestion_id", type=int, required=False)
@click.option("--item", "item_id", type=int, default=None,
              help="Add a stored item instead (a search result or a held-back item).")
@click.option("--topic", default=None, help="Add a rising topic (free text) instead.")
@click.option("--held-back", is_flag=True, help="With --item: the item was held back.")
@click.option("--date", "day", type=DATE, default=None,
              help="Planned date (default: the platform's next free slot).")
@click.option("--time", "hhmm", default=None, help="Planned time, HH:MM (brand time zone).")
@click.option("--platform", default=None, help="The platform (default: the first angle's).")
@click.option("--who", default=None, help=WHO_HELP)
@pass_app
def add(app: App, suggestion_id: int | None, item_id: int | None, topic: str | None,
        held_back: bool, day: date | None, hhmm: str | None, platform: str | None,
        who: str | None) -> None:
    """Put a suggestion (accepting it), a stored item or a rising topic on the plan."""
    from ..plan import items

    given = [x is not None for x in (suggestion_id, item_id, topic)]
    if sum(given) != 1:
        raise click.UsageError("give one of SUGGESTION_ID, --item ID or --topic TEXT")
    store, config = app.store, app.config
    if suggestion_id is not None:
        done = _verdict(app, suggestion_id, "accept", planned_for=day)  # plans it too
        item, warnings = items.get(store, done["plan_item_id"]), done["warnings"]
        if hhmm or platform:
            item, warnings = items.update(
                store, config, item["id"],
                {k: v for k, v in (("planned_time", hhmm), ("platform", platform)) if v},
                who=who)
    elif item_id is not None:
        row = next(store.db.query("select id, title, url from items where id = ?", [item_id]),
                   None)
        if row is None:
            raise TrendwatchError(f"no stored item with id {item_id}")
        item, warnings = items.create(store, config, title=row["title"], url=row["url"],
                                      item_id=item_id,
                                      origin="held-back" if held_back else "search",
                                      platform=platform, planned_date=day, planned_time=hhmm,
                                      who=who)
    else:
        item, warnings = items.create(store, config, title=str(topic), origin="rising",
                                      platform=platform, planned_date=day, planned_time=hhmm,
                                      who=who)
    click.echo(_describe(item))
    _warn(warnings)


def _target(app: App, plan_id: int | None, suggestion_id: int | None) -> int:
    """The plan item id, given directly or as the suggestion it came from."""
    from ..plan import items

    if (plan_id is None) == (suggestion_id is None):
        raise click.UsageError("give a plan item ID or --suggestion ID")
    if plan_id is not None:
        return plan_id
    from ..daily.queries import get_suggestion

    items.sync(app.store, app.config)
    found = items.for_suggestion(app.store, int(suggestion_id or 0))
    if found is None or found["archived_at"]:
        status = get_suggestion(app.store, int(suggestion_id or 0))["status"]
        raise TrendwatchError(f"suggestion {suggestion_id} is {status}, not accepted: "
                              f"accept it first to plan a post (`trendwatch plan add "
                              f"{suggestion_id}`)")
    return int(found["id"])


_SET_OPTIONS = (
    ("--date", "planned_date", "Planned date, YYYY-MM-DD (brand time zone)."),
    ("--time", "planned_time", 'Planned time, HH:MM (brand time zone); "" for none.'),
    ("--platform", "platform", "Platform (TikTok, Instagram, ...)."),
    ("--format", "format", "Format (video 30 detik, carousel, ...)."),
    ("--hook", "hook", "The hook."),
    ("--angle", "angle", "The angle, in your words."),
    ("--stage", "stage", "Stage (see [plan] stages)."),
    ("--owner", "owner", "Who makes it."),
    ("--caption", "caption", "Caption draft."),
    ("--hashtags", "hashtags", "Hashtag draft."),
    ("--notes", "notes", "Notes."),
    ("--post-url", "post_url", "The published post's URL (moves it to the last stage)."),
    ("--title", "title", "Title."),
    ("--url", "url", "The story's link."),
)


def _set_options(f: Any) -> Any:
    for flag, dest, text in reversed(_SET_OPTIONS):
        kind = DATE if dest == "planned_date" else None  # a bad date: usage error, exit 2
        f = click.option(flag, dest, type=kind, default=None, help=text)(f)
    return f


@plan.command("set")
@click.argument("plan_id", type=int, required=False)
@click.option("--suggestion", "suggestion_id", type=int, default=None,
              help="Address the plan item of this accepted suggestion instead of ID.")
@_set_options
@click.option("--who", default=None, help=WHO_HELP)
@pass_app
def set_fields(app: App, plan_id: int | None, suggestion_id: int | None, who: str | None,
               **fields: str | None) -> None:
    """Change fields of plan item ID; each change is kept in its history.

    A past date or a slot another item takes on the same platform is saved with a
    warning. `trendwatch plan SUGGESTION_ID YYYY-MM-DD` is short for
    `plan set --suggestion SUGGESTION_ID --date YYYY-MM-DD`.
    """
    from ..plan import items

    changes = {k: v for k, v in fields.items() if v is not None}
    if not changes:
        raise click.UsageError("nothing to change: give at least one field option")
    target = _target(app, plan_id, suggestion_id)
    item, warnings = items.update(app.store, app.config, target, changes, who=who)
    click.echo(_describe(item))
    _warn(warnings)


@plan.command()
@click.argument("plan_id", type=int)
@click.argument("stage_name", metavar="STAGE")
@click.option("--who", default=None, help=WHO_HELP)
@pass_app
def stage(app: App, plan_id: int, stage_name: str, who: str | None) -> None:
    """Move plan item ID to STAGE (one of [plan] stages)."""
    from ..plan import items

    item, warnings = items.set_stage(app.store, app.config, plan_id, stage_name, who=who)
    click.echo(_describe(item))
    _warn(warnings)


@plan.command()
@click.argument("plan_id", type=int)
@click.argument("post_url", metavar="URL")
@click.option("--who", default=None, help=WHO_HELP)
@pass_app
def posted(app: App, plan_id: int, post_url: str, who: str | None) -> None:
    """Record that plan item ID was posted at URL (its performance is matched by it)."""
    from ..plan import items

    item, _warnings = items.update(app.store, app.config, plan_id, {"post_url": post_url},
                                   who=who)
    click.echo(_describe(item))


@plan.command("history")
@click.argument("plan_id", type=int)
@pass_app
def history_cmd(app: App, plan_id: int) -> None:
    """Every change to plan item ID: when, who, what (undo one with `plan undo CHANGE`)."""
    from ..daily.render import clean_line, fit
    from ..plan import items

    click.echo(f"{'CHANGE':>6}  {'WHEN (UTC)':<16} {'WHO':<10} {'FIELD':<12} OLD -> NEW")
    for h in items.history(app.store, plan_id):
        old = fit(clean_line(h["old"] or "-"), 30).rstrip()
        click.echo(f"{h['id']:>6}  {h['at'][:16].replace('T', ' '):<16} "
                   f"{fit(clean_line(h['who'] or '-'), 10)} {h['field']:<12} {old} -> "
                   f"{clean_line(h['new'] or '-')}")


@plan.command()
@click.argument("change_id", type=int)
@click.option("--who", default=None, help=WHO_HELP)
@pass_app
def undo(app: App, change_id: int, who: str | None) -> None:
    """Put back the value that change CHANGE_ID replaced (see `plan history`)."""
    from ..plan import items

    item, warnings = items.undo(app.store, app.config, change_id, who=who)
    click.echo(_describe(item))
    _warn(warnings)


@plan.command()
@click.argument("plan_id", type=int)
@click.option("--who", default=None, help=WHO_HELP)
@pass_app
def remove(app: App, plan_id: int, who: str | None) -> None:
    """Take plan item ID off the plan (kept: `plan restore ID` brings it back)."""
    from ..plan import items

    click.echo(_describe(items.archive(app.store, plan_id, who=who)))


@plan.command()
@click.argument("plan_id", type=int)
@click.option("--who", default=None, help=WHO_HELP)
@pass_app
def restore(app: App, plan_id: int, who: str | None) -> None:
    """Put plan item ID back on the plan."""
    from ..plan import items

    click.echo(_describe(items.restore(app.store, plan_id, who=who)))


@plan.command()
@click.argument("plan_id", type=int, required=False)
@click.option("--suggestion", "suggestion_id", type=int, default=None,
              help="Send this suggestion instead of a plan item.")
@click.option("--who", default=None, help=WHO_HELP)
@pass_app
def send(app: App, plan_id: int | None, suggestion_id: int | None, who: str | None) -> None:
    """Send plan item ID (or a suggestion) to the team through the configured notifiers,
    with its hook and link. Exits 1 if a notifier failed."""
    from ..daily.render import clean_line
    from ..plan.send import send_to_team

    if (plan_id is None) == (suggestion_id is None):
        raise click.UsageError("give a plan item ID or --suggestion ID")
    results = send_to_team(app.store, app.config, app.notifiers, plan_id=plan_id,
                           suggestion_id=suggestion_id, who=who)
    for r in results:
        click.echo(f"notifier {clean_line(r['notifier'])}: {r['status']}"
                   + (f": {clean_line(r['error'])}" if r["error"] else ""))
    if any(r["status"] != "sent" for r in results):
        sys.exit(1)


def register(cli: click.Group) -> None:
    for command in (plan, backlog):
        cli.add_command(command)
