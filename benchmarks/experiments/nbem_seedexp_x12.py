"""Experiment (issue 12, helper x12): Naive-Bayes EM over the stream and seed expansion.

Measurement only; no product code is changed. Every variant wraps the product's
``fit_model`` and is scored with the same splits as ``benchmarks/bench_public.py``
(``--quick``: one label draw per k; P@20 5 draws) and ``benchmarks/bench_ranking.py``
(brand sanity set, macro-F1 of ``theme`` incl. off-brand = null).

    nice -n 10 .venv/bin/python benchmarks/experiments/nbem_seedexp_x12.py \
        --variants base,nb,avg,pseudo,both,expand --sets detik_id,bbc_news_en,brand

Variants
* ``base``   the current model (TrainParams defaults).
* ``nb``     NB-EM alone (themes only, no off-brand class): MultinomialNB on word
             unigrams(+bigrams) of the normalised text; seeds (``theme_seed_texts``)
             weight ``--seed-w``, labels ``--label-w``; the stream enters with soft labels
             (posteriors) for ``--rounds`` EM rounds. Theme = argmax (never null). Public
             sets only (the brand set needs an off-brand class: not measured).
* ``avg``    current model, then theme = argmax of the mean of its theme-conditional
             probabilities and the NB-EM posterior; relevance (and so null) unchanged.
* ``pseudo`` current model whose self-training pseudo-labels are chosen on
             (1 - P(off)) x mean(model theme-conditional, NB-EM posterior) instead of the
             model's own probabilities (the classifier's ``_pseudo_labels`` is patched).
* ``both``   ``pseudo`` + ``avg``.
* ``expand`` seed expansion: each theme's keywords get the ``--expand-n`` stream words
             with the highest lift P(w | item has one of the theme's keywords) / P(w)
             (seen with the theme's keywords in >= ``--expand-min`` items, not a stopword,
             not another theme's keyword), then the current model is retrained.
* ``expand+pseudo`` both levers.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_public as bp  # noqa: E402
import bench_ranking as br  # noqa: E402

from trendwatch.config import ThemeConfig  # noqa: E402
from trendwatch.parse.tokens import STOPWORDS, normalise  # noqa: E402
from trendwatch.ranking import fitting as clf_mod  # noqa: E402
from trendwatch.ranking.classifier import OFF  # noqa: E402
from trendwatch.ranking.evaluation import evaluate  # noqa: E402
from trendwatch.ranking.fitting import fit_model  # noqa: E402
from trendwatch.ranking.train_params import TrainParams  # noqa: E402
from trendwatch.ranking.trainset import keyword_pattern, theme_seed_texts  # noqa: E402

ARGS: argparse.Namespace


# -- NB-EM ------------------------------------------------------------------------------


def nb_em(themes: Sequence[ThemeConfig], labelled: Sequence[tuple[str, str | None]],
          stream: Sequence[str]) -> np.ndarray:
    """Posterior P(theme | item) for every stream item (rows: stream, cols: theme ids
    sorted), by semi-supervised multinomial NB with EM (Nigam et al. 2000)."""
    ids = sorted(t.id for t in themes)
    seed_txt, seed_y, seed_w = [], [], []
    for t in themes:
        for s in theme_seed_texts(t):
            seed_txt.append(normalise(s))
            seed_y.append(ids.index(t.id))
            seed_w.append(ARGS.seed_w)
    for text, tid in labelled:
        if tid in ids:
            seed_txt.append(normalise(text))
            seed_y.append(ids.index(tid))
            seed_w.append(ARGS.label_w)
    norm = [normalise(s) for s in stream]
    if ARGS.nb_features == "char":
        vec = CountVectorizer(preprocessor=lambda s: s, lowercase=False, analyzer="char_wb",
                              ngram_range=(3, 5), min_df=1)
    else:
        vec = CountVectorizer(preprocessor=lambda s: s, lowercase=False,
                              ngram_range=(1, ARGS.nb_ngram),
                              token_pattern=r"(?u)\b\w\w+\b", min_df=1)
    vec.fit(seed_txt + norm)
    # Words seen once in the whole stream and in no seed carry no co-occurrence signal.
    xs, xu = vec.transform(seed_txt), vec.transform(norm)
    df = np.asarray((xu > 0).sum(axis=0)).ravel() + np.asarray((xs > 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(df >= 2)
    xs, xu = xs[:, keep], xu[:, keep]
    k = len(ids)
    nb = MultinomialNB(alpha=ARGS.nb_alpha, fit_prior=False)
    nb.fit(xs, seed_y, sample_weight=seed_w)
    post = nb.predict_proba(xu)
    for _ in range(ARGS.rounds):
        # M-step: seeds/labels + every stream item once per class with its posterior.
        x = sp.vstack([xs] + [xu] * k).tocsr()
        y = np.concatenate([seed_y] + [np.full(xu.shape[0], c) for c in range(k)])
        w = np.concatenate([seed_w] + [post[:, c] * ARGS.stream_w for c in range(k)])
        nb = MultinomialNB(alpha=ARGS.nb_alpha, fit_prior=ARGS.nb_prior)
        nb.fit(x, y, sample_weight=w)
        post = nb.predict_proba(xu)
    terms = vec.get_feature_names_out()[keep]
    df_stream = np.asarray((xu > 0).sum(axis=0)).ravel()
    _NB_WORDS.update(terms=terms, logp=nb.feature_log_prob_, df=df_stream, ids=ids)
    # The joint log-likelihood, so a caller can temper the (nearly 0/1) posteriors.
    return nb.predict_joint_log_proba(xu)


#: The last NB-EM's vocabulary, P(word | theme) and stream document frequencies (for the
#: "expand-nb" variant).
_NB_WORDS: dict[str, Any] = {}


def expand_themes_nb(themes: Sequence[ThemeConfig]) -> list[ThemeConfig]:
    """Each theme's keywords + the ``--expand-n`` words NB-EM finds most typical of it:
    highest log P(w | theme) - log max P(w | other theme), in >= 5 stream items."""
    terms, logp, df, ids = (_NB_WORDS[k] for k in ("terms", "logp", "df", "ids"))
    all_kw = {w for t in themes for k in t.keywords for w in normalise(k).split()}
    out = []
    for t in themes:
        if t.id not in ids or len(ids) < 2:
            out.append(t)
            continue
        c = ids.index(t.id)
        others = np.delete(logp, c, axis=0).max(axis=0)
        score = logp[c] - others
        order = np.argsort(-score)
        new = []
        for j in order:
            w = str(terms[j])
            if df[j] < 5 or w in STOPWORDS or w in all_kw or w.isdigit() or len(w) < 3:
                continue
            new.append(w)
            if len(new) >= ARGS.expand_n:
                break
        if ARGS.verbose:
            print(f"    expand-nb {t.id}: {', '.join(new)}")
        out.append(_with_terms(t, new))
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def tempered(jll: np.ndarray, target: np.ndarray | None, temp: str | None = None
             ) -> np.ndarray:
    """softmax(jll / T), T chosen (bisection on log T) so the mean top probability equals
    that of ``target`` (the model's theme-conditional probabilities of the same items):
    NB's posteriors are nearly 0/1 and would otherwise decide every average alone."""
    temp = temp or ARGS.nb_temp
    if target is None or temp != "match":
        return softmax(jll / (1.0 if target is None else float(temp)))
    want = float(target.max(axis=1).mean())
    lo, hi = 0.0, 8.0  # log T
    for _ in range(40):
        mid = (lo + hi) / 2
        if softmax(jll / math.exp(mid)).max(axis=1).mean() > want:
            lo = mid
        else:
            hi = mid
    return softmax(jll / math.exp((lo + hi) / 2))


def theme_conditional(proba: np.ndarray, classes: list[str], ids: list[str]) -> np.ndarray:
    cols = [classes.index(t) for t in ids]
    p = proba[:, cols]
    return p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)


