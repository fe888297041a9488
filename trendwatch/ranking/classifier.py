"""The brand-theme classifier: a fitted :class:`ThemeModel` (features, one linear layer,
softmax) and its :class:`Prediction` per item.

Classes are the config's theme ids plus :data:`OFF` (off-brand). ``relevance`` is
``1 - P(OFF)``; the best theme is the most probable of the others. Fitting one is
:mod:`.fitting`'s job, from the training sets of :mod:`.trainset`.

Imports scikit-learn (through :mod:`.features`): import it only where ranking happens.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..parse.tokens import STOPWORDS, item_text, normalise
from .features import Featuriser

#: The class of items that serve no theme.
OFF = "_off"


@dataclass
class Prediction:
    theme: str | None
    relevance: float
    scores: dict[str, float]
    why: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"theme": self.theme, "relevance": self.relevance, "scores": self.scores,
                "why": self.why}


class ThemeModel:
    """A fitted classifier: featuriser + one linear layer + softmax."""

    def __init__(self, featuriser: Featuriser, classes: Sequence[str], coef: np.ndarray,
                 intercept: np.ndarray, meta: dict[str, Any] | None = None):
        self.featuriser = featuriser
        self.classes = list(classes)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.meta = dict(meta or {})
        if OFF not in self.classes:
            raise ValueError(f"a model needs the {OFF!r} class")
        if self.coef.shape != (len(self.classes), featuriser.n_features):
            raise ValueError(f"coefficients have shape {self.coef.shape}, expected "
                             f"{(len(self.classes), featuriser.n_features)}")
        if self.intercept.shape != (len(self.classes),):
            raise ValueError("intercept does not match the classes")
        self._off = self.classes.index(OFF)
        self.themes = [c for c in self.classes if c != OFF]

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unsaved"))

    def proba_matrix(self, x: sp.csr_matrix) -> np.ndarray:
        logits = np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return p

    def predict_matrix(self, x: sp.csr_matrix, norm_texts: Sequence[str], *,
                       min_relevance: float = 0.35, n_why: int = 5,
                       explain: bool = True) -> list[Prediction]:
        """Predictions for feature rows ``x`` of the normalised texts ``norm_texts``;
        without ``explain`` their ``why`` is left empty (a third of the time)."""
        proba = self.proba_matrix(x)
        theme_idx = [i for i, c in enumerate(self.classes) if c != OFF]
        out = []
        for row in range(proba.shape[0]):
            p = proba[row]
            relevance = float(1.0 - p[self._off])
            best = max(theme_idx, key=lambda i: p[i]) if theme_idx else self._off
            theme = self.classes[best] if relevance >= min_relevance and theme_idx else None
            scores = {self.classes[i]: round(float(p[i]), 4) for i in theme_idx}
            why = self._why(x, row, best, norm_texts[row], n_why) if theme and explain else []
            out.append(Prediction(theme, round(relevance, 4), scores, why))
        return out

    def predict(self, texts: Sequence[str], *, min_relevance: float = 0.35,
                batch_size: int = 2000, explain: bool = True) -> list[Prediction]:
        """Predict a batch of item texts (see :func:`~.text.item_text`)."""
        out: list[Prediction] = []
        for start in range(0, len(texts), batch_size):
            chunk = [normalise(t) for t in texts[start:start + batch_size]]
            out.extend(self.predict_matrix(self.featuriser.transform(chunk), chunk,
                                           min_relevance=min_relevance, explain=explain))
        return out

    def _why(self, x: sp.csr_matrix, row: int, cls: int, norm_text: str, n: int) -> list[str]:
        """The terms that pushed this item towards ``cls`` rather than off-brand.

        Contribution of a feature = its value × (weight for the theme − weight for
        off-brand). Word features are shown as they are; a char n-gram is shown as the word
        of the text that contains it, since "ngkat" means nothing to a reviewer.
        """
        lo, hi = x.indptr[row], x.indptr[row + 1]
        idx, vals = x.indices[lo:hi], x.data[lo:hi]
        contrib = vals * (self.coef[cls, idx] - self.coef[self._off, idx])
        # Only features that push towards the theme can explain it; sorting just those, and
        # walking plain ints rather than numpy scalars, is what keeps this cheap per item.
        pos = np.flatnonzero(contrib > 0)
        ranked = idx[pos[np.argsort(-contrib[pos], kind="stable")]].tolist()
        feat = self.featuriser
        n_word = feat.n_word
        # Pretrained columns have no term to show.
        ranked = [j for j in ranked if j < feat.n_sparse]
        words = [w for w in norm_text.split() if w not in STOPWORDS]
        # The first word containing a char n-gram, found with one C-level ``find`` in the
        # words joined by a separator no n-gram contains, then ``bisect`` on their offsets.
        joined = "\x00".join(words)
        starts = list(accumulate((len(w) + 1 for w in words[:-1]), initial=0))
        out: list[str] = []
        shown: set[str] = set()  # every word of the terms in ``out``
        for j in ranked:
            if len(out) >= n:
                break
            if j < n_word:
                term = feat.word_terms[j]
                parts = term.split()
                if all(p in STOPWORDS for p in parts):
                    continue
            else:
                gram = feat.char_terms[j - n_word].strip()
                if len(gram) < 3:
                    continue
                at = joined.find(gram)
                if at < 0:
                    continue
                term = words[bisect_right(starts, at) - 1]
                parts = [term]
            if term in shown:
                continue  # a word already shown, alone or inside a phrase
            covered = [t for t in out if t in parts]
            if covered:
                # "color", "grading" then "color grading": show the phrase instead.
                at = out.index(covered[0])
                out = [t for t in out if t not in parts]
                out.insert(min(at, len(out)), term)
            else:
                out.append(term)
            shown = {p for t in out for p in t.split()}
        return out


def texts_of(items: Iterable[dict[str, Any]]) -> list[str]:
    """Classifier texts for item-like dicts (``title`` and optional ``summary``)."""
    return [item_text(str(i.get("title") or ""), str(i.get("summary") or "")) for i in items]
