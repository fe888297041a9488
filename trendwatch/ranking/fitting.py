"""Fitting the brand-theme classifier (:func:`fit_model`): a multinomial logistic regression
on the features of :mod:`.features`, trained on the sets of :mod:`.trainset`.

Cold start (no review verdicts yet) is what makes this more than a textbook classifier: the
only positives are the config's seeds, and there are no negatives at all. What we do, each
step measured in ``benchmarks/bench_ranking.py`` (numbers in ``models/README.md``):

1. **Seeds** per theme: the theme's name, description, keywords and examples, plus the
   shipped extra seeds for the starter themes (:mod:`trendwatch.ranking.seeds`).
2. **Background**: most of the fetched stream is off-brand, so unlabelled items become
   low-weight ``OFF`` examples — except those containing one of a theme's keywords,
   which are too likely to be on-brand to call negative. Shipped generic off-brand seeds
   (politics, football, crime, prices...) are added too, minus every topic a theme
   covers and any seed that mentions a theme keyword (so a brand with a football theme
   keeps its football).
3. **Self-training**: stream items the first model puts most confidently into a theme are
   added as pseudo-labels of that theme and taken out of the background; then refit.
4. **Labels** from review verdicts count more than seeds and are never overridden.
   Without labels, the themes share one intercept (seed counts are no evidence of how
   common a theme is).

This module imports scikit-learn: import it only where ranking happens.
"""

from __future__ import annotations

import ctypes
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from ..config import ThemeConfig
from ..parse.tokens import NORMALISER_VERSION, normalise
from .classifier import OFF, ThemeModel
from .features import Featuriser
from .pretrained import available
from .pretrained import load as load_pretrained
from .train_params import TrainParams
from .trainset import build_examples, keyword_pattern, prune_offbrand_seeds

#: The default knobs: one shared instance, as a call in the signature made (frozen, so
#: sharing is harmless); ruff's B008 only sees that for a frozen class of the same module.
_DEFAULT_PARAMS = TrainParams()


def fit_model(themes: Sequence[ThemeConfig], *,
              labelled: Sequence[tuple[str, str | None]] = (),
              unlabelled: Sequence[str] = (),
              params: TrainParams = _DEFAULT_PARAMS
              ) -> tuple[ThemeModel, sp.csr_matrix, list[str]]:
    """Train on the themes' seeds, the labels (``(text, theme id or None)``) and the
    unlabelled stream. Returns the model, the feature matrix of ``unlabelled`` and those texts
    normalised, so a caller scoring the same items (``trendwatch score``) does not featurise
    them twice (see :meth:`ThemeModel.predict_matrix`)."""
    if not themes:
        raise ValueError("no themes configured: add [[themes]] to the config")
    base = build_examples(themes, labelled, params)
    stream = [normalise(t) for t in list(unlabelled)[: params.max_unlabelled]]
    texts = [normalise(e.text) for e in base] + stream
    dense = (load_pretrained(params.pretrained)
             if params.pretrained and params.pretrained_weight > 0 and available() else None)
    feat, x_all = Featuriser.fit(texts, [True] * len(base) + [False] * len(stream),
                                 min_df=params.min_df, max_features=params.max_features,
                                 dense=dense, dense_weight=params.pretrained_weight)
    x_base, x_stream = _split_rows(x_all, len(base))
    del x_all
    release_memory()
    classes = [*sorted({t.id for t in themes}), OFF]
    base, x_base = prune_offbrand_seeds(base, x_base, params)

    candidates = np.arange(len(stream))
    if params.background and params.background_skip_keywords:
        kw = keyword_pattern(themes)
        if kw is not None:
            candidates = np.array([i for i, t in enumerate(stream) if not kw.search(t)],
                                  dtype=int)
    # Round 0 learns from seeds and labels alone; each later round takes its background
    # (the least relevant part of the stream: "reliable negatives") and its pseudo-labels
    # (the most confident items per theme) from the model of the round before.
    rounds = (1 + params.self_train_rounds) if stream and (
        params.background or params.self_train_rounds) else 0
    kinds = {e.kind for e in base}
    model = _fit_linear(feat, classes, x_base, [e.label for e in base],
                        [e.weight for e in base], params, kinds)
    pseudo: dict[int, str] = {}
    proba0: np.ndarray | None = None
    for round_ in range(1, rounds + 1):
        proba = model.proba_matrix(x_stream)
        if proba0 is None:
            proba0 = proba
        pseudo = (_pseudo_labels(model, proba, params, len(stream))
                  if round_ > 1 or not params.background else {})
        rows, y, w = [x_base], [e.label for e in base], [e.weight for e in base]
        bg = (_background(model, proba0 if params.background_fixed else proba, candidates,
                          pseudo, params) if params.background else [])
        if pseudo:
            ids = sorted(pseudo)
            rows.append(x_stream[ids])
            y += [pseudo[i] for i in ids]
            w += [params.pseudo_weight] * len(ids)
        if len(bg):
            # The background tops the off-brand class up to ``off_share`` of the themes'
            # total weight. Keeping that ratio fixed keeps P(off) — and so what a
            # relevance of 0.35 means — comparable between cold start and many labels.
            on_total = sum(wi for yi, wi in zip(y, w, strict=True) if yi != OFF)
            off_total = sum(wi for yi, wi in zip(y, w, strict=True) if yi == OFF)
            want = params.off_share * on_total - off_total
            per_item = min(params.label_weight,
                           max(want, params.background_min * on_total) / len(bg))
            rows.append(x_stream[bg])
            y += [OFF] * len(bg)
            w += [per_item] * len(bg)
        model = _fit_linear(feat, classes, sp.vstack(rows).tocsr(), y, w, params, kinds)
        release_memory()
    assert model is not None
    model.meta.update({
        "params": params.to_dict(),
        "normaliser_version": NORMALISER_VERSION,
        "themes": theme_signature(themes),
        "n_seeds": sum(1 for e in base if e.kind == "seed"),
        "n_offbrand_seeds": sum(1 for e in base if e.kind == "seed" and e.label == OFF),
        "n_labels": sum(1 for e in base if e.kind == "label"),
        "n_unlabelled": len(stream),
        "n_pseudo": len(pseudo),
        "n_features": feat.n_features,
        "pretrained": dense.name if dense is not None else None,
        "pretrained_sha256": dense.sha256 if dense is not None else None,
        "pretrained_weight": feat.dense_weight,
    })
    return model, x_stream, stream


