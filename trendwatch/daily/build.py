"""Building the daily suggestion list from the classifier and the trend signals.

:func:`build_daily_list` is what the daemon runs each morning (and ``run --once``):

1. **Score** the items of the ranking window (``[ranking] window``, default 2 days) that
   have no score yet or were scored by an older model, in batches; write ``scores`` rows.
   Items brand safety holds back (:mod:`trendwatch.ranking.safety`: an avoid term, a sensitive
   topic of ``[safety] hold``) are scored too but marked ``filtered`` with the reason, and
   never suggested unless released (``safety_overrides``).
2. **Candidates**: scored, not filtered, a theme, ``relevance >= [ranking] min_relevance``;
   and *novel* — no item of the same story was suggested on an earlier day or has a
   verdict (an item once judged is never suggested again).
3. **Signals and score**: trend, momentum, recency, novelty and the weighted score of
   :mod:`trendwatch.ranking.signals` (the formula is documented there and in
   ``models/README.md``).
4. **One suggestion per story** (the best-scoring item of it; stories group items of any
   source about one event, :mod:`trendwatch.stories`), up to ``[digest] size`` including
   the suggestions of that day already reviewed, the slots filled for range
   (:mod:`trendwatch.ranking.diversity`, ``[ranking] diversity``), best first.
5. **Angles** from the ``generate_angles`` plugins (the template one is built in).
6. **Upsert** the ``suggestions`` rows of ``list_date`` (the brand-timezone date): a row
   whose status is not ``new`` is never touched; ``new`` rows that dropped out of the list
   are *parked* (``list_date`` null), never deleted: a suggestion id always means the same
   item, and an item that comes back gets its old id again.

scikit-learn is imported only inside :func:`score_pending` (through the ranking modules),
never when this module is imported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ..config import Config
from ..contracts import Angle
from ..db.store import Store, dumps, iso, loads, parse_iso, utcnow
from ..items.freshness import freshness_filter, item_date
from ..ranking.evidence import evidence
from ..ranking.safety import from_config
from .queries import brand_lang

if TYPE_CHECKING:
    from ..plugins import PluginHost
    from ..ranking.classifier import Prediction, ThemeModel

log = logging.getLogger(__name__)

#: Items scored per batch (FACTS: one at a time is ~35x slower than in batches).
BATCH = 2000
#: Earlier suggestions a candidate's novelty is compared with.
NOVELTY_DAYS = 14
#: Angles kept per suggestion.
MAX_ANGLES = 3


def train_model(store: Store, config: Config, *, now: datetime | None = None,
                **options: Any) -> dict[str, Any]:
    """Train, save and activate a new model version: see
    :func:`trendwatch.ranking.training.train_model` (imported here lazily, since it loads
    scikit-learn)."""
    from ..ranking.training import train_model as _train

    return _train(store, config, now=now, **options)


def load_active_model(store: Store, config: Config, *, now: datetime | None = None) -> Any:
    """The active model, retrained when missing or refused: see
    :func:`trendwatch.ranking.training.load_active_model`."""
    from ..ranking.training import load_active_model as _load

    return _load(store, config, now=now)


# -- scoring ----------------------------------------------------------------------------


def score_pending(store: Store, config: Config, model: ThemeModel, *,
                  now: datetime | None = None, item_ids: Sequence[int] | None = None) -> int:
    """Score the window's items that are unscored or scored by another model version.
    Returns how many were scored."""
    from ..parse.tokens import item_text

    now = now or utcnow()
    if item_ids is None:
        since = iso(now - timedelta(seconds=config.ranking.window))
        rows = store.query("""
            select i.id, i.title, i.summary from items i
            left join scores s on s.item_id = i.id
            where i.first_seen_at >= ? and (s.item_id is null or s.model_version is not ?)
            order by i.id""", [since, model.version])
    else:
        marks = ",".join("?" * len(item_ids))
        rows = store.query(f"select id, title, summary from items where id in ({marks})",
                           list(item_ids))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        preds = model.predict([item_text(r["title"], r["summary"]) for r in chunk],
                              min_relevance=config.ranking.min_relevance, explain=False)
        write_scores(store, config, model, chunk, preds, now, explained=False)
    return len(rows)


class Flag(Protocol):
    """What :func:`score_as_fetched` waits on: :class:`trendwatch.service.jobs.RoundEnd` in
    ``run --once`` (the fetching process's pipe), or a ``threading.Event``."""

    def wait(self, timeout: float | None = None) -> bool: ...


def score_as_fetched(store: Store, config: Config, fetch_done: Flag, *,
                     now: datetime | None = None, poll: float = 0.5,
                     train_after: int = 2000) -> ThemeModel | None:
    """Score items while another process is still fetching them; return once
    ``fetch_done`` is set and everything stored by then is scored.

    This is how ``run --once`` uses a second core: fetching is bound by feedparser on one,
    the classifier scores what has landed on the other, and the list is built as soon as
    the fetch ends instead of ranking every item after it (benchmarks/bench_fetch.py).

    The model is the active one, unless it needs retraining (none yet, themes changed, new
    verdicts, too old: :func:`~trendwatch.ranking.training.needs_retraining`): then a new
    one is trained as soon as the database holds ``train_after`` items, or when the fetch
    ends, whichever comes first. 2,000 is the size of the sample the vocabulary is learnt
    from anyway, and several times the stream the ranking benchmark measures quality on.
    ``fetch_done.wait`` may raise (see :class:`trendwatch.service.jobs.RoundEnd`: the fetching
    process died before it could say it was done); the error ends this function.
    Returns the model (``None`` with no themes configured).
    """
    now = now or utcnow()
    model: ThemeModel | None = None
    while True:
        done = fetch_done.wait(poll)
        if not config.themes:
            if done:
                return None
            continue
        if model is None:
            model = _model_if_ready(store, config, now, train_after=train_after,
                                    ready=done or store.query(
                                        "select count(*) as n from items")[0]["n"]
                                    >= train_after)
        if model is not None:
            n = score_pending(store, config, model, now=now)
            if n:
                log.debug("scored %d items while fetching", n)
        if done:
            return model


def _model_if_ready(store: Store, config: Config, now: datetime, *, ready: bool,
                    train_after: int) -> ThemeModel | None:
    from ..ranking.training import needs_retraining

    reason = needs_retraining(store, config, now=now)
    if reason is None:
        return load_active_model(store, config, now=now)
    if not ready:
        return None
    log.info("training a new model: %s", reason)
    # On the most recent ``train_after`` items: this runs on the core the fetch leaves
    # free, and every item it trains on is scored from the matrix training already built.
    trained = train_model(store, config, now=now, stream_limit=train_after)
    model: ThemeModel = trained["model"]
    rows, x, norm = trained["stream"]
    if rows:
        preds = model.predict_matrix(x, norm, min_relevance=config.ranking.min_relevance,
                                     explain=False)
        write_scores(store, config, model, rows, preds, now, explained=False)
    return model


def write_scores(store: Store, config: Config, model: ThemeModel,
                 rows: Sequence[dict[str, Any]], preds: Sequence[Prediction],
                 now: datetime, *, explained: bool = True) -> None:
    """Store the predictions for item ``rows`` (``id``, ``title``, ``summary``) as their
    ``scores`` rows, marking those brand safety holds back (an avoid term, a sensitive
    topic of ``[safety] hold``: :mod:`trendwatch.ranking.safety`). Predictions made without
    explanations store ``why`` as null: :func:`build_daily_list` explains the items it
    suggests."""
    from ..ranking.safety import from_config

    safety = from_config(config)
    stamp = iso(now)
    out = []
    for r, p in zip(rows, preds, strict=True):
        filtered = safety.check(r["title"], r["summary"]).held
        out.append({"item_id": r["id"], "model_version": model.version,
                    "theme": p.theme, "relevance": p.relevance, "scores": dumps(p.scores),
                    "why": dumps(p.why) if explained else None, "filtered": filtered,
                    "scored_at": stamp})
    with store.write() as db:
        db["scores"].upsert_all(out, pk="item_id")


def _explain(store: Store, config: Config, model: ThemeModel,
             rows: Sequence[dict[str, Any]]) -> dict[int, str]:
    """Explanations (``why``, JSON) for the item ``rows`` about to be suggested, stored on
    their ``scores`` rows too. Scoring leaves them out: only the few items a list shows
    need one, and they were a third of the time of scoring everything."""
    if not rows:
        return {}
    from ..parse.tokens import item_text

    # min_relevance 0: a "help the model learn" slot below the threshold is explained too
    # (towards its most probable theme); the other rows are above it anyway.
    preds = model.predict([item_text(r["title"], r["summary"]) for r in rows],
                          min_relevance=0.0)
    why = {r["id"]: dumps(p.why) for r, p in zip(rows, preds, strict=True)}
    with store.write() as db:
        db.conn.executemany("update scores set why = ? where item_id = ?",
                            [(w, i) for i, w in why.items()])
    return why


# -- the daily list ---------------------------------------------------------------------


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
    from ..parse.tokens import key_phrases
    from ..ranking.signals import (
        momentum,
        novelty,
        recency,
        suggestion_score,
        trend_scores,
    )
    from ..stories import GROWTH_HOURS
    from .queries import list_suggestions

    now = now or utcnow()
    day = _list_date(config, now, list_date)
    ranking = config.ranking
    if config.themes:
        model = model or load_active_model(store, config, now=now)
        n = score_pending(store, config, model, now=now)
        log.info("scored %d items with model %s", n, model.version)

    since = iso(now - timedelta(seconds=ranking.window))
    window = store.query("""
        select i.id, i.source, i.title, i.summary, i.url, i.published_at, i.first_seen_at,
               coalesce(i.story_id, i.id) as story, i.metrics, i.kind,
               i.published_estimated, i.extra,
               s.theme, s.relevance, s.why, s.filtered, s.scores
        from items i left join scores s on s.item_id = i.id
        where i.first_seen_at >= ?""", [since])
    trend = trend_scores((r["id"], r["source"], loads(r["metrics"], {})) for r in window)
    judged = _judged_stories(store, day)
    fresh = freshness_filter(config, now)
    released = {r["item_id"] for r in store.query("select item_id from safety_overrides")}
    candidates = [r for r in window
                  if r["theme"] and (r["filtered"] is None or r["id"] in released)
                  and r["story"] not in judged
                  and (r["relevance"] or 0) >= ranking.min_relevance and fresh(r)]
    stories = sorted({r["story"] for r in candidates})
    n_sources: dict[int, int] = {}
    new_sources: dict[int, int] = {}
    recent = iso(now - timedelta(hours=GROWTH_HOURS))
    story_seen: dict[int, list[datetime]] = {}
    for start in range(0, len(stories), 500):
        part = stories[start:start + 500]
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
            n_sources[r["story"]] = r["n"]
            new_sources[r["story"]] = r["n"] - r["before"]
            story_seen[r["story"]] = [d for d in (parse_iso(r["first"]), parse_iso(r["last"]))
                                      if d is not None]
    recent_words = _recent_suggested_words(store, day)
    from ..performance.sells import load_sells

    sells = load_sells(store, config, now=now)  # inactive (no effect) until enough posts

    safety = from_config(config)
    best: dict[int, dict[str, Any]] = {}
    for r in candidates:
        dated = item_date(r["published_at"], r["published_estimated"], r["first_seen_at"])
        signals = {"trend": trend.get(r["id"], 0.0),
                   "momentum": momentum(n_sources.get(r["story"], 1),
                                        new_sources.get(r["story"], 1)),
                   "recency": recency(dated.when or now, now, ranking.half_life),
                   "novelty": novelty(r["title"] or "", recent_words),
                   "sources": n_sources.get(r["story"], 1),
                   "new_sources": new_sources.get(r["story"], 1)}
        score = sells.adjust(suggestion_score(r["relevance"], signals, ranking.weights),
                             r["theme"], signals, ranking.weights)
        marks = safety.sensitive(f"{r['title'] or ''} {r['summary'] or ''}")
        if marks:
            signals["sensitive"] = sorted(marks)
        signals["evidence"] = evidence(
            title=r["title"] or "", source=r["source"], kind=r["kind"],
            metrics=loads(r["metrics"], {}), extra=loads(r["extra"], {}), dated=dated,
            n_sources=signals["sources"], story_seen=story_seen.get(r["story"], []),
            now=now, lang=brand_lang(config), tz=config.brand.tz)
        if r["story"] not in best or score > best[r["story"]]["score"]:
            best[r["story"]] = {**r, "signals": signals, "score": score}

    # Parked rows (list_date null: dropped from an earlier build) come back with their id.
    existing = {r["item_id"]: r for r in store.query(
        "select id, item_id, status, angles, created_at from suggestions "
        "where list_date = ? or (list_date is null and status = 'new')", [day])}
    reviewed_today = sum(1 for r in existing.values() if r["status"] != "new")
    room = max(0, config.digest.size - reviewed_today)
    from ..ranking.diversity import pick

    slots = min(ranking.learning_slots, room // 2) if model is not None else 0
    # range: the slots go to stories that differ (MMR, [ranking] diversity); shown by score
    chosen = sorted(pick(list(best.values()), room - slots, ranking.diversity),
                    key=lambda c: (-c["score"], c["id"]))
    # then the "help the model learn" slots: the items the classifier is least sure about
    # (fresh ones only: an archive item teaches little about today's stream)
    chosen += _learning_rows([r for r in window if fresh(r)], chosen, judged, slots, trend,
                             now, ranking)
    explained = _explain(store, config, model, [c for c in chosen if c["why"] is None]) \
        if model is not None else {}
    for c in chosen:
        if c["id"] in explained:
            c["why"] = explained[c["id"]]

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
    return list_suggestions(store, config, list_date=day, status="all")