# -- seed expansion ---------------------------------------------------------------------


def _with_terms(theme: ThemeConfig, new: list[str]) -> ThemeConfig:
    """The theme with the expansion terms as keywords (they then also keep stream items
    that name them out of the background) or, with ``--expand-as examples``, as one-word
    examples (extra seeds only)."""
    if ARGS.expand_as == "examples":
        return theme.model_copy(update={"examples": [*theme.examples, *new]})
    return theme.model_copy(update={"keywords": [*theme.keywords, *new]})


def expand_themes(themes: Sequence[ThemeConfig], stream: Sequence[str]) -> list[ThemeConfig]:
    norm = [normalise(s) for s in stream]
    docs = [set(w for w in re.findall(r"(?u)\b\w\w+\b", s)) for s in norm]
    n = len(docs)
    df = Counter(w for d in docs for w in d)
    all_kw = {w for t in themes for k in t.keywords for w in normalise(k).split()}
    out = []
    for t in themes:
        pat = keyword_pattern([t])
        hit = [d for s, d in zip(norm, docs, strict=True) if pat and pat.search(s)]
        if not hit:
            out.append(t)
            continue
        co = Counter(w for d in hit for w in d)
        scored = []
        for w, c in co.items():
            if (c < ARGS.expand_min or w in STOPWORDS or w in all_kw or w.isdigit()
                    or len(w) < 3):
                continue
            lift = (c / len(hit)) / (df[w] / n)
            scored.append((lift * (math.log(c) if ARGS.expand_score == "lift-log" else 1.0),
                           w))
        new = [w for _, w in sorted(scored, reverse=True)[: ARGS.expand_n]]
        if ARGS.verbose:
            print(f"    expand {t.id} ({len(hit)} items): {', '.join(new)}")
        out.append(_with_terms(t, new))
    return out


