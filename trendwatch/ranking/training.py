"""Training, versioning and loading the classifier against the database.

* :func:`train_model` — seeds + review labels + recent unlabelled items → a model file under
  ``<db dir>/models/`` and a ``models`` row (version, time, label counts, cross-validated
  scores), made the active one.
* :func:`load_active_model` — the active model, refused and retrained (with an event the
  user can see in ``status``) when its file is missing, corrupt, tampered with or trained
  for other themes.
* :func:`needs_retraining` — why the daemon should retrain now, if it should.

Imports scikit-learn (through :mod:`.fitting`).
"""

from __future__ import annotations

import hashlib
import logging
import random
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..config import Config, ThemeConfig
from ..db.store import Store, dumps, folder_beside, iso, loads, parse_iso, utcnow
from ..errors import ModelError
from ..parse.tokens import item_text
from ..stories.labels import training_labels
from .classifier import OFF, ThemeModel
from .evaluation import evaluate
from .fitting import fit_model, theme_signature
from .persist import load_model, save_model
from .train_params import TrainParams

log = logging.getLogger(__name__)

#: Unlabelled items used for training: the most recently seen ones. 4,000 keeps the
#: training job under ~250 MB on a small server (benchmarks/bench_fetch.py, run --once).
STREAM_LIMIT = 4000
#: Model files kept on disk (rows in ``models`` are kept forever).
KEEP_FILES = 5
#: Cross-validation needs this many labels of at least two classes.
MIN_CV_LABELS = 10


def models_dir(store: Store) -> Path:
    if str(store.path) == ":memory:":
        return Path(tempfile.gettempdir()) / "trendwatch-models"
    return folder_beside(store.path, "models")


def unlabelled_texts(store: Store, exclude: set[int], limit: int = STREAM_LIMIT) -> list[str]:
    """Titles (+ summary starts) of the most recently seen items, minus the labelled ones."""
    return unlabelled_items(store, exclude, limit)[1]


def unlabelled_items(store: Store, exclude: set[int], limit: int = STREAM_LIMIT
                     ) -> tuple[list[dict[str, Any]], list[str]]:
    """The most recently seen items (``id``, ``title``, ``summary``) minus the labelled
    ones, and their classifier texts."""
    rows = store.query("select id, title, summary from items order by first_seen_at desc, "
                       "id desc limit ?", [limit + len(exclude)])
    rows = [r for r in rows if r["id"] not in exclude][:limit]
    return rows, [item_text(r["title"], r["summary"]) for r in rows]


