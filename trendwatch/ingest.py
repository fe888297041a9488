"""Storing what a source returned: deduplication and cross-source story linking.

An item is recognised on the next fetch by, in order: its guid, its canonical URL
(tracking parameters removed), a hash of its content. Refetching updates ``last_seen_at``
and metrics only: it never duplicates a row and never touches suggestions or feedback.

The same story seen by several sources (same canonical URL, or the same normalised title)
shares ``story_id`` (the id of the first item seen), which ranking counts as momentum.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from .api import Item
from .store import dumps, iso, loads
from .text import canonical_url, content_hash, title_key

#: Titles shorter than this (after normalising) are too generic to link stories by.
MIN_TITLE_KEY = 12


def dedup_key(item: Item, canonical: str | None) -> str:
    if item.guid and item.guid.strip():
        return "guid:" + item.guid.strip()[:500]
    if canonical:
        return "url:" + canonical
    return "hash:" + content_hash(item.title, item.summary)


def save_items(db: Database, source: str, items: Iterable[Item],
               fetched_at: datetime) -> tuple[int, int]:
    """Insert new items and refresh seen ones. Call inside a write transaction.

    Returns ``(new, seen)``; an item repeated within one fetch counts once.
    """
    now = iso(fetched_at)
    new = seen = 0
    done: set[str] = set()
    for item in items:
        canonical = canonical_url(item.url)
        key = dedup_key(item, canonical)
        if key in done:
            continue
        done.add(key)
        existing = next(db.query(
            "select id, metrics from items where source = ? and dedup_key = ?",
            [source, key]), None)
        if existing:
            seen += 1
            update: dict[str, Any] = {"last_seen_at": now}
            if item.metrics:
                merged = {**loads(existing["metrics"], {}), **item.metrics}
                update["metrics"] = dumps(merged)
            db["items"].update(existing["id"], update)
            continue
        new += 1
        tkey = title_key(item.title)
        row = {
            "source": source,
            "dedup_key": key,
            "guid": item.guid,
            "url": item.url,
            "canonical_url": canonical,
            "title": item.title,
            "title_key": tkey,
            "summary": item.summary,
            "author": item.author,
            "kind": item.kind,
            "lang": item.lang,
            "published_at": iso(item.published) if item.published else now,
            "published_estimated": 0 if item.published else 1,
            "fetched_at": now,
            "first_seen_at": now,
            "last_seen_at": now,
            "metrics": dumps(item.metrics),
            "extra": dumps(item.extra),
        }
        item_id = db["items"].insert(row).last_pk
        story = _find_story(db, item_id, canonical, tkey)
        db["items"].update(item_id, {"story_id": story or item_id})
    return new, seen


def _find_story(db: Database, item_id: int, canonical: str | None, tkey: str) -> int | None:
    if canonical:
        row = next(db.query("select story_id from items where canonical_url = ? and id != ? "
                            "and story_id is not null order by id limit 1",
                            [canonical, item_id]), None)
        if row:
            return row["story_id"]
    if len(tkey) >= MIN_TITLE_KEY:
        row = next(db.query("select story_id from items where title_key = ? and id != ? "
                            "and story_id is not null order by id limit 1",
                            [tkey, item_id]), None)
        if row:
            return row["story_id"]
    return None
