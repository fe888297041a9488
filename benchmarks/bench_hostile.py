"""Benchmark: what a hostile-sized source costs, before and after issue 17's bounds.

    python benchmarks/bench_hostile.py [--items 200000] [--rows 1000000] [--feeds 6]
                                       [--before-rev 1ec7406] [--cases abcde]

Generates (into a temp dir, nothing kept):

* an RSS 2.0 feed of ``--items`` tiny items (~11.6 MB for 200,000: under the default
  ``max_bytes`` of 15 MB), as in the issue;
* a CSV export of ``--rows`` short rows (~17 MB for 1,000,000: under csv_import's 20 MB).

and reports, each case in a fresh interpreter (peak RSS = the child's VmHWM, CPU = its
user + system time):

(a) the feed: feedparser alone (what the rss source did before: parse all, keep 500) vs
    ``parse_feed(max_items=500)`` now;
(b) the CSV: the csv_import plugin as of ``--before-rev`` (loaded from git) vs now, each
    through ``trendwatch.testing.run_source``;
(c) ``--feeds`` copies of the big feed served on 127.0.0.1 and fetched by the real CLI
    (``trendwatch fetch``, the daemon's pipeline): peak RSS of the largest process, CPU,
    items stored, and each source's status (none may be abandoned);
(d) eight 13.8 MB full-text feeds (500 items of ~26 KB) the same way;
(e) (c) through ``trendwatch run --once``, which also runs the ranking child process.

Targets (issue 17): one source ≤ 150 MB peak RSS and ≤ 5 s CPU; the 1,000,000-row CSV
≤ 150 MB with the cap reported; six big feeds: no process over 250 MB, items stored.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _corpus import CorpusServer, Feed
from bench_fetch import TreeRss

ROOT = Path(__file__).resolve().parent.parent

PEAK = textwrap.dedent("""
    import json, os, resource
    def report(**extra):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open("/proc/self/status") as f:
            hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        print(json.dumps({"peak_mb": hwm / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
                          **extra}))
""")

FEED_BEFORE = PEAK + textwrap.dedent("""
    import sys, feedparser
    body = open(sys.argv[1], "rb").read()
    parsed = feedparser.parse(body, response_headers={"content-type": "application/rss+xml"},
                              sanitize_html=False, resolve_relative_uris=False)
    report(items=len(parsed.entries[:500]), parsed=len(parsed.entries))
""")

FEED_AFTER = PEAK + textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from trendwatch.api import Response
    from trendwatch.parse.feeds import parse_feed
    body = open(sys.argv[1], "rb").read()
    items, warnings = parse_feed(Response("http://bench/feed", 200,
                                          {"content-type": "application/rss+xml"}, body),
                                 datetime.now(UTC), max_items=500)
    report(items=len(items), warnings=len(warnings))
""")

CSV_RUN = PEAK + textwrap.dedent("""
    import sys
    if sys.argv[2] != "-":  # the plugin as it was before
        import importlib.util
        spec = importlib.util.spec_from_file_location("csv_import_before", sys.argv[2])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        plugin = module.CsvImportSource
        plugin.type_name = "csv_import_before"  # beside today's, not in its place
    else:
        plugin = "csv_import"
    from trendwatch.testing import run_source
    run = run_source(plugin, path=sys.argv[1])
    report(items=len(run.items), status=run.status, last_warning=run.warnings[-1:])
""")

CONFIG = """\
[brand]
name = "Studio Bench"
timezone = "Asia/Jakarta"

[fetch]
allow_private = true

[[themes]]
id = "film"
name = "Film"
keywords = ["film", "bioskop"]
"""


def big_feed(n: int) -> bytes:
    """~58 bytes an item: 200,000 of them are the issue's 11.6 MB document."""
    items = "".join(f"<item><title>Item {i}</title><guid>g{i}</guid></item>\n"
                    for i in range(n))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Big</title><link>https://big.example/</link>\n{items}"
            f"</channel></rss>").encode()


def full_text_feed(n: int) -> bytes:
    """~26 KB of escaped HTML per item: 500 items are a 13 MB archive feed."""
    para = ("&lt;p&gt;Film horor lokal tembus dua juta penonton; sutradara muda bicara "
            "tentang produksi, festival dan &lt;a href='https://x.example/'&gt;bioskop"
            "&lt;/a&gt; di kota kecil.&lt;/p&gt;\n") * 150
    items = "".join(f"<item><title>Artikel panjang {i}</title><guid>a{i}</guid>"
                    f"<link>https://arsip.example/{i}</link><description>{para}"
                    f"</description></item>\n" for i in range(n))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Arsip</title><link>https://arsip.example/</link>\n{items}"
            f"</channel></rss>").encode()


def big_csv(path: Path, n: int) -> None:
    with path.open("w") as f:
        f.write("title,views\n")
        f.writelines(f"tagar{i},{i % 997}\n" for i in range(n))


