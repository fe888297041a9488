"""The "help the model learn" slots of the daily list.

A few slots of each list (``[ranking] learning_slots``, default 2) go to the items the
classifier is least sure about (:func:`~.uncertainty.margin` of their stored scores): a
verdict on a near-tie teaches the model more than one on an item it already ranks with
confidence (uncertainty sampling; ``benchmarks/bench_public.py`` measures it against
random picks). Such suggestions carry ``learning = 1`` and every view marks them
"help the model learn", so the specialist knows why an odd item is on the list.

Numpy only: the list builder imports it without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from ..db.store import loads
from .uncertainty import margin_of_scores

#: What every view shows next to a learning-slot suggestion.
LABEL = "help the model learn"


def pick_learning(window: Sequence[dict[str, Any]], n: int, *, taken_stories: Collection[int]
                  ) -> list[dict[str, Any]]:
    """The ``n`` most uncertain rows of ``window`` (scored, not filtered, one per story,
    none of ``taken_stories``), most uncertain first; each gets ``uncertainty`` and, when
    its stored theme is null (below ``min_relevance``), the most probable theme as
    ``theme`` (a verdict needs a theme to confirm or correct)."""
    if n <= 0:
        return []
    best: dict[int, dict[str, Any]] = {}
    for r in window:
        if r.get("filtered") is not None or r.get("relevance") is None:
            continue
        if r["story"] in taken_stories:
            continue
        scores = loads(r.get("scores"), {}) or {}
        if not scores:
            continue
        u = margin_of_scores(float(r["relevance"]), scores)
        if r["story"] not in best or u > best[r["story"]]["uncertainty"]:
            best[r["story"]] = {**r, "uncertainty": u,
                                "theme": r["theme"] or max(scores, key=scores.__getitem__)}
    ranked = sorted(best.values(), key=lambda c: (-c["uncertainty"], c["id"]))
    return ranked[:n]
