"""Items brand safety held back: the list of them (with the reason) and the one-click
release that puts one on today's list anyway.

An item is *held back* when its ``scores.filtered`` says why (an avoid term, a sensitive
topic of ``[safety] hold``: :mod:`trendwatch.ranking.safety`) and it would otherwise have been a
candidate: on a theme, on-brand enough, fresh, not judged, not released. The web page shows
their count on the daily list and lists them on ``/held``; ``trendwatch held`` does the same.

Releasing records a ``safety_overrides`` row (later lists may suggest the item) and puts the
item on today's list at once, with angles from the built-in templates (the tone still
follows the sensitive marks). No scikit-learn here: the web process calls this.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..config import Config
from ..daily.queries import brand_lang, today
from ..db.store import Store, dumps, iso, loads, parse_iso, utcnow
from ..errors import TrendwatchError
from ..items.freshness import freshness_filter, item_date
from ..ranking.evidence import evidence
from ..ranking.safety import from_config

_HELD = """
    select i.id as item_id, i.title, i.summary, i.url, i.source, i.kind, i.published_at,
           i.published_estimated, i.first_seen_at, i.metrics, i.extra,
           coalesce(i.story_id, i.id) as story, s.theme, s.relevance, s.filtered
    from items i join scores s on s.item_id = i.id
    where s.filtered is not null and s.theme is not null and s.relevance >= ?
      and i.first_seen_at >= ?
      and i.id not in (select item_id from safety_overrides)
      and i.id not in (select item_id from suggestions where status != 'new'
                                                         or list_date is not null)
      and i.id not in (select item_id from feedback)
    order by s.relevance desc, i.id
"""


def held_items(store: Store, config: Config, *, now: datetime | None = None,
               limit: int | None = 200) -> list[dict[str, Any]]:
    """Held-back items that would otherwise be candidates, most on-brand first. Each:
    ``item_id``, ``title``, ``url``, ``source``, ``theme``, ``relevance``, ``reason``
    (why it is held), ``published_at``, ``published_estimated``, ``first_seen``."""
    now = now or utcnow()
    since = iso(now - timedelta(seconds=config.ranking.window))
    fresh = freshness_filter(config, now)
    rows = [r for r in store.query(_HELD, [config.ranking.min_relevance, since]) if fresh(r)]
    out = [{"item_id": r["item_id"], "title": r["title"], "url": r["url"],
            "source": r["source"], "theme": r["theme"], "relevance": r["relevance"],
            "reason": r["filtered"], "published_at": r["published_at"],
            "published_estimated": r["published_estimated"],
            "first_seen": r["first_seen_at"]} for r in rows]
    return out[:limit] if limit is not None else out


def release(store: Store, config: Config, item_id: int, *,
            now: datetime | None = None) -> dict[str, Any]:
    """Release a held-back item: record the override and put it on today's list (status
    new). Returns ``item_id``, ``title``, ``reason`` (what had held it) and
    ``suggestion_id``. TrendwatchError for an unknown item or one that is not held."""
    from ..parse.tokens import key_phrases
    from ..ranking.angles import template_angles

    now = now or utcnow()
    row = next(iter(store.query("""
        select i.id, i.title, i.summary, i.url, i.source, i.kind, i.published_at,
               i.published_estimated, i.first_seen_at, i.metrics, i.extra,
               coalesce(i.story_id, i.id) as story, s.theme, s.relevance, s.filtered,
               s.why
        from items i left join scores s on s.item_id = i.id where i.id = ?""",
                                [item_id])), None)
    if row is None:
        raise TrendwatchError(f"no item with id {item_id}")
    if not row["filtered"]:
        raise TrendwatchError(f"item {item_id} is not held back")
    day = today(config.brand.tz, now).isoformat()
    story = store.query("select count(distinct source) as n, min(first_seen_at) as a, "
                        "max(first_seen_at) as b from items where coalesce(story_id, id) = ?",
                        [row["story"]])[0]
    dated = item_date(row["published_at"], row["published_estimated"], row["first_seen_at"])
    marks = from_config(config).sensitive(f"{row['title']} {row['summary'] or ''}")
    signals: dict[str, Any] = {
        "sources": story["n"], "released": row["filtered"],
        "evidence": evidence(
            title=row["title"], source=row["source"], kind=row["kind"],
            metrics=loads(row["metrics"], {}), extra=loads(row["extra"], {}), dated=dated,
            n_sources=story["n"], story_seen=[d for d in (parse_iso(story["a"]),
                                                          parse_iso(story["b"])) if d],
            now=now, lang=brand_lang(config), tz=config.brand.tz)}
    if marks:
        signals["sensitive"] = sorted(marks)
    why = loads(row["why"], []) or []
    theme = config.theme(row["theme"])
    angles = [a.model_dump() for a in template_angles(
        {"title": row["title"], "summary": row["summary"] or "", "source": row["source"],
         "theme": row["theme"], "why": why, "signals": signals,
         "key_phrases": key_phrases(row["title"], prefer=why), "sensitive": sorted(marks)},
        theme.model_dump() if theme else None, config.brand.model_dump())]
    stamp = iso(now)
    with store.write() as db:
        db.execute("insert or ignore into safety_overrides (item_id, reason, created_at) "
                   "values (?, ?, ?)", [item_id, row["filtered"], stamp])
        existing = next(iter(db.query("select id, status from suggestions where item_id = ?",
                                      [item_id])), None)
        if existing is None:
            sid = db.execute(
                "insert into suggestions (item_id, list_date, theme, score, relevance, "
                "signals, why, angles, status, created_at, updated_at) values "
                "(?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?)",
                [item_id, day, row["theme"], row["relevance"] or 0.0, row["relevance"] or 0.0,
                 dumps(signals), dumps(why), dumps(angles), stamp, stamp]).lastrowid
        else:
            sid = existing["id"]
            if existing["status"] == "new":
                db.execute("update suggestions set list_date = ?, updated_at = ? "
                           "where id = ?", [day, stamp, sid])
    return {"item_id": item_id, "title": row["title"], "reason": row["filtered"],
            "suggestion_id": sid}
