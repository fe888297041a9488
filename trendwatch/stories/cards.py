"""Stories as people see them: the members of a story, its card (outlets, growth), and the
line that says how it grew."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..db.store import iso, utcnow
from .words import parse_terms

if TYPE_CHECKING:

    from ..db.store import Store


def story_members(store: Store, story_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The items of each story (``id``, ``source``, ``title``, ``summary``, ``url``,
    ``first_seen_at``, ``published_at``, ``story_terms``), first seen first."""
    ids = sorted(set(story_ids))
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        for r in store.query(
                "select coalesce(story_id, id) as story, id, source, title, summary, url, "
                "first_seen_at, published_at, story_terms from items "
                f"where story_id in ({marks}) or (story_id is null and id in ({marks})) "
                "order by first_seen_at, id", [*part, *part]):
            out[r["story"]].append(r)
    return dict(out)


#: "How fast it grew": sources and items a story gained in this many last hours.
GROWTH_HOURS = 3


def story_cards(store: Store, story_ids: Iterable[int], *, now: datetime | None = None
                ) -> dict[int, dict[str, Any]]:
    """What a card shows of each story (``docs/suggestions.md``, key ``story``): ``id``,
    ``headline`` (the most typical of its headlines: the one sharing most words with the
    others), ``n_sources``, ``n_items``, ``sources`` (sorted), ``links`` (one per item:
    ``item_id``, ``source``, ``title``, ``url``, ``first_seen``; first seen first),
    ``first_seen``, and ``growth``: sources and items gained in the last
    :data:`GROWTH_HOURS` hours against before (``hours``, ``new_sources``, ``new_items``,
    ``sources_before``, ``items_before``)."""
    now = now or utcnow()
    recent = iso(now - timedelta(hours=GROWTH_HOURS))
    members = story_members(store, story_ids)
    cards = {}
    for story, items in members.items():
        counts: dict[str, int] = defaultdict(int)
        words = {}
        for it in items:
            words[it["id"]] = set(parse_terms(it.get("story_terms"), it["title"], None))
            for w in words[it["id"]]:
                counts[w] += 1
        best = max(items, key=lambda it: (
            sum(counts[w] - 1 for w in words[it["id"]]) / (len(words[it["id"]]) or 1),
            -it["id"]))
        before = [it for it in items if (it["first_seen_at"] or "") < recent]
        new = [it for it in items if (it["first_seen_at"] or "") >= recent]
        sources_before = {it["source"] for it in before}
        cards[story] = {
            "id": story,
            "headline": best["title"],
            "n_sources": len({it["source"] for it in items}),
            "n_items": len(items),
            "sources": sorted({it["source"] for it in items}),
            "links": [{"item_id": it["id"], "source": it["source"], "title": it["title"],
                       "url": it["url"], "first_seen": it["first_seen_at"]} for it in items],
            "first_seen": items[0]["first_seen_at"],
            "growth": {"hours": GROWTH_HOURS,
                       "new_sources": len({it["source"] for it in new} - sources_before),
                       "new_items": len(new), "sources_before": len(sources_before),
                       "items_before": len(before)},
        }
    return cards


def growth_text(card: dict[str, Any]) -> str:
    """``covered by 5 sources · +4 sources, +6 items in 3 h`` for a card (plain text)."""
    n = card.get("n_sources") or 1
    parts = [f"covered by {n} source{'s' if n != 1 else ''}"]
    g = card.get("growth") or {}
    if g.get("new_items"):
        gained = []
        if g.get("new_sources"):
            gained.append(f"+{g['new_sources']} source{'s' if g['new_sources'] != 1 else ''}")
        gained.append(f"+{g['new_items']} item{'s' if g['new_items'] != 1 else ''}")
        parts.append(", ".join(gained) + f" in {g.get('hours', GROWTH_HOURS)} h")
    return " · ".join(parts)
