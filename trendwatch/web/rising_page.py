"""Rising topics (``/rising``): live bursts, recomputed in the background, or the ones
stored with the latest digest until the first live result is in."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template
from flask.blueprints import BlueprintSetupState

from ..db.store import Store, loads, parse_iso
from . import common

log = logging.getLogger(__name__)

bp = Blueprint("rising", __name__)

#: Seconds live rising topics are reused before a background refresh.
RISING_TTL = 600.0
#: Days of history the rising-topics detector needs for a fair baseline
#: (trendwatch.ranking.rising: fewer days make its thresholds stricter, none shows nothing).
RISING_HISTORY_DAYS = 3
#: Where each app keeps its own cache (tests and benchmarks wait on it there).
CACHE_KEY = "trendwatch_rising"


class RisingCache:
    """Live rising topics, recomputed in the background at most every ``ttl`` seconds.

    Burst detection reads two weeks of titles (~0.5 s for 10,000 items), too slow for a
    page that must answer in 200 ms. So a request never waits for it: it gets the last
    result (or None before the first one) and, when that is stale, starts one refresh
    thread with its own database connection.
    """

    def __init__(self, store_path: Path, ttl: float = RISING_TTL) -> None:
        self.store_path = store_path
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: tuple[list[dict[str, Any]], str] | None = None
        self._computed = 0.0
        self._thread: threading.Thread | None = None

    @property
    def refreshing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def get(self) -> tuple[list[dict[str, Any]], str] | None:
        with self._lock:
            stale = time.monotonic() - self._computed > self.ttl or self._value is None
            if stale and not self.refreshing:
                self._thread = threading.Thread(target=self._refresh, name="rising",
                                                daemon=True)
                self._thread.start()
            return self._value

    def wait(self, timeout: float = 30.0) -> None:
        """Block until a running refresh is done (tests, benchmarks)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _refresh(self) -> None:
        from ..db.store import iso, utcnow
        from ..ranking.rising import rising_topics

        try:
            with Store(self.store_path, migrate=False) as store:
                topics = rising_topics(store)
        except Exception as err:  # keep serving the last result; the log says why
            log.error("rising topics failed: %s", err)
            return
        with self._lock:
            self._value = (topics, iso(utcnow()) or "")
            self._computed = time.monotonic()


@bp.record_once
def _new_cache(state: BlueprintSetupState) -> None:
    # one cache per app (each serves its own database), made when the page is registered
    state.app.extensions[CACHE_KEY] = RisingCache(common.stores(state.app).path)


@bp.get("/rising")
def index() -> Any:
    cache: RisingCache = current_app.extensions[CACHE_KEY]
    store = common.store()
    live = cache.get()
    if live is not None:
        topics, when, source = live[0], live[1], "live"
    else:  # first view since start: the digest's topics while the live ones compute
        topics, when = _digest_rising(store)
        source = "digest"
    return render_template("rising.html", topics=topics, when=when, source=source,
                           updating=cache.refreshing, history_days=_history_days(store),
                           needed_days=RISING_HISTORY_DAYS)


def _history_days(store: Store) -> float:
    """Days since the first item was stored (what "rising" can compare against)."""
    from ..db.store import utcnow

    first = next(store.db.query("select min(first_seen_at) as t from items"), {}).get("t")
    start = parse_iso(first) if first else None
    return (utcnow() - start).total_seconds() / 86400 if start else 0.0


def _digest_rising(store: Store) -> tuple[list[dict[str, Any]], str | None]:
    """Rising topics as stored with the latest digest."""
    row = next(store.db.query(
        "select rising, created_at from digests order by id desc limit 1"), None)
    if row is None:
        return [], None
    topics = [t for t in loads(row["rising"], []) or [] if isinstance(t, dict)]
    return topics, row["created_at"]