def child(code: str, *args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(label: str, result: dict[str, object]) -> None:
    extra = ", ".join(f"{k}={v}" for k, v in result.items() if k not in ("peak_mb", "cpu_s"))
    print(f"  {label:<34} peak RSS {result['peak_mb']:7.1f} MB   CPU {result['cpu_s']:6.2f} s"
          f"   {extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--feeds", type=int, default=6)
    parser.add_argument("--before-rev", default="1ec7406",
                        help="git revision whose plugins/csv_import.py is the 'before'")
    parser.add_argument("--cases", default="abcde", help="which of the cases to run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tw-hostile-") as tmp_name:
        tmp = Path(tmp_name)
        body = big_feed(args.items)
        feed_file = tmp / "big.xml"
        feed_file.write_bytes(body)
        if "a" in args.cases:
            print(f"(a) one RSS feed, {args.items:,} items, {len(body) / 1e6:.1f} MB, "
                  "max_items 500")
            show("before: feedparser alone", child(FEED_BEFORE, str(feed_file)))
            show("after: parse_feed", child(FEED_AFTER, str(feed_file)))
        if "b" in args.cases:
            csv_case(tmp, args.rows, args.before_rev)
        if "c" in args.cases:
            print(f"(c) `trendwatch fetch` of {args.feeds} such feeds at once")
            daemon_case(tmp, body, args.feeds)
        if "d" in args.cases:
            text = full_text_feed(500)
            print(f"(d) `trendwatch fetch` of 8 full-text feeds at once, "
                  f"{len(text) / 1e6:.1f} MB and 500 long items each")
            daemon_case(tmp, text, 8)
        if "e" in args.cases:
            print(f"(e) `trendwatch run --once` (fetch + the ranking child) of the "
                  f"{args.feeds} big feeds of (c)")
            daemon_case(tmp, body, args.feeds, command=["run", "--once"])


def csv_case(tmp: Path, rows: int, rev: str) -> None:
    imports = tmp / "imports"
    imports.mkdir()
    big_csv(imports / "tiktok-besar.csv", rows)
    size = (imports / "tiktok-besar.csv").stat().st_size
    print(f"(b) csv_import, {rows:,} rows, {size / 1e6:.1f} MB")
    before = tmp / "csv_import_before.py"
    try:
        before.write_bytes(subprocess.run(
            ["git", "show", f"{rev}:plugins/csv_import.py"], cwd=ROOT,
            capture_output=True, check=True).stdout)
        show(f"before: csv_import @ {rev}", child(CSV_RUN, str(imports), str(before)))
    except subprocess.CalledProcessError:
        print(f"  before: git revision {rev} not found; skipped")
    show("after: csv_import", child(CSV_RUN, str(imports), "-"))


def daemon_case(tmp: Path, body: bytes, n: int, command: list[str] | None = None) -> None:
    gz = gzip.compress(body, 6)  # the fetcher asks for gzip, as feed servers answer
    for old in tmp.glob("daemon.db*"):
        old.unlink()
    feeds = [Feed(f"big-{k}", f"/big-{k}.xml", "rss", body, 200_000, "application/rss+xml",
                  etag=f'"big-{k}"', last_modified="Mon, 30 Nov 2026 08:00:00 GMT", gz=gz)
             for k in range(n)]
    server = CorpusServer(feeds, n_hosts=n)
    try:
        cfg = tmp / "trendwatch.toml"
        cfg.write_text(CONFIG + "".join(
            f'\n[[sources]]\nname = "{f.name}"\nplugin = "rss"\nurl = "{server.url(k, f)}"\n'
            for k, f in enumerate(feeds)))
        db = tmp / "daemon.db"
        exe = Path(sys.executable).with_name("trendwatch")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen([str(exe), "--config", str(cfg), "--db", str(db),
                                 *(command or ["fetch"])],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "NO_COLOR": "1"})
        tree = TreeRss(proc.pid)
        _, err = proc.communicate()
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        largest, together = tree.stop()
        with sqlite3.connect(db) as conn:
            stored = conn.execute("select source, count(*) from items group by source"
                                  ).fetchall()
            statuses = conn.execute("select name, last_status, last_error from sources"
                                    ).fetchall()
        print(f"  exit {proc.returncode}; largest process peak RSS {largest:.1f} MB "
              f"(all together {together:.1f} MB), CPU {cpu:.2f} s, wall {wall:.1f} s")
        print(f"  items stored: {sum(c for _, c in stored):,} "
              f"({', '.join(f'{s}={c}' for s, c in sorted(stored))})")
        print(f"  statuses: {', '.join(sorted({s for _, s, _ in statuses}))}; abandoned: "
              f"{sum('abandoned' in (e or '') for _, _, e in statuses)}")
        if proc.returncode:
            print(err[-2000:])
    finally:
        server.close()


if __name__ == "__main__":
    main()
