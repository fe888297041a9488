"""How unsure the classifier is about an item: the basis of the "help the model learn" slots.

Uncertainty sampling: a verdict on an item the model already gets right with confidence
teaches it little; a verdict on an item where two classes (a theme and off-brand, or two
themes) are nearly tied moves the decision boundary most. ``benchmarks/bench_public.py``
measures labels-to-target with this choice against random picks.

Numpy only (no scikit-learn): the list builder imports it.
"""

from __future__ import annotations

import numpy as np


def margin(proba: np.ndarray) -> np.ndarray:
    """Per row of class probabilities: ``1 - (p_best - p_second)``, in [0, 1].

    1 means the two most probable classes are tied (most unsure), 0 means one class has
    all the probability.
    """
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        return np.zeros(p.shape[0] if p.ndim else 0)
    top2 = np.partition(p, p.shape[1] - 2, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def margin_of_scores(relevance: float, scores: dict[str, float]) -> float:
    """:func:`margin` of one stored prediction: its theme scores plus ``1 - relevance``
    as the off-brand probability (what ``trendwatch score`` prints is enough)."""
    probs = [*scores.values(), max(0.0, 1.0 - relevance)]
    return float(margin(np.asarray([probs]))[0])
