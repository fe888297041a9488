"""Scoring items with the classifier, for the daily list (:mod:`.build`): the window's
pending items in batches (:func:`score_pending`), items as another process fetches them
(:func:`score_as_fetched`), the ``scores`` rows they leave (:func:`write_scores`) and the
explanations of the few items a list shows (:func:`explain`).

scikit-learn is imported only inside these functions (through the ranking modules), never
when this module is imported: the web page and the digest import the daily package too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ..config import Config
from ..db.store import Store, dumps, iso, utcnow

if TYPE_CHECKING:
    from ..ranking.classifier import Prediction, ThemeModel

log = logging.getLogger(__name__)

#: Items scored per batch (FACTS: one at a time is ~35x slower than in batches).
BATCH = 2000


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
    explanations store ``why`` as null: :func:`~.build.build_daily_list` explains the items it
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


def explain(store: Store, config: Config, model: ThemeModel,
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