def expand_themes_emb(themes: Sequence[ThemeConfig], stream: Sequence[str]
                     ) -> list[ThemeConfig]:
    """Each theme's keywords + the ``--expand-n`` stream words (in >= ``--expand-min``
    items) whose shipped pretrained vector is nearest the theme's seed centroid relative
    to the other themes: cos(w, theme) - max cos(w, other theme), with cos(w, theme) >=
    0.3. (Stream co-occurrence alone picked names from 8-word titles; see FINDINGS.)"""
    from trendwatch.ranking.pretrained import load

    emb = load()
    df = Counter(w for s in stream for w in set(re.findall(r"(?u)\b\w\w+\b",
                                                             normalise(s))))
    all_kw = {w for t in themes for k in t.keywords for w in normalise(k).split()}
    cands = [w for w, c in df.items() if c >= ARGS.expand_min and w not in STOPWORDS
             and w not in all_kw and not w.isdigit() and len(w) >= 3]
    if len(themes) < 2 or not cands:
        return list(themes)
    wv = emb.embed(cands, fit_weight=True).astype(np.float64)
    wv /= np.maximum(np.linalg.norm(wv, axis=1, keepdims=True), 1e-9)
    cents = []
    for t in themes:
        e = emb.embed([normalise(x) for x in theme_seed_texts(t)], fit_weight=True)
        c = e.mean(axis=0).astype(np.float64)
        cents.append(c / max(np.linalg.norm(c), 1e-9))
    sims = wv @ np.vstack(cents).T
    out = []
    for j, t in enumerate(themes):
        margin = sims[:, j] - np.delete(sims, j, axis=1).max(axis=1)
        ok = np.flatnonzero(sims[:, j] >= 0.3)
        top = ok[np.argsort(-margin[ok])][: ARGS.expand_n]
        new = [cands[i] for i in top]
        if ARGS.verbose:
            print(f"    expand-emb {t.id}: {', '.join(new)}")
        out.append(_with_terms(t, new))
    return out


# -- variants ---------------------------------------------------------------------------

_NB_FOR_STREAM: dict[str, Any] = {}


def _patched_pseudo(model, proba, params, n_stream):  # type: ignore[no-untyped-def]
    """The classifier's pseudo-label choice, on probabilities mixed with NB-EM."""
    post = _NB_FOR_STREAM.get("post")
    if post is None or proba.shape[0] != post.shape[0]:
        return _ORIG_PSEUDO(model, proba, params, n_stream)
    ids = _NB_FOR_STREAM["ids"]
    off = model.classes.index(OFF)
    rel = 1.0 - proba[:, off]
    cond = theme_conditional(proba, model.classes, ids)
    mixed = 0.5 * cond + 0.5 * tempered(post, cond, ARGS.pseudo_temp)
    new = np.zeros_like(proba)
    new[:, off] = proba[:, off]
    for j, tid in enumerate(ids):
        new[:, model.classes.index(tid)] = rel * mixed[:, j]
    return _ORIG_PSEUDO(model, new, params, n_stream)


_ORIG_PSEUDO = clf_mod._pseudo_labels


