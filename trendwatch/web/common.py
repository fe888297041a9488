"""What every page of the web app shares: this thread's database connection, the loaded
config, and the answer to a form (back to the page it came from, or "busy").

Pages are blueprints that never reach into each other: what one needs from the app, it
gets here, and ``create_app`` puts it in place (``install``).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, flash, redirect, request, url_for

from ..db.store import Store
from . import security

if TYPE_CHECKING:
    from ..config import Config

log = logging.getLogger(__name__)

#: How long one attempt to write waits for the daemon's lock (Store.write retries 5 times).
BUSY_TIMEOUT_MS = 2000
#: Where ``install`` keeps the per-thread stores (tests lower their ``busy_ms``).
STORES_KEY = "trendwatch_stores"
#: The app config key holding the loaded trendwatch Config.
CONFIG_KEY = "TRENDWATCH_CONFIG"
#: Where a form goes back to when it names no page of its own.
HOME = "today.index"


class ThreadStores:
    """One database connection per server thread: sqlite3 connections must not run two
    transactions at once, and waitress serves requests from a small thread pool."""

    def __init__(self, path: Path, busy_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = path
        self.busy_ms = busy_ms
        self._local = threading.local()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.path, migrate=False)
            # A page should fail in seconds, not minutes, when the daemon holds the lock.
            store.db.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_ms)}")
            self._local.store = store
        return store


def install(app: Flask, store_path: Path, config: Config) -> None:
    """Give ``app`` its per-thread stores and the config the pages read."""
    app.extensions[STORES_KEY] = ThreadStores(store_path)
    app.config[CONFIG_KEY] = config


def stores(app: Flask | None = None) -> ThreadStores:
    """The per-thread stores of ``app`` (default: the current app)."""
    found: ThreadStores = (app or current_app).extensions[STORES_KEY]
    return found


def store() -> Store:
    """This server thread's connection to the current app's database."""
    return stores().get()


def config() -> Config:
    """The config the current app was built with."""
    found: Config = current_app.config[CONFIG_KEY]
    return found


def back(default: str | None = None) -> Any:
    """Back to the page the form was on (a local path only). 303 so the browser follows
    with GET; errors come back the same way, as a flashed message on that page."""
    target = security.safe_next(request.form.get("next"), default or url_for(HOME))
    return redirect(target, code=303)


def busy(err: Exception, default: str | None = None) -> Any:
    """The daemon held the database past every retry: nothing was written, say so."""
    log.warning("web: not saved, database busy: %s", err)
    flash("Not saved: the database is busy (the daemon is writing). Try again in a moment.",
          "error")
    return back(default)
