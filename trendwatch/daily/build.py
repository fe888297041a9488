"""Building the daily suggestion list from the classifier and the trend signals.

:func:`build_daily_list` is what the daemon runs each morning (and ``run --once``), one
function per step:

1. **Score** (:func:`_score_window`, with :mod:`.scoring`) the items of the ranking window
   (``[ranking] window``, default 2 days) that have no score yet or were scored by an older
   model, in batches; write ``scores`` rows.
   Items brand safety holds back (:mod:`trendwatch.ranking.safety`: an avoid term, a sensitive
   topic of ``[safety] hold``) are scored too but marked ``filtered`` with the reason, and
   never suggested unless released (``safety_overrides``).
2. **Candidates** (:func:`_candidates`): scored, not filtered, a theme,
   ``relevance >= [ranking] min_relevance``, fresh enough; and *novel* — no item of the
   same story was suggested on an earlier day or has a verdict (an item once judged is
   never suggested again).
3. **Signals and score** (:func:`_best_per_story`): trend, momentum, recency, novelty and
   the weighted score of :mod:`trendwatch.ranking.signals` (the formula is documented there
   and in ``models/README.md``).
4. **One suggestion per story** (:func:`_choose`: the best-scoring item of it; stories group
   items of any source about one event, :mod:`trendwatch.stories`), up to ``[digest] size``
   including the suggestions of that day already reviewed, the slots filled for range
   (:mod:`trendwatch.ranking.diversity`, ``[ranking] diversity``), best first; then the
   "help the model learn" slots (:mod:`trendwatch.ranking.learning`). The chosen items are
   explained (:func:`_add_explanations`).
5. **Angles** (:func:`_suggestion_rows`) from the ``generate_angles`` plugins (the template
   one is built in).
6. **Upsert** (:func:`_upsert`) the ``suggestions`` rows of ``list_date`` (the
   brand-timezone date): a row whose status is not ``new`` is never touched; ``new`` rows
   that dropped out of the list are *parked* (``list_date`` null), never deleted: a
   suggestion id always means the same item, and an item that comes back gets its old id
   again.

scikit-learn is imported only inside :mod:`.scoring`'s functions (through the ranking
modules), never when this module is imported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..config import Config, RankingConfig
from ..contracts import Angle
from ..db.store import Store, dumps, iso, loads, parse_iso, utcnow
from ..items.freshness import freshness_filter, item_date
from ..ranking.evidence import evidence
from ..ranking.safety import from_config
from .queries import brand_lang
from .scoring import explain, load_active_model, score_pending

if TYPE_CHECKING:
    from ..performance.sells import Sells
    from ..plugins import PluginHost
    from ..ranking.classifier import ThemeModel

log = logging.getLogger(__name__)

#: Earlier suggestions a candidate's novelty is compared with.
NOVELTY_DAYS = 14
#: Angles kept per suggestion.
MAX_ANGLES = 3
#: Stories whose sources are counted per query: keeps the bound parameters of one query
#: well under SQLite's limit.
STORY_CHUNK = 500

#: An item row predicate: is it fresh enough to suggest? (:func:`freshness_filter`)
Fresh = Callable[[Mapping[str, Any]], bool]


def _list_date(config: Config, now: datetime, list_date: date | str | None) -> str:
    if list_date is None:
        return now.astimezone(config.brand.tz).date().isoformat()
    if isinstance(list_date, date):
        return list_date.isoformat()
    return date.fromisoformat(list_date).isoformat()


def _judged_stories(store: Store, day: str) -> set[int]:
    """Stories with an item that has a verdict, or was suggested on an earlier day, or has
    a non-new suggestion on this day: none of their items is suggested again."""
    rows = store.query("""
        select coalesce(i.story_id, i.id) as story from items i
        where i.id in (select item_id from feedback)
           or i.id in (select item_id from suggestions
                       where list_date < ? or (list_date = ? and status != 'new'))
        """, [day, day])
    return {r["story"] for r in rows}


def _recent_suggested_words(store: Store, day: str) -> list[set[str]]:
    from ..parse.tokens import content_tokens

    start = (date.fromisoformat(day) - timedelta(days=NOVELTY_DAYS)).isoformat()
    rows = store.query("""
        select i.title from suggestions s join items i on i.id = s.item_id
        where s.list_date >= ? and s.list_date < ?""", [start, day])
    return [set(content_tokens(r["title"] or "")) for r in rows]


def angles_for(host: PluginHost | None, suggestion: dict[str, Any],
               theme: dict[str, Any] | None, brand: dict[str, Any]) -> list[dict[str, Any]]:
    """Angles from every ``generate_angles`` plugin; other generators before the templates,
    duplicates dropped, at most three. Without a host (or if no plugin answers) the
    built-in templates are used directly."""
    from ..ranking.angles import GENERATOR, template_angles

    found: list[Angle] = []
    if host is not None:
        for plugin, result in host.call_each("generate_angles", suggestion=suggestion,
                                             theme=theme, brand=brand):
            for angle in result or []:
                try:
                    found.append(angle if isinstance(angle, Angle) else Angle(**angle))
                except (TypeError, ValueError) as err:
                    log.warning("plugin %r returned an invalid angle: %s", plugin, err)
    if not found:
        found = template_angles(suggestion, theme, brand)
    found.sort(key=lambda a: a.generator == GENERATOR)  # stable: plugin order kept
    out, seen = [], set()
    for angle in found:
        key = (angle.platform.lower(), angle.hook.lower())
        if key not in seen:
            seen.add(key)
            out.append(angle.model_dump())
    return out[:MAX_ANGLES]


def _learning_rows(window: Sequence[dict[str, Any]], chosen: Sequence[dict[str, Any]],
                   judged: set[int], slots: int, trend: dict[int, float], now: datetime,
                   ranking: Any) -> list[dict[str, Any]]:
    """The "help the model learn" slots (:mod:`trendwatch.ranking.learning`), with the same
    signals and score as the other suggestions (they stay below them: low relevance)."""
    from ..ranking.learning import pick_learning
    from ..ranking.signals import recency, suggestion_score

    taken = judged | {c["story"] for c in chosen}
    out = []
    for r in pick_learning(window, slots, taken_stories=taken):
        published = parse_iso(r["published_at"]) or parse_iso(r["first_seen_at"])
        signals = {"trend": trend.get(r["id"], 0.0), "momentum": 0.0,
                   "recency": recency(published, now, ranking.half_life), "novelty": 1.0,
                   "sources": 1, "uncertainty": round(r["uncertainty"], 4)}
        out.append({**r, "signals": signals, "learning": True,
                    "score": suggestion_score(r["relevance"], signals, ranking.weights)})
    return out


def _all_templates(suggestion: dict[str, Any], theme: dict[str, Any] | None,
                   brand: dict[str, Any]) -> list[dict[str, Any]]:
    """Every template angle of the theme (the "sells" factor picks from them)."""
    from ..ranking.angles import template_angles

    return [a.model_dump() for a in template_angles(suggestion, theme, brand, limit=3)]



def build_daily_list(store: Store, config: Config, host: PluginHost | None, *,
                     now: datetime | None = None,
                     list_date: date | str | None = None,
                     model: ThemeModel | None = None) -> list[dict[str, Any]]:
    """Score, rank and store the daily list (see the module docstring); return it as
    :func:`trendwatch.daily.queries.list_suggestions` does (every status, best first). ``model``
    is the one to score with (default: the active model, trained if there is none)."""
    from ..performance.sells import load_sells
    from .queries import list_suggestions

    now = now or utcnow()
    day = _list_date(config, now, list_date)
    model = _score_window(store, config, model, now)
    window = _window(store, config.ranking, now)
    trend = _trend(window)
    judged = _judged_stories(store, day)
    fresh = freshness_filter(config, now)
    candidates = _candidates(store, config, window, judged, fresh)
    sources = _story_sources(store, candidates, now)
    sells = load_sells(store, config, now=now)  # inactive (no effect) until enough posts
    best = _best_per_story(store, config, candidates, trend, sources, sells, day=day, now=now)
    existing = _existing_rows(store, day)
    chosen = _choose(config, model, best, existing, [r for r in window if fresh(r)], judged,
                     trend, now)
    _add_explanations(store, config, model, chosen)
    rows = _suggestion_rows(config, host, chosen, existing, sells, day=day, now=now)
    _upsert(store, existing, rows, iso(now))
    return list_suggestions(store, config, list_date=day, status="all")


def _score_window(store: Store, config: Config, model: ThemeModel | None,
                  now: datetime) -> ThemeModel | None:
    """Step 1: score the window's pending items, so every candidate has a theme and a
    relevance. Returns the model scored with (the active one unless ``model`` is given);
    without themes nothing is scored and ``model`` is returned as it came."""
    if config.themes:
        model = model or load_active_model(store, config, now=now)
        n = score_pending(store, config, model, now=now)
        log.info("scored %d items with model %s", n, model.version)
    return model


def _window(store: Store, ranking: RankingConfig, now: datetime) -> list[dict[str, Any]]:
    """The items first seen in the ranking window with their scores: what the list picks
    from, and what the trend and the learning slots are measured on."""
    since = iso(now - timedelta(seconds=ranking.window))
    return store.query("""
        select i.id, i.source, i.title, i.summary, i.url, i.published_at, i.first_seen_at,
               coalesce(i.story_id, i.id) as story, i.metrics, i.kind,
               i.published_estimated, i.extra,
               s.theme, s.relevance, s.why, s.filtered, s.scores
        from items i left join scores s on s.item_id = i.id
        where i.first_seen_at >= ?""", [since])


def _trend(window: Sequence[dict[str, Any]]) -> dict[int, float]:
    """Trend signal per item id, from the engagement metrics of the whole window (each
    item is compared with the others of its source)."""
    from ..ranking.signals import trend_scores

    return trend_scores((r["id"], r["source"], loads(r["metrics"], {})) for r in window)


def _candidates(store: Store, config: Config, window: Sequence[dict[str, Any]],
                judged: set[int], fresh: Fresh) -> list[dict[str, Any]]:
    """Step 2: the window's items that may be suggested: on a theme, relevant enough, not
    held back by brand safety (or released), of a story nobody judged yet, fresh."""
    released = {r["item_id"] for r in store.query("select item_id from safety_overrides")}
    return [r for r in window
            if r["theme"] and (r["filtered"] is None or r["id"] in released)
            and r["story"] not in judged
            and (r["relevance"] or 0) >= config.ranking.min_relevance and fresh(r)]


@dataclass
class _StorySources:
    """Per story: how many sources carry it, how many of them only since the growth
    window, and when it was first and last seen (momentum and evidence read these)."""

    n: dict[int, int] = field(default_factory=dict)
    new: dict[int, int] = field(default_factory=dict)
    seen: dict[int, list[datetime]] = field(default_factory=dict)


def _story_sources(store: Store, candidates: Sequence[dict[str, Any]],
                   now: datetime) -> _StorySources:
    """The sources of each candidate's story, counted in the database: a story's items
    outside the window (or not candidates) still show how widely it is carried."""
    from ..stories import GROWTH_HOURS

    stories = sorted({r["story"] for r in candidates})
    out = _StorySources()
    recent = iso(now - timedelta(hours=GROWTH_HOURS))
    for start in range(0, len(stories), STORY_CHUNK):
        part = stories[start:start + STORY_CHUNK]
        marks = ",".join("?" * len(part))
        # sources of each story, and those that carried it only in the last hours
        for r in store.query(f"""select coalesce(story_id, id) as story,
                                 count(distinct source) as n,
                                 count(distinct case when first_seen_at < ? then source end)
                                   as before,
                                 min(first_seen_at) as first, max(first_seen_at) as last
                                 from items
                                 where coalesce(story_id, id) in ({marks})
                                 group by coalesce(story_id, id)""", [recent, *part]):
            out.n[r["story"]] = r["n"]
            out.new[r["story"]] = r["n"] - r["before"]
            out.seen[r["story"]] = [d for d in (parse_iso(r["first"]), parse_iso(r["last"]))
                                    if d is not None]
    return out


def _best_per_story(store: Store, config: Config, candidates: Sequence[dict[str, Any]],
                    trend: dict[int, float], sources: _StorySources, sells: Sells, *,
                    day: str, now: datetime) -> dict[int, dict[str, Any]]:
    """Step 3: each candidate's signals, score, sensitive topics and evidence; kept is the
    best-scoring item of each story, so a story fills one slot however many items it has."""
    from ..ranking.signals import momentum, novelty, recency, suggestion_score

    ranking = config.ranking
    recent_words = _recent_suggested_words(store, day)
    safety = from_config(config)
    best: dict[int, dict[str, Any]] = {}
    for r in candidates:
        dated = item_date(r["published_at"], r["published_estimated"], r["first_seen_at"])
        signals = {"trend": trend.get(r["id"], 0.0),
                   "momentum": momentum(sources.n.get(r["story"], 1),
                                        sources.new.get(r["story"], 1)),
                   "recency": recency(dated.when or now, now, ranking.half_life),
                   "novelty": novelty(r["title"] or "", recent_words),
                   "sources": sources.n.get(r["story"], 1),
                   "new_sources": sources.new.get(r["story"], 1)}
        score = sells.adjust(suggestion_score(r["relevance"], signals, ranking.weights),
                             r["theme"], signals, ranking.weights)
        marks = safety.sensitive(f"{r['title'] or ''} {r['summary'] or ''}")
        if marks:
            signals["sensitive"] = sorted(marks)
        signals["evidence"] = evidence(
            title=r["title"] or "", source=r["source"], kind=r["kind"],
            metrics=loads(r["metrics"], {}), extra=loads(r["extra"], {}), dated=dated,
            n_sources=signals["sources"], story_seen=sources.seen.get(r["story"], []),
            now=now, lang=brand_lang(config), tz=config.brand.tz)
        if r["story"] not in best or score > best[r["story"]]["score"]:
            best[r["story"]] = {**r, "signals": signals, "score": score}
    return best


def _existing_rows(store: Store, day: str) -> dict[int, dict[str, Any]]:
    """The day's suggestion rows by item id, and the parked ``new`` ones: reviewed rows
    take slots, and a row that comes back keeps its id and angles."""
    # Parked rows (list_date null: dropped from an earlier build) come back with their id.
    return {r["item_id"]: r for r in store.query(
        "select id, item_id, status, angles, created_at from suggestions "
        "where list_date = ? or (list_date is null and status = 'new')", [day])}


def _choose(config: Config, model: ThemeModel | None, best: dict[int, dict[str, Any]],
            existing: dict[int, dict[str, Any]], fresh_window: Sequence[dict[str, Any]],
            judged: set[int], trend: dict[int, float], now: datetime) -> list[dict[str, Any]]:
    """Step 4: the list's items, best first: the slots the day's reviewed suggestions left,
    filled for range, then the "help the model learn" slots (only with a model: they come
    from its uncertainty)."""
    from ..ranking.diversity import pick

    ranking = config.ranking
    reviewed_today = sum(1 for r in existing.values() if r["status"] != "new")
    room = max(0, config.digest.size - reviewed_today)
    slots = min(ranking.learning_slots, room // 2) if model is not None else 0
    # range: the slots go to stories that differ (MMR, [ranking] diversity); shown by score
    chosen = sorted(pick(list(best.values()), room - slots, ranking.diversity),
                    key=lambda c: (-c["score"], c["id"]))
    # then the "help the model learn" slots: the items the classifier is least sure about
    # (fresh ones only: an archive item teaches little about today's stream)
    chosen += _learning_rows(fresh_window, chosen, judged, slots, trend, now, ranking)
    return chosen


def _add_explanations(store: Store, config: Config, model: ThemeModel | None,
                      chosen: list[dict[str, Any]]) -> None:
    """Fill in ``why`` for the chosen items scored without one: scoring skips explanations,
    and only the few items a list shows need them."""
    explained = explain(store, config, model, [c for c in chosen if c["why"] is None]) \
        if model is not None else {}
    for c in chosen:
        if c["id"] in explained:
            c["why"] = explained[c["id"]]


def _suggestion_rows(config: Config, host: PluginHost | None, chosen: Sequence[dict[str, Any]],
                     existing: dict[int, dict[str, Any]], sells: Sells, *, day: str,
                     now: datetime) -> list[dict[str, Any]]:
    """Step 5: the ``suggestions`` rows of the chosen items, with their angles (preferring
    what sold before, once enough posts say so). A row that already has angles keeps them, so
    a list rebuilt during the day shows the angles it showed before."""
    from ..parse.tokens import key_phrases

    brand = config.brand.model_dump()
    stamp = iso(now)
    rows = []
    for c in chosen:
        theme_cfg = config.theme(c["theme"])
        why = loads(c["why"], [])
        old = existing.get(c["id"])
        angles = loads(old["angles"], []) if old else []
        if not angles:
            suggestion = {"title": c["title"], "summary": c["summary"] or "", "url": c["url"],
                          "source": c["source"], "theme": c["theme"], "why": why,
                          "key_phrases": key_phrases(c["title"] or "", prefer=why),
                          "signals": c["signals"],
                          "sensitive": c["signals"].get("sensitive", [])}
            theme_dict = theme_cfg.model_dump() if theme_cfg else None
            angles = sells.prefer(c["theme"], angles_for(host, suggestion, theme_dict, brand),
                                  more=lambda s=suggestion, t=theme_dict: _all_templates(
                                      s, t, brand))
        note = sells.explain(c["theme"])
        if note and note not in why:
            why = [*why, note]
        rows.append({"item_id": c["id"], "list_date": day, "theme": c["theme"],
                     "score": c["score"], "relevance": c["relevance"],
                     "signals": dumps(c["signals"]), "why": dumps(why),
                     "angles": dumps(angles), "status": "new", "updated_at": stamp,
                     "learning": int(bool(c.get("learning"))),
                     "created_at": old["created_at"] if old else stamp})
    return rows


def _upsert(store: Store, existing: dict[int, dict[str, Any]], rows: Sequence[dict[str, Any]],
            stamp: str) -> None:
    """Step 6: write the day's rows in one transaction; ``new`` rows no longer on the list
    are parked, and rows already reviewed are never touched."""
    keep = {r["item_id"] for r in rows}
    with store.write() as db:
        for item_id, old in existing.items():
            if old["status"] == "new" and item_id not in keep:
                # Dropped out of today's list: parked (no list date), never deleted, so its
                # id is never given to another item (SQLite reuses the highest rowid after
                # a delete) and a verdict sent from an older page still finds this item.
                db.execute("update suggestions set list_date = null, updated_at = ? "
                           "where id = ? and status = 'new'", [stamp, old["id"]])
        for row in rows:
            old = existing.get(row["item_id"])
            if old is None:
                # Guarded insert: the item may have gained a row meanwhile (unique item_id).
                db.execute("""insert or ignore into suggestions
                    (item_id, list_date, theme, score, relevance, signals, why, angles,
                     status, created_at, updated_at, learning)
                    values (:item_id, :list_date, :theme, :score, :relevance, :signals, :why,
                            :angles, :status, :created_at, :updated_at, :learning)""", row)
            else:
                db.execute("""update suggestions set theme = :theme, score = :score,
                    relevance = :relevance, signals = :signals, why = :why, angles = :angles,
                    updated_at = :updated_at, learning = :learning, list_date = :list_date
                    where item_id = :item_id and status = 'new'
                      and (list_date = :list_date or list_date is null)""", row)
