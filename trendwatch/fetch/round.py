"""One round of fetching: sources run concurrently, results are stored one at a time.

Workers only do network and parsing (:mod:`.worker`); the calling thread owns the database
and writes each source's result in a single transaction (:mod:`.storing`), so a crash at
any moment leaves the previous state. The pool that does both is :mod:`.pool`; the
daemon uses it directly, ``run --once`` and ``fetch`` through :func:`run_round`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from ..binding import ConfiguredSource
from ..config import Config
from ..db.store import Store, iso, utcnow
from .http import Fetcher
from .pool import FetchPool
from .worker import FetchOutcome


def run_round(store: Store, sources: Sequence[ConfiguredSource], config: Config, *,
              fetcher: Fetcher | None = None, stop: threading.Event | None = None,
              hang_timeout: float | None = None, grace: float = 0.0,
              on_outcome: Callable[[FetchOutcome], None] | None = None) -> list[FetchOutcome]:
    """Fetch ``sources`` concurrently (``[fetch] concurrency`` at a time), store each result
    as it arrives. Returns the outcomes in completion order.

    When ``stop`` is set no new fetch starts; those in flight get ``grace`` seconds to
    finish, then are dropped (their source keeps its previous state)."""
    pool = FetchPool(store, config, fetcher=fetcher, hang_timeout=hang_timeout,
                     on_outcome=on_outcome)
    todo = list(sources)
    outcomes: list[FetchOutcome] = []
    with _switch_interval(ROUND_SWITCH_INTERVAL):
        try:
            while todo or pool.in_flight:
                if stop and stop.is_set():
                    outcomes.extend(pool.drain(grace))
                    break
                while todo and pool.submit(todo[0]):
                    todo.pop(0)
                outcomes.extend(pool.poll(timeout=0.2))
        finally:
            pool.close()
    return outcomes


#: The interpreter's thread switch interval during a round (Python's default is 5 ms).
#: Parsing is CPU-bound in up to ``concurrency`` threads; at 5 ms they pass the GIL to each
#: other 200 times a second, and on two cores every handoff costs wake-ups and cold caches.
#: At 50 ms a cold ``run --once`` of the fetch benchmark used ~9% less CPU (median of 6
#: alternating runs: 9.6 s vs 10.5 s). Threads waiting on the network or the deadline
#: watchdog still get the GIL within a few handoffs: the deadlines are in seconds.
ROUND_SWITCH_INTERVAL = 0.05


@contextmanager
def _switch_interval(seconds: float) -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(max(before, seconds))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def due_sources(store: Store, sources: Sequence[ConfiguredSource],
                now: datetime | None = None) -> list[ConfiguredSource]:
    """The enabled sources whose ``next_due_at`` has passed (or that were never fetched)."""
    now_s = iso(now or utcnow())
    # most overdue first (never fetched before all), so a short pool serves the oldest
    order = {r["name"]: i for i, r in enumerate(store.db.query(
        "select name from sources where next_due_at is null or next_due_at <= ? "
        "order by next_due_at is not null, next_due_at", [now_s]))}
    known = {r["name"] for r in store.db.query("select name from sources")}
    due = [cs for cs in sources if cs.table.enabled and (cs.name in order or cs.name not in known)]
    return sorted(due, key=lambda cs: order.get(cs.name, -1))
