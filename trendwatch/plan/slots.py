"""Scheduling help: the default posting slot per platform, the next free slot, warnings.

A *slot* is a date and a local time (brand time zone) on one platform. Two live items in the
same slot on the same platform are a clash; a slot before now is in the past. Neither is
refused (a post may be backdated when it is recorded late, a double post may be intended):
the caller shows the warnings.

Best weekday/hour: once post performance is analysed (the "what sells" work,
``trendwatch.performance``), it can tell the best posting weekday and hour per platform.
It plugs in here with :func:`set_best_slot_provider`; until then the configured
``[plan] slots`` are used. The provider is asked only when a new item needs a slot.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ..config import Config
from ..daily.queries import WORKDAYS
from ..db.store import Store

#: (store, platform) -> (weekday 0=Monday..6, "HH:MM") or None when there is no evidence.
BestSlotProvider = Callable[[Store, str], "tuple[int, str] | None"]

_best_slot_provider: BestSlotProvider | None = None

#: How far ahead the next free slot is looked for (working days).
SEARCH_DAYS = 90


def set_best_slot_provider(provider: BestSlotProvider | None) -> None:
    """Let post-performance analysis suggest each platform's best weekday and hour.

    ``provider(store, platform)`` returns ``(weekday, "HH:MM")`` or None; it must only read
    the database and never raise for lack of data. ``None`` removes it."""
    global _best_slot_provider
    _best_slot_provider = provider


def canonical_platform(config: Config, platform: str | None) -> str | None:
    """The platform as the config spells it (``tiktok`` -> ``TikTok``), else as given."""
    if not platform or not platform.strip():
        return None
    text = platform.strip()
    for known in config.plan.slots:
        if known.lower() == text.lower():
            return known
    return text


def default_time(config: Config, platform: str | None) -> str:
    """The configured posting time for ``platform`` (``[plan] slots``, else ``default_slot``)."""
    name = canonical_platform(config, platform)
    return config.plan.slots.get(name or "", config.plan.default_slot)


def best_slot(store: Store, platform: str | None,
              tz: tzinfo | None = None) -> tuple[int, str] | None:
    """The best weekday and hour for ``platform`` from post performance, if known: the
    provider set with :func:`set_best_slot_provider`, else the brand's own posts
    (:func:`trendwatch.performance.best_slot.best_slot`, in the brand's time zone ``tz``)."""
    if not platform:
        return None
    try:
        if _best_slot_provider is not None:
            found = _best_slot_provider(store, platform)
        elif tz is not None:
            from ..performance.best_slot import best_slot as from_posts

            found = from_posts(store, platform, tz)
        else:
            return None
    except Exception:  # an analysis bug must never stop accepting a suggestion
        return None
    if not found:
        return None
    weekday, hhmm = found
    return (int(weekday) % 7, str(hhmm))


def suggested_slot(store: Store, config: Config, platform: str | None,
                   after: date) -> tuple[date, str]:
    """The first slot strictly after ``after``: the best weekday/hour when performance
    knows one, else the next working day at the platform's default time."""
    best = best_slot(store, platform, config.brand.tz)
    if best is not None:
        weekday, hhmm = best
        day = after + timedelta(days=1)
        while day.weekday() != weekday:
            day += timedelta(days=1)
        return day, hhmm
    day = after + timedelta(days=1)
    while day.weekday() not in WORKDAYS:
        day += timedelta(days=1)
    return day, default_time(config, platform)


def taken(store: Store, platform: str | None, day: date, hhmm: str | None,
          exclude_id: int | None = None) -> list[dict[str, Any]]:
    """Live plan items in this slot on this platform (case-insensitive), except one."""
    if not platform:
        return []
    return list(store.db.query(
        "select id, title from plan_items where archived_at is null and "
        "lower(platform) = lower(?) and planned_date = ? and planned_time is ? and id is not ?",
        [platform, day.isoformat(), hhmm, exclude_id]))


def next_free_slot(store: Store, config: Config, platform: str | None,
                   after: date) -> tuple[date, str]:
    """The suggested slot, or the first later one (same weekday pattern) nobody has taken
    on this platform: four suggestions accepted at once no longer pile onto one day."""
    day, hhmm = suggested_slot(store, config, platform, after)
    step_weekly = best_slot(store, platform) is not None
    for _ in range(SEARCH_DAYS):
        if not taken(store, platform, day, hhmm):
            return day, hhmm
        if step_weekly:
            day += timedelta(days=7)
        else:
            day += timedelta(days=1)
            while day.weekday() not in WORKDAYS:
                day += timedelta(days=1)
    return day, hhmm


def planned_moment(item: dict[str, Any], tz: tzinfo) -> datetime | None:
    """The item's date and time as an aware datetime (None without a date)."""
    if not item.get("planned_date"):
        return None
    day = date.fromisoformat(item["planned_date"])
    if item.get("planned_time"):
        h, m = item["planned_time"].split(":")
        return datetime.combine(day, time(int(h), int(m)), tz)
    return datetime.combine(day, time(23, 59), tz)  # no time yet: past only after the day


def _past(config: Config, item: dict[str, Any], now: datetime) -> list[str]:
    moment = planned_moment(item, config.brand.tz)
    if moment is not None and moment < now:
        return [f"{_slot_text(item)} is in the past"]
    return []


def _slot_text(item: dict[str, Any]) -> str:
    return item["planned_date"] + (f" {item['planned_time']}" if item.get("planned_time")
                                   else "")


def _clash(item: dict[str, Any], other_id: int) -> str:
    return f"{item['platform']} already has plan item {other_id} at {_slot_text(item)}"


def _live(config: Config, item: dict[str, Any]) -> bool:
    return not item.get("archived_at") and item.get("stage") != config.plan.stages[-1]


def warnings(store: Store, config: Config, item: dict[str, Any], now: datetime) -> list[str]:
    """What to tell the person who just planned ``item``: a past slot, a clash."""
    if not _live(config, item):
        return []
    out = _past(config, item, now)
    if item.get("planned_date"):
        for other in taken(store, item.get("platform"), date.fromisoformat(item["planned_date"]),
                           item.get("planned_time"), exclude_id=item.get("id")):
            out.append(_clash(item, other["id"]))
    return out


def warnings_for(store: Store, config: Config, rows: list[dict[str, Any]],
                 now: datetime) -> None:
    """Set ``row["warnings"]`` on every row, reading every live slot once (a page of
    hundreds of items costs one query, not one per item)."""
    by_slot: dict[tuple[str, str, str | None], list[int]] = {}
    for r in store.db.query("select id, platform, planned_date, planned_time from plan_items "
                            "where archived_at is null and platform is not null"):
        key = (r["platform"].lower(), r["planned_date"], r["planned_time"])
        by_slot.setdefault(key, []).append(r["id"])
    for row in rows:
        if not _live(config, row):
            row["warnings"] = []
            continue
        found = _past(config, row, now)
        if row.get("platform") and row.get("planned_date"):
            key = (row["platform"].lower(), row["planned_date"], row.get("planned_time"))
            found += [_clash(row, other) for other in by_slot.get(key, []) if other != row["id"]]
        row["warnings"] = found
