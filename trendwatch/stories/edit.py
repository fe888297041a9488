"""The user's corrections: split an item out of its story for good, and recluster a period
with the current method."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..db.store import iso, utcnow
from ..errors import TrendwatchError
from .exact import ExactKeys
from .index import THRESHOLD, WINDOW, StoryIndex, _epoch, forget_indexes
from .match import threshold
from .words import parse_terms, terms

if TYPE_CHECKING:

    from ..db.store import Store


def split_item(store: Store, item_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """"Not the same story": move ``item_id`` to a story of its own, for good.

    Its new story is marked ``split_from`` (the story it left): clustering never adds an
    item to it and :func:`recluster` never moves its item. If the item started its old
    story, the others keep that story under the id of the earliest of them (story ids are
    the id of their first item). Returns ``{"item_id", "story_id", "split_from",
    "remaining_story"}``. Raises TrendwatchError for an unknown item or one already alone.
    """
    now = now or utcnow()
    stamp = iso(now)
    with store.write() as db:
        row = db.conn.execute("select id, coalesce(story_id, id), first_seen_at from items "
                              "where id = ?", [item_id]).fetchone()
        if row is None:
            raise TrendwatchError(f"no item with id {item_id}")
        old = int(row[1])
        others = [r[0] for r in db.conn.execute(
            "select id from items where coalesce(story_id, id) = ? and id != ? order by id",
            [old, item_id])]
        if not others:
            raise TrendwatchError(f"item {item_id} is alone in its story already")
        remaining = old
        if old == item_id:
            # The item started the story: the rest move to a story named by their first.
            remaining = others[0]
            first = db.conn.execute("select min(first_seen_at) from items where id in "
                                    f"({','.join('?' * len(others))})", others).fetchone()[0]
            db.conn.execute("insert or replace into stories (id, first_seen_at, updated_at) "
                            "values (?, ?, ?)", [remaining, first, stamp])
            db.conn.executemany("update items set story_id = ? where id = ?",
                                [(remaining, i) for i in others])
        db.conn.execute("insert or replace into stories (id, first_seen_at, updated_at, "
                        "split_from, split_at) values (?, ?, ?, ?, ?)",
                        [item_id, row[2], stamp, remaining, stamp])
        db.conn.execute("update items set story_id = ? where id = ?", [item_id, item_id])
        db.conn.execute("update stories set updated_at = ? where id = ?", [stamp, remaining])
    # This process's indexes hold the old story ids: reload them when next needed (other
    # processes check the database before joining a story: see _match).
    forget_indexes()
    return {"item_id": item_id, "story_id": item_id, "split_from": remaining,
            "remaining_story": remaining}


def recluster(store: Store, *, since: datetime, now: datetime | None = None) -> dict[str, int]:
    """Assign the items first seen since ``since`` to stories again, from scratch, with the
    current method (after a change of :data:`THRESHOLD`, or to heal a database from before
    stories). Items the user split out stay where they are and nothing joins them. Items
    before ``since`` keep their stories and can be joined. Returns ``{"items", "stories"}``
    (items reassigned, stories they now form)."""
    from ..parse.normalize import canonical_url, title_key

    now = now or utcnow()
    with store.write() as db:
        rows = db.conn.execute(
            "select i.id, i.title, i.summary, i.url, i.first_seen_at, s.split_from "
            "from items i left join stories s on s.id = i.story_id "
            "where i.first_seen_at >= ? order by i.first_seen_at, i.id",
            [iso(since)]).fetchall()
        movable = [r for r in rows if r[5] is None]
        ids = [r[0] for r in movable]
        # A fresh index of what came before, so this pass sees what ingest saw.
        index = StoryIndex()
        context = db.conn.execute(
            "select i.id, i.title, i.summary, i.story_terms, i.first_seen_at, "
            "coalesce(i.story_id, i.id), s.split_from from items i "
            "left join stories s on s.id = i.story_id "
            "where i.first_seen_at >= ? and i.first_seen_at < ? order by i.id",
            [iso(since - WINDOW), iso(since)])
        for item_id, title, summary, stored, seen, story, split_from in context:
            if split_from is not None:
                index.locked.add(story)
            index.add(item_id, _epoch(seen, now.timestamp()), story,
                      parse_terms(stored, title, summary), title)
        for r in rows:
            if r[5] is not None:
                index.locked.add(r[0])
        keys = ExactKeys()
        stories: dict[int, int] = {}
        new_rows: list[tuple[int, str | None]] = []
        for item_id, title, summary, url, seen, _ in movable:
            canonical = canonical_url(url)
            tkey = title_key(title or "")
            story = keys.find(canonical, tkey)
            item_terms = terms(title, summary)
            at = _epoch(seen, now.timestamp())
            if story is None:
                limit = max(threshold(index), THRESHOLD)
                found = [(s, e) for s, e in index.best_story(item_terms, at, item_id,
                                                              index.locked)
                         if s >= limit]
                story = found[0][1].story if found else None
            if story is None:
                story = item_id
                new_rows.append((item_id, seen))
            keys.remember(canonical, tkey, story)
            index.add(item_id, at, story, item_terms, title)
            stories[item_id] = story
        db.conn.executemany("update items set story_id = ? where id = ?",
                            [(s, i) for i, s in stories.items()])
        stamp = iso(now)
        db.conn.executemany("insert or ignore into stories (id, first_seen_at, updated_at) "
                            "values (?, ?, ?)", [(s, seen, stamp) for s, seen in new_rows])
        # Stories left without items (their items joined older ones) go.
        db.conn.execute("delete from stories where split_from is null and not exists "
                        "(select 1 from items i where i.story_id = stories.id)")
    forget_indexes()  # every cached index has stale story ids now
    return {"items": len(ids), "stories": len(set(stories.values()))}
