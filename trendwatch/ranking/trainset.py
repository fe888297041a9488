"""Building training sets: the seeds each theme starts from, the shipped off-brand seeds
(minus those about one of the themes) and the review labels, as weighted :class:`Example`
rows for :func:`~.fitting.fit_model`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..config import ThemeConfig
from ..parse.tokens import normalise
from . import seeds as shipped_seeds
from .classifier import OFF
from .train_params import TrainParams

#: Kind of a shipped off-brand seed that names a theme keyword: used to judge its topic,
#: then left out.
KEYWORD_SEED = "seed-keyword"


@dataclass(frozen=True)
class Example:
    """A training text with its class (theme id or :data:`OFF`) and weight."""

    text: str
    label: str
    weight: float = 1.0
    kind: str = "seed"  # seed | label | background | pseudo | KEYWORD_SEED
    #: The generic topic of a shipped off-brand seed (``models/seeds.toml``), else "".
    topic: str = ""


def theme_seed_texts(theme: ThemeConfig, *, extra: bool = True) -> list[str]:
    """The texts that define a theme before any label exists."""
    texts = [theme.name]
    if theme.description:
        texts.append(theme.description)
    if theme.keywords:
        texts.append(" ".join(theme.keywords))
        texts.extend(theme.keywords)
    texts.extend(theme.examples)
    if extra:
        texts.extend(shipped_seeds.THEME_SEEDS.get(theme.id, []))
    return [t for t in texts if t.strip()]


def keyword_pattern(themes: Iterable[ThemeConfig]) -> re.Pattern[str] | None:
    """One regex matching any theme keyword as whole words of the normalised text."""
    words = sorted({normalise(k) for t in themes for k in t.keywords if normalise(k)},
                   key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def build_examples(themes: Sequence[ThemeConfig], labelled: Sequence[tuple[str, str | None]],
                   params: TrainParams) -> list[Example]:
    """Seeds and labels (the background is added by :func:`fit_model`)."""
    examples: list[Example] = []
    for theme in themes:
        for text in theme_seed_texts(theme, extra=params.theme_seeds):
            examples.append(Example(text, theme.id, 1.0, "seed"))
    known = {t.id for t in themes}
    if params.offbrand_seeds:
        kw = keyword_pattern(themes)
        for topic, texts in shipped_seeds.OFFBRAND_TOPICS.items():
            for text in texts:
                # A seed naming a theme keyword is left out (by fit_model, which first
                # uses it to judge its topic: see _offbrand_topics_to_keep).
                named = kw is not None and kw.search(normalise(text)) is not None
                examples.append(Example(text, OFF, 1.0, KEYWORD_SEED if named else "seed",
                                        topic))
    for text, theme_id in labelled:
        label = theme_id if theme_id in known else OFF if theme_id is None else None
        if label is not None:
            examples.append(Example(text, label, params.label_weight, "label"))
    return examples


def prune_offbrand_seeds(base: list[Example], x: sp.csr_matrix, params: TrainParams
                         ) -> tuple[list[Example], sp.csr_matrix]:
    """``base`` and its feature rows ``x`` without the shipped off-brand seeds that would
    teach the model a theme's own items are off-brand: those naming a theme keyword,
    those of a topic a theme covers, and (``offbrand_by_meaning``) those nearer a theme
    than the off-brand seeds as a whole."""
    keep = np.array([e.kind != KEYWORD_SEED for e in base], dtype=bool)
    if params.offbrand_topic_ratio > 0:
        keep &= _offbrand_topics_to_keep(base, x, params)
    if not keep.all():
        base = [e for e, k in zip(base, keep, strict=True) if k]
        x = x[np.flatnonzero(keep)]
    if params.offbrand_by_meaning:
        keep = _offbrand_seeds_to_keep(base, x)
        base = [e for e, k in zip(base, keep, strict=True) if k]
        x = x[np.flatnonzero(keep)]
    return base, x


def _unit_centroid(x: sp.csr_matrix, rows: Sequence[int]) -> np.ndarray:
    c = np.asarray(x[list(rows)].mean(axis=0)).ravel()
    return c / (np.linalg.norm(c) or 1.0)


def _offbrand_topics_to_keep(base: Sequence[Example], x: sp.csr_matrix,
                             params: TrainParams) -> np.ndarray:
    """Per example: False for the shipped off-brand seeds of a topic that one of the
    themes covers.

    A brand with a politics theme wants politics; the keyword test drops the seeds that
    name a keyword and the per-seed test those nearer a theme than the off-brand seeds as
    a whole, but short seeds ("prime minister resigns", "Premier League") often pass both
    and then teach the model that a theme's own news is off-brand (public BBC News set,
    five themes: 42 % of on-theme items got a null theme). A topic's seeds together are a
    steadier signal: measured cosines of topic to theme centroids are 0.17–0.55 where the
    brand has that theme and ≤ 0.16 elsewhere, while topics are ≤ 0.16 from each other.
    """
    keep = np.ones(len(base), dtype=bool)
    topics: dict[str, list[int]] = {}
    for i, e in enumerate(base):
        if e.label == OFF and e.topic:
            topics.setdefault(e.topic, []).append(i)
    labels = sorted({e.label for e in base if e.label != OFF and e.kind == "seed"})
    if len(topics) < 2 or not labels:
        return keep
    theme_c = np.vstack([_unit_centroid(x, [i for i, e in enumerate(base)
                                            if e.label == t and e.kind == "seed"])
                         for t in labels])
    names = sorted(topics)
    topic_c = np.vstack([_unit_centroid(x, topics[g]) for g in names])
    to_theme = (topic_c @ theme_c.T).max(axis=1)
    between = topic_c @ topic_c.T
    np.fill_diagonal(between, -np.inf)
    to_other = between.max(axis=1)
    for g, near, other in zip(names, to_theme, to_other, strict=True):
        if near >= params.offbrand_topic_min_sim and near >= params.offbrand_topic_ratio * other:
            keep[topics[g]] = False
    return keep


def _offbrand_seeds_to_keep(base: Sequence[Example], x: sp.csr_matrix) -> np.ndarray:
    """Per example: False for a shipped off-brand seed whose features are closer (cosine)
    to some theme's seed centroid than to the centroid of the off-brand seeds."""
    keep = np.ones(len(base), dtype=bool)
    off = [i for i, e in enumerate(base) if e.label == OFF and e.kind == "seed"]
    if not off:
        return keep
    labels = sorted({e.label for e in base if e.label != OFF and e.kind == "seed"})

    def centroid(rows: list[int]) -> np.ndarray:
        c = np.asarray(x[rows].mean(axis=0)).ravel()
        return c / (np.linalg.norm(c) or 1.0)

    theme_c = np.vstack([centroid([i for i, e in enumerate(base)
                                   if e.label == t and e.kind == "seed"]) for t in labels]) \
        if labels else np.zeros((0, x.shape[1]))
    off_c = centroid(off)
    xo = x[off]
    norms = np.sqrt(np.asarray(xo.multiply(xo).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    to_off = np.asarray(xo @ off_c).ravel() / norms
    to_theme = (np.asarray(xo @ theme_c.T) / norms[:, None]).max(axis=1) if len(labels) \
        else np.zeros(len(off))
    keep[np.asarray(off)[to_theme > to_off]] = False
    return keep
