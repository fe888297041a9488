"""The best weekday and time of day to post on one platform, from the brand's own posts.

The content plan asks this when a new item needs a slot (``trendwatch.plan.slots``): once a
platform has enough posts with numbers, a new TikTok item lands on the weekday and in the
time window where this brand's TikTok posts did best, instead of the configured default.

Small numbers are respected the same way as on the Performance page: weekday and hour
groups are shrunk toward the platform's median (:func:`trendwatch.performance.analysis.analyse`),
a group needs :data:`MIN_GROUP` posts, and a slot is suggested only when both its weekday
and its time window beat the median after shrinking. Otherwise the answer is None and the
plan keeps ``[plan] slots``.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from .analysis import HOUR_WINDOWS, WEEKDAYS, Group, analyse, load_posts

#: Posts of the platform with numbers before any slot is suggested.
MIN_POSTS = 8
#: Posts a weekday or time window needs to be considered at all.
MIN_GROUP = 3


def best_slot(store: Any, platform: str, tz: tzinfo) -> tuple[int, str] | None:
    """``(weekday 0=Monday, "HH:MM")`` where ``platform`` posts did best, or None."""
    wanted = platform.strip().lower()
    posts = [p for p in load_posts(store) if (p["platform"] or "").lower() == wanted]
    analysis = analyse(posts, tz)
    if analysis.n_rated < MIN_POSTS:
        return None
    day = _top(analysis.groups.get("weekday", []))
    window = _top(analysis.groups.get("hour", []))
    if day is None or window is None:
        return None
    lo, hi = next(w for w in HOUR_WINDOWS if f"{w[0]:02d}" == window.key[0][:2])
    # the middle of the window: 18–21 -> 19:30
    minutes = (lo * 60 + hi * 60) // 2
    return WEEKDAYS.index(day.key[0]), f"{minutes // 60:02d}:{minutes % 60:02d}"


def _top(groups: list[Group]) -> Group | None:
    good = [g for g in groups if g.n >= MIN_GROUP and g.shrunk_lift > 1.0]
    return max(good, key=lambda g: (g.shrunk_lift, g.n)) if good else None
