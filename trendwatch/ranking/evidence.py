""""Why now", from the evidence an item has and nothing else.

Each phrase states a fact the database holds: how many outlets carried the story and over
how many hours, the item's rank and count on its source ("#2 on TikTok, 12,3 jt views"), the
days until a calendar moment, how long ago it was published. An item with no such fact gets
only its publication age (or "no date"): never "trending" without a number behind it.

Indonesian by default (the brand's audience), English for a brand whose first language is
``en``. A lower floor: no scikit-learn, no database access (the caller passes the facts).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from ..items.freshness import Dated, relative

#: Platform names as people write them (csv_import's ``extra.platform``).
PLATFORM_NAMES = {"tiktok": "TikTok", "instagram": "Instagram", "youtube": "YouTube",
                  "facebook": "Facebook", "threads": "Threads", "twitter": "X"}


def count_words(value: float, *, lang: str = "id") -> str:
    """``12300000`` → ``"12,3 jt"`` (Indonesian) / ``"12.3M"``; ``45000`` → ``"45 rb"``."""
    en = lang == "en"
    for size, id_unit, en_unit in ((1e9, " M", "B"), (1e6, " jt", "M"), (1e3, " rb", "K")):
        if abs(value) >= size:
            number = value / size
            text = f"{number:.1f}".rstrip("0").rstrip(".") if number < 100 else f"{number:.0f}"
            return (text + en_unit) if en else (text.replace(".", ",") + id_unit)
    return f"{value:.0f}"


def _span_words(hours: float, en: bool) -> str:
    if hours < 1:
        return "in under an hour" if en else "dalam kurang dari sejam"
    if hours < 48:
        h = max(1, math.ceil(hours))
        return f"in {h} hour{'s' if h != 1 else ''}" if en else f"dalam {h} jam"
    d = math.ceil(hours / 24)
    return f"in {d} days" if en else f"dalam {d} hari"


def _metric_phrase(source: str, metrics: Mapping[str, Any], extra: Mapping[str, Any],
                   kind: str | None, en: bool, lang: str) -> str | None:
    """Rank and size on the item's own source, when the source counts anything."""
    platform = PLATFORM_NAMES.get(str(extra.get("platform") or "").lower(), source)
    parts: list[str] = []
    rank = metrics.get("rank")
    if _number(rank) and float(rank) >= 1:
        parts.append(f"#{int(rank)} {'on' if en else 'di'} {platform}")
    for key, en_noun, id_noun in (("views", "views", "tayangan"),
                                  ("traffic", "searches", "pencarian"),
                                  ("uses_today", "posts today", "unggahan hari ini"),
                                  ("score", "upvotes", "upvote"),
                                  ("num_comments", "comments", "komentar")):
        value = metrics.get(key)
        if _number(value) and float(value) > 0:
            words = count_words(float(value), lang=lang) + ("+" if key == "traffic" else "")
            noun = en_noun if en else id_noun
            if not parts:
                parts.append(f"{words} {noun} {'on' if en else 'di'} {platform}")
            else:
                parts.append(f"{words} {noun}")
            break
    return ", ".join(parts) or None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(value)


def evidence(*, title: str, source: str, kind: str | None, metrics: Mapping[str, Any],
             extra: Mapping[str, Any], dated: Dated, n_sources: int,
             story_seen: Sequence[datetime], now: datetime, lang: str = "id",
             tz: tzinfo = UTC) -> list[str]:
    """Phrases for "why now", strongest first (see the module docstring).

    ``story_seen``: when each item of the item's story was first seen (for "5 outlets in 3
    hours"); ``n_sources``: distinct sources of the story.
    """
    en = lang == "en"
    out: list[str] = []
    if kind == "event" and extra.get("date"):
        try:
            day = date.fromisoformat(str(extra["date"]))
        except ValueError:
            day = None
        if day is not None:
            days = (day - now.astimezone(tz).date()).days
            name = title.split(" (")[0].strip() or title
            if days == 0:
                out.append(f"{name} today" if en else f"{name} hari ini")
            elif days > 0:
                out.append(f"{name} in {days} day{'s' if days != 1 else ''}" if en
                           else f"{name} {days} hari lagi")
    if n_sources >= 2:
        seen = sorted(story_seen)
        span = (seen[-1] - seen[0]).total_seconds() / 3600 if len(seen) >= 2 else 0.0
        outlets = f"{n_sources} outlets" if en else f"{n_sources} media"
        out.append(f"{outlets} {_span_words(span, en)}" if en
                   else f"diberitakan {outlets} {_span_words(span, en)}")
    metric = _metric_phrase(source, metrics, extra, kind, en, lang)
    if metric:
        out.append(metric)
    if kind != "event":
        if dated.undated:
            out.append("no publication date" if en else "tanpa tanggal terbit")
        else:
            age = relative(dated.published, now, lang=lang, tz=tz)
            out.append(f"published {age}" if en else f"terbit {age}")
    return out
