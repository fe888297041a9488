"""What sells, with care for small numbers.

Every post is measured against its own platform: its **lift** is its engagement rate
divided by the median engagement rate of all the brand's posts on that platform (rates are
defined differently per platform, see :mod:`.model`, so only ratios compare across them).
A lift of 2 means "twice your usual engagement there".

For a group of posts (a theme, a format, a theme × platform × format, a weekday...):

- ``n``, the median lift and the median reach/views, as they are;
- an honest 95 % interval of the median lift from order statistics (distribution-free:
  the ``j``-th and ``n+1-j``-th smallest values, ``j`` from the binomial(n, ½) tails). With
  fewer than 6 posts no such interval reaches 95 %: the full range is shown with the
  coverage it really has;
- a **shrunk** lift: the group's median log-lift pulled toward the brand's (0, i.e. lift
  1) by ``n / (n + k)``. ``k`` is estimated from the data, empirical-Bayes style (method
  of moments): the spread of posts within groups against the spread between groups. When
  groups differ no more than noise would make them, ``k`` is large and every group stays
  at 1×; two lucky posts never crown a format. ``k`` never goes below
  ``[performance] prior_posts``.

Pure Python (``statistics``), no numpy: the web page computes this per request.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from ..db.store import Store, loads, parse_iso

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Time-of-day windows (local hours) for "best time to post".
HOUR_WINDOWS = ((0, 6), (6, 9), (9, 12), (12, 15), (15, 18), (18, 21), (21, 24))
#: "Speed" windows: hours from the trend first seen to the post.
SPEED_WINDOWS = ((0, 6, "< 6 h"), (6, 24, "6–24 h"), (24, 72, "1–3 days"),
                 (72, math.inf, "> 3 days"))
#: A zero engagement rate counts as this fraction of the platform median (log of 0).
FLOOR = 0.05


@dataclass
class Group:
    """One group's figures (see the module docstring)."""

    key: tuple[str, ...]
    n: int
    median_lift: float
    low: float
    high: float
    coverage: float
    shrunk_lift: float
    median_rate: float | None
    median_reach: float | None
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"key": list(self.key), "label": self.label, "n": self.n,
                "median_lift": round(self.median_lift, 3), "low": round(self.low, 3),
                "high": round(self.high, 3), "coverage": round(self.coverage, 3),
                "shrunk_lift": round(self.shrunk_lift, 3),
                "median_rate": None if self.median_rate is None else round(self.median_rate, 5),
                "median_reach": self.median_reach}


@dataclass
class Analysis:
    """Everything the report, the page and the ranking read."""

    n_posts: int = 0
    n_rated: int = 0
    n_linked: int = 0
    baseline: dict[str, float] = field(default_factory=dict)   # platform -> median rate
    k: float = 0.0
    groups: dict[str, list[Group]] = field(default_factory=dict)
    speed_points: list[dict[str, Any]] = field(default_factory=list)
    weekly: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"n_posts": self.n_posts, "n_rated": self.n_rated, "n_linked": self.n_linked,
                "baseline": {k: round(v, 5) for k, v in self.baseline.items()},
                "prior_posts": round(self.k, 2) if math.isfinite(self.k) else None,
                "groups": {name: [g.as_dict() for g in gs] for name, gs in self.groups.items()},
                "speed_points": self.speed_points, "weekly": self.weekly}


# -- statistics -------------------------------------------------------------------------


