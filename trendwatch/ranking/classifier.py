"""The brand-theme classifier: TF-IDF features and a multinomial logistic regression.

Classes are the config's theme ids plus :data:`OFF` (off-brand). ``relevance`` is
``1 - P(OFF)``; the best theme is the most probable of the others.

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
import math
import re
from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import accumulate
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from ..config import ThemeConfig
from ..parse.tokens import NORMALISER_VERSION, STOPWORDS, item_text, normalise
from . import seeds as shipped_seeds
from .char_ngrams import CharWBCounter
from .pretrained import NAME as PRETRAINED_NAME
from .pretrained import StaticEmbedder, available
from .pretrained import load as load_pretrained

#: The class of items that serve no theme.
OFF = "_off"

#: Kind of a shipped off-brand seed that names a theme keyword: used to judge its topic,
#: then left out.
KEYWORD_SEED = "seed-keyword"

#: Feature extraction settings; part of a stored model's metadata.
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


@dataclass(frozen=True)
class TrainParams:
    """Knobs of :func:`fit_model`. The defaults are the best variant measured by the
    benchmark; the others exist so the benchmark can compare them."""

    #: Inverse regularisation strength of the logistic regression.
    C: float = 10.0
    #: Use the unlabelled stream as low-weight off-brand examples.
    background: bool = True
    #: Total weight of the off-brand class (shipped seeds, labels and background) relative
    #: to the total weight of all theme classes; the background fills the gap...
    off_share: float = 1.0
    #: ...but weighs at least this fraction of the themes' total.
    background_min: float = 0.25
    #: Fraction of the (keyword-free) stream, least relevant first, used as background at
    #: most...
    background_quantile: float = 1.0
    #: ...and only items the previous round puts off-brand with at least this probability
    #: (None: no such test, the quantile alone decides: the 0.1.0 rule, 70 %). This is
    #: what makes the background an estimate of the stream's off-brand part rather than
    #: an assumed share: in a stream that is all on-brand, few items pass it.
    background_min_off: float | None = 0.8
    #: Judge the background by the first (seeds and labels only) model in every round,
    #: rather than by the model of the round before (which learnt from the background and
    #: so calls more of the stream off-brand each round).
    background_fixed: bool = False
    #: Leave stream items that contain a theme keyword out of the background.
    background_skip_keywords: bool = True
    #: Add the shipped generic off-brand seeds.
    offbrand_seeds: bool = True
    #: ...minus those closer in meaning to one of the themes than to the other off-brand
    #: seeds (the keyword test only catches the ones that name a keyword: a brand whose
    #: theme is politics keeps "sidang kabinet" too).
    offbrand_by_meaning: bool = True
    #: Leave out a whole generic off-brand topic (politics, sport...) when its seeds, taken
    #: together, are about one of the themes: cosine of the topic's centroid to a theme's
    #: seed centroid at least this...
    offbrand_topic_min_sim: float = 0.2
    #: ...and at least this many times its cosine to any other topic (0 = keep all topics).
    offbrand_topic_ratio: float = 2.0
    #: At cold start (no review labels), give every theme the same intercept, keeping the
    #: sum of their exp (so P(off) of an item without evidence stays): the intercepts then
    #: only reflect how many seeds and pseudo-labels a theme happens to have, and the theme
    #: with most became a sink for items the features say little about (Detik: 37 % of
    #: all test items went to "selebritas"). Labels are evidence: with them, no change.
    balance_themes: bool = True
    #: ...and also when there are labels.
    balance_with_labels: bool = False
    #: Add the shipped extra seeds for themes whose id they name.
    theme_seeds: bool = True
    #: Self-training rounds after the background round (0 = off).
    self_train_rounds: int = 2
    #: Pseudo-labels per theme per round, as a fraction of the unlabelled stream... (0.08,
    #: was 0.03: a small stream, a new install's first days, got few; public Detik cold
    #: start 0.682 -> 0.773, mean of 4 splits 0.685 -> 0.779; BBC, brand set and P@20 on a
    #: ~10 % on-brand stream not worse: benchmarks/experiments/FINDINGS-x12.md)
    pseudo_fraction: float = 0.08
    #: ...but at most this many...
    pseudo_max: int = 200
    #: ...and only above this theme probability.
    pseudo_min_proba: float = 0.3
    #: Weight of one pseudo-labelled item relative to one seed.
    pseudo_weight: float = 0.5
    #: Weight of one review label relative to one seed.
    label_weight: float = 3.0
    #: Most unlabelled items used (most recent first is the caller's job).
    max_unlabelled: int = 20000
    #: Features: keep n-grams seen in at least this many documents (seeds and labels always).
    min_df: int = 2
    max_features: int = 150_000
    #: Pretrained embeddings appended to the n-gram features (:mod:`.pretrained`; "" =
    #: none). Used when the package that ships them is installed.
    pretrained: str = PRETRAINED_NAME
    #: Length of the pretrained block relative to the n-gram block (both unit length).
    #: Measured together on the public sets and the brand sanity set (models/README.md):
    #: 1.0 leaves Indonesian items without a theme, 0.5 costs the brand set 0.07 macro-F1.
    pretrained_weight: float = 0.75

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Example:
    """A training text with its class (theme id or :data:`OFF`) and weight."""

    text: str
    label: str
    weight: float = 1.0
    kind: str = "seed"  # seed | label | background | pseudo | KEYWORD_SEED
    #: The generic topic of a shipped off-brand seed (``models/seeds.toml``), else "".
    topic: str = ""


@dataclass
class Prediction:
    theme: str | None
    relevance: float
    scores: dict[str, float]
    why: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"theme": self.theme, "relevance": self.relevance, "scores": self.scores,
                "why": self.why}


# -- features ---------------------------------------------------------------------------


def _identity(text: str) -> str:
    return text


def _word_vectorizer(vocabulary: dict[str, int] | None = None) -> CountVectorizer:
    # Texts arrive normalised (once, for both vectorizers); the pattern keeps 2+ letter words.
    return CountVectorizer(preprocessor=_identity, lowercase=False, ngram_range=WORD_NGRAMS,
                           token_pattern=r"(?u)\b\w\w+\b", vocabulary=vocabulary,
                           dtype=np.float32)


def _char_vectorizer(vocabulary: dict[str, int] | None = None) -> CharWBCounter:
    # char_wb: n-grams inside word boundaries, which match across Indonesian affixes
    # ("sinematografi"/"sinematografer", "iklan"/"periklanan") and slang spellings.
    # Counted per distinct word (see char_ngrams): 8× faster than CountVectorizer, same matrix.
    return CharWBCounter(CHAR_NGRAMS, vocabulary)


class Featuriser:
    """Sublinear TF-IDF over word 1–2-grams and char_wb 2–5-grams, each block L2-normalised,
    optionally followed by the text's pretrained embedding (:mod:`.pretrained`) scaled by
    ``dense_weight``.

    Its whole fitted state is two term lists and an idf vector (the embeddings ship in a
    package), which is what lets a model be stored as plain arrays.
    """

    def __init__(self, word_terms: Sequence[str], char_terms: Sequence[str], idf: np.ndarray,
                 dense: StaticEmbedder | None = None, dense_weight: float = 0.0):
        self.dense = dense if dense_weight > 0 else None
        self.dense_weight = float(dense_weight) if self.dense is not None else 0.0
        self.word_terms = list(word_terms)
        self.char_terms = list(char_terms)
        self.idf = np.asarray(idf, dtype=np.float32)
        if len(self.idf) != len(self.word_terms) + len(self.char_terms):
            raise ValueError("idf length does not match the vocabulary")
        word_vocab = {t: i for i, t in enumerate(self.word_terms)}
        char_vocab = {t: i for i, t in enumerate(self.char_terms)}
        if len(word_vocab) != len(self.word_terms) or len(char_vocab) != len(self.char_terms):
            raise ValueError("the vocabulary has duplicate terms")
        self._word = _word_vectorizer(word_vocab)
        self._char = _char_vectorizer(char_vocab)

    @property
    def n_word(self) -> int:
        return len(self.word_terms)

    @property
    def n_sparse(self) -> int:
        """Columns of the n-gram blocks (the pretrained columns follow them)."""
        return len(self.idf)

    @property
    def n_features(self) -> int:
        return len(self.idf) + (self.dense.dim if self.dense is not None else 0)

    def with_dense(self, texts: Sequence[str], x: sp.csr_matrix) -> sp.csr_matrix:
        """``x`` (the n-gram columns of ``texts``) with the pretrained columns appended."""
        if self.dense is None:
            return x
        emb = self.dense.embed(texts, fit_weight=True)
        emb *= np.float32(self.dense_weight)
        return _append_dense(sp.csr_matrix(x, dtype=np.float32), emb)

    @classmethod
    def fit(cls, texts: Sequence[str], keep_docs: Sequence[bool], *, min_df: int = 2,
            max_features: int = 150_000, vocab_sample: int = 2000,
            dense: StaticEmbedder | None = None, dense_weight: float = 0.0,
            ) -> tuple[Featuriser, sp.csr_matrix]:
        """Learn the vocabulary and idf from ``texts`` (already normalised by
        :func:`~.text.normalise`);
        return it and their matrix.

        A term is kept when it occurs in ``min_df`` documents, or in any document flagged in
        ``keep_docs`` (seeds and labels: a keyword mentioned once must still count).

        The vocabulary is learnt from every flagged document plus at most ``vocab_sample``
        of the others, evenly spread. Counting every char n-gram of a large stream before
        pruning is what costs memory (benchmark corpus, 8,000 items: peak RSS 495 MB before,
        ~255 MB after), and the terms a sample misses are the rare ones ``min_df`` would
        mostly drop anyway. All texts are then transformed with the fixed vocabulary, in
        chunks.
        """
        flags = np.asarray(keep_docs, dtype=bool)
        others = np.flatnonzero(~flags)
        if len(others) > vocab_sample:
            picked = others[np.linspace(0, len(others) - 1, vocab_sample).round().astype(int)]
            rows = np.sort(np.concatenate([np.flatnonzero(flags), picked]))
            feat, _ = cls._fit_all([texts[i] for i in rows], flags[rows], min_df=min_df,
                                   max_features=max_features)
        else:
            feat, x = cls._fit_all(texts, flags, min_df=min_df, max_features=max_features)
        feat = cls(feat.word_terms, feat.char_terms, feat.idf, dense, dense_weight)
        if len(others) > vocab_sample:
            return feat, feat.transform(texts)
        return feat, feat.with_dense(texts, x)

    @classmethod
    def _fit_all(cls, texts: Sequence[str], keep_docs: Sequence[bool], *, min_df: int,
                 max_features: int) -> tuple[Featuriser, sp.csr_matrix]:
        word, char = _word_vectorizer(), _char_vectorizer()
        counts = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
        # Document frequencies straight from the sparse structure (entries are unique per
        # row and column): a 0/1 copy of the whole count matrix was part of training's
        # memory peak.
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        keep_rows = np.flatnonzero(np.asarray(keep_docs, dtype=bool))
        in_kept = (np.bincount(counts[keep_rows].indices, minlength=counts.shape[1]) > 0
                   if len(keep_rows) else np.zeros(len(df), dtype=bool))
        keep = (df >= min_df) | in_kept
        if keep.sum() > max_features:
            # Drop the rarest stream-only terms first.
            order = np.argsort(-(df + in_kept * 1e9), kind="stable")
            keep = np.zeros(len(df), dtype=bool)
            keep[order[:max_features]] = True
        cols = np.flatnonzero(keep)
        names = np.concatenate([word.get_feature_names_out(), char.get_feature_names_out()])
        n_word_all = len(word.vocabulary_)
        word_cols = cols[cols < n_word_all]
        char_cols = cols[cols >= n_word_all]
        n_docs = counts.shape[0]
        idf = (np.log((1 + n_docs) / (1 + df[cols])) + 1).astype(np.float32)
        feat = cls(names[word_cols].tolist(), names[char_cols].tolist(), idf)
        return feat, feat._weight(counts[:, cols])

    def transform(self, texts: Sequence[str], chunk: int = 1000) -> sp.csr_matrix:
        """The feature matrix of texts already normalised by :func:`~.text.normalise`
        (in chunks, so the intermediate count matrices stay small)."""
        if len(texts) > chunk:
            return sp.vstack([self.transform(texts[i:i + chunk], chunk)
                              for i in range(0, len(texts), chunk)], format="csr")
        counts = sp.hstack([self._word.transform(texts), self._char.transform(texts)]).tocsr()
        return self.with_dense(texts, self._weight(counts))

    def _weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """TF-IDF weights of ``counts`` (a matrix the caller no longer needs: its arrays are
        reused when already float32, since a copy was part of training's memory peak)."""
        x = sp.csr_matrix(counts, dtype=np.float32, copy=False)
        np.log1p(x.data, out=x.data)  # sublinear tf
        x.data *= self.idf[x.indices]
        # L2-normalise the word and the char block separately (each to 1/sqrt(2)), so
        # neither drowns the other and the whole row still has unit length. float32 and
        # int32 temporaries: each is as long as the matrix's entries.
        rows = np.repeat(np.arange(x.shape[0], dtype=np.int32), np.diff(x.indptr))
        is_word = x.indices < self.n_word
        sq = np.square(x.data)
        n = x.shape[0]
        word_norm = np.sqrt(np.bincount(rows[is_word], weights=sq[is_word], minlength=n))
        char_norm = np.sqrt(np.bincount(rows[~is_word], weights=sq[~is_word], minlength=n))
        del sq
        scale = (np.where(word_norm > 0, word_norm, 1.0) * math.sqrt(2)).astype(np.float32)
        x.data[is_word] /= scale[rows[is_word]]
        scale = (np.where(char_norm > 0, char_norm, 1.0) * math.sqrt(2)).astype(np.float32)
        x.data[~is_word] /= scale[rows[~is_word]]
        return x


def _append_dense(x: sp.csr_matrix, dense: np.ndarray, block: int = 1024) -> sp.csr_matrix:
    """``[x | dense]`` as CSR, built directly: ``sp.hstack`` goes through COO, which
    costs several times the result's memory (measured: +80 MB at 4,000 items). Row r's
    sparse entries move ``r * d`` places on (each row before it gained ``d`` dense
    entries) and its dense entries follow them; the index arithmetic runs ``block`` rows
    at a time, so its temporaries stay small (all rows at once was the peak of a
    ``run --once`` ranking process: +47 MB at 2,000 items with summaries)."""
    n, d = dense.shape
    per_row = np.diff(x.indptr)
    indptr = x.indptr.astype(np.int64) + np.arange(n + 1, dtype=np.int64) * d
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    dense_cols = np.arange(x.shape[1], x.shape[1] + d, dtype=np.int32)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        first, last = int(x.indptr[lo]), int(x.indptr[hi])
        at = np.repeat(np.arange(lo, hi, dtype=np.int64) * d, per_row[lo:hi])
        at += np.arange(first, last, dtype=np.int64)
        data[at] = x.data[first:last]
        indices[at] = x.indices[first:last]
        dense_at = (indptr[lo:hi] + per_row[lo:hi])[:, None] + np.arange(d)
        data[dense_at] = dense[lo:hi]
        indices[dense_at] = dense_cols
    out = sp.csr_matrix((data, indices, indptr), shape=(n, x.shape[1] + d))
    out.eliminate_zeros()  # a block the text's language does not fit is all zeros
    return out


# -- the model --------------------------------------------------------------------------


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


# -- building training sets -------------------------------------------------------------


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


def fit_model(themes: Sequence[ThemeConfig], *,
              labelled: Sequence[tuple[str, str | None]] = (),
              unlabelled: Sequence[str] = (),
              params: TrainParams = TrainParams()
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
    keep = np.array([e.kind != KEYWORD_SEED for e in base], dtype=bool)
    if params.offbrand_topic_ratio > 0:
        keep &= _offbrand_topics_to_keep(base, x_base, params)
    if not keep.all():
        base = [e for e, k in zip(base, keep, strict=True) if k]
        x_base = x_base[np.flatnonzero(keep)]
    if params.offbrand_by_meaning:
        keep = _offbrand_seeds_to_keep(base, x_base)
        base = [e for e, k in zip(base, keep, strict=True) if k]
        x_base = x_base[np.flatnonzero(keep)]

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


def texts_of(items: Iterable[dict[str, Any]]) -> list[str]:
    """Classifier texts for item-like dicts (``title`` and optional ``summary``)."""
    return [item_text(str(i.get("title") or ""), str(i.get("summary") or "")) for i in items]


@dataclass
class EvalReport:
    """Per-class precision/recall of predictions against labels."""

    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    macro_f1: float = 0.0
    n: int = 0


def evaluate(true: Sequence[str | None], pred: Sequence[str | None]) -> EvalReport:
    """Precision, recall, F1 and support per class (``None`` shown as "off-brand")."""
    labels: list[str | None] = [*sorted({t for t in true if t} | {p for p in pred if p}),
                                None]
    report = EvalReport(n=len(true))
    f1s = []
    for lab in labels:
        tp = sum(1 for t, p in zip(true, pred, strict=True) if t == lab and p == lab)
        fp = sum(1 for t, p in zip(true, pred, strict=True) if t != lab and p == lab)
        fn = sum(1 for t, p in zip(true, pred, strict=True) if t == lab and p != lab)
        support = tp + fn
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if support:
            f1s.append(f1)
        report.per_class[lab or "off-brand"] = {"precision": round(prec, 3),
                                                "recall": round(rec, 3),
                                                "f1": round(f1, 3), "support": support}
    report.macro_f1 = round(sum(f1s) / len(f1s), 4) if f1s else 0.0
    return report
