"""Get the story-clustering benchmark data into ``~/.cache/trendwatch-bench/`` (never committed).

The data is the UCI **News Aggregator** data set (Gasparetti, 2016; public domain): 422,937
real headlines from ~11,000 outlets, March–August 2014, each with its publisher, the time
the aggregator saw it and the aggregator's **story** cluster id (items of one news story
grouped by the aggregator, checked by its editors). ``benchmarks/bench_stories.py`` uses the
first rows (several thousand headlines of many outlets covering the same days), which is
what a public copy on GitHub holds in full.

    python benchmarks/get_stories_data.py [--from PATH_OR_URL]

Where to get it:

- https://archive.ics.uci.edu/dataset/359/news+aggregator (``NewsAggregatorDataset.zip``,
  file ``newsCorpora.csv``, tab separated, no header), or
- any copy of Kaggle's ``uci-news-aggregator.csv`` (comma separated, with a header), e.g. a
  public GitHub repository holding it (the one measured here: the first 6,367 rows, from
  ``pratikaher88/IPythonNotebooks``).

``--from`` takes a local file (either format) or a URL; without it the script looks for the
file in the cache and says what to do if it is missing. Exit status 0 either way: a missing
data set skips the benchmark cleanly. Forbidden for tuning (kept for independent checks):
AG News, the Tribunnews 2018 set and fastfeedparser's benchmark_data; this is none of them.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import urllib.request
from pathlib import Path

CACHE = Path.home() / ".cache" / "trendwatch-bench"
TARGET = CACHE / "uci-news-aggregator-sample.csv"
FIELDS = ("ID", "TITLE", "URL", "PUBLISHER", "CATEGORY", "STORY", "HOSTNAME", "TIMESTAMP")


def normalise(src: Path, dest: Path) -> int:
    """Copy ``src`` (UCI tab-separated or Kaggle CSV) to ``dest`` as CSV with a header."""
    with src.open(encoding="utf-8", errors="replace", newline="") as fh:
        head = fh.readline()
        fh.seek(0)
        if head.startswith("ID,TITLE"):
            rows = csv.DictReader(fh)
        else:
            rows = csv.DictReader(fh, fieldnames=FIELDS, delimiter="\t")
        dest.parent.mkdir(parents=True, exist_ok=True)
        n = 0
        with dest.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=FIELDS)
            writer.writeheader()
            for row in rows:
                if row.get("TITLE") and row.get("STORY") and (row.get("TIMESTAMP") or "").isdigit():
                    writer.writerow({k: row.get(k) for k in FIELDS})
                    n += 1
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", help="local file or URL of the data")
    args = parser.parse_args()
    if not args.source:
        if TARGET.exists():
            print(f"data present: {TARGET}")
        else:
            print(f"no data at {TARGET}; see this script's docstring for where to get it, "
                  "then run it with --from PATH_OR_URL")
        return 0
    src = Path(args.source)
    if not src.exists():
        tmp = CACHE / "download.tmp"
        CACHE.mkdir(parents=True, exist_ok=True)
        try:
            with urllib.request.urlopen(args.source, timeout=60) as resp, tmp.open("wb") as fh:
                shutil.copyfileobj(resp, fh)
        except OSError as err:
            print(f"could not download {args.source}: {err}", file=sys.stderr)
            return 0
        src = tmp
    n = normalise(src, TARGET)
    print(f"{n} headlines written to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
