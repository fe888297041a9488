"""Ranking benchmark: speed, memory and quality of the theme classifier.

    python benchmarks/bench_ranking.py [--quick]

Quality is measured on ``benchmarks/eval_data/test.jsonl`` (362 headlines: 25 per starter
theme, 237 off-brand distractors) with labels drawn only from the separate
``pool.jsonl`` (55 per theme, 80 off-brand): at k labels per theme, k per theme *and* k
off-brand labels (reviewers reject off-brand items too), three random draws averaged.
The unlabelled stream is every test and pool title without its label — as in production,
where the items being ranked are also the unlabelled data.

* ``macro-F1``: of ``theme`` over the five themes plus off-brand (null), with the default
  ``min_relevance`` 0.35.
* ``P@20``: precision of the 20 most relevant items, on sub-streams with a realistic mix —
  all 237 off-brand items plus 5 random items per theme (25 on-brand, ~10%) — averaged over
  30 sub-streams. (On the whole test set, 35% on-brand, P@20 is 1.0 for most variants.)

Speed: training and scoring 10,000 synthetic items (title + summary) like ``trendwatch
score`` does, and peak RSS of the process during that step.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trendwatch.config import parse_config, starter_text  # noqa: E402
from trendwatch.parse.tokens import item_text, normalise  # noqa: E402
from trendwatch.ranking.evaluation import evaluate  # noqa: E402
from trendwatch.ranking.fitting import fit_model  # noqa: E402
from trendwatch.ranking.train_params import TrainParams  # noqa: E402

EVAL = ROOT / "benchmarks" / "eval_data"
CONFIG = parse_config(starter_text())

VARIANTS: dict[str, TrainParams] = {
    "seeds only (themes + shipped off-brand seeds)":
        TrainParams(background=False, self_train_rounds=0),
    "+ whole stream as background":
        TrainParams(self_train_rounds=0, background_quantile=1.0, background_min_off=None),
    "+ background = 70% least relevant (0.1.0 rule)":
        TrainParams(self_train_rounds=0, background_quantile=0.7, background_min_off=None),
    "+ background = P(off) >= 0.8 (estimated)": TrainParams(self_train_rounds=0),
    "+ self-training, 2 rounds, P >= 0.3 (default)": TrainParams(),
    "default without shipped off-brand seeds": TrainParams(offbrand_seeds=False),
    "default without pretrained features": TrainParams(pretrained=""),
}


def _load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (EVAL / name).read_text("utf-8").splitlines()]


def keyword_baseline(test: list[dict[str, Any]]) -> tuple[float, list[float]]:
    """Theme = the theme with most keyword hits; relevance = hits (no learning at all)."""
    kws = {t.id: [normalise(k) for k in t.keywords] for t in CONFIG.themes}
    preds, rel = [], []
    for row in test:
        text = f" {normalise(row['title'])} "
        hits = {tid: sum(1 for k in ks if f" {k} " in text) for tid, ks in kws.items()}
        best = max(hits, key=lambda t: hits[t])
        preds.append(best if hits[best] else None)
        rel.append(float(hits[best]))
    return evaluate([r["theme"] for r in test], preds).macro_f1, rel


def precision_at_20(test: list[dict[str, Any]], relevance: list[float], draws: int = 30) -> float:
    rng = random.Random(0)
    off = [i for i, r in enumerate(test) if r["theme"] is None]
    by_theme: dict[str, list[int]] = {}
    for i, r in enumerate(test):
        if r["theme"]:
            by_theme.setdefault(r["theme"], []).append(i)
    out = []
    for _ in range(draws):
        sub = off + [i for ids in by_theme.values() for i in rng.sample(ids, 5)]
        rng.shuffle(sub)  # ties must not favour either kind
        top = sorted(sub, key=lambda i: -relevance[i])[:20]
        out.append(sum(1 for i in top if test[i]["theme"]) / 20)
    return statistics.mean(out)


def draw_labels(pool: list[dict[str, Any]], k: int, seed: int) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    by: dict[str | None, list[dict[str, Any]]] = {}
    for r in pool:
        by.setdefault(r["theme"], []).append(r)
    picked = [r for rows in by.values() for r in rng.sample(rows, min(k, len(rows)))]
    return [(r["title"], r["theme"]) for r in picked]


def quality(params: TrainParams, test: list[dict[str, Any]], pool: list[dict[str, Any]],
            k: int, draws: int) -> tuple[float, float]:
    f1s, p20s = [], []
    for seed in range(draws if k else 1):
        labels = draw_labels(pool, k, seed) if k else []
        labelled = {t for t, _ in labels}
        stream = [r["title"] for r in test] + [r["title"] for r in pool
                                               if r["title"] not in labelled]
        model, _, _ = fit_model(CONFIG.themes, labelled=labels, unlabelled=stream,
                                params=params)
        preds = model.predict([r["title"] for r in test],
                              min_relevance=CONFIG.ranking.min_relevance)
        f1s.append(evaluate([r["theme"] for r in test], [p.theme for p in preds]).macro_f1)
        p20s.append(precision_at_20(test, [p.relevance for p in preds]))
    return statistics.mean(f1s), statistics.mean(p20s)


def synthetic_items(n: int, rows: list[dict[str, Any]]) -> list[str]:
    """Headline-like texts with summaries, shuffled from the eval titles' words."""
    rng = random.Random(1)
    words = [w for r in rows for w in r["title"].split()]
    out = []
    for _ in range(n):
        title = rng.choice(rows)["title"].split()
        rng.shuffle(title)
        summary = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        out.append(item_text(" ".join(title[: rng.randint(5, 12)]), summary))
    return out


