"""Reading the daily list, the backlog and the stored items: what the CLI, the digest and
the web page show.

Every function here only reads the database (no scikit-learn, no writes), so
``trendwatch suggestions`` and the web page stay fast and never block the daemon.

A suggestion is returned as a plain dict in the stable schema documented in
``docs/suggestions.md`` (``trendwatch suggestions --format json`` prints exactly these rows):
scripts depend on it, so keys are only ever added, never renamed or removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from ..config import Config
from ..db.store import Store, loads, parse_iso, utcnow
from ..errors import TrendwatchError

#: Values accepted by ``status`` (``all`` means no filter).
STATUSES = ("new", "accepted", "rejected", "snoozed")
STATUS_FILTERS = (*STATUSES, "all")

#: Keys of a suggestion row, in the order ``--format json``/``csv`` print them.
SUGGESTION_KEYS = (
    "id", "item_id", "list_date", "title", "url", "source", "sources", "theme", "theme_name",
    "score", "relevance", "signals", "why", "angles", "status", "first_seen", "published_at",
    "planned_for", "snoozed_until", "reason", "note", "updated_at", "story", "learning",
    "published_estimated", "summary_line",
)

#: Days the specialist works (Mon-Fri): a default planned post date or snooze lands on one.
WORKDAYS = frozenset(range(5))

# One query for every listing: the item, every source of the same story (cross-source
# momentum), and the reviewer's latest reason/note. group_concat(distinct ...) keeps it a
# single round trip even for a page of 500 rows. Feedback is looked up by item_id (indexed;
# an item has at most one suggestion), not suggestion_id (not indexed).
_SELECT = """
select s.id, s.item_id, s.list_date, s.theme, s.score, s.relevance, s.signals, s.why,
       s.angles, s.status, s.created_at, s.updated_at, s.snoozed_until, s.planned_for,
       s.learning,
       i.title, i.url, i.source, i.first_seen_at, i.published_at, i.story_id,
       i.published_estimated, i.summary,
       (select group_concat(distinct i2.source) from items i2
         where i2.story_id = i.story_id) as story_sources,
       (select f.reason from feedback f where f.item_id = s.item_id
         order by f.id desc limit 1) as last_reason,
       (select f.note from feedback f where f.item_id = s.item_id
         order by f.id desc limit 1) as last_note,
       (select f.created_at from feedback f where f.item_id = s.item_id
         and f.verdict = 'accept' order by f.id desc limit 1) as accepted_at
