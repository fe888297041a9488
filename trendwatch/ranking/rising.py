"""Rising topics: words and phrases whose frequency over the last day jumps against their
baseline of the two weeks before, across all sources (burst detection).

They are listed in the digest even when no single item about them ranks high: ten small
items that all say "Hari Batik" are news in themselves.

For each content unigram and bigram of the titles (see :func:`.text.phrases`), we count
**stories** (items linked by ``story_id`` count once, so one story syndicated everywhere
does not look like a trend; :mod:`trendwatch.stories` groups reworded headlines of one
event too, so ten outlets rewording one announcement are one story, not ten) in the last
``window`` and per day in the ``baseline_days`` before. A term rises when

* it appeared in at least ``min_count`` stories in the window, from ``min_sources``
  different sources, and
* ``ratio = (count + 1) / (baseline_per_day · window_days + 1)`` is at least ``min_ratio``.

``baseline_per_day`` divides by the days of history actually present before the window
(at most ``baseline_days``, at least one): a database two days old must not spread two
days of mentions over two weeks, or every common word looks like a burst in the first
fortnight. With no history before the window nothing is rising (there is nothing to rise
from); with less than ``min_history_days`` the thresholds are stricter (``min_ratio``
doubled, ``min_count`` + 2), since one or two days are a noisy baseline.

Rising terms are ordered by ``score = (count − expected) / sqrt(expected + 1)``, a
Poisson-style z-score that favours a jump from 2 to 20 over one from 0 to 3. A word that
only appears inside a rising phrase ("batik" in "hari batik") is dropped for the phrase.
No scikit-learn: the digest and the web page call this directly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..parse.tokens import phrases

if TYPE_CHECKING:
    from ..db.store import Store


@dataclass(frozen=True)
class Doc:
    """One item as the detector sees it."""

    item_id: int
    source: str
    story: int
    title: str
    seen_at: datetime


def detect_bursts(docs: Iterable[Doc], now: datetime, *, window: timedelta = timedelta(days=1),
                  baseline_days: int = 14, min_count: int = 3, min_sources: int = 2,
                  min_ratio: float = 3.0, limit: int = 10, min_history_days: float = 3.0,
                  history_start: datetime | None = None) -> list[dict[str, Any]]:
    """Rising terms among ``docs`` (see the module docstring). ``history_start`` is when
    the record begins (the first item ever stored); default: the oldest of ``docs``."""
    docs = list(docs)
    start = now - window
    base_start = start - timedelta(days=baseline_days)
    if history_start is None:
        history_start = min((d.seen_at for d in docs), default=start)
    history_days = min(float(baseline_days),
                       (start - max(history_start, base_start)).total_seconds() / 86400)
    if history_days <= 0:
        return []  # everything is new on a new database: no baseline, no burst
    if history_days < min_history_days:
        min_ratio, min_count = min_ratio * 2, min_count + 2
    history_days = max(1.0, history_days)
    recent: dict[str, set[int]] = defaultdict(set)
    base: dict[str, set[int]] = defaultdict(set)
    sources: dict[str, set[str]] = defaultdict(set)
    examples: dict[str, list[int]] = defaultdict(list)
    for doc in docs:
        if doc.seen_at > now or doc.seen_at < base_start:
            continue
        terms = set(phrases(doc.title))
        if doc.seen_at >= start:
            for term in terms:
                if doc.story not in recent[term]:
                    recent[term].add(doc.story)
                    if len(examples[term]) < 5:
                        examples[term].append(doc.item_id)
                sources[term].add(doc.source)
        else:
            for term in terms:
                base[term].add(doc.story)
    window_days = window.total_seconds() / 86400
    found = []
    for term, stories in recent.items():
        count = len(stories)
        if count < min_count or len(sources[term]) < min_sources:
            continue
        per_day = len(base.get(term, ())) / history_days
        expected = per_day * window_days
        ratio = (count + 1) / (expected + 1)
        if ratio < min_ratio:
            continue
        found.append({"term": term, "count": count, "baseline": round(per_day, 2),
                      "ratio": round(ratio, 2),
                      "score": round((count - expected) / math.sqrt(expected + 1), 2),
                      "sources": len(sources[term]), "source_names": sorted(sources[term]),
                      "item_ids": examples[term]})
    found.sort(key=lambda t: (-t["score"], t["term"]))
    # Drop a word whose rise is that of a rising phrase containing it.
    phrases_found = [t for t in found if " " in t["term"]]
    kept: list[dict[str, Any]] = []
    seen_sets: list[set[int]] = []
    for t in found:
        stories = recent[t["term"]]
        if stories in seen_sets:
            continue  # the same stories exactly: one phrase of them is enough
        if " " not in t["term"] and any(
                t["term"] in p["term"].split() and p["count"] >= 0.7 * t["count"]
                for p in phrases_found):
            continue
        seen_sets.append(stories)
        kept.append(t)
    return kept[:limit]


def rising_topics(store: Store, *, now: datetime | None = None,
                  window: timedelta = timedelta(days=1), baseline_days: int = 14,
                  **options: Any) -> list[dict[str, Any]]:
    """Rising topics over the items stored in ``store`` (timed by ``first_seen_at``: feed
    dates are missing or wrong too often). Each entry: ``term``, ``count`` (stories in the
    window), ``baseline`` (stories per day before), ``ratio``, ``score``, ``sources``
    (number), ``source_names``, ``item_ids`` (up to five examples)."""
    from ..db.store import iso, parse_iso, utcnow

    now = now or utcnow()
    since = now - window - timedelta(days=baseline_days)
    rows = store.query("select id, source, story_id, title, first_seen_at from items "
                       "where first_seen_at >= ? and first_seen_at <= ?",
                       [iso(since), iso(now)])
    docs = (Doc(r["id"], r["source"], r["story_id"] or r["id"], r["title"] or "",
                parse_iso(r["first_seen_at"]) or now) for r in rows)
    first = store.query("select min(first_seen_at) as t from items")[0]["t"]
    return detect_bursts(docs, now, window=window, baseline_days=baseline_days,
                         history_start=parse_iso(first) if first else now, **options)
