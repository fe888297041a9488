"""The content plan as an iCalendar feed (RFC 5545) that calendars import or subscribe to.

Each plan item is one event with a stable ``UID`` (``plan-<id>@<brand>.trendwatch.invalid``)
and ``SEQUENCE`` = the item's change counter, so importing again, or a subscribed calendar
refreshing, *updates* the event instead of adding a second one. Times are written in UTC
(``...Z``): every calendar app reads them without a VTIMEZONE block. An item without a
time is an all-day event; an item taken off the plan stays in the feed as
``STATUS:CANCELLED`` so calendars that imported it drop it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..config import Config
from ..daily.export import PRODID, uid_domain
from ..daily.render import clean_line, safe_url
from ..db.store import parse_iso, utcnow
from .slots import planned_moment

#: How often subscribers should refresh (Outlook: X-PUBLISHED-TTL, RFC 7986: REFRESH-INTERVAL).
REFRESH = timedelta(hours=1)


def duration(config: Config, fmt: str | None) -> timedelta:
    """The event length for a format: ``[plan] durations`` (case-insensitive), else the
    default."""
    wanted = (fmt or "").strip().lower()
    for name, seconds in config.plan.durations.items():
        if name.strip().lower() == wanted:
            return timedelta(seconds=seconds)
    return timedelta(seconds=config.plan.default_duration)


def uid(item: dict[str, Any], config: Config) -> str:
    return f"plan-{item['id']}@{uid_domain(config)}"


def description(item: dict[str, Any]) -> str:
    """Hook, angle, link, stage and owner: what the person who opens the event needs."""
    lines = []
    for label, key in (("Hook", "hook"), ("Angle", "angle"), ("Platform", "platform"),
                       ("Format", "format"), ("Stage", "stage"), ("Owner", "owner"),
                       ("Hashtags", "hashtags")):
        if item.get(key):
            lines.append(f"{label}: {clean_line(item[key])}")
    if item.get("caption"):
        lines.append("Caption: " + str(item["caption"]).strip())
    if item.get("notes"):
        lines.append("Notes: " + str(item["notes"]).strip())
    for label, key in (("Link", "url"), ("Posted", "post_url")):
        link = safe_url(item.get(key))
        if link:
            lines.append(f"{label}: {link}")
    lines.append(f"trendwatch plan item {item['id']}")
    return "\n".join(lines)


def to_ics(items: list[dict[str, Any]], config: Config, now: datetime | None = None) -> bytes:
    """An RFC 5545 calendar of plan items (live and archived, from ``items.list_items``)."""
    from icalendar import Calendar, Event

    stamp = (now or utcnow()).astimezone(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", clean_line(f"{config.brand.name} content plan"))
    cal.add("x-published-ttl", REFRESH)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    tz = config.brand.tz
    for item in items:
        event = Event()
        event.add("uid", uid(item, config))
        event.add("sequence", int(item.get("sequence") or 0))
        event.add("dtstamp", stamp)
        modified = parse_iso(item.get("updated_at"))
        if modified:
            event.add("last-modified", modified.astimezone(UTC).replace(microsecond=0))
        if item.get("planned_time"):
            start = planned_moment(item, tz)
            assert start is not None
            start = start.astimezone(UTC)
            event.add("dtstart", start)
            event.add("dtend", start + duration(config, item.get("format")))
        else:
            day = date.fromisoformat(item["planned_date"])
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))  # exclusive: one all-day event
        head = clean_line(item.get("platform") or "Post")
        event.add("summary", clean_line(f"{head}: {item['title']}")[:250])
        event.add("description", description(item))
        link = safe_url(item.get("url"))
        if link:
            event.add("url", link)
        event.add("status", "CANCELLED" if item.get("archived_at") else "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a content plan, not a meeting: shows as free
        cal.add_component(event)
    return bytes(cal.to_ical())


def feed(store: Any, config: Config, now: datetime | None = None) -> bytes:
    """The whole plan (live and taken-off items) as one calendar."""
    from .items import list_items, sync

    sync(store, config, now=now)
    items = list_items(store) + list_items(store, archived=True)
    items.sort(key=lambda i: (i["planned_date"], i["planned_time"] or "", i["id"]))
    return to_ics(items, config, now=now)


def version(store: Any) -> tuple[Any, ...]:
    """Changes whenever the feed would: every write to a plan item bumps ``updated_at`` and
    ``sequence``; a new item adds a row. (icalendar serialises ~1.5 ms an event, so a
    subscribed calendar polling an unchanged plan should not pay for it.)"""
    row = next(store.db.query("select count(*) as n, max(updated_at) as u, "
                              "total(sequence) as s from plan_items"))
    return (row["n"], row["u"], row["s"])
