"""What story clustering costs a cold ``run --once``, measured inside the real CLI.

    TRENDWATCH_STORY_COST=/tmp/cost.txt PYTHONPATH=$PWD/benchmarks/story_cost \\
        python benchmarks/bench_fetch.py --repeat 1
    TRENDWATCH_STORY_COST=off PYTHONPATH=$PWD/benchmarks/story_cost \\
        python benchmarks/bench_fetch.py --repeat 1

Python imports ``sitecustomize`` at start-up in every process (the CLI's children too).
With ``TRENDWATCH_STORY_COST`` set to a file, every trendwatch process appends one line at
exit: its command line, the CPU seconds spent in ``stories.assign`` (the clustering of
``ingest.save_items``, CPU time of the calling thread: the fetch threads keep parsing
meanwhile) and the CPU seconds of the whole process. CPU time, not wall time: on a shared
machine wall times of the same run drift by a third. Set to ``off``, each new
item only gets what stories had before issue 13 (the story of an earlier item with the
same URL or title, else its own; no index): the wall-time baseline. A benchmark aid only,
never on the path in use.
"""

from __future__ import annotations

import atexit
import os
import sys
import time

MODE = os.environ.get("TRENDWATCH_STORY_COST")

if MODE:
    try:
        from trendwatch.items import ingest
    except ImportError:  # not the trendwatch environment
        ingest = None
    if ingest is not None and MODE == "off":
        from exact_keys import exact_keys_only

        ingest.stories_assign = exact_keys_only
    elif ingest is not None:
        spent = [0.0, 0]
        real = ingest.stories_assign

        def _timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                spent[0] += time.thread_time() - start
                spent[1] += len(args[1])

        def _report() -> None:
            with open(MODE, "a", encoding="utf-8") as fh:
                fh.write(f"{' '.join(sys.argv[1:])[-60:]!r}\tassign_cpu={spent[0]:.3f}\t"
                         f"items={spent[1]}\tprocess_cpu={time.process_time():.3f}\n")

        ingest.stories_assign = _timed
        atexit.register(_report)
