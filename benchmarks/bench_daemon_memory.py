"""Steady-state memory of the daemon: 50 sources, an accelerated clock, RSS sampled.

    python benchmarks/bench_daemon_memory.py [--seconds 300] [--sources 50] [--speed 1000]

A local HTTP server (this process) serves 50 RSS feeds; every request of a feed shows one
new entry on top of its 30 latest, and a third of the feeds answer 304 to a matching
ETag, so new items keep arriving and both the parse and the conditional-GET paths run.

The real daemon (``trendwatch.service.daemon.Daemon`` with production timings) runs in a
subprocess whose clock is injected with time-machine and runs ``--speed`` times faster
than real time: at 1000x, each source's 30-minute interval passes in 1.8 s, a day in 86 s,
so a 5-minute run covers three and a half days: ~150 fetch cycles, ranking every 15
minutes of clock time, retraining every 6 hours, three or four morning digests, and the
ranking window (2 days) filling up and then sliding, as on a real server.

Ranking, retraining and the digest run in short-lived child processes (scikit-learn's
memory goes back to the system after each job); their RSS is sampled too and reported
separately, with the peak of daemon + job together.

The daemon's RSS (``/proc/PID/status`` VmRSS) is sampled every second. The baseline is the RSS
once the ranking window is full (2 clock days); the figures compare the end of the run
with it and fit a line through the samples after it (MB per 1,000 fetches). Target
(issue 5): under 250 MB and no growth.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WORDS = ["film", "horor", "lokal", "tembus", "juta", "penonton", "bioskop", "sutradara",
         "iklan", "kreatif", "kampanye", "brand", "viral", "tiktok", "reels", "festival",
         "trailer", "serial", "streaming", "produksi", "syuting", "sinematografi", "aktor",
         "aktris", "box", "office", "musik", "video", "klip", "dokumenter"]


class Feeds(BaseHTTPRequestHandler):
    counters: dict[str, int] = {}
    lock = threading.Lock()

    def do_GET(self) -> None:
        name = self.path.strip("/").split(".")[0]
        n_source = int(name.rsplit("-", 1)[1])
        conditional = n_source % 3 == 0
        with self.lock:
            # conditional sources only change every 5th request; others change every time
            count = self.counters.get(name, 0) + 1
            self.counters[name] = count
        version = count // 5 if conditional else count
        etag = f'"{name}-{version}"'
        if conditional and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        body = feed(name, version).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def feed(name: str, version: int) -> str:
    items = []
    for i in range(version, max(version - 30, 0), -1):
        h = int(hashlib.sha256(f"{name}{i}".encode()).hexdigest(), 16)
        title = " ".join(WORDS[(h >> (5 * k)) % len(WORDS)] for k in range(8)).capitalize()
        items.append(f"""
  <item>
    <title>{title} #{i}</title>
    <link>https://{name}.example.id/artikel/{i}?utm_source=rss</link>
    <guid isPermaLink="false">{name}-{i}</guid>
    <description><![CDATA[<p>{title}. {' '.join(WORDS[:20])} &amp; lainnya.</p>]]></description>
  </item>""")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{name}</title><link>https://{name}.example.id</link>"
            f"<description>Berita {name}</description>{''.join(items)}</channel></rss>")


DAEMON = textwrap.dedent("""
    import sys, threading, time
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    import time_machine
    from trendwatch.config import load_config
    from trendwatch.service.daemon import Daemon
    from trendwatch.service.options import DaemonOptions
    from trendwatch.logs import setup_logging
    from trendwatch.plugins import load_plugins

    # the injected clock: starts Monday 00:00 UTC and runs SPEED times faster than real
    speed = float(sys.argv[3])
    clock = time_machine.travel(datetime(2026, 11, 30, tzinfo=UTC), tick=True).start()

    def accelerate():
        while True:
            time.sleep(0.05)  # real time: time.sleep is not patched
            clock.shift(timedelta(seconds=0.05 * (speed - 1)))

    threading.Thread(target=accelerate, daemon=True).start()
    setup_logging(quiet=True)
    config = load_config(sys.argv[1])
    host = load_plugins()
    # production timings in clock time (heartbeat 30 s, ranking 15 min, housekeeping 1 h);
    # only the loop's tick (real seconds) is shorter, so intervals keep their length
    sys.exit(Daemon(config, bind_sources(config, host), Path(sys.argv[2]),
                    options=DaemonOptions(tick=0.1)).run())
