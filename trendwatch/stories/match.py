"""Assigning items to stories as they are stored: exact keys first, then the most similar
recent item (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..db.store import iso, utcnow
from .index import COLD_ITEMS, COLD_THRESHOLD, THRESHOLD, StoryIndex, _check, index_for
from .words import terms, terms_text

if TYPE_CHECKING:
    from sqlite_utils import Database



@dataclass
class NewItem:
    """An item being stored, as :func:`assign` needs it."""

    item_id: int
    title: str | None
    summary: str | None
    seen_at: datetime
    story: int | None = None   # set when an exact key (URL, title) already decided
    same_as: int | None = None  # an earlier item of the batch with the same exact key
    terms_text: str = ""        # set by :func:`assign`, stored in ``items.story_terms``


def assign(db: Database, items: Sequence[NewItem], now: datetime | None = None) -> list[int]:
    """The story of each new item (see the module docstring), in order; items of the same
    batch can join each other. Writes the ``stories`` rows (new stories, ``updated_at`` of
    joined ones); the caller writes ``items.story_id``. Call inside the write transaction
    that inserts the items, before inserting them."""
    if not items:
        return []
    now = now or utcnow()
    index = index_for(db, now)
    out: list[int] = []
    started: list[tuple[int, str | None]] = []
    pending: dict[int, int] = {}  # this batch: not in the table yet
    for item in items:
        item_terms = terms(item.title, item.summary)
        item.terms_text = terms_text(item_terms)
        at = item.seen_at.timestamp()
        story = item.story
        if story is None and item.same_as is not None:
            story = pending.get(item.same_as)
        if story is None:
            story = _match(db, index, item_terms, at, item.item_id, pending)
        if story is None:
            story = item.item_id
            started.append((story, iso(item.seen_at)))
        index.add(item.item_id, at, story, item_terms, item.title)
        pending[item.item_id] = story
        out.append(story)
    stamp = iso(now)
    if started:
        db.conn.executemany("insert or ignore into stories (id, first_seen_at, updated_at) "
                            "values (?, ?, ?)", [(s, seen, stamp) for s, seen in started])
    joined = sorted({s for s in out} - {s for s, _ in started})
    if joined:
        db.conn.executemany("update stories set updated_at = ? where id = ?",
                            [(stamp, s) for s in joined])
    return out


def threshold(index: StoryIndex) -> float:
    """The similarity at which an item joins a story, given how full the window is."""
    return COLD_THRESHOLD if len(index.entries) < COLD_ITEMS else THRESHOLD


def _match(db: Database, index: StoryIndex, item_terms: dict[str, float], at: float,
           item_id: int, pending: dict[int, int]) -> int | None:
    """The story of the most similar recent item above :func:`threshold`, checked against
    the database (another process may have split it out since this index loaded it)."""
    limit = max(threshold(index), THRESHOLD)
    found = [(sim, e) for sim, e in index.best_story(item_terms, at, item_id, index.locked)
             if sim >= limit]
    if not found:
        return None
    for _, entry in found[:1]:
        if entry.item_id in pending:
            return pending[entry.item_id]
    ids = [e.item_id for _, e in found]
    marks = ",".join("?" * len(ids))
    rows = {r[0]: r for r in db.conn.execute(
        f"select i.id, coalesce(i.story_id, i.id), i.title, s.split_from from items i "
        f"left join stories s on s.id = i.story_id where i.id in ({marks})", ids)}
    for _, entry in found:
        if entry.item_id in pending:
            return pending[entry.item_id]
        row = rows.get(entry.item_id)
        if row is None:
            continue  # rolled back
        if _check(row[2]) != entry.check:
            continue  # the id now belongs to another item (a rolled-back insert)
        if row[3] is not None:
            index.locked.add(row[1])
            continue
        entry.story = row[1]
        return int(row[1])
    return None
