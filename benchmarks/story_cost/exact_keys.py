"""What story assignment did before issue 13, as a baseline for the cost benchmarks
(``bench_stories.py --corpus-cost`` and this folder's ``sitecustomize``): a new item joins
the story of an earlier item with the same URL or title, else starts its own; no index."""

from __future__ import annotations

from typing import Any


def exact_keys_only(db: Any, items: list[Any], now: Any = None) -> list[str]:
    """Stand-in for ``ingest.stories_assign`` with the exact keys only."""
    from trendwatch.db.store import iso

    out: list[str] = []
    pending: dict[str, str] = {}
    started: list[tuple[str, str]] = []
    for item in items:
        story = item.story
        if story is None and item.same_as is not None:
            story = pending.get(item.same_as)
        if story is None:
            story = item.item_id
            started.append((story, iso(item.seen_at)))
        pending[item.item_id] = story
        out.append(story)
    db.conn.executemany("insert or ignore into stories (id, first_seen_at, updated_at) "
                        "values (?, ?, ?)", [(s, seen, seen) for s, seen in started])
    return out
