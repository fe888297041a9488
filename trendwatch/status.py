"""The health report shown by ``trendwatch status``, the digest and the web page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .store import Store, parse_iso, utcnow

#: A daemon whose heartbeat is older than this is considered gone.
HEARTBEAT_STALE = timedelta(minutes=3)


def daemon_status(store: Store, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    row = next(store.db.query("select * from daemon where id = 1"), None) \
        if store.db["daemon"].exists() else None
    if not row:
        return {"running": False, "pid": None, "started_at": None, "uptime_seconds": None,
                "last_digest_at": None}
    beat = parse_iso(row["heartbeat_at"])
    running = bool(not row["stopped_at"] and beat and now - beat < HEARTBEAT_STALE)
    started = parse_iso(row["started_at"])
    return {
        "running": running,
        "pid": row["pid"] if running else None,
        "host": row["host"],
        "started_at": row["started_at"],
        "heartbeat_at": row["heartbeat_at"],
        "stopped_at": row["stopped_at"],
        "uptime_seconds": int((now - started).total_seconds()) if running and started else None,
        "last_digest_at": row["last_digest_at"],
    }


def source_status(store: Store) -> list[dict[str, Any]]:
    """Every known source, broken ones first."""
    rows = store.query("""
        select name, plugin, description, enabled, every_seconds, last_fetch_at,
               last_success_at, last_status, last_error, consecutive_failures, next_due_at,
               items_total
        from sources
        order by enabled desc, consecutive_failures > 0 desc, name
    """)
    for r in rows:
        r["enabled"] = bool(r["enabled"])
        r["broken"] = bool(r["enabled"] and (r["consecutive_failures"] or 0) > 0)
    return rows


def broken_sources(store: Store) -> list[dict[str, Any]]:
    return [s for s in source_status(store) if s["broken"]]


def model_status(store: Store) -> dict[str, Any] | None:
    return next(store.db.query(
        "select version, created_at, n_items, label_counts from models where active = 1 "
        "order by created_at desc limit 1"), None)


def recent_errors(store: Store, limit: int = 10) -> list[dict[str, Any]]:
    return store.query("select at, level, kind, subject, message from events "
                       "where level = 'error' order by id desc limit ?", [limit])


def full_status(store: Store) -> dict[str, Any]:
    return {
        "daemon": daemon_status(store),
        "sources": source_status(store),
        "model": model_status(store),
        "recent_errors": recent_errors(store),
        "items": store.db["items"].count,
        "suggestions_new": store.db["suggestions"].count_where("status = 'new'"),
    }