def _split_rows(x: sp.csr_matrix, n: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The first ``n`` rows (a copy: the few seeds) and the rest as a matrix that shares
    ``x``'s arrays. Slicing would copy the stream's rows, and that copy, next to the
    whole matrix, was the ranking process's peak (benchmarks/bench_public_speed.py)."""
    start = int(x.indptr[n])
    rest = sp.csr_matrix((x.data[start:], x.indices[start:], x.indptr[n:] - start),
                         shape=(x.shape[0] - n, x.shape[1]), copy=False)
    return x[:n], rest


def release_memory() -> None:
    """Hand the heap pages freed by the last step back to the system (glibc keeps them
    otherwise, and the next step's peak lands on top of them). No-op elsewhere."""
    global _TRIM
    if _TRIM is None:
        try:
            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None


def _fit_linear(feat: Featuriser, classes: list[str], x: sp.csr_matrix, y: list[str],
                w: list[float], params: TrainParams, kinds: Collection[str] = ()
                ) -> ThemeModel:
    """Fit the linear layer; ``kinds`` are the example kinds present (seed, label...)."""
    present = sorted(set(y))
    if len(present) == 1:  # cannot happen with OFF + seeds
        raise ValueError("need at least two classes to train")
    # newton-cg, not the default lbfgs: L-BFGS keeps ~25 vectors of all the weights (6
    # classes x 40k features: ~50 MB, the ranking process's peak); newton-cg keeps a few
    # and converges in fewer passes (saga kept little too but did not converge in 300
    # epochs). One BLAS thread: the solver's vector updates are too small to gain from
    # OpenBLAS's threads, which spin and took more than half the CPU of a training run on
    # two cores. benchmarks/bench_public_speed.py: peak 290 -> 245 MB, same quality.
    with threadpool_limits(limits=1, user_api="blas"):
        clf = LogisticRegression(C=params.C, max_iter=300, tol=1e-3, solver="newton-cg")
        clf.fit(x, y, sample_weight=np.asarray(w))
    # Classes with no example at all (a theme with nothing but an id) get a very negative
    # intercept, so the stored model always has every configured theme.
    coef = np.zeros((len(classes), feat.n_features), dtype=np.float32)
    intercept = np.full(len(classes), -30.0)
    for k, cls in enumerate(clf.classes_):
        i = classes.index(cls)
        if len(clf.classes_) == 2:  # binary: scikit-learn keeps one row for the second class
            sign = 1.0 if k == 1 else -1.0
            coef[i] = sign * clf.coef_[0] / 2
            intercept[i] = sign * clf.intercept_[0] / 2
        else:
            coef[i] = clf.coef_[k]
            intercept[i] = clf.intercept_[k]
    themes = [classes.index(c) for c in present if c != OFF]
    if params.balance_themes and len(themes) > 1 and (
            params.balance_with_labels or "label" not in kinds):
        intercept[themes] = np.log(np.mean(np.exp(intercept[themes])))
    return ThemeModel(feat, classes, coef, intercept)


def _background(model: ThemeModel, proba: np.ndarray, candidates: np.ndarray,
                pseudo: dict[int, str], params: TrainParams) -> list[int]:
    """The stream items taken as off-brand: the candidates the previous model puts
    off-brand (``background_min_off``), at most the ``background_quantile`` least relevant
    of them (so on-brand items of the stream are mostly spared)."""
    cands = np.array([i for i in candidates if int(i) not in pseudo], dtype=int)
    if len(cands) and params.background_min_off is not None:
        cands = cands[proba[cands, model.classes.index(OFF)] >= params.background_min_off]
    if not len(cands):
        return []
    relevance = 1.0 - proba[cands, model.classes.index(OFF)]
    n = max(1, round(params.background_quantile * len(cands)))
    return sorted(int(i) for i in cands[np.argsort(relevance, kind="stable")[:n]])


def _pseudo_labels(model: ThemeModel, proba: np.ndarray, params: TrainParams,
                   n_stream: int) -> dict[int, str]:
    per_theme = max(1, min(params.pseudo_max, int(params.pseudo_fraction * n_stream)))
    out: dict[int, str] = {}
    best = proba.argmax(axis=1)
    for i, cls in enumerate(model.classes):
        if cls == OFF:
            continue
        mine = np.flatnonzero((best == i) & (proba[:, i] >= params.pseudo_min_proba))
        top = mine[np.argsort(-proba[mine, i])][:per_theme]
        for r in top:
            out[int(r)] = cls
    return out


def theme_signature(themes: Sequence[ThemeConfig]) -> list[str]:
    """The theme ids a model was trained for: a model is mismatched when they change."""
    return sorted(t.id for t in themes)
