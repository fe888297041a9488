"""The content calendar: accepted suggestions as an iCalendar file or a CSV sheet.

The .ics follows RFC 5545 with only the properties every calendar app understands
(Google Calendar and Outlook import it): one all-day ``VEVENT`` per accepted suggestion on
its planned post date, with a stable ``UID`` so importing again updates rather than
duplicates.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from typing import Any

from .config import Config
from .render import clean_line, csv_cell, safe_url
from .store import utcnow

PRODID = "-//trendwatch//content calendar//EN"

#: Columns of ``export --format csv`` (a stable interface, like the JSON schema).
CSV_COLUMNS = ("planned_for", "id", "title", "url", "theme", "theme_name", "score",
               "sources", "angles", "why", "accepted_at", "note")


def uid_domain(config: Config) -> str:
    """The domain part of every UID this brand's calendars use."""
    slug = re.sub(r"[^a-z0-9]+", "-", config.brand.name.lower()).strip("-")
    return f"{slug or 'brand'}.trendwatch.invalid"


def angle_lines(row: dict[str, Any]) -> list[str]:
    """``TikTok video 30 detik: hook (why now)`` per angle, as clean single lines."""
    out = []
    for a in row.get("angles") or []:
        if not isinstance(a, dict):
            continue
        head = clean_line(f"{a.get('platform', '')} {a.get('format', '')}")
        text = f"{head}: {clean_line(a.get('hook'))}"
        if a.get("why_now"):
            text += f" ({clean_line(a['why_now'])})"
        out.append(text)
    return out


def _description(row: dict[str, Any]) -> str:
    lines = [f"Theme: {clean_line(row.get('theme_name') or row.get('theme') or 'none')}"
             f" · score {row['score']:.2f}"]
    angles = angle_lines(row)
    if angles:
        lines.append("Angles:")
        lines.extend(f"- {a}" for a in angles)
    if row.get("why"):
        lines.append("Why: " + ", ".join(clean_line(w) for w in row["why"]))
    lines.append("Sources: " + ", ".join(clean_line(s) for s in row.get("sources") or []))
    if row.get("note"):
        lines.append(f"Note: {clean_line(row['note'])}")
    link = safe_url(row.get("url"))
    if link:
        lines.append(f"Link: {link}")
    lines.append(f"trendwatch suggestion {row['id']}")
    return "\n".join(lines)


def to_ics(rows: list[dict[str, Any]], config: Config, now: datetime | None = None) -> bytes:
    """An RFC 5545 calendar: one all-day event per row (rows from ``queries.backlog``)."""
    from icalendar import Calendar, Event

    stamp = (now or utcnow()).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    domain = uid_domain(config)
    for row in rows:
        day = date.fromisoformat(row["planned_for"])
        event = Event()
        event.add("uid", f"suggestion-{row['id']}-item-{row['item_id']}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        # DTEND is exclusive: the next day makes a one-day all-day event (Outlook wants it).
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", clean_line(f"Post: {row['title']}")[:250])
        event.add("description", _description(row))
        link = safe_url(row.get("url"))
        if link:
            event.add("url", link)
        event.add("transp", "TRANSPARENT")  # a content plan, not a meeting: shows as free
        cal.add_component(event)
    return bytes(cal.to_ical())


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The backlog as CSV (UTF-8, a header row, formulas neutralised)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = {
            **row,
            "title": clean_line(row["title"]),
            "sources": ", ".join(row.get("sources") or []),
            "angles": " | ".join(angle_lines(row)),
            "why": ", ".join(clean_line(w) for w in row.get("why") or []),
            "note": clean_line(row.get("note")),
        }
        writer.writerow([csv_cell(values.get(col)) for col in CSV_COLUMNS])
    return buf.getvalue()
