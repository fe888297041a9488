"""The daemon: one full cycle (``run --once``) and the scheduled service (``run``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .pipeline import run_round

if TYPE_CHECKING:
    from .cli.app import App

log = logging.getLogger(__name__)


def run_once(app: App) -> int:
    """Fetch every enabled source, rank, build today's list. Returns the exit code:
    0 when every source worked, 1 when some failed (what worked is stored anyway)."""
    store = app.store
    sources = [s for s in app.sources if s.table.enabled]
    store.sync_sources(app.sources)
    outcomes = run_round(store, sources, app.config)
    failed = [o for o in outcomes if o.failed]
    new = sum(o.items_new for o in outcomes)
    log.warning("cycle done: %d sources, %d failed, %d new items", len(outcomes), len(failed),
                new) if failed else log.info("cycle done: %d sources, %d new items",
                                             len(outcomes), new)
    return 1 if failed else 0
