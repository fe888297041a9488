"""One source's fetch, as a worker thread runs it: network and parsing, no database.

A source that raises affects only itself: its error (or a plugin crash's traceback) is
part of the outcome. What a plugin returns is made safe to store before it leaves here.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from datetime import datetime

from ..binding import ConfiguredSource
from ..config import Config
from ..contracts import FetchContext, Item
from ..db.store import utcnow
from ..errors import SourceError
from ..items.ingest import dedup_key
from ..parse import budget
from ..parse.itemcheck import cap_warnings, check_items
from ..parse.normalize import canonical_url
from .conditional import CacheEntry, SourceHttp


@dataclass
class FetchOutcome:
    source: str
    status: str = "ok"            # ok | not_modified | partial | error
    items: list[Item] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    detail: str | None = None     # traceback of a plugin crash
    http_status: int | None = None
    bytes: int = 0
    started: datetime = field(default_factory=utcnow)
    finished: datetime | None = None
    retry_after: float | None = None
    max_age: float | None = None
    cache_updates: dict[str, CacheEntry] = field(default_factory=dict)
    items_new: int = 0
    items_seen: int = 0
    next_due: datetime | None = None
    #: False when the result could not be written (database locked, disk full): nothing of
    #: it was stored and the source is still due.
    stored: bool = True

    @property
    def failed(self) -> bool:
        return self.status == "error"


def fetch_one(cs: ConfiguredSource, http: SourceHttp, config: Config,
              now: datetime | None = None) -> FetchOutcome:
    """Run one source's ``fetch`` (no database access: safe in a worker thread)."""
    now = now or utcnow()
    out = FetchOutcome(cs.name, started=now)
    ctx = FetchContext(http=http, now=now, brand=config.brand,
                       log=logging.getLogger(f"trendwatch.source.{cs.name}"))
    try:
        with budget.limits(config.fetch.max_items, config.fetch.max_cpu_seconds):
            items = cs.source.fetch(ctx)
        if not isinstance(items, list):
            raise SourceError(f"plugin {cs.table.plugin!r} returned {type(items).__name__}, "
                              "not a list of Item")
        items = _bounded_items(items, config, ctx)
        out.items = items
        out.warnings = cap_warnings(list(ctx.warnings))
        if not items and http.all_not_modified:
            out.status = "not_modified"
        elif out.warnings:
            out.status = "partial"
            out.error = "; ".join(out.warnings)[:1000]
        out.cache_updates = http.cache_updates
    except SourceError as err:
        out.status, out.error = "error", str(err)
        out.http_status = err.http_status
        out.retry_after = err.retry_after
        out.warnings = cap_warnings(list(ctx.warnings))
    except Exception as err:  # a plugin bug: contain it, keep the traceback for status
        out.status = "error"
        out.error = f"plugin {cs.table.plugin!r} crashed: {type(err).__name__}: {err}"
        out.detail = traceback.format_exc()
    out.http_status = out.http_status or http.last_status
    out.bytes = http.bytes
    out.retry_after = out.retry_after or http.retry_after
    out.max_age = http.max_age
    out.finished = utcnow()
    return out


def _bounded_items(items: list[object], config: Config, ctx: FetchContext) -> list[Item]:
    """What a plugin returned, made safe to store: at most ``[fetch] max_items``, each one
    an :class:`Item` cleaned by :func:`check_items` (a bad one is dropped and named)."""
    limit = config.fetch.max_items
    if len(items) > limit:
        ctx.warn(f"{len(items)} items returned; kept the first {limit} ([fetch] max_items)")
        items = items[:limit]
    good = [i for i in items if isinstance(i, Item)]
    if len(good) < len(items):
        ctx.warn(f"{len(items) - len(good)} returned value(s) are not an Item; dropped")
    good, dropped = check_items(good)
    for warning in dropped:
        ctx.warn(warning)
    _count_merged(good, ctx)
    return good


def _count_merged(items: list[Item], ctx: FetchContext) -> None:
    """Warn when different items of one fetch share a dedup key (a guid reused, or no guid
    and one link): storing keeps the first of each, and the others must not vanish unsaid.
    The same entry listed twice (same key, same title) loses nothing and is not counted."""
    seen: dict[str, Item] = {}
    merged: list[str] = []
    for item in items:
        key = dedup_key(item, canonical_url(item.url))
        first = seen.setdefault(key, item)
        if first is not item and first.title != item.title:
            merged.append(f"{item.title[:60]!r} into {first.title[:60]!r}")
    if merged:
        ctx.warn(f"{len(merged)} item(s) share a guid or link with an earlier item of this "
                 f"fetch and were merged into it (the first is kept): "
                 f"{'; '.join(merged[:3])}{' ...' if len(merged) > 3 else ''}")