from suggestions s join items i on i.id = s.item_id
"""


def brand_lang(config: Config) -> str:
    """The language "why now" and dates are written in: English only for a brand whose
    first language is ``en`` (the audience is Indonesian otherwise)."""
    return "en" if config.brand.languages[:1] == ["en"] else "id"


def today(tz: tzinfo, now: datetime | None = None) -> date:
    """The calendar date in the brand's time zone (the daily list's "today")."""
    return (now or utcnow()).astimezone(tz).date()


def shown_list_date(store: Store, tz: tzinfo, now: datetime | None = None) -> tuple[date, bool]:
    """The list a person means by "today's list", and whether it is an earlier day's.

    Today's list when it has been built (any suggestion dated today, whatever its status);
    otherwise the most recent earlier list. Between midnight and the morning build (or on a
    weekend with no digest) the page and the terminal keep showing the last list, marked as
    such, instead of an empty page just because the date changed. Scripts that name a date
    (``--date``, ``?date=``) always get exactly that day.
    """
    day = today(tz, now)
    built = store.db.execute(
        "select 1 from suggestions where list_date = ? limit 1", [day.isoformat()]).fetchone()
    if built:
        return day, False
    row = store.db.execute("select max(list_date) from suggestions where list_date < ?",
                           [day.isoformat()]).fetchone()
    if row and row[0]:
        return date.fromisoformat(row[0]), True
    return day, False


def next_workday(after: date) -> date:
    """The first Monday-Friday strictly after ``after``."""
    day = after + timedelta(days=1)
    while day.weekday() not in WORKDAYS:
        day += timedelta(days=1)
    return day


def parse_date(value: str | date | None, what: str = "date") -> date | None:
    """``YYYY-MM-DD`` (or a date) to a date; None for None or a blank string (an empty form
    field); a clear error for anything else."""
    if isinstance(value, date):
        return value
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise TrendwatchError(f'{what}: "{value}" is not a date (use YYYY-MM-DD)') from None


def _row(r: dict[str, Any], config: Config | None) -> dict[str, Any]:
    theme = config.theme(r["theme"]) if config else None
    sources = sorted(set(filter(None, (r["story_sources"] or "").split(","))) | {r["source"]})
    return {
        "id": r["id"],
        "item_id": r["item_id"],
        "list_date": r["list_date"],
        "title": r["title"],
        "url": r["url"],
        "source": r["source"],
        "sources": sources,
        "theme": r["theme"],
        "theme_name": theme.name if theme else None,
        "score": round(r["score"] or 0.0, 4),
        "relevance": round(r["relevance"] or 0.0, 4),
        "signals": loads(r["signals"], {}),
        "why": loads(r["why"], []),
        "angles": loads(r["angles"], []),
        "status": r["status"],
        "first_seen": r["first_seen_at"],
        "published_at": r["published_at"],
        "planned_for": r["planned_for"],
        "snoozed_until": r["snoozed_until"],
        "reason": r["last_reason"],
        "note": r["last_note"],
        "updated_at": r["updated_at"],
        "story_id": r["story_id"] if r["story_id"] is not None else r["item_id"],
        "learning": bool(r["learning"]),
        # 1 when the feed gave no date (fetch time stored); see trendwatch.items.freshness
        "published_estimated": r["published_estimated"],
        "summary_line": summary_line(r["summary"]),
    }


def summary_line(summary: str | None, limit: int = 200) -> str:
    """The first line (sentence) of an item's summary, cut at a word to ``limit``."""
    text = " ".join((summary or "").split())
    if not text:
        return ""
    end = re.search(r"(?<=[.!?])\s", text)
    line = text[:end.start()] if end and end.start() <= limit else text
    if len(line) > limit:
        line = line[:limit - 1].rsplit(" ", 1)[0] + "…"
    return line


def _check_status(status: str) -> None:
    if status not in STATUS_FILTERS:
        raise TrendwatchError(f'status: "{status}" is not one of {", ".join(STATUS_FILTERS)}')


def list_suggestions(store: Store, config: Config, *, list_date: str | date | None = None,
                     theme: str | None = None, status: str = "new",
                     limit: int | None = None) -> list[dict[str, Any]]:
    """The daily list for ``list_date`` (default: today in the brand's time zone), best
    score first.

    ``status="new"`` also brings back snoozed suggestions whose ``snoozed_until`` has come
    (from any earlier list): snoozing means "show me again then". ``status="all"`` lists
    every suggestion of that day whatever its status.
    """
    _check_status(status)
    day = parse_date(list_date, "list_date") or today(config.brand.tz)
    if theme is not None and config.theme(theme) is None and config.themes:
        known = ", ".join(t.id for t in config.themes)
        raise TrendwatchError(f'theme: unknown theme "{theme}" (configured: {known})')
    where, params = [], []
    if status == "new":
        where.append("((s.list_date = ? and s.status = 'new') or "
                     "(s.status = 'snoozed' and s.snoozed_until <= ?))")
        params += [day.isoformat(), day.isoformat()]
    else:
        where.append("s.list_date = ?")
        params.append(day.isoformat())
        if status != "all":
            where.append("s.status = ?")
            params.append(status)
    if theme is not None:
        where.append("s.theme = ?")
        params.append(theme)
    sql = _SELECT + " where " + " and ".join(where) + " order by s.score desc, s.id"
    if limit is not None:
        if limit < 0:
            raise TrendwatchError(f"limit: {limit} must be 0 or more")
        sql += " limit ?"
        params.append(limit)
    return with_stories(store, [_row(r, config) for r in store.db.query(sql, params)])


