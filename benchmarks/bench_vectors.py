"""Zero-shot check of the shipped pretrained vectors on the public sets.

    python benchmarks/bench_vectors.py

For each set of ``bench_public.py`` (in ``~/.cache/trendwatch-bench/``; see
``get_public_data.py``) every item goes to the theme whose centroid is closest (cosine);
a centroid is the mean of the unit embeddings of the theme's name, description, keywords
and examples (``benchmarks/public_themes/<set>.toml``). No classifier, no labels, no
stream: this measures what the vectors alone know. Prints macro-F1 per embedder: the
earlier token-only embedder (``LEGACY_NAME``), the current one (``NAME``) with and without
the per-language block weights, and the Indonesian word block alone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_public import CACHE, ON_BRAND, load_set, macro_f1  # noqa: E402

from trendwatch.ranking import pretrained  # noqa: E402

Embed = Callable[[Sequence[str]], np.ndarray]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def zero_shot(name: str, embed: Embed) -> float:
    themes, _, rows = load_set(name)
    cents = []
    for t in themes:
        seeds = [t.name, t.description, *t.keywords, *t.examples]
        c = _unit(embed(seeds)).mean(axis=0)
        cents.append(c / max(float(np.linalg.norm(c)), 1e-9))
    sims = _unit(embed([r["text"] for r in rows])) @ np.array(cents).T
    ids = [t.id for t in themes]
    pred = [ids[i] for i in np.argmax(sims, axis=1)]
    return macro_f1([r["theme"] for r in rows], list(pred), ids)


def main() -> int:
    if not pretrained.available():
        print("wordllama is not installed: nothing to measure")
        return 0
    sets = [s for s in ON_BRAND if (CACHE / f"{s}.jsonl").exists()]
    if not sets:
        print(f"no set in {CACHE}; run `python benchmarks/get_public_data.py` first")
        return 0
    new, old = pretrained.load(), pretrained.load(pretrained.LEGACY_NAME)
    assert new.words is not None
    words = new.words
    embedders: dict[str, Embed] = {
        f"{old.name} (fit-weighted)": lambda t: old.embed(t, fit_weight=True),
        f"{old.name}": lambda t: old.embed(t),
        f"{new.name} (fit-weighted)": lambda t: new.embed(t, fit_weight=True),
        f"{new.name}": lambda t: new.embed(t),
        "Indonesian word block alone": lambda t: words.embed(t)[0],
    }
    print("| embedder | " + " | ".join(sets) + " | s |")
    print("|---|" + "---|" * (len(sets) + 1))
    for label, embed in embedders.items():
        t0 = time.perf_counter()
        scores = [zero_shot(s, embed) for s in sets]
        print(f"| {label} | " + " | ".join(f"{x:.3f}" for x in scores)
              + f" | {time.perf_counter() - t0:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