class Fitted:
    """Predicts ``theme`` (None below min relevance), relevance and argmax theme."""

    def __init__(self, variant: str, themes: Sequence[ThemeConfig],
                 labelled: Sequence[tuple[str, str | None]], stream: Sequence[str],
                 params: TrainParams):
        self.variant = variant
        self.ids = sorted(t.id for t in themes)
        self.stream = list(stream)
        self.post = None
        self.model = None
        if variant == "nb" or variant in ("avg", "pseudo", "both", "expand+pseudo",
                                          "expand-nb"):
            self.post = nb_em(themes, labelled, stream)
        if variant == "nb":
            return
        if variant == "expand-nb":
            themes = expand_themes_nb(themes)
        elif variant == "expand-emb":
            themes = expand_themes_emb(themes, stream)
        elif variant.startswith("expand"):
            themes = expand_themes(themes, stream)
        clf_mod._pseudo_labels = (_patched_pseudo if variant in ("pseudo", "both",
                                                                 "expand+pseudo")
                                  else _ORIG_PSEUDO)
        _NB_FOR_STREAM.update(post=self.post, ids=self.ids)
        try:
            self.model, _, _ = fit_model(themes, labelled=labelled, unlabelled=stream,
                                         params=params)
        finally:
            clf_mod._pseudo_labels = _ORIG_PSEUDO
            _NB_FOR_STREAM.clear()

    def predict(self, texts: Sequence[str], min_relevance: float
                ) -> tuple[list[str | None], list[str], list[float]]:
        """(theme output, argmax theme, relevance) for texts that are all in the stream."""
        index = {s: i for i, s in enumerate(self.stream)}
        rows = [index[t] for t in texts]
        if self.model is None:  # NB alone
            post = tempered(self.post[rows], None)
            arg = [self.ids[j] for j in post.argmax(axis=1)]
            return list(arg), arg, list(post.max(axis=1))
        preds = self.model.predict(list(texts), min_relevance=min_relevance, explain=False)
        rel = [p.relevance for p in preds]
        cond = np.array([[p.scores[t] for t in self.ids] for p in preds])
        cond /= np.maximum(cond.sum(axis=1, keepdims=True), 1e-12)
        if self.variant in ("avg", "both"):
            # Temperature matched on the whole stream (the test items are part of it).
            whole = self.model.predict(self.stream, min_relevance=min_relevance,
                                       explain=False)
            wc = np.array([[p.scores[t] for t in self.ids] for p in whole])
            wc /= np.maximum(wc.sum(axis=1, keepdims=True), 1e-12)
            post = tempered(self.post, wc)
            cond = 0.5 * cond + 0.5 * post[rows]
        arg = [self.ids[j] for j in cond.argmax(axis=1)]
        out = [a if r >= min_relevance else None for a, r in zip(arg, rel, strict=True)]
        return out, arg, rel


# -- benches ----------------------------------------------------------------------------


