"""How old an item is, whether it is too old to suggest, and saying so in words.

An item's age is counted from its **publication date**, not from when trendwatch first saw
it: a feed added today brings its whole archive, and "first seen today" would make a 2022
article look new. A date is trusted only when the feed gave one that is plausible:

* no date in the feed (``published_estimated``), or a date before :data:`EARLIEST` (feeds
  say ``0001-01-01`` or 1970 for "unknown"), or one after the item was first seen
  (a clock or typo), make the item **undated**: its age is counted from when it was first
  seen, and every view says "no date".
* otherwise the feed's date counts.

The maximum age depends on the item's kind (``[freshness] max_age``: hours for news and
trends, longer for videos) and can be set per source (``[[sources]] max_age``, e.g. weeks
for an evergreen blog). Moments (kind ``event``) are dated by the fetch, never too old.

This module is a lower floor: it imports nothing of trendwatch but the store's date helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from ..db.store import parse_iso

#: Dates before this are placeholders ("0001-01-01", the Unix epoch), not publication dates.
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
#: A publication date this far after the item was first seen is a wrong clock, not news.
AFTER_SEEN_SLACK = timedelta(days=1)


_MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
              "Des")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


@dataclass(frozen=True)
class Dated:
    """An item's trusted date. ``published`` is None for an undated item; ``when`` is what
    its age counts from (the publication date, else first seen); ``note`` says why a
    feed's date was not used (None when it was)."""

    published: datetime | None
    when: datetime | None
    note: str | None = None

    @property
    def undated(self) -> bool:
        return self.published is None


def item_date(published_at: str | None, estimated: int | bool | None,
              first_seen_at: str | None) -> Dated:
    """The trusted date of a stored item (see the module docstring)."""
    seen = _parse(first_seen_at)
    published = _parse(published_at)
    if estimated or published is None:
        return Dated(None, seen, "no date in the feed")
    if published < EARLIEST:
        return Dated(None, seen, f"feed date {published:%Y-%m-%d} ignored")
    if seen is not None and published > seen + AFTER_SEEN_SLACK:
        return Dated(None, seen, f"feed date {published:%Y-%m-%d} is in the future")
    return Dated(published, published)


def _parse(text: str | None) -> datetime | None:
    try:
        return parse_iso(text)
    except (TypeError, ValueError):
        return None


def max_age(kind: str | None, source: str | None, *, by_kind: Mapping[str, float],
            default: float, by_source: Mapping[str, float] | None = None) -> float:
    """Seconds an item of ``kind`` from ``source`` stays suggestible: the source's own
    ``max_age``, else its kind's, else ``default``."""
    if by_source and source in by_source:
        return by_source[source]
    return by_kind.get(kind or "article", default)


def too_old(dated: Dated, now: datetime, limit: float) -> bool:
    """Whether an item is older than ``limit`` seconds (an item with no date at all is
    not: there is nothing to measure)."""
    if dated.when is None:
        return False
    return (now - dated.when).total_seconds() > limit


def freshness_filter(config: Any, now: datetime) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate on item rows (``published_at``, ``published_estimated``,
    ``first_seen_at``, ``kind``, ``source``): is the item young enough to suggest under
    ``config``'s ``[freshness]`` and per-source ``max_age``?"""
    by_source = {s.name: s.max_age for s in config.sources if s.max_age is not None}
    cfg = config.freshness

    def fresh(row: Mapping[str, Any]) -> bool:
        dated = item_date(row["published_at"], row["published_estimated"],
                          row["first_seen_at"])
        limit = max_age(row["kind"], row["source"], by_kind=cfg.max_age,
                        default=cfg.default_max_age, by_source=by_source)
        return not too_old(dated, now, limit)

    return fresh


def relative(when: datetime | None, now: datetime, *, lang: str = "id",
             tz: tzinfo = UTC) -> str:
    """``"3 jam lalu"`` / ``"3 hours ago"``; a date (``"12 Nov 2025"``) past a week."""
    if when is None:
        return "tanpa tanggal" if lang != "en" else "no date"
    seconds = (now - when).total_seconds()
    en = lang == "en"
    if seconds < -60:
        return _date(when, tz, en)
    minutes = int(seconds // 60)
    if minutes < 2:
        return "just now" if en else "baru saja"
    if minutes < 60:
        return f"{minutes} minutes ago" if en else f"{minutes} menit lalu"
    hours = minutes // 60
    if hours < 24:
        return (f"{hours} hour{'s' if hours != 1 else ''} ago" if en
                else f"{hours} jam lalu")
    days = hours // 24
    if days < 7:
        return f"{days} day{'s' if days != 1 else ''} ago" if en else f"{days} hari lalu"
    return _date(when, tz, en)


def _date(when: datetime, tz: tzinfo, en: bool) -> str:
    local = when.astimezone(tz)
    months = _MONTHS_EN if en else _MONTHS_ID
    return f"{local.day} {months[local.month - 1]} {local.year}"


def published_words(published_at: str | None, estimated: int | bool | None,
                    first_seen_at: str | None, now: datetime, *, lang: str = "id",
                    tz: tzinfo = UTC) -> str:
    """What every view shows as the publication date: ``"terbit 3 jam lalu"``, or
    ``"tanpa tanggal (pertama terlihat 2 jam lalu)"`` for an undated item."""
    dated = item_date(published_at, estimated, first_seen_at)
    en = lang == "en"
    if not dated.undated:
        return ("published " if en else "terbit ") + relative(dated.published, now,
                                                             lang=lang, tz=tz)
    seen = relative(dated.when, now, lang=lang, tz=tz) if dated.when else ""
    if en:
        return "no date" + (f" (first seen {seen})" if seen else "")
    return "tanpa tanggal" + (f" (pertama terlihat {seen})" if seen else "")
