"""Benchmark: a cold and a warm fetch round over a realistic corpus, against feedparser alone.

    python benchmarks/bench_fetch.py [--feeds 220] [--repeat 3] [--keep]

Generates ≥ 200 feeds (RSS 2.0 / Atom / JSON Feed, Indonesian + English, some archives of
500+ entries with long HTML) into a temp dir, serves them from local threaded servers on
40 loopback aliases (ETag/Last-Modified → 304, gzip), and reports in one run:

(a) feedparser alone, with its defaults, over the same bytes (the baseline);
(b) the real CLI as a subprocess on a cold database: ``trendwatch fetch`` (fetch + store)
    and ``trendwatch run --once`` (fetch + store + rank): wall time and peak RSS (of the
    largest process, and of the fetching and ranking processes together);
(c) a warm ``trendwatch fetch`` on the same database (nothing changed): wall time and the
    share of requests answered 304.

Targets (issue 3): cold ≤ 0.6 × feedparser-alone; warm ≤ 0.25 × cold with ≥ 95% 304s;
peak RSS ≤ 250 MB. ``--repeat N`` (default 3) rounds of all of it, back to back; the best
time of each step counts (a shared VM's speed drifts by a third within minutes), every
round is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).parent))
from _corpus import CorpusServer, Feed, make_corpus, write_corpus

CONFIG_HEAD = """\
[brand]
name = "Studio Bench"
timezone = "Asia/Jakarta"
languages = ["id", "en"]
contact_url = "https://example.com/trendwatch-bench"

[fetch]
concurrency = 8
per_host = 2
timeout = 20
max_bytes = 15_000_000
allow_private = true       # the corpus is served on 127.0.0.x

[[themes]]
id = "film-industry"
name = "Film"
keywords = ["film", "bioskop", "box office", "sutradara", "trailer", "penonton", "festival"]
examples = ["Film horor lokal tembus dua juta penonton di minggu kedua penayangan"]

[[themes]]
id = "advertising"
name = "Iklan & kreatif"
keywords = ["iklan", "kampanye", "brand", "agency", "advertising", "commercial", "kreatif"]
examples = ["Kampanye iklan lebaran sebuah brand lokal viral di media sosial"]

[[themes]]
id = "music"
name = "Musik"
keywords = ["musik", "konser", "band", "lagu", "album", "music", "concert"]
examples = ["Band indie Bandung rilis album baru dan umumkan tur konser"]
"""


def feedparser_alone(feeds: list[Feed], *, sax_driver: str | None = None,
                     **options: bool) -> tuple[float, int]:
    """Parse every body with feedparser (defaults unless ``options``), as a feed reader
    would. JSON Feeds go through it too: it finds nothing there, quickly, which flatters
    the baseline. Its SAX drivers are its own (trendwatch.parse.feeds adds one in front when
    imported) unless ``sax_driver`` names one to try first."""
    drivers = feedparser.api.PREFERRED_XML_PARSERS
    saved = list(drivers)
    drivers[:] = [d for d in saved if d != "trendwatch.parse.sax_driver"]
    if sax_driver:
        drivers.insert(0, sax_driver)
    entries = 0
    try:
        started = time.perf_counter()
        for f in feeds:
            parsed = feedparser.parse(f.body, response_headers={"content-type": f.content_type},
                                      **options)
            entries += len(parsed.entries)
        elapsed = time.perf_counter() - started
    finally:
        drivers[:] = saved
    return elapsed, entries


def storage_alone(feeds: list[Feed], db: Path) -> tuple[float, float, int]:
    """Parse every feed as the rss source does, then time ``save_items`` alone, one
    transaction per feed as the pipeline does: a cold database, then a refetch of the same
    items. Returns (cold seconds, refetch seconds, items)."""
    from trendwatch.api import Response
    from trendwatch.db.store import Store, utcnow
    from trendwatch.items.ingest import save_items
    from trendwatch.parse.feeds import parse_feed

    now = utcnow()
    parsed = [(f.name, parse_feed(Response(f"http://bench{f.path}", 200,
                                           {"content-type": f.content_type}, f.body), now)[0])
              for f in feeds]
    times = []
    with Store(db) as store:
        for _ in range(2):
            started = time.perf_counter()
            for name, items in parsed:
                with store.write() as conn:
                    save_items(conn, name, items, now)
            times.append(time.perf_counter() - started)
    return times[0], times[1], sum(len(items) for _, items in parsed)


class TreeRss:
    """Samples the RSS of a process and all its descendants (Linux /proc) every 20 ms: the
    peak of the largest one and of their sum (``run --once`` runs its ranking process
    alongside the fetching one). Not ``ru_maxrss``: a child forked from this process
    starts with this process's pages counted as its own, so it reports at least the size
    of the benchmark itself (~170 MB once the corpus is loaded), not of the command."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid, self.every, self.peak_kb, self.peak_one_kb = pid, every, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self, pid: int) -> list[int]:
        out = [pid]
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    for child in f.read().split():
                        out.extend(self._tree(int(child)))
        except OSError:
            pass
        return out

    @staticmethod
    def _rss_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [self._rss_kb(p) for p in self._tree(self.pid)]
            self.peak_kb = max(self.peak_kb, sum(sizes))
            self.peak_one_kb = max(self.peak_one_kb, *sizes)
            self._stop.wait(self.every)

    def stop(self) -> tuple[float, float]:
        """(peak MB of the largest process, peak MB of all of them together)."""
        self._stop.set()
        self._thread.join()
        return self.peak_one_kb / 1024, self.peak_kb / 1024


