"""The service's timings, shared by the daemon and ``run --once`` (which borrows the job
time limit)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DaemonOptions:
    """Timings of the service loop (defaults suit production; tests shorten them)."""

    tick: float = 1.0               # how often the loop looks for due sources and jobs
    heartbeat_every: float = 30.0   # the `daemon` row's heartbeat_at, read by `status`
    rank_every: float = 15 * 60.0   # re-rank and refresh today's list when items are new
    housekeeping_every: float = 3600.0
    # After SIGTERM: in-flight fetches get shutdown_grace, then a running job job_grace
    # before it is terminated; with the rest this stays well under 10 s in all.
    shutdown_grace: float = 4.0
    job_grace: float = 1.0
    hang_timeout: float | None = None  # default: 4 x [fetch] timeout + 10 s
    #: Hung plugin threads cannot be killed; past this many the daemon exits with 1 so the
    #: service manager (Restart=on-failure) starts a clean process.
    max_abandoned: int = 8
    store_retry: float = 30.0       # a result the database refused: refetch after this
    #: Ranking, retraining and the digest run in a child process each time, so their memory
    #: (scikit-learn, feature matrices) returns to the system and a hung job can be killed.
    isolate_jobs: bool = True
    job_timeout: float = 3600.0
    #: How often the config file's modification stamp is looked at (see config_watch).
    config_check_every: float = 5.0
