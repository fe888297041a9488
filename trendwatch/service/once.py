"""``run --once``: one full cycle (fetch every enabled source, rank, build today's list),
then exit. Refuses to run while a daemon holds the database."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from ..config import Config
from ..db.faults import quick_check
from ..db.lock import DaemonLock
from ..db.store import Store, iso, utcnow
from ..fetch.round import run_round
from . import jobs
from .options import DaemonOptions
from .scheduler import JobRunner

if TYPE_CHECKING:
    from ..app import App

#: The name these lines have always been logged under (``run --once`` lived in the daemon
#: module), kept so log filters and readers of the log see the same lines as before.
log = logging.getLogger("trendwatch.service.daemon")


def run_once(app: App) -> int:
    """Fetch every enabled source, rank, build today's list. Returns the exit code:
    0 when every source and the ranking worked, 1 when something failed (what worked is
    stored anyway). Refuses to run while a daemon holds the database."""
    with DaemonLock(app.db_path):
        store = app.store
        quick_check(store.db.conn, app.db_path)
        sources = [s for s in app.sources if s.table.enabled]
        store.sync_sources(app.sources)
        # Ranking runs in a child process, as in the daemon: scikit-learn and the training
        # working set live in a fresh interpreter and go back to the system when it exits.
        # It starts now, not after the fetch: it imports, trains and scores what has been
        # stored while this process is still fetching (two cores: parsing is bound to one).
        import multiprocessing

        round_end, say_done = multiprocessing.Pipe(duplex=False)
        rank_errors: list[BaseException] = []
        # The job's time limit runs from now, so it covers the round as well as the ranking.
        runner = JobRunner(app.db_path, on_error=lambda _name, err: rank_errors.append(err),
                           isolate=True, timeout=2 * DaemonOptions.job_timeout)
        started = utcnow()
        runner.submit("rank", jobs.rank_while_fetching, app.config, started, round_end)
        try:
            outcomes = run_round(store, sources, app.config)
        except BaseException:
            say_done.close()      # EOF: the ranking process stops instead of ranking a
            runner.stop(grace=0)  # partial round (an open transaction is rolled back)
            raise
        say_done.send(True)
        failed = [o for o in outcomes if o.failed]
        new = sum(o.items_new for o in outcomes)
        if failed:
            log.warning("fetched %d sources, %d failed (%s), %d new items", len(outcomes),
                        len(failed), ", ".join(o.source for o in failed), new)
        else:
            log.info("fetched %d sources, %d new items", len(outcomes), new)
        runner.wait_idle(timeout=runner.timeout)
        runner.stop(grace=5)
        say_done.close()
        round_end.close()
        print(once_summary(store, app.config, started, len(outcomes), len(failed), new,
                           ranked=not rank_errors), flush=True)
        if rank_errors:  # already logged and stored as an event by the runner
            return 1
        return 1 if failed else 0


def once_summary(store: Store, config: Config, started: datetime, fetched: int,
                 failed: int, new: int, *, ranked: bool = True) -> str:
    """The one line ``run --once`` ends with: fetched, new, scored, list size."""
    from ..daily.queries import today

    scored = store.query("select count(*) as n from scores where scored_at >= ?",
                         [iso(started)])[0]["n"]
    day = today(config.brand.tz).isoformat()
    listed = store.query("select count(*) as n from suggestions where list_date = ? and "
                         "status = 'new'", [day])[0]["n"]
    broken = f" ({failed} failed)" if failed else ""
    rank = f"{scored} scored, {listed} new suggestions on today's list ({day})" if ranked \
        else "ranking failed: see `trendwatch status`"
    return f"Fetched {fetched} sources{broken}, {new} new items, {rank}."
