"""The content calendar as a CSV sheet of accepted suggestions, and what the calendar
formats share (angle lines, the UID domain, PRODID).

The iCalendar feed is built from the plan: ``trendwatch.plan.calendar``.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from ..config import Config
from .render import clean_line, csv_cell

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