def median_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """``(low, high, coverage)``: the distribution-free interval of the median from order
    statistics. ``coverage`` is the exact probability it holds the true median (below
    ``level`` only when there are too few values for any interval to reach it)."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return math.nan, math.nan, 0.0
    if n == 1:
        return xs[0], xs[0], 0.0
    if n > 100:
        # the normal approximation is within a rank of the exact one here, and O(1)
        z = statistics.NormalDist().inv_cdf(1 - (1 - level) / 2)
        j = max(1, math.floor((n - z * math.sqrt(n)) / 2))
        tail = statistics.NormalDist(n / 2, math.sqrt(n) / 2).cdf(j - 0.5)
        return xs[j - 1], xs[n - j], 1 - 2 * tail
    # the largest rank j with P(B <= j-1) <= (1-level)/2, B ~ Binomial(n, 1/2); the tail
    # is summed term by term in log space (linear in n; 2^-n underflows past n = 1074)
    def pmf(i: int) -> float:
        return math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                        + n * math.log(0.5))

    best_j, best_tail = 1, pmf(0)  # below 6 values: the range, with its real coverage
    cdf = 0.0
    for j in range(1, n // 2 + 1):
        cdf += pmf(j - 1)
        if cdf > (1 - level) / 2:
            break
        best_j, best_tail = j, cdf
    return xs[best_j - 1], xs[n - best_j], 1 - 2 * best_tail


def prior_strength(groups: Iterable[Sequence[float]], floor: float) -> float:
    """``k`` for shrinking group means of log-lifts (method of moments, one-way random
    effects): ``sigma² / tau²``, never below ``floor``; infinite when the groups differ no
    more than noise explains (then nothing moves)."""
    gs = [list(g) for g in groups if len(g) >= 1]
    multi = [g for g in gs if len(g) >= 2]
    if len(gs) < 2 or not multi:
        return math.inf
    within = 0.0
    for g in multi:
        mean = statistics.fmean(g)
        within += sum((x - mean) ** 2 for x in g)
    dof = sum(len(g) - 1 for g in multi)
    sigma2 = within / dof if dof else 0.0
    means = [statistics.fmean(g) for g in gs]
    sizes = [len(g) for g in gs]
    grand = sum(m * s for m, s in zip(means, sizes, strict=True)) / sum(sizes)
    between = sum(s * (m - grand) ** 2 for m, s in zip(means, sizes, strict=True)) \
        / (len(gs) - 1)
    n0 = (sum(sizes) - sum(s * s for s in sizes) / sum(sizes)) / (len(gs) - 1)
    tau2 = (between - sigma2) / n0 if n0 > 0 else 0.0
    if tau2 <= 1e-12:
        return math.inf
    return max(floor, sigma2 / tau2)


def shrink(values: Sequence[float], k: float) -> float:
    """The group's median log-lift pulled toward 0 by ``n / (n + k)``."""
    if not values:
        return 0.0
    if math.isinf(k):
        return 0.0
    n = len(values)
    return statistics.median(values) * n / (n + k)


# -- loading ----------------------------------------------------------------------------

POSTS_SQL = """
    select p.id, p.platform, p.format, p.published_at, p.published_estimated, p.title,
           p.url, p.suggestion_id, p.extra, s.theme, i.first_seen_at as trend_seen_at,
           m.views, m.reach, m.impressions, m.engagement_rate
    from posts p
    left join suggestions s on s.id = p.suggestion_id
    left join items i on i.id = s.item_id
    left join (select post_id, max(id) as latest from post_metrics group by post_id) l
           on l.post_id = p.id
    left join post_metrics m on m.id = l.latest
"""


def load_posts(store: Any, since: datetime | None = None) -> list[dict[str, Any]]:
    """Every post with its latest numbers, theme and trend time (``store``: Store or
    Reader)."""
    rows = store.query(POSTS_SQL)
    if since is not None:
        cut = since.isoformat()
        rows = [r for r in rows if (r["published_at"] or "") >= cut[:19]]
    return rows


# -- the analysis -----------------------------------------------------------------------


