"""Storing what a source returned: deduplication and cross-source story linking.

An item is recognised on the next fetch by, in order: its guid, its canonical URL
(tracking parameters removed), a hash of its content. Refetching updates ``last_seen_at``
and metrics only: it never duplicates a row and never touches suggestions or feedback.

The same story seen by several sources shares ``story_id``: same canonical URL or same
normalised title, else a similar title and summary in the last days
(:func:`trendwatch.stories.assign`); ranking counts its sources as momentum.

Work per fetch is a handful of statements whatever the number of items: one lookup of the
known keys, one of candidate stories, one batched insert, one batched update (a feed of
500 entries used to cost 1,500 statements).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from ..contracts import Item
from ..db.store import dumps, iso, loads, parse_iso, utcnow
from ..parse.normalize import canonical_url, content_hash, title_key
from ..stories import NewItem
from ..stories import assign as stories_assign
from ..stories.exact import ExactKeys, title_keyed

#: Values per ``IN (...)`` list and rows per ``INSERT``: within SQLite's limit on bound
#: parameters (32,766 since 3.32, 999 before).
BATCH = 500
_MAX_PARAMS = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
COLUMNS = ("id", "source", "dedup_key", "guid", "url", "canonical_url", "title", "title_key",
           "summary", "author", "kind", "lang", "published_at", "published_estimated",
           "fetched_at", "first_seen_at", "last_seen_at", "story_id", "metrics", "extra",
           "story_terms")


def dedup_key(item: Item, canonical: str | None) -> str:
    """How this item is recognised within its source: guid, else URL, else its content.

    The content key covers the title, the whole stored summary and the publication date:
    a real feed with no ids and no links repeats titles with different bodies and dates
    (1,046 entries, 1,032 distinct title+summary pairs), and every one is its own entry.
    """
    if item.guid and item.guid.strip():
        return "guid:" + item.guid.strip()[:500]
    if canonical:
        return "url:" + canonical
    return "content:" + content_hash(item.title, item.summary,
                                     iso(item.published) if item.published else "")


def legacy_key(item: Item) -> str:
    """The content key before 0.2 (title + summary only). An item stored under it is the
    same entry when its publication date matches too: an upgraded database must not store
    its old entries a second time on the next fetch."""
    return "hash:" + content_hash(item.title, item.summary)


def save_items(db: Database, source: str, items: Iterable[Item],
               fetched_at: datetime) -> tuple[int, int]:
    """Insert new items and refresh seen ones. Call inside a write transaction.

    Returns ``(new, seen)``; an item repeated within one fetch (same key) counts once, the
    first occurrence winning.
    """
    now = iso(fetched_at)
    batch: dict[str, tuple[Item, str | None]] = {}
    for item in items:
        canonical = canonical_url(item.url)
        batch.setdefault(dedup_key(item, canonical), (item, canonical))
    if not batch:
        return 0, 0

    legacy = {legacy_key(item) for key, (item, _) in batch.items()
              if key.startswith("content:")}
    known = {r["dedup_key"]: r for r in _select_in(
        db, "select id, dedup_key, metrics, published_at, published_estimated from items "
        "where source = ? and dedup_key in ({})", [source], [*batch, *legacy])}
    updates: list[tuple[Any, ...]] = []
    fresh: list[tuple[str, Item, str | None, str]] = []
    for key, (item, canonical) in batch.items():
        row = known.get(key) or (
            _legacy_row(known, item) if key.startswith("content:") else None)
        if row is None:
            fresh.append((key, item, canonical, title_key(item.title)))
        elif item.metrics:
            merged = {**loads(row["metrics"], {}), **item.metrics}
            updates.append((now, dumps(merged), row["id"]))
        else:
            updates.append((now, None, row["id"]))
    if updates:  # metrics left as they were when this fetch brought none
        db.conn.executemany("update items set last_seen_at = ?, "
                            "metrics = coalesce(?, metrics) where id = ?", updates)
    if fresh:
        _insert(db, source, fresh, now)
    return len(fresh), len(updates)


def _legacy_row(known: dict[str, dict[str, Any]], item: Item) -> dict[str, Any] | None:
    """The row stored under the item's pre-0.2 content key, if its date matches (see
    :func:`legacy_key`)."""
    row = known.get(legacy_key(item))
    if row is None:
        return None
    if item.published is None:
        return row if row["published_estimated"] else None
    return row if row["published_at"] == iso(item.published) else None


def _insert(db: Database, source: str, fresh: list[tuple[str, Item, str | None, str]],
            now: str | None) -> None:
    """Insert new items with their ``story_id`` already set: an exact key (URL, title)
    shared with a stored item decides, else :func:`trendwatch.stories.assign`.

    We hold the write lock, so the ids SQLite would assign (max + 1, ...) are ours to give:
    knowing them up front lets a new story point at itself without a second statement.
    """
    keys = ExactKeys(
        by_url=_first_story(db, "canonical_url", {c for _, _, c, _ in fresh if c}),
        by_title=_first_story(db, "title_key", {t for _, _, _, t in fresh if title_keyed(t)}))
    next_id = db.conn.execute("select coalesce(max(id), 0) from items").fetchone()[0] + 1
    stamp = parse_iso(now) or utcnow()
    pending: list[NewItem] = []
    for _key, item, canonical, tkey in fresh:
        item_id = next_id + len(pending)
        found = keys.find(canonical, tkey)
        # a stored story (positive), or an earlier item of this batch (negated id): later
        # items of this batch join the story this one starts or joins
        pending.append(NewItem(item_id, item.title, item.summary, stamp,
                               story=found if found and found > 0 else None,
                               same_as=-found if found and found < 0 else None))
        keys.remember(canonical, tkey, found or -item_id)
    stories = stories_assign(db, pending, stamp)
    rows: list[tuple[Any, ...]] = []
    for (key, item, canonical, tkey), entry, story in zip(fresh, pending, stories,
                                                          strict=True):
        rows.append((
            entry.item_id, source, key, item.guid, item.url, canonical, item.title, tkey,
            item.summary, item.author, item.kind, item.lang,
            iso(item.published) if item.published else now, 0 if item.published else 1,
            now, now, now, story, dumps(item.metrics), dumps(item.extra), entry.terms_text))
    # plain multi-row INSERTs: sqlite-utils' insert_all spent more time introspecting the
    # table and converting values than SQLite spent inserting (and updating the FTS index)
    per = max(1, min(BATCH, _MAX_PARAMS // len(COLUMNS)))
    row_sql = "(" + ", ".join("?" * len(COLUMNS)) + ")"
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        db.conn.execute(f"insert into items ({', '.join(COLUMNS)}) values "
                   + ", ".join([row_sql] * len(chunk)), [v for row in chunk for v in row])


def _first_story(db: Database, column: str, values: set[str]) -> dict[str, int]:
    """For each value of ``column``, the story of the earliest item that has it."""
    found: dict[str, int] = {}
    # ``column`` is one of two names chosen above, never user input
    sql = (f"select {column} as k, story_id from items where {column} in ({{}}) "
           "and story_id is not null order by id")
    for row in _select_in(db, sql, [], sorted(values)):
        found.setdefault(row["k"], row["story_id"])
    return found


def _select_in(db: Database, sql: str, params: list[Any],
               values: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Run ``sql`` (with one ``{}`` for the IN list) over ``values`` in chunks.

    Straight on the connection: sqlite-utils' ``query`` adds a savepoint per call."""
    for start in range(0, len(values), BATCH):
        chunk = values[start:start + BATCH]
        cursor = db.conn.execute(sql.format(", ".join("?" * len(chunk))), [*params, *chunk])
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))
