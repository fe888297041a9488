"""The shipped seeds and the evaluation sets stay honest: no evaluation item is (nearly)
a copy of a seed or a config example, and the label pool never overlaps the test set."""

from __future__ import annotations

import json
from pathlib import Path

from trendwatch.config import parse_config, starter_text
from trendwatch.parse.tokens import normalise
from trendwatch.ranking.seeds import OFFBRAND_SEEDS, THEME_SEEDS

EVAL = Path(__file__).parent.parent / "benchmarks" / "eval_data"


def _load(name):
    return [json.loads(line) for line in (EVAL / name).read_text("utf-8").splitlines()]


def _grams(text):
    t = f" {normalise(text)} "
    return {t[i:i + 4] for i in range(len(t) - 3)}


def _similar(ga, gb):
    """Jaccard similarity of two char 4-gram sets."""
    return len(ga & gb) / max(1, len(ga | gb))


def test_eval_sets_have_the_starter_themes_and_many_distractors():
    config = parse_config(starter_text())
    ids = {t.id for t in config.themes}
    for name in ("test.jsonl", "pool.jsonl"):
        rows = _load(name)
        assert {r["theme"] for r in rows} - {None} == ids
        assert all(r["title"].strip() for r in rows)
    test = _load("test.jsonl")
    assert sum(1 for r in test if r["theme"] is None) > len(test) / 2


def test_no_eval_item_copies_a_seed_or_config_example():
    config = parse_config(starter_text())
    seeds = [s for seeds in THEME_SEEDS.values() for s in seeds] + OFFBRAND_SEEDS
    seeds += [e for t in config.themes for e in t.examples]
    seed_grams = [(s, _grams(s)) for s in seeds]
    for name in ("test.jsonl", "pool.jsonl"):
        for row in _load(name):
            grams = _grams(row["title"])
            worst, sim = max(((s, _similar(g, grams)) for s, g in seed_grams),
                             key=lambda p: p[1])
            assert sim < 0.5, (row["title"], worst)


def test_label_pool_and_test_set_are_disjoint():
    test = {normalise(r["title"]) for r in _load("test.jsonl")}
    pool = [normalise(r["title"]) for r in _load("pool.jsonl")]
    assert not test & set(pool)
    test_grams = [_grams(t) for t in test]
    for p in pool:
        grams = _grams(p)
        assert max(_similar(grams, g) for g in test_grams) < 0.7, p