def analyse(posts: Sequence[dict[str, Any]], tz: tzinfo, *, prior_posts: float = 5.0,
            weeks: int = 26, now: datetime | None = None) -> Analysis:
    """The figures of :class:`Analysis` from :func:`load_posts` rows."""
    out = Analysis(n_posts=len(posts), n_linked=sum(1 for p in posts if p["suggestion_id"]))
    by_platform: dict[str, list[float]] = defaultdict(list)
    for p in posts:
        if p["engagement_rate"] is not None:
            by_platform[p["platform"]].append(float(p["engagement_rate"]))
    out.baseline = {k: statistics.median(v) for k, v in by_platform.items()
                    if v and statistics.median(v) > 0}
    rated = []
    for p in posts:
        base = out.baseline.get(p["platform"])
        rate = p["engagement_rate"]
        if base is None or rate is None:
            continue
        lift = max(float(rate) / base, FLOOR)
        published = parse_iso(p["published_at"])
        extra = loads(p.get("extra"), {}) or {}
        rated.append({**p, "lift": lift, "log": math.log(lift), "hours": _hours(p),
                      "local": published.astimezone(tz) if published else None,
                      "date_only": bool(extra.get("date_only")) or bool(
                          p.get("published_estimated")),
                      "reach_or_views": p["reach"] if p["reach"] is not None else p["views"]})
    out.n_rated = len(rated)
    out.posts = rated

    def theme_of(p: dict[str, Any]) -> str:
        return p["theme"] or "(unlinked)"

    dims: dict[str, Callable[[dict[str, Any]], tuple[str, ...] | None]] = {
        "theme": lambda p: (theme_of(p),),
        "platform": lambda p: (p["platform"],),
        "format": lambda p: (p["format"] or "other",),
        "theme_format": lambda p: (theme_of(p), p["platform"], p["format"] or "other"),
        "weekday": lambda p: (WEEKDAYS[p["local"].weekday()],) if p["local"] else None,
        "hour": lambda p: (_window(p["local"].hour),) if p["local"] and not p["date_only"]
        else None,
        "speed": lambda p: (_speed(p["hours"]),) if p["hours"] is not None else None,
    }
    # k of the finest grouping (theme x platform x format), reported as "prior posts"
    fine: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for p in rated:
        fine[dims["theme_format"](p) or ()].append(p["log"])
    out.k = prior_strength(fine.values(), prior_posts)
    for name, keyf in dims.items():
        buckets: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for p in rated:
            key = keyf(p)
            if key is not None:
                buckets[key].append(p)
        # each grouping its own k: weekdays may differ while formats do not
        k = prior_strength([[p["log"] for p in ps] for ps in buckets.values()],
                           prior_posts)
        groups = [_group(key, ps, k) for key, ps in buckets.items()]
        order = {"weekday": lambda g: WEEKDAYS.index(g.key[0]),
                 "hour": lambda g: [w[0] for w in HOUR_WINDOWS].index(int(g.key[0][:2])),
                 "speed": lambda g: [w[2] for w in SPEED_WINDOWS].index(g.key[0])}
        groups.sort(key=order.get(name, lambda g: (-g.shrunk_lift, -g.n)))
        out.groups[name] = groups
    out.speed_points = [{"hours": round(p["hours"], 1), "lift": round(p["lift"], 3),
                         "platform": p["platform"]}
                        for p in rated if p["hours"] is not None]
    out.weekly = _weekly(posts, tz, weeks, now)
    return out


def _group(key: tuple[str, ...], ps: Sequence[dict[str, Any]], k: float) -> Group:
    lifts = [p["lift"] for p in ps]
    low, high, cov = median_interval(lifts)
    rates = [float(p["engagement_rate"]) for p in ps]
    reach = [float(p["reach_or_views"]) for p in ps if p["reach_or_views"] is not None]
    return Group(key=key, n=len(ps), median_lift=statistics.median(lifts), low=low, high=high,
                 coverage=cov, shrunk_lift=math.exp(shrink([p["log"] for p in ps], k)),
                 median_rate=statistics.median(rates) if rates else None,
                 median_reach=statistics.median(reach) if reach else None,
                 label=" · ".join(key))


def _window(hour: int) -> str:
    for lo, hi in HOUR_WINDOWS:
        if lo <= hour < hi:
            return f"{lo:02d}–{hi:02d}"
    return "00–06"


def _hours(p: dict[str, Any]) -> float | None:
    seen = parse_iso(p.get("trend_seen_at"))
    published = parse_iso(p.get("published_at"))
    if seen is None or published is None:
        return None
    return max(0.0, (published - seen).total_seconds() / 3600)


def _speed(h: float) -> str:
    for lo, hi, label in SPEED_WINDOWS:
        if lo <= h < hi:
            return label
    return SPEED_WINDOWS[-1][2]


def _weekly(posts: Sequence[dict[str, Any]], tz: tzinfo, weeks: int,
            now: datetime | None) -> list[dict[str, Any]]:
    """Posts per week (Monday-based, local time) and platform, the last ``weeks`` weeks
    ending with the latest post's week (or ``now``'s)."""
    stamps = [(parse_iso(p["published_at"]), p["platform"]) for p in posts
              if p["published_at"]]
    if not stamps:
        return []
    end = (now.astimezone(tz) if now else max(s for s, _ in stamps).astimezone(tz)).date()
    end_monday = end - timedelta(days=end.weekday())
    first = end_monday - timedelta(weeks=weeks - 1)
    counts: dict[str, dict[str, int]] = {
        (first + timedelta(weeks=i)).isoformat(): defaultdict(int) for i in range(weeks)}
    for stamp, platform in stamps:
        day = stamp.astimezone(tz).date()
        monday = (day - timedelta(days=day.weekday())).isoformat()
        if monday in counts:
            counts[monday][platform] += 1
    return [{"week": w, "total": sum(c.values()), "by_platform": dict(c)}
            for w, c in counts.items()]


def analyse_store(store: Store | Any, tz: tzinfo, *, prior_posts: float = 5.0,
                  now: datetime | None = None, since: datetime | None = None) -> Analysis:
    return analyse(load_posts(store, since), tz, prior_posts=prior_posts, now=now)
