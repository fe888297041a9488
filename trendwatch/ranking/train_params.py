"""The knobs of training (:class:`TrainParams`): one place for what the training sets
(:mod:`.trainset`) and the fit (:mod:`.fitting`) read, so neither imports the other."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .pretrained import NAME as PRETRAINED_NAME


@dataclass(frozen=True)
class TrainParams:
    """Knobs of :func:`~.fitting.fit_model`. The defaults are the best variant measured by the
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
