"""The health report shown by ``trendwatch status``, the digest and the web page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..db.lock import lock_holder, lock_path
from ..db.store import Reader, Store, parse_iso, utcnow
from ..fetch.health import hung_fetches, source_status

if TYPE_CHECKING:
    from ..config import Config


#: A daemon whose heartbeat is older than this is considered gone.
HEARTBEAT_STALE = timedelta(minutes=3)



def daemon_status(store: Store | Reader, now: datetime | None = None) -> dict[str, Any]:
    """Is a daemon running on this database, since when, and is it alive?

    The daemon's ``flock`` on ``<db>.lock`` is the truth (the kernel drops it when the
    process dies, even by SIGKILL); the heartbeat tells a live daemon from a stuck one.
    ``state`` is one of ``running``, ``stuck`` (lock held, heartbeat stale), ``stopped``,
    ``crashed`` (no clean stop recorded, lock free) or ``never``."""
    now = now or utcnow()
    row = next(iter(store.query("select * from daemon where id = 1")), None)
    holder = lock_holder(store.path) if str(store.path) != ":memory:" else None
    if not row:
        return {"running": holder is not None, "state": "running" if holder else "never",
                "pid": holder or None, "host": None, "started_at": None,
                "heartbeat_at": None, "stopped_at": None, "uptime_seconds": None,
                "last_digest_at": None}
    beat = parse_iso(row["heartbeat_at"])
    fresh = bool(beat and now - beat < HEARTBEAT_STALE)
    if holder is not None:
        running = True
        state = "running" if fresh else "stuck"
    elif lock_path(store.path).exists():
        running, state = False, "stopped" if row["stopped_at"] else "crashed"
    else:  # no lock file (another host's path, or an old database): trust the heartbeat
        running = bool(not row["stopped_at"] and fresh)
        state = "running" if running else ("stopped" if row["stopped_at"] else "crashed")
    started = parse_iso(row["started_at"])
    return {
        "running": running,
        "state": state,
        "pid": (holder or row["pid"]) if running else None,
        "host": row["host"],
        "started_at": row["started_at"],
        "heartbeat_at": row["heartbeat_at"],
        "stopped_at": row["stopped_at"],
        "uptime_seconds": int((now - started).total_seconds()) if running and started else None,
        "last_digest_at": row["last_digest_at"],
    }



def next_digest_at(config: Config, now: datetime | None = None) -> str | None:
    from .scheduler import next_digest_slot

    slot = next_digest_slot(now or utcnow(), config.digest, config.brand.tz)
    return slot.isoformat() if slot else None



def model_status(store: Store | Reader) -> dict[str, Any] | None:
    return next(iter(store.query(
        "select version, created_at, n_items, label_counts from models where active = 1 "
        "order by created_at desc limit 1")), None)



def recent_errors(store: Store | Reader, limit: int = 10) -> list[dict[str, Any]]:
    return store.query("select at, level, kind, subject, message from events "
                       "where level = 'error' order by id desc limit ?", [limit])



def config_problem(store: Store | Reader) -> str | None:
    """The daemon's complaint about an edited, invalid config file (None once a valid
    one is loaded again)."""
    rows = store.query("select level, message from events where kind = 'config' "
                       "order by id desc limit 1")
    return str(rows[0]["message"]) if rows and rows[0]["level"] == "error" else None



def full_status(store: Store | Reader, config: Config | None = None) -> dict[str, Any]:
    """Everything ``status`` shows. Cheap: a few indexed queries, no scikit-learn."""
    daemon = daemon_status(store)
    if config is not None:
        daemon["next_digest_at"] = next_digest_at(config)
    return {
        "daemon": daemon,
        "hung_fetches": hung_fetches(store),
        "sources": source_status(store),
        "model": model_status(store),
        "recent_errors": recent_errors(store),
        "config_problem": config_problem(store),
        "items": store.query("select count(*) as n from items")[0]["n"],
        "suggestions_new": store.query(
            "select count(*) as n from suggestions where status = 'new'")[0]["n"],
    }
