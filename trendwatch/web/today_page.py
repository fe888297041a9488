"""The daily list (``/``) and what its cards post: a verdict, a planned date, "not the
same story".

Reads through ``trendwatch.daily.queries``, writes through ``trendwatch.review.verdicts``
(the plan follows each verdict through ``trendwatch.plan.items``).
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, render_template, request

from ..daily import queries
from ..errors import TrendwatchError
from . import common

log = logging.getLogger(__name__)

bp = Blueprint("today", __name__)

#: Most cards one list page shows (the daily list is ~20; "all" of a busy day stays bounded).
PAGE_LIMIT = 200
#: The dates the page shows lists for (anything else is a typo or a probe).
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9998, 12, 31)


@bp.get("/")
def index() -> Any:
    from ..fetch.health import broken_sources
    from ..review.holdback import held_items

    config = common.config()
    store = common.store()
    tz = config.brand.tz
    today = queries.today(tz)
    problems = []
    earlier_list = False
    if "date" in request.args:
        day = _arg_date("date", today, problems)
    else:
        day, earlier_list = queries.shown_list_date(store, tz)
    problems.extend(_config_notice(store))
    status = request.args.get("status", "new")
    if status not in queries.STATUS_FILTERS:
        problems.append(f'Unknown status "{status}": showing new suggestions.')
        status = "new"
    theme = request.args.get("theme") or None
    if theme is not None and theme not in {t.id for t in config.themes}:
        problems.append(f'Unknown theme "{theme}": showing every theme.')
        theme = None
    rows = queries.list_suggestions(store, config, list_date=day, theme=theme,
                                    status=status, limit=PAGE_LIMIT)
    latest = None
    if not rows:
        latest = next(store.db.query(
            "select max(list_date) as d from suggestions where list_date <= ?",
            [day.isoformat()]), {}).get("d")
    held = len(held_items(store, config)) if day == today else 0
    return render_template(
        "list.html", rows=rows, day=day, today=today, status=status, theme=theme,
        earlier_list=earlier_list, held=held,
        problems=problems, broken=broken_sources(store), latest=latest,
        snooze_choices=_snooze_choices(today),
        prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1))


@bp.post("/suggestions/<int:sid>/verdict")
def verdict(sid: int) -> Any:
    from ..plan.items import after_verdict
    from ..review.verdicts import record_verdict

    config = common.config()
    store = common.store()
    theme_ids = {t.id for t in config.themes}
    form = request.form
    choice = form.get("verdict", "")
    reason = form.get("reason") or None
    theme = form.get("theme") or None
    if reason and reason.startswith("wrong-theme:"):
        # The reject menu offers "wrong theme: it is about X" as one choice.
        reason, theme = "wrong-theme", reason.split(":", 1)[1]
    try:
        # The form names the item it was drawn for: a page loaded before a re-rank
        # can never put its verdict on another item.
        meant = int(form["item_id"]) if form.get("item_id", "").isdigit() else None
        done = record_verdict(
            store, sid, choice, reason=reason if choice == "reject" else None,
            note=form.get("note"), theme=theme if choice != "snooze" else None,
            snooze_until=form.get("until") if choice == "snooze" else None,
            planned_for=form.get("planned_for") if choice == "accept" else None,
            tz=config.brand.tz, valid_themes=theme_ids or None, item_id=meant)
    except TrendwatchError as err:
        flash(str(err), "error")
        return common.back()
    except sqlite3.OperationalError as err:
        return common.busy(err)
    # the plan follows: accepted -> a plan item in a free slot; rejected -> off the plan
    try:
        _item, warnings = after_verdict(store, config, done,
                                        planned_for=done["planned_for"]
                                        if form.get("planned_for") else None, who="web")
    except sqlite3.OperationalError as err:  # the verdict is stored; the plan's next
        log.warning("web: plan not updated, database busy: %s", err)  # read catches up
        warnings = []
    flash(_verdict_message(done, done["title"]), "ok")
    for w in warnings:
        flash(f"Planned, but: {w}.", "warning")
    return common.back()


@bp.post("/suggestions/<int:sid>/plan")
def plan(sid: int) -> Any:
    from ..plan.items import move_suggestion

    try:
        _item, warnings = move_suggestion(common.store(), common.config(), sid,
                                          request.form.get("planned_for", ""), who="web")
    except TrendwatchError as err:
        flash(str(err), "error")
        return common.back()
    except sqlite3.OperationalError as err:
        return common.busy(err)
    flash("Planned date saved.", "ok")
    for w in warnings:
        flash(f"Saved, but: {w}.", "warning")
    return common.back()


@bp.post("/stories/items/<int:item_id>/split")
def split_story_item(item_id: int) -> Any:
    """"Not the same story": the item leaves its story for good."""
    from ..stories import split_item

    try:
        split_item(common.store(), item_id)
    except TrendwatchError as err:
        flash(str(err), "error")
        return common.back()
    except sqlite3.OperationalError as err:
        return common.busy(err)
    flash("Taken out of the story: it is a story of its own now.", "ok")
    return common.back()


def _config_notice(store: Any) -> list[str]:
    from ..service.status import config_problem

    problem = config_problem(store)
    return [f"Config: {problem}"] if problem else []


def _arg_date(name: str, default: date, problems: list[str]) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        day = queries.parse_date(raw, name) or default
    except TrendwatchError:
        problems.append(f'"{raw}" is not a date (use YYYY-MM-DD): showing today.')
        return default
    # the page links the day before and after: 0001-01-01 and 9999-12-31 have none
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        problems.append(f'"{raw}" is out of range ({EARLIEST_DAY} to {LATEST_DAY}): '
                        "showing today.")
        return default
    return day


def _snooze_choices(today: date) -> list[tuple[str, str]]:
    nxt = queries.next_workday(today)
    week = today + timedelta(days=7)
    while week.weekday() >= 5:
        week += timedelta(days=1)
    return [(nxt.isoformat(), f"until {nxt:%a %d %b}"),
            (week.isoformat(), f"until {week:%a %d %b}")]


def _verdict_message(done: dict[str, Any], title: str) -> str:
    short = title if len(title) <= 80 else title[:77] + "…"
    late = "" if done.get("listed", True) else \
        " It had dropped out of the list since the page was loaded; the verdict is on it."
    if done["verdict"] == "accept":
        return f"Accepted “{short}” — planned for {done['planned_for']}.{late}"
    if done["verdict"] == "snooze":
        return f"Snoozed “{short}” until {done['snoozed_until']}.{late}"
    return f"Rejected “{short}” ({done['reason']}).{late}"
