"""The two hand-judged story samples (dev, test) drawn from the cached UCI headlines.

    python benchmarks/story_sample.py --show dev     # print a sample for judging
    python benchmarks/story_sample.py --check        # judgements cover exactly the samples

The data (``~/.cache/trendwatch-bench/uci-news-aggregator-sample.csv``, from
``benchmarks/get_stories_data.py``; never committed) is 6,366 real headlines of 1,948 outlets
seen 10-12 March 2014, each with the aggregator's story id. The aggregator's stories are broad
streams (one holds 322 headlines about many events), so they are only used to *draw* items,
never as the truth: the truth is ``benchmarks/story_judgements/{dev,test}.csv`` (``id`` = the
data set's ``ID``, ``event`` = a label given by reading the headlines; no headline text).

How a sample is drawn (fixed seed, deterministic):

- dev: items seen before :data:`SPLIT` (10 Mar 16:00 to 11 Mar 10:00 UTC); test: items seen
  from :data:`SPLIT` on (11 Mar 10:00 to 12 Mar 04:00 UTC). Disjoint by time, so no item
  and no hour is in both.
- :data:`CLUSTERS` aggregator stories with at least :data:`PER_CLUSTER` items in that half are
  chosen at random, and :data:`PER_CLUSTER` of their items at random: items of one broad
  stream, some reporting one event and some not, test joining and not joining.
- :data:`SINGLES` more items, one each from the other aggregator stories (at random; a half
  has fewer), then items of those other stories at random up to :data:`SIZE` in all: they
  test that unrelated news stays apart.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

DATA = Path.home() / ".cache" / "trendwatch-bench" / "uci-news-aggregator-sample.csv"
JUDGED = Path(__file__).parent / "story_judgements"
SPLIT = datetime(2014, 3, 11, 10, 0, tzinfo=UTC)
SEEDS = {"dev": 1301, "test": 1302}
CLUSTERS = 28
PER_CLUSTER = 10
SINGLES = 40
SIZE = 320


def load() -> list[dict[str, str]]:
    """Every cached row, in the order seen."""
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: (int(r["TIMESTAMP"]), int(r["ID"])))
    return rows


def seen(row: dict[str, str]) -> datetime:
    return datetime.fromtimestamp(int(row["TIMESTAMP"]) / 1000, UTC)


def sample(rows: list[dict[str, str]], name: str) -> list[dict[str, str]]:
    """The rows of sample ``name`` ("dev" or "test"), in the order seen."""
    half = [r for r in rows if (seen(r) < SPLIT) == (name == "dev")]
    by_story: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in half:
        by_story[r["STORY"]].append(r)
    rng = random.Random(SEEDS[name])
    big = sorted(s for s, items in by_story.items() if len(items) >= PER_CLUSTER)
    chosen = rng.sample(big, CLUSTERS)
    picked = []
    for s in chosen:
        picked += rng.sample(by_story[s], PER_CLUSTER)
    others = sorted(s for s in by_story if s not in chosen)
    for s in rng.sample(others, min(SINGLES, len(others))):
        picked.append(rng.choice(by_story[s]))
    # A half has fewer other stories than SINGLES: the rest are drawn from all their items.
    ids = {r["ID"] for r in picked}
    rest = [r for s in others for r in by_story[s] if r["ID"] not in ids]
    picked += rng.sample(rest, max(0, SIZE - len(picked)))
    return sorted(picked, key=lambda r: (int(r["TIMESTAMP"]), int(r["ID"])))


def judgements(name: str) -> dict[str, str]:
    """``{item id: event label}`` of sample ``name`` (any file of ``story_judgements/``:
    the headline samples and the feed-item samples alike)."""
    with (JUDGED / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return {r["id"]: r["event"] for r in csv.DictReader(
            line for line in fh if not line.startswith("#"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", choices=sorted(SEEDS))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"no data at {DATA} (run benchmarks/get_stories_data.py)")
        return 0
    rows = load()
    if args.show:
        picked = sample(rows, args.show)
        by_story: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in picked:
            by_story[r["STORY"]].append(r)
        for s, items in sorted(by_story.items(), key=lambda kv: kv[1][0]["TITLE"]):
            print(f"## {s[:10]}")
            for r in sorted(items, key=lambda r: r["TITLE"]):
                print(f"{r['ID']}\t{r['PUBLISHER'][:20]}\t{r['TITLE']}")
    if args.check:
        for name in SEEDS:
            check(name, {r["ID"] for r in sample(rows, name)})
    return 0


def check(name: str, ids: set[str]) -> None:
    """Print whether the judgements of sample ``name`` cover exactly its ``ids``."""
    judged = judgements(name)
    missing, extra = ids - set(judged), set(judged) - ids
    print(f"{name}: {len(ids)} items, {len(set(judged.values()))} events; "
          f"missing {sorted(missing)[:5]} extra {sorted(extra)[:5]}")


if __name__ == "__main__":
    sys.exit(main())
