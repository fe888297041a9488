"""The two hand-judged feed-item samples (feeds-dev, feeds-test) of the cached sumberfakta
items: real RSS items (title + summary) of 11 outlets over the same day.

    python benchmarks/story_feeds_sample.py --show feeds-dev   # print a sample for judging
    python benchmarks/story_feeds_sample.py --check            # judgements cover the samples

The data (``~/.cache/trendwatch-bench/sumberfakta-items.csv``, from
``benchmarks/get_story_feeds.py``; never committed) is 655 items of ANTARA, detik, BBC,
Liputan6, Al Jazeera, Kumparan, Media Indonesia, The Verge, Republika, Kompas and Tempo,
published 4-5 September 2025 in the main (a few stragglers from late August), Indonesian
and English. The truth is ``story_judgements/feeds-{dev,test}.csv`` (``id`` = the item's id
in the cache, ``event`` = a label given by reading title and summary; no item text).

How a sample is drawn (deterministic, no seed needed): every item, split by publication
time at :data:`SPLIT` (the median): feeds-dev is every item published before it (320),
feeds-test every item from it on (335). Disjoint by time, so no item and no hour is in
both; every item of a half is in its sample, so every same-event pair of that half is
judged (a drawn subset would lose the pairs a sample is for: the data is only 655 items).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from story_sample import check

DATA = Path.home() / ".cache" / "trendwatch-bench" / "sumberfakta-items.csv"
SPLIT = "2025-09-04T16:00:00"
NAMES = ("feeds-dev", "feeds-test")


def load() -> list[dict[str, str]]:
    """Every cached item, in publication order."""
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: (r["published"], r["id"]))
    return rows


def sample(rows: list[dict[str, str]], name: str) -> list[dict[str, str]]:
    """The rows of sample ``name``, in publication order."""
    return [r for r in rows if (r["published"] < SPLIT) == (name == "feeds-dev")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", choices=NAMES)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"no data at {DATA} (run benchmarks/get_story_feeds.py)")
        return 0
    rows = load()
    if args.show:
        for r in sample(rows, args.show):
            print(f"{r['id']}\t{r['published'][5:16]}\t{r['outlet'][:10]}\t{r['title']} "
                  f"|| {r['summary'][:220]}")
    if args.check:
        for name in NAMES:
            check(name, {r["id"] for r in sample(rows, name)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