def with_stories(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each row's ``story`` card (:func:`trendwatch.stories.story_cards`), read in one
    pass for the whole list; ``sources`` becomes every source of the story."""
    from ..stories import story_cards

    ids = {r["story_id"] for r in rows if r.get("story_id") is not None}
    cards = story_cards(store, ids) if ids else {}
    for r in rows:
        card = cards.get(r.pop("story_id", None) or -1)
        r["story"] = card
        if card:
            r["sources"] = sorted(set(r["sources"]) | set(card["sources"]))
    return rows


def get_suggestion(store: Store, suggestion_id: int,
                   config: Config | None = None) -> dict[str, Any]:
    """One suggestion in the stable schema; TrendwatchError if there is no such id."""
    row = next(store.db.query(_SELECT + " where s.id = ?", [suggestion_id]), None)
    if row is None:
        raise TrendwatchError(f"no suggestion with id {suggestion_id}")
    return with_stories(store, [_row(row, config)])[0]


def effective_planned_for(row: dict[str, Any], accepted_at: str | None, tz: tzinfo) -> str:
    """The planned post date: the one set, else the next working day after acceptance."""
    if row.get("planned_for"):
        return str(row["planned_for"])
    when = parse_iso(accepted_at) or parse_iso(row.get("updated_at")) or utcnow()
    return next_workday(today(tz, when)).isoformat()


def backlog(store: Store, config: Config, *, since: str | date | None = None
            ) -> list[dict[str, Any]]:
    """Accepted suggestions (the content backlog), by planned post date then score.

    ``planned_for`` is always filled: a suggestion accepted without a date gets the next
    working day after its acceptance (in the brand's time zone). ``accepted_at`` is added.
    """
    rows = list(store.db.query(_SELECT + " where s.status = 'accepted'"))
    out = []
    for r in rows:
        row = _row(r, config)
        row["accepted_at"] = r["accepted_at"]
        row["planned_for"] = effective_planned_for(row, r["accepted_at"], config.brand.tz)
        out.append(row)
    with_stories(store, out)
    start = parse_date(since, "since")
    if start:
        out = [r for r in out if r["planned_for"] >= start.isoformat()]
    out.sort(key=lambda r: (r["planned_for"], -r["score"], r["id"]))
    return out


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """User text to a safe FTS5 query: every word quoted (so ``"foo``, ``AND(``, ``*`` or
    ``NEAR`` are plain words, never syntax), all words required, the last one as a prefix
    (search as you type). None when there is no word at all."""
    words = _WORD.findall(text or "")
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words[:32]]
    quoted[-1] += "*"
    return " ".join(quoted)


def search_items(store: Store, query: str, limit: int = 50) -> list[dict[str, Any]]:
    """Full-text search over stored items' titles and summaries (SQLite FTS5), best match
    first. Each row: id, source, title, url, summary, published_at, first_seen, theme,
    relevance (when scored), suggestion_id and status (when it was suggested)."""
    match = fts_query(query)
    if match is None or limit <= 0:
        return []
    sql = """
        select i.id, i.source, i.title, i.url, i.summary, i.published_at,
               i.first_seen_at as first_seen, sc.theme, sc.relevance,
               s.id as suggestion_id, s.status
        from items_fts
        join items i on i.rowid = items_fts.rowid
        left join scores sc on sc.item_id = i.id
        left join suggestions s on s.item_id = i.id
        where items_fts match ?
        order by items_fts.rank
        limit ?
    """
    return list(store.db.query(sql, [match, limit]))


def as_records(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with exactly the documented keys, in order (for JSON output)."""
    return [{k: r.get(k) for k in SUGGESTION_KEYS} for r in rows]
