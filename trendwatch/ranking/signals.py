"""Trend signals and the suggestion score. No scikit-learn, no database: plain functions.

Every signal is in [0, 1]:

``trend``
    How big the item is *on its own source*: the percentile of its source metric among the
    same source's items in the ranking window. Sources count on different scales (Google
    Trends "50,000+" searches, YouTube views, Reddit score, Mastodon uses), so only the rank
    within a source is comparable. One metric per item, the first present of
    :data:`METRIC_PRIORITY`, log-scaled. Items without metrics (most RSS) get 0: no evidence
    that they trend.
``momentum``
    The same story (:mod:`trendwatch.stories`) seen by several sources, and how fast:
    ``(1 - 1/n) · (0.6 + 0.4 · new/n)`` for ``n`` distinct sources of which ``new`` first
    carried it in the last three hours. Spread alone gives 1 → 0, 2 → 0.5, 5 → 0.8; a story
    five outlets picked up in the last three hours keeps 0.8, one that reached five over
    days gets 0.48. The ``signals`` object also holds ``new_sources``.
``recency``
    ``0.5 ** (age / half_life)`` with ``[ranking] half_life`` (default 24 h); a date in the
    future counts as now.
``novelty``
    ``1 -`` the largest word overlap (Jaccard of content words) with anything suggested in
    the previous 14 days: a fifth headline about the same premiere is worth less than a new
    topic. (Items already suggested or reviewed are excluded outright, not just scored low.)

The suggestion score is the weighted mean (weights from ``[ranking.weights]``)::

    score = (w_rel·relevance + w_trend·trend + w_mom·momentum + w_rec·recency + w_nov·novelty)
            / (w_rel + w_trend + w_mom + w_rec + w_nov)

With the defaults (0.55, 0.15, 0.15, 0.10, 0.05) relevance dominates: a viral item that is
off-brand (relevance below ``min_relevance``) is never suggested at all, and among
on-brand items the trend signals reorder.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..config import RankingWeights
from ..parse.tokens import content_tokens

#: Which metric stands for "how big" on a source, most telling first. ``rank`` is
#: lower-is-better (Wikipedia top pages) and is negated.
METRIC_PRIORITY = ("traffic", "views", "uses", "score", "points", "ups", "likes",
                   "num_comments", "comments", "accounts", "rank")
LOWER_IS_BETTER = frozenset({"rank"})


def metric_value(metrics: Mapping[str, Any] | None) -> float | None:
    """The item's one comparable number (log-scaled), or None when it has none."""
    if not metrics:
        return None
    for key in METRIC_PRIORITY:
        value = metrics.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            if key in LOWER_IS_BETTER:
                return -float(value)
            return math.log1p(max(float(value), 0.0))
    return None


def trend_scores(items: Iterable[tuple[int, str, Mapping[str, Any] | None]]) -> dict[int, float]:
    """``{item id: trend}`` from ``(id, source, metrics)``: the mid-rank percentile of each
    item's metric among its source's items (one item alone gets 0.5)."""
    by_source: dict[str, list[tuple[float, int]]] = defaultdict(list)
    out: dict[int, float] = {}
    for item_id, source, metrics in items:
        value = metric_value(metrics)
        if value is None:
            out[item_id] = 0.0
        else:
            by_source[source].append((value, item_id))
    for values in by_source.values():
        values.sort()
        n = len(values)
        i = 0
        while i < n:  # ties share their mid-rank
            j = i
            while j + 1 < n and values[j + 1][0] == values[i][0]:
                j += 1
            pct = ((i + j) / 2 + 0.5) / n
            for k in range(i, j + 1):
                out[values[k][1]] = round(pct, 4)
            i = j + 1
    return out


def momentum(n_sources: int, new_sources: int | None = None) -> float:
    """Spread across sources, weighted by how much of it is recent (see the module
    docstring); ``new_sources=None`` counts every source as recent."""
    n = max(1, n_sources)
    new = n if new_sources is None else min(max(0, new_sources), n)
    return round((1.0 - 1.0 / n) * (0.6 + 0.4 * new / n), 4)


def recency(published: datetime | None, now: datetime, half_life_seconds: float) -> float:
    if published is None:
        return 0.0
    age = max(0.0, (now - published).total_seconds())
    return round(0.5 ** (age / max(half_life_seconds, 1.0)), 4)


def novelty(title: str, recent_titles: Sequence[set[str]]) -> float:
    """``1 -`` the highest Jaccard overlap of content words with recent suggestions."""
    words = set(content_tokens(title))
    if not words or not recent_titles:
        return 1.0
    best = max((len(words & other) / len(words | other) for other in recent_titles if other),
               default=0.0)
    return round(1.0 - best, 4)


def suggestion_score(relevance: float, signals: Mapping[str, float],
                     weights: RankingWeights) -> float:
    """The documented weighted mean (see the module docstring)."""
    parts = {"relevance": relevance, "trend": signals.get("trend", 0.0),
             "momentum": signals.get("momentum", 0.0), "recency": signals.get("recency", 0.0),
             "novelty": signals.get("novelty", 0.0)}
    w = weights.model_dump()
    # Only the five weights above: others (``sells``) are applied by their own step
    # (trendwatch.performance.sells) and only when it has evidence.
    total = sum(w[k] for k in parts)
    if total <= 0:
        return round(relevance, 4)
    return round(sum(w[k] * parts[k] for k in parts) / total, 4)
