"""Range in the daily list: a maximal-marginal-relevance (MMR) pick of its slots.

The list already has one suggestion per story (:mod:`trendwatch.stories`); without more, its
top can still be five stories of one theme about one premiere. Slots are filled greedily:
each next one is the candidate with the highest

    (1 - diversity) · score - diversity · max(similarity to the stories already picked)

where similarity is the Jaccard overlap of the two titles' content words, or
:data:`SAME_THEME` when they serve the same theme and share fewer words. ``diversity = 0``
is the plain best-score order; ``[ranking] diversity`` (default 0.3) sets it. Only the best
:data:`POOL` × slots candidates by score are considered: diversity reorders the top, it
does not dig up the bottom. The list is shown best score first, as before: diversity
decides which stories get the slots. No scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..parse.tokens import content_tokens

#: Similarity of two suggestions of the same theme that share no more words than this.
SAME_THEME = 0.3
#: Candidates considered per slot.
POOL = 4


def similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    """How alike two candidates are for the list's range, 0–1 (see the module docstring)."""
    wa, wb = a["_words"], b["_words"]
    jaccard = len(wa & wb) / len(wa | wb) if wa and wb else 0.0
    same = SAME_THEME if a.get("theme") and a.get("theme") == b.get("theme") else 0.0
    return max(jaccard, same)


def pick(candidates: Sequence[dict[str, Any]], slots: int, diversity: float,
         sim: Callable[[dict[str, Any], dict[str, Any]], float] = similarity
         ) -> list[dict[str, Any]]:
    """Up to ``slots`` candidates (dicts with ``score``, ``id``, ``title``, ``theme``) by
    MMR; returned in the order picked."""
    ranked = sorted(candidates, key=lambda c: (-c["score"], c["id"]))
    if slots <= 0:
        return []
    if diversity <= 0:
        return ranked[:slots]
    pool = [{**c, "_words": set(content_tokens(c.get("title") or ""))}
            for c in ranked[:max(slots, POOL * slots)]]
    picked: list[dict[str, Any]] = []
    closest = [0.0] * len(pool)
    left = list(range(len(pool)))
    while left and len(picked) < slots:
        best = max(left, key=lambda i: ((1 - diversity) * pool[i]["score"]
                                        - diversity * closest[i], -i))
        left.remove(best)
        chosen = pool[best]
        picked.append(chosen)
        for i in left:
            closest[i] = max(closest[i], sim(pool[i], chosen))
    for c in picked:
        c.pop("_words", None)
    return picked