""")


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children_mb(pid: int) -> float:
    """RSS of the daemon's child processes (ranking / digest jobs), summed."""
    total = 0.0
    for tasks in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = tasks.read_text().split()
        except OSError:
            continue
        total += sum(rss_mb(int(k)) or 0.0 for k in kids)
    return total


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def slope(xs: list[float], ys: list[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs) or 1.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300, help="real seconds to run")
    ap.add_argument("--sources", type=int, default=50)
    ap.add_argument("--every", default="30m", help="each source's interval (clock time)")
    ap.add_argument("--speed", type=float, default=1000, help="clock speed-up")
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Feeds)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    with tempfile.TemporaryDirectory() as tmp:
        cfg, db = Path(tmp) / "trendwatch.toml", Path(tmp) / "tw.db"
        sources = "".join(
            f'\n[[sources]]\nname = "portal-{i:02d}"\nplugin = "rss"\n'
            f'url = "http://127.0.0.1:{port}/portal-{i:02d}.xml"\nevery = "{args.every}"\n'
            for i in range(args.sources))
        cfg.write_text(textwrap.dedent("""
            [brand]
            name = "Studio Bench"
            [fetch]
            allow_private = true
            timeout = 10
            [[themes]]
            id = "film-industry"
            name = "Film"
            keywords = ["film", "bioskop", "sutradara", "box office", "penonton"]
            [[themes]]
            id = "advertising"
            name = "Iklan"
            keywords = ["iklan", "kampanye", "brand", "kreatif"]
            """) + sources, encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-c", DAEMON, str(cfg), str(db),
                                 str(args.speed)],
                                env={**os.environ, "TRENDWATCH_LOAD_PLUGINS": "rss"})
        samples: list[tuple[float, int, float]] = []  # (t, fetches, rss)
        job_peak = total_peak = 0.0
        start = time.monotonic()
        next_sample = 1.0
        try:
            while (t := time.monotonic() - start) < args.seconds:
                time.sleep(0.25)  # job processes are short-lived: look at them often
                mb = rss_mb(proc.pid)
                if mb is None or proc.poll() is not None:
                    raise SystemExit(f"daemon exited early ({proc.returncode})")
                kids = children_mb(proc.pid)
                job_peak, total_peak = max(job_peak, kids), max(total_peak, mb + kids)
                if t >= next_sample:
                    next_sample += 1.0
                    samples.append((t, count(db, "select count(*) from fetches"), mb))
        finally:
            proc.terminate()
            code = proc.wait(15)
        fetches = count(db, "select count(*) from fetches")
        items = count(db, "select count(*) from items")
        ranked = count(db, "select count(*) from scores")
        listed = count(db, "select count(*) from suggestions")
        digests = count(db, "select count(*) from digests")
        models = count(db, "select count(*) from models")
        errors = count(db, "select count(*) from events where level = 'error'")
        db_mb = sum(p.stat().st_size for p in Path(tmp).glob("tw.db*")) / 1e6
    server.shutdown()

    # baseline: the ranking window (2 clock days) is full from here on
    full_at = 2 * 86400 / args.speed
    after = [s for s in samples if s[0] >= full_at] or samples[len(samples) // 2:]
    base = after[0]
    tail = samples[-max(1, len(samples) // 10):]
    peak = max(s[2] for s in samples)
    per_k = slope([s[1] / 1000 for s in after], [s[2] for s in after])
    end = statistics.fmean(s[2] for s in tail)
    days = args.seconds * args.speed / 86400
    print(f"run: {args.seconds:.0f} s real = {days:.1f} clock days at {args.speed:g}x; "
          f"{args.sources} sources every {args.every}; daemon exit code {code}")
    print(f"stored: {fetches} fetches, {items} items, {ranked} scored, {listed} suggested, "
          f"{digests} digests, {models} models trained, {errors} error events; "
          f"database {db_mb:.1f} MB")
    print(f"RSS baseline, window full ({base[0]:.0f} s, {base[1]} fetches): {base[2]:.1f} MB")
    print(f"RSS end of run (mean of last {len(tail)} samples): {end:.1f} MB  "
          f"(change vs baseline {end - base[2]:+.1f} MB)")
    print(f"RSS peak: {peak:.1f} MB   target: < 250 MB -> {'OK' if peak < 250 else 'OVER'}")
    print(f"job processes (ranking, training, digest; each exits when done): peak "
          f"{job_peak:.1f} MB; daemon + job together peak {total_peak:.1f} MB")
    print(f"RSS trend after the baseline: {per_k:+.2f} MB per 1,000 fetches")
    for t, n, mb in samples[:: max(1, len(samples) // 12)]:
        print(f"  t={t:5.0f}s fetches={n:6d} rss={mb:6.1f} MB")


if __name__ == "__main__":
    main()