def speed(rows: list[dict[str, Any]], n: int) -> None:
    items = synthetic_items(n, rows)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    model, x, norm = fit_model(CONFIG.themes, unlabelled=items)
    t1, c1 = time.perf_counter(), time.process_time()
    model.predict_matrix(x, norm)
    t2 = time.perf_counter()
    model.predict(items)  # a stored model scoring new items (the daemon's path)
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"speed ({n} items, title + summary, {model.meta['n_features']} features):")
    print(f"  train (seeds + {n} unlabelled, background + 2 self-training rounds): "
          f"{t1 - t0:.2f} s ({c1 - c0:.2f} s CPU)")
    print(f"  score the same items (features reused, as `score` does): {t2 - t1:.2f} s "
          f"= {n / (t2 - t1):,.0f} items/s")
    print(f"  score with a trained model (featurise + predict + why): {t3 - t2:.2f} s "
          f"= {n / (t3 - t2):,.0f} items/s")
    print(f"  total train + score: {t2 - t0:.2f} s")
    print(f"  peak RSS: {peak:.0f} MB (before the ranking step: {base:.0f} MB, "
          f"sklearn/numpy/scipy imported)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one label draw, fewer variants")
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--speed-only", action="store_true")
    args = ap.parse_args()
    test, pool = _load("test.jsonl"), _load("pool.jsonl")
    print(f"eval: {len(test)} test items ({sum(1 for r in test if r['theme'])} on-theme), "
          f"label pool {len(pool)}")
    speed(test + pool, args.items)
    if args.speed_only:
        return

    draws = 1 if args.quick else 3
    f1, rel = keyword_baseline(test)
    print(f"\nquality (macro-F1 of theme / P@20 of relevance; {draws} label draw(s) each):")
    print(f"  {'variant':<56} {'0 labels':>14} {'10/theme':>14} {'50/theme':>14}")
    print(f"  {'keyword match baseline (no learning)':<56} "
          f"{f1:>6.3f} / {precision_at_20(test, rel):.3f}")
    variants = dict(list(VARIANTS.items())[:4]) if args.quick else VARIANTS
    for name, params in variants.items():
        cells = []
        for k in (0, 10, 50):
            f1, p20 = quality(params, test, pool, k, draws)
            cells.append(f"{f1:.3f} / {p20:.3f}")
        print(f"  {name:<56} " + " ".join(f"{c:>14}" for c in cells))


if __name__ == "__main__":
    main()
