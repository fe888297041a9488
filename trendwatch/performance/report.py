"""The analysis in words: the terminal report, ``--format json|csv``, and the weekly section
of the Monday digest."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from .analysis import Analysis, Group, analyse, load_posts

#: Groupings in the order the report shows them, with their headings.
SECTIONS = (("theme", "By theme"), ("format", "By format"), ("platform", "By platform"),
            ("theme_format", "Theme × platform × format"), ("weekday", "By weekday"),
            ("hour", "By time of day"), ("speed", "Speed: trend first seen → post"))
CSV_COLUMNS = ("dimension", "group", "n", "median_lift", "low", "high", "coverage",
               "shrunk_lift", "median_rate", "median_reach")


def _lift(x: float) -> str:
    return f"{x:.2f}×"


def group_line(g: Group) -> str:
    """``n`` · median with its interval · shrunk estimate, as one readable line."""
    interval = f"{_lift(g.low)}–{_lift(g.high)}"
    cov = "95%" if g.coverage >= 0.949 else f"{g.coverage * 100:.0f}% only"
    reach = f"  reach/views {g.median_reach:,.0f}" if g.median_reach is not None else ""
    return (f"n={g.n:<3} median {_lift(g.median_lift)} ({cov}: {interval})  "
            f"shrunk {_lift(g.shrunk_lift)}{reach}")


def text_report(a: Analysis, tz_name: str) -> str:
    if not a.n_posts:
        return ("No posts yet. Import an export: trendwatch performance import FILE "
                "(see docs/performance.md).")
    lines = [f"{a.n_posts} posts, {a.n_rated} with an engagement rate, "
             f"{a.n_linked} linked to a suggestion.",
             "Lift = engagement rate / your median on that platform "
             + ", ".join(f"({p}: {v * 100:.2f}%)" for p, v in sorted(a.baseline.items())),
             "'shrunk' pulls small groups toward 1.00× (your median); trust it over the raw "
             "median."]
    for name, title in SECTIONS:
        groups = a.groups.get(name) or []
        if not groups:
            continue
        if name in ("weekday", "hour"):
            title += f" ({tz_name})"
        lines += ["", title]
        width = max(len(g.label) for g in groups)
        lines += [f"  {g.label:<{width}}  {group_line(g)}" for g in groups]
    return "\n".join(lines)


def csv_report(a: Analysis) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for name, _ in SECTIONS:
        for g in a.groups.get(name) or []:
            d = g.as_dict()
            w.writerow([name, g.label] + [d[c] for c in CSV_COLUMNS[2:]])
    return buf.getvalue().rstrip("\n")


def json_report(a: Analysis) -> str:
    return json.dumps(a.as_dict(), ensure_ascii=False, indent=2)


def weekly_section(store: Any, tz: tzinfo, day: date, *, prior_posts: float = 5.0,
                   force: bool = False) -> dict[str, Any] | None:
    """The Monday digest's "last week's posts" section (``None`` on other days, or when
    there are no posts at all): last week's posts with their lift, and the three best
    groups overall (shrunk)."""
    if day.weekday() != 0 and not force:
        return None
    posts = load_posts(store)
    if not posts:
        return None
    a = analyse(posts, tz, prior_posts=prior_posts)
    start = datetime.combine(day - timedelta(days=7), datetime.min.time(), tz)
    end = datetime.combine(day, datetime.min.time(), tz)
    week = [p for p in a.posts if p["local"] is not None and start <= p["local"] < end]
    week.sort(key=lambda p: -p["lift"])
    best = sorted((g for name in ("theme_format", "weekday", "hour")
                   for g in a.groups.get(name) or [] if g.n >= 3),
                  key=lambda g: -g.shrunk_lift)[:3]
    return {"start": start.date().isoformat(), "end": (end.date() - timedelta(days=1)).isoformat(),
            "n_week": len(week),
            "posts": [{"title": p["title"] or p["url"] or f"post {p['id']}", "url": p["url"],
                       "platform": p["platform"], "format": p["format"],
                       "lift": round(p["lift"], 2), "theme": p["theme"]} for p in week[:8]],
            "best": [{"label": g.label, "n": g.n, "shrunk_lift": round(g.shrunk_lift, 2)}
                     for g in best],
            "n_posts": a.n_posts}