def _label_pairs(labels: Sequence[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(item_text(r["title"], r.get("summary")), r["theme"]) for r in labels]


def cross_validate(themes: Sequence[ThemeConfig], labelled: Sequence[tuple[str, str | None]],
                   unlabelled: Sequence[str], params: TrainParams, *, folds: int = 3,
                   seed: int = 0) -> tuple[dict[str, Any], list[str | None]]:
    """K-fold estimate on the review labels: each fold is predicted by a model trained on
    the seeds, the other folds' labels and the stream. Returns the scores and the
    out-of-fold predictions (in the order of ``labelled``)."""
    known = {t.id for t in themes}
    pairs = [(t, y if y in known else None) for t, y in labelled]
    classes = Counter(y for _, y in pairs)
    if len(pairs) < MIN_CV_LABELS or len(classes) < 2:
        return ({"skipped": f"needs {MIN_CV_LABELS}+ labels of 2+ classes, have {len(pairs)}",
                 "n_labels": len(pairs)}, [])
    folds = max(2, min(folds, min(classes.values()), len(pairs)))
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    # Stratify: deal each class's items round-robin over the folds.
    fold_of: dict[int, int] = {}
    for cls in classes:
        for k, i in enumerate(i for i in order if pairs[i][1] == cls):
            fold_of[i] = k % folds
    preds: list[str | None] = [None] * len(pairs)
    min_rel = 0.35
    for f in range(folds):
        train = [pairs[i] for i in range(len(pairs)) if fold_of[i] != f]
        test = [i for i in range(len(pairs)) if fold_of[i] == f]
        model, _, _ = fit_model(themes, labelled=train, unlabelled=unlabelled, params=params)
        for i, p in zip(test, model.predict([pairs[i][0] for i in test],
                                            min_relevance=min_rel), strict=True):
            preds[i] = p.theme
    report = evaluate([y for _, y in pairs], preds)
    return ({"folds": folds, "n_labels": len(pairs), "macro_f1": report.macro_f1,
             "per_class": report.per_class}, preds)


def _new_version(store: Store, now: datetime, content: str) -> str:
    base = now.strftime("%Y%m%dT%H%M%SZ") + "-" + hashlib.sha256(content.encode()).hexdigest()[:6]
    version, n = base, 1
    while store.query("select 1 from models where version = ?", [version]):
        n += 1
        version = f"{base}-{n}"
    return version


def train_model(store: Store, config: Config, *, now: datetime | None = None,
                params: TrainParams | None = None, stream_limit: int = STREAM_LIMIT,
                cv_folds: int = 3) -> dict[str, Any]:
    """Train on everything known now, save, record and activate the model.

    Returns the ``models`` row (JSON columns decoded) plus ``model``: the
    :class:`~.classifier.ThemeModel` itself, and ``stream``: the unlabelled item rows it was
    trained on (``id``, ``title``, ``summary``), their feature matrix and normalised texts
    (so a caller about to score them need not read or featurise them again).
    """
    now = now or utcnow()
    params = params or TrainParams()
    labels = training_labels(store)
    known = {t.id for t in config.themes}
    labels = [r for r in labels if r["theme"] is None or r["theme"] in known]
    stream_rows, stream = unlabelled_items(store, {r["item_id"] for r in labels}, stream_limit)
    pairs = _label_pairs(labels)
    model, x_stream, norm_stream = fit_model(config.themes, labelled=pairs, unlabelled=stream,
                                             params=params)
    # Cross-validation refits per fold: on a smaller stream sample to bound the time.
    cv, _ = cross_validate(config.themes, pairs, stream[:2000], params, folds=cv_folds)
    counts = Counter(r["theme"] or OFF for r in labels)
    version = _new_version(store, now, dumps([pairs, len(stream)]))
    model.meta.update({"version": version, "created_at": iso(now),
                       "label_counts": dict(counts), "cv_scores": cv})
    path = models_dir(store) / f"{version}.npz"
    sha = save_model(model, path)
    row = {"version": version, "created_at": iso(now), "path": str(path), "sha256": sha,
           "label_counts": dumps(dict(counts)), "cv_scores": dumps(cv),
           "n_items": len(stream) + len(labels), "active": 1,
           "params": dumps({**params.to_dict(), "themes": theme_signature(config.themes)})}
    with store.write() as db:
        db.execute("update models set active = 0 where active = 1")
        db["models"].insert(row)
    _prune_files(store)
    log.info("trained model %s: %d labels, %d unlabelled items, cv %s", version, len(labels),
             len(stream), cv.get("macro_f1", cv.get("skipped")))
    return {**row, "label_counts": dict(counts), "cv_scores": cv,
            "params": loads(row["params"], {}), "model": model,
            "stream": (stream_rows[:len(norm_stream)], x_stream, norm_stream)}


#: A model file no ``models`` row names is an orphan once it is this old (seconds): a job
#: killed between writing its file and committing its row (a digest or training job at
#: shutdown) leaves one. Younger ones may belong to a job that is committing right now.
ORPHAN_AGE = 3600.0


def _prune_files(store: Store) -> None:
    rows = store.query("select version, path from models order by created_at desc, version "
                       "desc")
    folder = models_dir(store)
    old = [Path(row["path"] or "") for row in rows[KEEP_FILES:]]
    named = {Path(row["path"] or "").name for row in rows}
    cutoff = time.time() - ORPHAN_AGE
    orphans = [p for pattern in ("*.npz", "*.npz.tmp") for p in folder.glob(pattern)
               if p.name not in named and _mtime(p) < cutoff]
    for path in old + orphans:
        if path.name.endswith((".npz", ".npz.tmp")) and path.parent == folder \
                and path.exists():
            try:
                path.unlink()
            except OSError as err:
                log.warning("could not delete old model file %s: %s", path, err)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def active_model_row(store: Store) -> dict[str, Any] | None:
    rows = store.query("select * from models where active = 1 order by created_at desc limit 1")
    return rows[0] if rows else None


def load_active_model(store: Store, config: Config, *,
                      now: datetime | None = None) -> ThemeModel:
    """The active model; trains one if there is none. A model file that is refused
    (:class:`ModelError`) is recorded as a warning event and replaced by a fresh model."""
    row = active_model_row(store)
    if row is None:
        return train_model(store, config, now=now)["model"]
    try:
        model = load_model(row["path"], sha256=row["sha256"],
                           themes=theme_signature(config.themes))
    except ModelError as err:
        store.event("warning", "model", row["version"], f"{err}; retraining")
        log.warning("%s; retraining", err)
        return train_model(store, config, now=now)["model"]
    model.meta.setdefault("version", row["version"])
    return model


def needs_retraining(store: Store, config: Config, *,
                     now: datetime | None = None) -> str | None:
    """Why the classifier should be retrained now (``None`` if it need not be): no model
    yet, the configured themes changed, new review verdicts since it was trained, or it is
    older than ``[ranking] retrain_every``."""
    now = now or utcnow()
    row = active_model_row(store)
    if row is None:
        return "no model trained yet"
    created = parse_iso(row["created_at"]) or now
    trained_for = loads(row["params"], {}).get("themes")
    if trained_for is not None and trained_for != theme_signature(config.themes):
        return "the configured themes changed"
    feedback = store.query("select max(created_at) as last from feedback")[0]["last"]
    if feedback and (parse_iso(feedback) or created) > created:
        return "new review verdicts since the last training"
    if now - created >= timedelta(seconds=config.ranking.retrain_every):
        return f"the model is older than {config.ranking.retrain_every / 3600:g} h"
    return None
