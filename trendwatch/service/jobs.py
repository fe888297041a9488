"""The slow jobs the daemon and ``run --once`` hand to a child process: ranking (with the
daily list), retraining and the digest.

They live here, not in :mod:`.daemon`, because a spawned child imports the module of the
function it runs: this one brings only the config and the store, not the fetcher, the
feed parser and the HTTP stack the job never uses (the child's start-up is on the critical
path of ``run --once``). Each job gets ``(store, config, now, ...)``; ``now`` comes from the
daemon, so a test clock in the daemon also rules its jobs.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..binding import bind_notifiers
from ..config import Config
from ..daily.queries import today
from ..db.store import Store, utcnow
from ..errors import TrendwatchError
from .scheduler import exits_fast, report_job_error

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from ..plugins import PluginHost

log = logging.getLogger(__name__)


def rank_and_list(store: Store, config: Config, host: PluginHost | None,
                  now: datetime | None = None) -> Any:
    """Score new items and (re)build today's suggestion list. Imports scikit-learn, so
    only the ranking job and ``run --once`` call it."""
    from ..daily.build import build_daily_list

    now = now or utcnow()
    return build_daily_list(store, config, host, now=now, list_date=today(config.brand.tz, now))


@exits_fast
def rank(store: Store, config: Config, now: datetime) -> None:
    """The daemon's ranking job."""
    from ..plugins import load_plugins

    rank_and_list(store, config, load_plugins(), now)


class RoundEnd:
    """The ranking process's view of the fetch round: set when the fetching process sends
    on its end of a pipe. If that process dies first (killed, crashed), the pipe reports
    EOF and :meth:`wait` raises, so the ranking process ends instead of waiting forever."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._set = False

    def wait(self, timeout: float | None = None) -> bool:
        if not self._set and self.conn.poll(timeout):
            try:
                self.conn.recv()
            except EOFError:
                raise TrendwatchError("the fetching process ended before its round did; "
                                      "ranking stopped (the next run ranks what was "
                                      "stored)") from None
            self._set = True
        return self._set


@exits_fast
def rank_while_fetching(store: Store, config: Config, now: datetime,
                        round_end: Connection) -> None:
    """``run --once``'s ranking: started with the fetch round, it imports scikit-learn,
    trains (if the model needs it) and scores items as they are stored, on the second
    core, then builds today's list once the fetching process sends on ``round_end`` (the
    read end of a pipe; see :class:`RoundEnd`). See
    :func:`trendwatch.daily.scoring.score_as_fetched`."""
    from ..daily.build import build_daily_list
    from ..daily.scoring import score_as_fetched
    from ..plugins import load_plugins

    started = time.monotonic()
    log.debug("ranking job ready; scoring items as they are stored")
    model = score_as_fetched(store, config, RoundEnd(round_end), now=now)
    host = load_plugins()  # only the list needs the angle plugins
    # ``now`` was taken when the round began; the list is of when it ended (its date,
    # recency), as if this job had been started after the fetch.
    now += timedelta(seconds=time.monotonic() - started)
    rows = build_daily_list(store, config, host, now=now,
                            list_date=today(config.brand.tz, now), model=model)
    log.debug("today's list built: %d suggestions", len(rows))


@exits_fast
def retrain(store: Store, config: Config, now: datetime | None = None) -> Any:
    """Train a new model version on the labels so far (the daemon's retraining job)."""
    from ..daily.scoring import train_model

    return train_model(store, config, now=now or utcnow())


def digest(store: Store, config: Config, now: datetime) -> None:
    """Rank (today's list fresh), then build, store, write and send the digest."""
    from ..daily.digest import build_digest
    from ..plugins import load_plugins

    host = load_plugins()
    try:  # a ranking failure must not cost the digest (broken sources come first in it)
        rank_and_list(store, config, host, now)
    except Exception as err:
        report_job_error(store, "rank", err)
    result = build_digest(store, config, host, bind_notifiers(config, host), now=now)
    log.info("digest built: %s suggestions, %d broken sources",
             result.get("n_suggestions"), len(result.get("broken_sources") or []))
