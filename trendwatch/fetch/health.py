"""How the sources are doing, from their last fetches: the per-source table ``status`` shows,
and the broken ones the digest and the web page list first."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..db.store import Reader, Store, iso, utcnow

if TYPE_CHECKING:
    pass


def hung_fetches(store: Store | Reader,
                 since: timedelta = timedelta(days=1)) -> list[dict[str, Any]]:
    """Fetches abandoned by the daemon recently (a plugin that hung)."""
    return store.query(
        "select at, subject as source, message from events where kind = 'plugin' and "
        "message like '%abandoned%' and at >= ? order by id desc",
        [iso(utcnow() - since)])


def source_status(store: Store | Reader) -> list[dict[str, Any]]:
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


def broken_sources(store: Store | Reader) -> list[dict[str, Any]]:
    return [s for s in source_status(store) if s["broken"]]
