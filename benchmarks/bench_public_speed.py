"""Speed and memory of the ranking step on public items (see ``bench_public.py`` for the data).

    python benchmarks/bench_public_speed.py

Trains the starter config's model on 4,000 public items (the daemon's stream limit,
``ranking/training.py``: STREAM_LIMIT), saves and reloads it, then scores 10,000 items as
``trendwatch score`` does (with explanations), printing wall and CPU seconds and the
process's peak RSS (``VmHWM``). Targets: training ≤ 10 s on 2 cores, scoring 10,000 items
≤ 5 s after load, peak ≤ 250 MB. Wall times swing 2–5× when the machine is shared.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trendwatch.config import parse_config, starter_text  # noqa: E402
from trendwatch.parse.tokens import item_text  # noqa: E402
from trendwatch.ranking.fitting import fit_model  # noqa: E402
from trendwatch.ranking.persist import load_model, save_model  # noqa: E402

CACHE = Path.home() / ".cache" / "trendwatch-bench"


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    texts: list[str] = []
    for name in ("detik_id", "bbc_news_en"):
        path = CACHE / f"{name}.jsonl"
        if not path.exists():
            print(f"{name}: not in {CACHE}; run `python benchmarks/get_public_data.py` first")
            return 0
        texts += [item_text(r["title"], r["summary"]) for r in map(
            json.loads, path.read_text("utf-8").splitlines())]
    config = parse_config(starter_text())
    stream = (texts * 3)[:4000]
    print(f"before ranking: peak RSS {peak_mb():.0f} MB")
    t0, c0 = time.perf_counter(), time.process_time()
    model, _, _ = fit_model(config.themes, unlabelled=stream)
    t1, c1 = time.perf_counter(), time.process_time()
    print(f"train on {len(stream)} items: {t1 - t0:.1f} s wall, {c1 - c0:.1f} s CPU; "
          f"peak RSS {peak_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        sha = save_model(model, Path(tmp) / "m.npz")
        model = load_model(Path(tmp) / "m.npz", sha256=sha)
    items = (texts * 3)[:10000]
    t0, c0 = time.perf_counter(), time.process_time()
    preds = model.predict(items)
    t1, c1 = time.perf_counter(), time.process_time()
    print(f"score {len(items)} items after load (with why): {t1 - t0:.1f} s wall, "
          f"{c1 - c0:.1f} s CPU; {sum(1 for p in preds if p.theme)} with a theme; "
          f"peak RSS {peak_mb():.0f} MB")
    t0, c0 = time.perf_counter(), time.process_time()
    model.predict(items, explain=False)
    t1, c1 = time.perf_counter(), time.process_time()
    print(f"score {len(items)} items without why: {t1 - t0:.1f} s wall, {c1 - c0:.1f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
