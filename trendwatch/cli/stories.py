"""``trendwatch stories``: correct and rebuild the grouping of items into stories."""

from __future__ import annotations

import json
from datetime import timedelta

import click

from ..app import App, pass_app


@click.group()
def stories() -> None:
    """Stories: items of several sources that report one event (see docs/suggestions.md)."""


@stories.command("split")
@click.argument("item_id", type=int)
@pass_app
def split(app: App, item_id: int) -> None:
    """"Not the same story": take ITEM_ID out of its story, for good.

    The item becomes a story of its own; nothing joins it automatically and a recluster
    never moves it back. Item ids are in `trendwatch suggestions --format json` (`item_id`,
    and `story.links[].item_id`).
    """
    from ..stories import split_item

    done = split_item(app.store, item_id)
    click.echo(f"item {item_id} is a story of its own now (taken out of story "
               f"{done['split_from']})")


@stories.command("recluster")
@click.option("--days", type=click.IntRange(1, 60), default=3, show_default=True,
              help="Regroup the items first seen in the last DAYS days.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def recluster(app: App, days: int, as_json: bool) -> None:
    """Group recent items into stories again, from scratch (after an upgrade, or to see
    the current method on old items). Items you split out stay where they are."""
    from ..db.store import utcnow
    from ..stories import recluster as run

    now = utcnow()
    result = run(app.store, since=now - timedelta(days=days), now=now)
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(f"{result['items']} items regrouped into {result['stories']} stories")


def register(cli: click.Group) -> None:
    cli.add_command(stories)
