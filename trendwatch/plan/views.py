"""The plan arranged for people: the week grid (days x platforms), the backlog by stage,
and the same rows for the terminal (table, JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from ..config import Config
from ..daily.render import clean_line, csv_cell, fit
from ..db.store import Store, utcnow
from . import items, slots
from .items import COLUMNS

#: The grid's row for items without a platform.
NO_PLATFORM = "Other"
#: Columns of ``plan``/``backlog --format csv``, as people read them.
CSV_COLUMNS = ("id", "planned_date", "planned_time", "platform", "format", "stage", "owner",
               "title", "hook", "angle", "caption", "hashtags", "notes", "url", "post_url",
               "suggestion_id", "origin", "warnings")


def with_warnings(store: Store, config: Config, **filters: Any) -> list[dict[str, Any]]:
    """Plan items (after giving accepted suggestions theirs, see ``items.sync``) filtered
    like ``items.list_items``, each with its ``warnings``."""
    items.sync(store, config)
    rows = items.list_items(store, **filters)
    slots.warnings_for(store, config, rows, utcnow())
    return rows


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def platforms(config: Config, items: Iterable[dict[str, Any]]) -> list[str]:
    """The grid's rows: the configured platforms in order, then any others in use."""
    known = list(config.plan.slots)
    lower = {p.lower() for p in known}
    extra = sorted({i["platform"] for i in items
                    if i.get("platform") and i["platform"].lower() not in lower})
    rows = known + extra
    if any(not i.get("platform") for i in items):
        rows.append(NO_PLATFORM)
    return rows


def week_grid(config: Config, items: list[dict[str, Any]], start: date) -> dict[str, Any]:
    """``days`` (7 dates from ``start``), ``platforms`` (rows), ``cells`` {(platform, iso
    date): [items]} and ``by_day`` {iso date: [items]} for the phone's day list."""
    days = [start + timedelta(days=n) for n in range(7)]
    names = {p.lower(): p for p in config.plan.slots}
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    by_day: dict[str, list[dict[str, Any]]] = {d.isoformat(): [] for d in days}
    for item in items:
        if item["planned_date"] not in by_day:
            continue
        platform = item.get("platform") or NO_PLATFORM
        platform = names.get(platform.lower(), platform)
        cells.setdefault((platform, item["planned_date"]), []).append(item)
        by_day[item["planned_date"]].append(item)
    return {"days": days, "platforms": platforms(config, items), "cells": cells,
            "by_day": by_day}


def by_stage(config: Config, items: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Items grouped by stage in the configured order; a stage no longer configured (the
    names were changed) comes last under its old name, so no item disappears."""
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in config.plan.stages}
    for item in items:
        groups.setdefault(item["stage"], []).append(item)
    return list(groups.items())


def records(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items with every documented key (``COLUMNS`` + ``warnings``), for JSON."""
    return [{**{k: i.get(k) for k in COLUMNS}, "warnings": i.get("warnings", [])}
            for i in items]


def to_json(items: list[dict[str, Any]]) -> str:
    return json.dumps(records(items), ensure_ascii=False, indent=2)


def to_csv(items: list[dict[str, Any]]) -> str:
    """UTF-8 CSV with a header row; formulas neutralised, line breaks kept inside quotes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        values = {**item, "warnings": "; ".join(item.get("warnings", []))}
        writer.writerow([csv_cell(values.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()


def _line(item: dict[str, Any], width: int) -> list[str]:
    when = date.fromisoformat(item["planned_date"]).strftime("%a %d %b")
    when += f" {item['planned_time']}" if item.get("planned_time") else ""
    pad = " " * 6
    out = [(f"{item['id']:>4}  {when:<16} {fit(clean_line(item.get('platform') or '-'), 10)} "
            f"{fit(clean_line(item['stage']), 9)} "
            f"{clean_line(item.get('owner') or '-')}").rstrip(),
           pad + fit(clean_line(item["title"]), width - len(pad)).rstrip()]
    detail = []
    if item.get("format"):
        detail.append(clean_line(item["format"]))
    if item.get("hook"):
        detail.append("hook: " + clean_line(item["hook"]))
    if item.get("post_url"):
        detail.append("posted: " + clean_line(item["post_url"]))
    if detail:
        out.append(pad + fit(" · ".join(detail), width - len(pad)).rstrip())
    for w in item.get("warnings", []):
        out.append(pad + "! " + clean_line(w))
    return out


HEADER = f"{'ID':>4}  {'WHEN':<16} {'PLATFORM':<10} {'STAGE':<9} OWNER"


def table(items: list[dict[str, Any]], width: int) -> str:
    """Items by date, one line each plus a detail line (format, hook, post URL, warnings)."""
    out = [HEADER]
    for item in items:
        out += _line(item, width)
    return "\n".join(out)


def stage_table(config: Config, items: list[dict[str, Any]], width: int) -> str:
    """The backlog: a heading per stage (with its count), then its items by date."""
    out = [HEADER]
    for stage, group in by_stage(config, items):
        out.append("")
        out.append(f"== {clean_line(stage)} ({len(group)})")
        for item in group:
            out += _line(item, width)
    return "\n".join(out)