def bench_public_set(name: str, variant: str, params: TrainParams) -> dict[str, Any]:
    themes, _, rows = bp.load_set(name)
    random.Random(ARGS.split_seed).shuffle(rows)
    n_test = min(1000, len(rows) // 2)
    test, pool = rows[:n_test], rows[n_test:]
    stream = [r["text"] for r in pool + test]
    ids = [t.id for t in themes]
    res: dict[str, Any] = {}
    for k in ARGS.ks:
        f = Fitted(variant, themes, bp.draw(pool, ids, k, 0), stream, params)
        out, arg, _ = f.predict([r["text"] for r in test], bp.MIN_RELEVANCE)
        true = [r["theme"] for r in test]
        res[k] = (bp.macro_f1(true, out, ids), bp.macro_f1(true, arg, ids),
                  sum(1 for o in out if o is None) / len(out))
    if ARGS.p20 and variant != "nb":
        on_id = bp.ON_BRAND[name]
        brand = [t for t in themes if t.id == on_id]
        off = [r for r in test if r["theme"] != on_id]
        on = [r for r in test if r["theme"] == on_id]
        n_on = max(20, round(len(off) / 9))
        scores = []
        for d in range(bp.P20_DRAWS):
            rng = random.Random(100 + d)
            s = off + rng.sample(on, min(n_on, len(on)))
            rng.shuffle(s)
            f = Fitted(variant, brand, [], [r["text"] for r in s], params)
            _, _, rel = f.predict([r["text"] for r in s], bp.MIN_RELEVANCE)
            top = sorted(range(len(s)), key=lambda i: -rel[i])[:20]
            scores.append(sum(1 for i in top if s[i]["theme"] == on_id) / 20)
        res["p20"] = statistics.mean(scores)
    return res


def bench_brand(variant: str, params: TrainParams) -> dict[str, Any]:
    test, pool = br._load("test.jsonl"), br._load("pool.jsonl")
    res: dict[str, Any] = {}
    for k in [k for k in ARGS.ks if k <= 10]:
        f1s, p20s = [], []
        for seed in range(3 if k else 1):  # as bench_ranking.quality: 3 draws with labels
            labels = br.draw_labels(pool, k, seed) if k else []
            labelled = {t for t, _ in labels}
            stream = [r["title"] for r in test] + [r["title"] for r in pool
                                                   if r["title"] not in labelled]
            f = Fitted(variant, br.CONFIG.themes, labels, stream, params)
            out, _, rel = f.predict([r["title"] for r in test],
                                    br.CONFIG.ranking.min_relevance)
            f1s.append(evaluate([r["theme"] for r in test], out).macro_f1)
            p20s.append(br.precision_at_20(test, rel))
        res[k] = (statistics.mean(f1s), statistics.mean(p20s))
    return res


def main() -> int:
    global ARGS
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default="base,nb,avg,pseudo,both,expand,expand+pseudo")
    ap.add_argument("--sets", default="detik_id,bbc_news_en,brand")
    ap.add_argument("--ks", default="0,10,50")
    ap.add_argument("--no-p20", dest="p20", action="store_false")
    ap.add_argument("--seed-w", type=float, default=5.0)
    ap.add_argument("--label-w", type=float, default=15.0)
    ap.add_argument("--stream-w", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--nb-ngram", type=int, default=1)
    ap.add_argument("--nb-features", default="word", choices=["word", "char"],
                    help="NB-EM on words (1..--nb-ngram) or char_wb 3-5-grams")
    ap.add_argument("--nb-alpha", type=float, default=1.0)
    ap.add_argument("--nb-temp", default="match",
                    help="temperature of NB posteriors when mixed: a number, or 'match' "
                         "(mean top probability = the model's)")
    ap.add_argument("--pseudo-temp", default=None,
                    help="temperature for the pseudo-label mix (default: --nb-temp)")
    ap.add_argument("--nb-prior", action="store_true", help="learn class priors in EM")
    ap.add_argument("--expand-n", type=int, default=10)
    ap.add_argument("--expand-min", type=int, default=3)
    ap.add_argument("--expand-score", default="lift-log", choices=["lift", "lift-log"])
    ap.add_argument("--expand-as", default="keywords", choices=["keywords", "examples"])
    ap.add_argument("--split-seed", type=int, default=0,
                    help="shuffle seed of the public sets' test/pool split (0 = bench_public)")
    ap.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                    help="override a TrainParams field")
    ap.add_argument("--verbose", action="store_true")
    ARGS = ap.parse_args()
    ARGS.ks = [int(k) for k in ARGS.ks.split(",")]
    overrides = {}
    for kv in ARGS.param:
        key, _, value = kv.partition("=")
        overrides[key] = json.loads(value)
    params = TrainParams(**overrides)
    print(f"args: {json.dumps({k: v for k, v in vars(ARGS).items()})}")
    for variant in ARGS.variants.split(","):
        for name in ARGS.sets.split(","):
            t0 = time.perf_counter()
            if name == "brand" and variant == "nb":
                continue  # NB-EM alone has no off-brand class
            if name == "brand":
                r = bench_brand(variant, params)
                cells = " ".join(f"k={k}: F1 {v[0]:.3f} P@20 {v[1]:.2f};"
                                 for k, v in r.items())
            else:
                r = bench_public_set(name, variant, params)
                cells = " ".join(f"k={k}: F1 {v[0]:.3f} argmax {v[1]:.3f} null {v[2]:.3f};"
                                 for k, v in r.items() if k != "p20")
                if "p20" in r:
                    cells += f" P@20 {r['p20']:.2f}"
            print(f"{variant:14s} {name:12s} {cells} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
