"""Start-up time of the commands people type most, against `python -c pass` as a baseline.

    python benchmarks/bench_cli.py

Target (issue 2): `trendwatch --help` and `trendwatch status` under 0.5 s, without sklearn.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7


def timed(args: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        tw = [sys.executable, "-m", "trendwatch"]
        subprocess.run([*tw, "--db", db, "status"], check=True, capture_output=True)
        rows = [
            ("python -c pass (baseline)", timed([sys.executable, "-c", "pass"])),
            ("trendwatch --help", timed([*tw, "--help"])),
            ("trendwatch status", timed([*tw, "--db", db, "status"])),
            ("trendwatch status --json", timed([*tw, "--db", db, "status", "--json"])),
            ("trendwatch plugins --json", timed([*tw, "plugins", "--json"])),
        ]
    print(f"{'command':<32} {'median s':>9}  target")
    for name, seconds in rows:
        target = "" if "baseline" in name else ("PASS" if seconds < 0.5 else "FAIL") + " < 0.5 s"
        print(f"{name:<32} {seconds:>9.3f}  {target}")


if __name__ == "__main__":
    main()
