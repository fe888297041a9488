"""Server-rendered SVG plots for the Performance page: no JavaScript, no CDN, no charting
library. Each plot is drawn in a 360-unit-wide ``viewBox`` and scales to the page, so on a
phone one unit is about one CSS pixel and the 11-unit text stays readable.

Every label is escaped (theme ids and platform names come from config and exports).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from .analysis import Group

W = 360
COLOURS = {"instagram": "#c13584", "tiktok": "#111111", "youtube": "#d00000",
           "facebook": "#1877f2", "linkedin": "#0a66c2", "x": "#555555",
           "threads": "#7a7a7a", "other": "#8a8a8a"}
FONT = 'font-family="system-ui,sans-serif" font-size="11"'


def _svg(height: float, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg class="plot" viewBox="0 0 {W} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
        + "".join(body) + "</svg>")


def _log_x(lift: float, lo: float, hi: float, x0: float, x1: float) -> float:
    lift = min(max(lift, lo), hi)
    return x0 + (math.log(lift) - math.log(lo)) / (math.log(hi) - math.log(lo)) * (x1 - x0)


def lift_chart(groups: Sequence[Group], title: str, *, limit: int = 12) -> Markup:
    """One row per group: its label on top, then its 95 % interval (line), raw median
    (hollow dot) and shrunk lift (filled dot) on a log axis around 1× (your median), with
    ``n``. Labels get the full width, so long theme names stay readable on a phone."""
    rows = list(groups)[:limit]
    if not rows:
        return Markup("")
    lo = min(0.25, *(max(g.low, 0.05) for g in rows))
    hi = max(4.0, *(g.high for g in rows))
    x0, x1 = 8, W - 44
    row_h, top = 34, 18
    height = top + row_h * len(rows) + 22
    body = [f'<text x="{x1}" y="12" {FONT} text-anchor="end" fill="#555">'
            "× your median engagement</text>"]
    for tick in (0.25, 0.5, 1, 2, 4):
        if lo <= tick <= hi:
            x = _log_x(tick, lo, hi, x0, x1)
            colour = "#999" if tick == 1 else "#e3e3e3"
            body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
                        f'y2="{height - 20}" stroke="{colour}" stroke-width="1"/>')
            body.append(f'<text x="{x:.1f}" y="{height - 6}" {FONT} text-anchor="middle" '
                        f'fill="#555">{tick:g}×</text>')
    for i, g in enumerate(rows):
        y_text = top + row_h * i + 12
        y = y_text + 11
        label = g.label if len(g.label) <= 56 else g.label[:55] + "…"
        body.append(f'<text x="{x0}" y="{y_text:.1f}" {FONT} font-weight="600">'
                    f'{escape(label)}</text>')
        xl, xh = _log_x(max(g.low, 0.05), lo, hi, x0, x1), _log_x(g.high, lo, hi, x0, x1)
        body.append(f'<line x1="{xl:.1f}" y1="{y:.1f}" x2="{xh:.1f}" y2="{y:.1f}" '
                    f'stroke="#7aa0d8" stroke-width="3" stroke-linecap="round"/>')
        xm = _log_x(g.median_lift, lo, hi, x0, x1)
        body.append(f'<circle cx="{xm:.1f}" cy="{y:.1f}" r="4" fill="#fff" '
                    f'stroke="#1f4e99" stroke-width="1.5"/>')
        xs = _log_x(g.shrunk_lift, lo, hi, x0, x1)
        body.append(f'<circle class="shrunk" cx="{xs:.1f}" cy="{y:.1f}" r="4" '
                    f'fill="#1f4e99"><title>{escape(g.label)}: shrunk '
                    f'{g.shrunk_lift:.2f}×, median {g.median_lift:.2f}×, n = {g.n}</title>'
                    "</circle>")
        body.append(f'<text x="{W - 2}" y="{y + 4:.1f}" {FONT} text-anchor="end" '
                    f'fill="#555">{g.shrunk_lift:.1f}× n={g.n}</text>')
    return _svg(height, body, title)


def weekly_chart(weekly: Sequence[dict[str, Any]], title: str) -> Markup:
    """Posts per week, stacked by platform."""
    if not weekly:
        return Markup("")
    platforms = sorted({p for w in weekly for p in w["by_platform"]})
    top_n = max(1, max(w["total"] for w in weekly))
    x0, x1, y0, y1 = 26, W - 4, 14, 150
    bar_w = (x1 - x0) / len(weekly)
    body = [f'<text x="{x0}" y="10" {FONT} fill="#555">posts per week</text>',
            f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#999"/>',
            f'<text x="{x0 - 4}" y="{y0 + 8}" {FONT} text-anchor="end">{top_n}</text>',
            f'<text x="{x0 - 4}" y="{y1}" {FONT} text-anchor="end">0</text>']
    for i, w in enumerate(weekly):
        x = x0 + i * bar_w
        y = y1
        for p in platforms:
            n = w["by_platform"].get(p, 0)
            if not n:
                continue
            h = n / top_n * (y1 - y0)
            y -= h
            body.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
                        f'height="{h:.1f}" fill="{COLOURS.get(p, COLOURS["other"])}">'
                        f'<title>week of {escape(w["week"])}: {n} {escape(p)}</title></rect>')
        if i % max(1, len(weekly) // 4) == 0:
            body.append(f'<text x="{x + bar_w / 2:.1f}" y="{y1 + 13}" {FONT} '
                        f'text-anchor="middle">{escape(w["week"][5:])}</text>')
    lx = x0
    for p in platforms:
        body.append(f'<rect x="{lx}" y="{y1 + 20}" width="9" height="9" '
                    f'fill="{COLOURS.get(p, COLOURS["other"])}"/>')
        body.append(f'<text x="{lx + 12}" y="{y1 + 28}" {FONT}>{escape(p)}</text>')
        lx += 16 + 7 * len(p)
    return _svg(y1 + 36, body, title)


def speed_chart(points: Sequence[dict[str, Any]], groups: Sequence[Group],
                title: str) -> Markup:
    """Each linked post: hours from trend first seen to post (log axis) against its lift
    (log axis); the shrunk lift of each speed window as a line."""
    if not points:
        return Markup("")
    x0, x1, y0, y1 = 42, W - 6, 12, 170
    hmax = max(96.0, max(p["hours"] for p in points))

    def px(h: float) -> float:
        return x0 + math.log1p(h) / math.log1p(hmax) * (x1 - x0)

    def py(lift: float) -> float:
        lift = min(max(lift, 0.125), 8)
        return y1 - (math.log(lift) + math.log(8)) / (2 * math.log(8)) * (y1 - y0)

    body = [f'<line x1="{x0}" y1="{py(1):.1f}" x2="{x1}" y2="{py(1):.1f}" stroke="#999" '
            'stroke-dasharray="3 3"/>',
            f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#999"/>']
    for lift in (0.25, 1, 4):
        body.append(f'<text x="{x0 - 4}" y="{py(lift) + 4:.1f}" {FONT} '
                    f'text-anchor="end">{lift:g}×</text>')
    for h, label in ((1, "1 h"), (6, "6 h"), (24, "1 d"), (72, "3 d")):
        body.append(f'<text x="{px(h):.1f}" y="{y1 + 13}" {FONT} text-anchor="middle">'
                    f"{label}</text>")
    for p in points:
        colour = COLOURS.get(p["platform"], COLOURS["other"])
        body.append(f'<circle cx="{px(p["hours"]):.1f}" cy="{py(p["lift"]):.1f}" r="2.6" '
                    f'fill="{colour}" fill-opacity="0.55"/>')
    bounds = {"< 6 h": (0, 6), "6–24 h": (6, 24), "1–3 days": (24, 72),
              "> 3 days": (72, hmax)}
    for g in groups:
        lo, hi = bounds.get(g.key[0], (None, None))
        if lo is None:
            continue
        y = py(g.shrunk_lift)
        body.append(f'<line x1="{px(lo):.1f}" y1="{y:.1f}" x2="{px(hi):.1f}" y2="{y:.1f}" '
                    f'stroke="#1f4e99" stroke-width="3"><title>{escape(g.key[0])}: '
                    f'{g.shrunk_lift:.2f}× (n = {g.n})</title></line>')
    body.append(f'<text x="{x1}" y="{y0 + 2}" {FONT} text-anchor="end" fill="#555">'
                "hours from trend first seen → post</text>")
    return _svg(y1 + 20, body, title)
