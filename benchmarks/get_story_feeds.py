"""Get real feed items (title + summary + date + outlet) of several outlets over the same
days into ``~/.cache/trendwatch-bench/`` for the story benchmark (never committed).

    python benchmarks/get_story_feeds.py --from PATH_OR_URL

The data: the public GitHub repository ``mukemen/sumberfakta``, a static Indonesian news
portal whose scheduled workflow fetched ~30 public RSS feeds (ANTARA, detik, Liputan6,
Kompas, Kumparan, Republika, Media Indonesia, Tempo, BBC, Al Jazeera, The Verge...) and
committed the newest items, title + summary (the feed's description, as the feed gives it:
ANTARA's cut at ~120 characters, Kumparan's repeating the title) + publication time +
feed name, to ``news.json`` (and the previous run's to ``data/news_prev.json``). Every
version of those files in the repository's history is read and the items are merged by
link: 4-5 September 2025 (UTC) in the main, Indonesian and English. The repository states
no licence; the items are the outlets' own public feed excerpts, kept here only as a local
cache to measure with.

``--from`` takes the repository's git directory (what the ``fetch`` tool brings to
``<mirror root>/mukemen+sumberfakta/repo``, or a clone's ``.git``; every commit is read),
a checkout directory or a single ``news.json`` (one version only), or a URL of one such
file. Written: ``sumberfakta-items.csv`` (``id`` = the first 12 hex digits of the SHA-1 of
the link, stable whatever the order; ``source`` = the feed's name; ``outlet``; ``title``;
``summary``; ``published`` ISO UTC; ``link``) and ``sumberfakta-items.source.json`` (repo,
commit, paths, sha256, rows, licence). The portal's own placeholder items (links on
example.com, the "Seeder" entries) are left out: they are not feed items.

Forbidden for tuning (kept for independent checks): AG News, the Tribunnews 2018 set and
fastfeedparser's benchmark_data; this is none of them. Exit status 0 without data.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

CACHE = Path.home() / ".cache" / "trendwatch-bench"
TARGET = CACHE / "sumberfakta-items.csv"
META = CACHE / "sumberfakta-items.source.json"
REPO = "mukemen/sumberfakta"
PATHS = ("news.json", "data/news_prev.json")
FIELDS = ("id", "source", "outlet", "title", "summary", "published", "link")


def item_id(link: str) -> str:
    return hashlib.sha1(link.encode("utf-8")).hexdigest()[:12]


def outlet(source: str) -> str:
    """``"ANTARA – Terkini"`` -> ``"ANTARA"``: the feed's outlet."""
    return source.split(" – ")[0].split(" - ")[0].strip()


def _items(doc: object) -> list[dict]:
    items = doc.get("items", []) if isinstance(doc, dict) else doc
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def from_git(git_dir: Path) -> tuple[list[dict], str]:
    """Every version of :data:`PATHS` in the history: ``(items, head commit)``."""
    def git(*args: str) -> bytes:
        return subprocess.check_output(["git", "--git-dir", str(git_dir), *args],
                                       stderr=subprocess.DEVNULL)
    head = git("rev-parse", "HEAD").decode().strip()
    commits = git("log", "--format=%H", "--", *PATHS).decode().split()
    items: list[dict] = []
    for commit in reversed(commits):  # oldest first: a later version's fields win
        for path in PATHS:
            try:
                items += _items(json.loads(git("show", f"{commit}:{path}")))
            except (subprocess.CalledProcessError, json.JSONDecodeError):
                continue
    return items, head


def keep(item: dict) -> bool:
    link = str(item.get("link") or "")
    host = urlsplit(link).hostname or ""
    return bool(item.get("title") and item.get("publishedAt") and link
                and host != "example.com" and item.get("source") != "Seeder")


def normalise(items: list[dict]) -> list[dict[str, str]]:
    merged: dict[str, dict] = {}
    for item in items:
        if keep(item):
            merged[item["link"]] = item
    rows = [{"id": item_id(link), "source": item["source"], "outlet": outlet(item["source"]),
             "title": " ".join(str(item["title"]).split()),
             "summary": " ".join(str(item.get("summary") or "").split()),
             "published": item["publishedAt"], "link": link}
            for link, item in merged.items()]
    rows.sort(key=lambda r: (r["published"], r["id"]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", help="git dir, checkout, news.json or URL")
    args = parser.parse_args()
    if not args.source:
        print(f"data present: {TARGET}" if TARGET.exists() else
              f"no data at {TARGET}; see this script's docstring, then run it with --from")
        return 0
    src = Path(args.source)
    commit, paths = "", list(PATHS)
    if src.is_dir() and ((src / "HEAD").exists() or (src / ".git").exists()):
        items, commit = from_git(src if (src / "HEAD").exists() else src / ".git")
    elif src.is_dir():
        items = [i for p in PATHS if (src / p).exists()
                 for i in _items(json.loads((src / p).read_text(encoding="utf-8")))]
    elif src.exists():
        items, paths = _items(json.loads(src.read_text(encoding="utf-8"))), [src.name]
    else:
        try:
            with urllib.request.urlopen(args.source, timeout=60) as resp:
                items = _items(json.loads(resp.read()))
        except (OSError, json.JSONDecodeError) as err:
            print(f"could not read {args.source}: {err}", file=sys.stderr)
            return 0
        paths = [args.source]
    rows = normalise(items)
    CACHE.mkdir(parents=True, exist_ok=True)
    with TARGET.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    meta = {"repo": REPO, "commit": commit, "paths": paths,
            "history": "every commit touching the paths" if commit else "one version",
            "sha256": hashlib.sha256(TARGET.read_bytes()).hexdigest(), "rows": len(rows),
            "outlets": sorted({r["outlet"] for r in rows}),
            "published": [rows[0]["published"], rows[-1]["published"]] if rows else [],
            "licence": "none stated in the repository; items are the outlets' public RSS "
                       "excerpts, cached locally for measurement only, never committed"}
    META.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rows)} feed items of {len(meta['outlets'])} outlets written to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
