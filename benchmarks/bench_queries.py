"""Speed of the reads behind `trendwatch suggestions`, the backlog and the web page's search,
on a database with 10,000 items, 14 days of lists (40 suggestions a day) and 300 verdicts.

    python benchmarks/bench_queries.py [--items 10000]

Baselines, measured in the same run on the same database:
- the daily list with one query per row for its story's sources and latest verdict (the
  obvious N+1 way) against the single query in ``queries.list_suggestions``;
- a ``LIKE '%term%'`` scan of titles and summaries against the FTS5 search.
Target (issue 6): a web page under 200 ms with 10,000 stored items.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from trendwatch.config import parse_config, starter_text
from trendwatch.daily.queries import backlog, list_suggestions, search_items
from trendwatch.db.store import Store, dumps, iso, loads
from trendwatch.review.verdicts import record_verdict

WORDS = [
    "film", "horor", "penonton", "bioskop", "sutradara", "festival", "trailer", "kamera",
    "lensa", "lighting", "iklan", "kampanye", "agensi", "brand", "konser", "timnas", "banjir",
    "harga", "cabai", "viral", "tiktok", "drama", "korea", "netflix", "premiere", "box",
    "office", "color", "grading", "storyboard", "podcast", "musik",
]
RUNS = 15


def build(path: Path, n_items: int, today: date) -> None:
    rng = random.Random(7)
    store = Store(path)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = []
    for i in range(n_items):
        seen = start + timedelta(minutes=i * 3)
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))).capitalize()
        if i % 2000 == 0:
            title += " sinematek"  # a rare word: 5 items
        rows.append({"id": i + 1, "source": f"source-{i % 40}", "dedup_key": f"k{i}",
                     "title": title, "title_key": title.lower(),
                     "summary": " ".join(rng.choice(WORDS) for _ in range(30)),
                     "url": f"https://news.example.id/{i}", "first_seen_at": iso(seen),
                     "published_at": iso(seen), "story_id": i + 1 - (i % 3 == 2)})
    with store.write() as db:
        db["items"].insert_all(rows, batch_size=1000)
    themes = [t.id for t in parse_config(starter_text()).themes]
    sugg = []
    for d in range(14):
        day = (today - timedelta(days=d)).isoformat()
        for k in range(40):
            item = 1 + (d * 40 + k) * 17 % n_items
            sugg.append({"item_id": item, "list_date": day, "theme": themes[k % len(themes)],
                         "score": rng.random(), "relevance": rng.random(),
                         "signals": dumps({"momentum": 0.3, "trend": 0.2, "sources": 2}),
                         "why": dumps(["film", "horor"]),
                         "angles": dumps([{"platform": "TikTok", "format": "video",
                                           "hook": "x", "why_now": "y"}])})
    with store.write() as db:
        db["suggestions"].insert_all(sugg, batch_size=1000)
    ids = [r["id"] for r in store.query("select id from suggestions where list_date < ?",
                                        [today.isoformat()])]
    for n, sid in enumerate(rng.sample(ids, 300)):
        verdict = ("accept", "reject", "snooze")[n % 3]
        record_verdict(store, sid, verdict, reason="stale" if verdict == "reject" else None)
    store.close()


def naive_list(store: Store, day: str) -> list[dict]:
    """The N+1 baseline: the same rows, one query per suggestion for sources and verdict."""
    out = []
    for r in store.query("select s.*, i.title, i.url, i.source, i.story_id from suggestions s "
                         "join items i on i.id = s.item_id where s.list_date = ? and "
                         "s.status = 'new' order by s.score desc", [day]):
        srcs = [x["source"] for x in store.query(
            "select distinct source from items where story_id = ?", [r["story_id"]])]
        fb = store.query("select reason, note from feedback where suggestion_id = ? "
                         "order by id desc limit 1", [r["id"]])
        out.append({**r, "sources": srcs, "why": loads(r["why"]), "feedback": fb})
    return out


def like_search(store: Store, term: str) -> list[dict]:
    pattern = f"%{term}%"
    return store.query("select id, title from items where title like ? or summary like ? "
                       "limit 50", [pattern, pattern])


def timed(fn) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    args = ap.parse_args()
    config = parse_config(starter_text())
    today = datetime.now(UTC).astimezone(config.brand.tz).date()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build(path, args.items, today)
        print(f"built {args.items} items, 560 suggestions, 300 verdicts in "
              f"{time.perf_counter() - t0:.1f} s")
        store = Store(path)
        day = today.isoformat()
        results = [
            ("list_suggestions (today, new)", timed(lambda: list_suggestions(store, config))),
            ("  baseline: N+1 queries", timed(lambda: naive_list(store, day))),
            ("list_suggestions (today, all)",
             timed(lambda: list_suggestions(store, config, status="all"))),
            ("backlog (100 accepted)", timed(lambda: backlog(store, config))),
            ("search_items 'festival film'",
             timed(lambda: search_items(store, "festival film", 50))),
            ("search_items 'horo' (prefix)", timed(lambda: search_items(store, "horo", 50))),
            ("  baseline: LIKE scan 'festival film'",
             timed(lambda: like_search(store, "festival film"))),
            ("search_items 'sinematek' (rare)", timed(lambda: search_items(store, "sinematek"))),
            ("  baseline: LIKE scan 'sinematek'", timed(lambda: like_search(store, "sinematek"))),
        ]
        n = len(list_suggestions(store, config))
        store.close()
    print(f"median of {RUNS} runs, {n} rows in today's list:")
    for name, ms in results:
        print(f"  {name:<38} {ms:8.2f} ms")


if __name__ == "__main__":
    main()