def run_cli(args: list[str], log: Path) -> tuple[float, float, int, float]:
    """Run ``trendwatch ARGS``; returns (wall seconds, peak RSS in MB of its largest
    process, exit code, peak RSS in MB of all its processes together)."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "trendwatch", *args],
                                stdout=out, stderr=subprocess.STDOUT)
        tree = TreeRss(proc.pid)
        proc.wait()
        one_peak, tree_peak = tree.stop()
    wall = time.perf_counter() - started
    return wall, one_peak, proc.returncode, tree_peak


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=220)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of baseline + CLI runs; the best of each counts")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tw-bench-"))
    t0 = time.perf_counter()
    feeds = make_corpus(args.feeds)
    write_corpus(feeds, tmp / "corpus")
    total_items = sum(f.items for f in feeds)
    total_bytes = sum(len(f.body) for f in feeds)
    kinds = {k: sum(1 for f in feeds if f.kind == k) for k in ("rss", "atom", "json")}
    print(f"corpus: {len(feeds)} feeds ({kinds['rss']} RSS 2.0, {kinds['atom']} Atom, "
          f"{kinds['json']} JSON Feed), {total_items:,} items, {total_bytes / 1e6:.1f} MB, "
          f"largest {max(f.items for f in feeds)} items / "
          f"{max(len(f.body) for f in feeds) / 1e6:.1f} MB "
          f"(built in {time.perf_counter() - t0:.1f}s in {tmp})")

    tuned_time, fp_entries = feedparser_alone(feeds, sanitize_html=False,
                                              resolve_relative_uris=False)
    ours_time, _ = feedparser_alone(feeds, sax_driver="trendwatch.parse.sax_driver",
                                    sanitize_html=False, resolve_relative_uris=False)
    save_cold, save_again, n_saved = storage_alone(feeds, tmp / "storage.db")

    # Each repetition measures the baseline and the three CLI runs back to back, so a slow
    # spell of a shared machine hits both sides of a comparison; the targets use the best
    # of the repetitions for each (as timeit does), and every figure is printed.
    server = CorpusServer(feeds)
    fp_times: list[float] = []
    fetches: list[tuple[float, float, int, float]] = []
    onces: list[tuple[float, float, int, float]] = []
    warms: list[tuple[float, float, int, float]] = []
    shares: list[float] = []
    complete = True
    try:
        cfg = tmp / "trendwatch.toml"
        sources = "".join(textwrap.dedent(f"""
            [[sources]]
            name = "{f.name}"
            plugin = "rss"
            url = "{server.url(i, f)}"
            max_items = 1000
            """) for i, f in enumerate(feeds))
        cfg.write_text(CONFIG_HEAD + sources, encoding="utf-8")
        # The baseline runs in a fresh interpreter: in this one the corpus server's threads
        # would take the GIL from feedparser hundreds of times a second.
        baseline = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        for k in range(args.repeat):
            fp_time, fp_entries = baseline.submit(feedparser_alone, feeds).result()
            fp_times.append(fp_time)
            env_db, once_db = tmp / f"fetch-{k}.db", tmp / f"once-{k}.db"
            server.counters.reset()
            fetches.append(run_cli(["--config", str(cfg), "--db", str(env_db), "fetch"],
                                   tmp / f"cold-fetch-{k}.log"))
            cold_requests = server.counters.requests
            stored = count(env_db, "select count(*) from items")
            failed = count(env_db, "select count(*) from sources where last_status = 'error'")
            onces.append(run_cli(["--config", str(cfg), "--db", str(once_db), "run", "--once"],
                                 tmp / f"cold-run-once-{k}.log"))
            once_items = count(once_db, "select count(*) from items")
            scored = count(once_db, "select count(*) from scores") \
                if _has_table(once_db, "scores") else 0
            server.counters.reset()
            warms.append(run_cli(["--config", str(cfg), "--db", str(env_db), "fetch"],
                                 tmp / f"warm-fetch-{k}.log"))
            c = server.counters
            share = c.not_modified / c.requests if c.requests else 0.0
            shares.append(share)
            complete = complete and stored == once_items == scored == total_items
            print(f"round {k + 1}/{args.repeat}: feedparser alone {fp_time:.2f}s, cold fetch "
                  f"{fetches[-1][0]:.2f}s, cold run --once {onces[-1][0]:.2f}s "
                  f"(ratio {onces[-1][0] / fp_time:.2f}), warm fetch {warms[-1][0]:.2f}s")
        baseline.shutdown()
    finally:
        server.close()

    fp_time = min(fp_times)
    fetch_wall, fetch_rss, rc = min(f[0] for f in fetches), max(f[1] for f in fetches), \
        max(abs(f[2]) for f in fetches)
    once_wall, once_rss, once_rc, once_tree = min(o[0] for o in onces), \
        max(o[1] for o in onces), max(abs(o[2]) for o in onces), max(o[3] for o in onces)
    warm_wall, warm_rss, warm_rc = min(w[0] for w in warms), max(w[1] for w in warms), \
        max(abs(w[2]) for w in warms)
    print(f"best of {args.repeat} (peak RSS: the highest of them):")
    print(f"(a) feedparser alone, defaults: {fp_time:.2f}s for {fp_entries:,} entries "
          f"({fp_entries / fp_time:,.0f} items/s; JSON Feeds give it 0)")
    print(f"    for reference, no sanitising, no URI resolving: "
          f"{tuned_time:.2f}s ({fp_entries / tuned_time:,.0f} items/s)")
    print(f"    ...and with trendwatch's buffered SAX driver (as trendwatch calls it): "
          f"{ours_time:.2f}s ({fp_entries / ours_time:,.0f} items/s)")
    print(f"    storage alone (save_items, one transaction per feed): cold {save_cold:.2f}s "
          f"({n_saved / save_cold:,.0f} items/s), refetch of the same items {save_again:.2f}s "
          f"({n_saved / save_again:,.0f} items/s)")
    print(f"(b) cold `trendwatch fetch`: {fetch_wall:.2f}s wall, peak RSS {fetch_rss:.0f} MB, "
          f"exit {rc}; {cold_requests} requests, {stored:,} items stored "
          f"({stored / fetch_wall:,.0f} items/s), {failed} sources failed")
    print(f"    cold `trendwatch run --once`: {once_wall:.2f}s wall, peak RSS "
          f"{once_rss:.0f} MB (largest process; {once_tree:.0f} MB fetching and ranking "
          f"processes together), exit {once_rc}; {once_items:,} items, {scored:,} scored")
    print(f"(c) warm `trendwatch fetch`: {warm_wall:.2f}s wall, peak RSS {warm_rss:.0f} MB, "
          f"exit {warm_rc}; {c.requests} requests, {c.not_modified} answered 304 "
          f"({share:.1%}), {c.bytes:,} body bytes")

    share = min(shares)
    ratios = sorted(o[0] / f for o, f in zip(onces, fp_times, strict=True))
    print(f"    run --once / feedparser-alone in each round: "
          f"{', '.join(f'{r:.2f}' for r in ratios)} (median {ratios[len(ratios) // 2]:.2f})")
    budget = 0.6 * fp_time
    checks = [
        (f"cold fetch ≤ 0.6 × feedparser-alone: {fetch_wall:.2f}s vs {budget:.2f}s",
         fetch_wall <= budget),
        (f"cold run --once (fetch + rank) ≤ 0.6 × feedparser-alone: {once_wall:.2f}s vs "
         f"{budget:.2f}s", once_wall <= budget),
        (f"warm ≤ 0.25 × cold: {warm_wall:.2f}s vs {0.25 * fetch_wall:.2f}s",
         warm_wall <= 0.25 * fetch_wall),
        (f"≥ 95% of warm requests answered 304 (every round): {share:.1%}", share >= 0.95),
        (f"peak RSS of fetch (cold, warm) ≤ 250 MB: {max(fetch_rss, warm_rss):.0f} MB",
         max(fetch_rss, warm_rss) <= 250),
        (f"peak RSS of run --once ≤ 250 MB (largest process): {once_rss:.0f} MB",
         once_rss <= 250),
        ("every run exited 0, stored every item and run --once scored every item",
         rc == once_rc == warm_rc == 0 and complete),
    ]
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (1 min), "
          f"{os.cpu_count()} CPUs: figures are wall times, noisy on a busy machine")
    print("targets:")
    for text, ok in checks:
        print(f"  {verdict(ok)}  {text}")
    if args.keep:
        print(f"kept {tmp} (logs: cold-fetch-N.log, cold-run-once-N.log, warm-fetch-N.log)")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(ok for _, ok in checks) else 1


def _has_table(db: Path, name: str) -> bool:
    return bool(count(db, f"select count(*) from sqlite_master where name = '{name}'"))


if __name__ == "__main__":
    sys.exit(main())
