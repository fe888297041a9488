"""The daily digest: broken sources, rising topics, then the day's suggestions.

Built by the daemon each morning at ``[digest] at`` (and on demand by ``trendwatch
digest``): stored as a ``digests`` row, written as Markdown/HTML files, and sent through
every configured notifier. A notifier that fails is recorded (``notifications`` row and an
event) and never stops the digest or the other notifiers.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..db.store import Store, dumps, folder_beside, iso, utcnow
from ..fetch.health import broken_sources
from .queries import brand_lang, list_suggestions, parse_date, today
from .render import clean_line, suggestions_page

if TYPE_CHECKING:
    from ..binding import ConfiguredNotifier
    from ..config import Config
    from ..plugins import PluginHost

log = logging.getLogger(__name__)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def output_dir(store: Store, config: Config) -> Path:
    """``[digest] output_dir``, else the database's own digest folder (``digests/`` next
    to ``trendwatch.db``, ``<name>-digests/`` next to any other database)."""
    if config.digest.output_dir:
        return Path(config.digest.output_dir).expanduser()
    return folder_beside(store.path, "digests")


def _ensure_list(store: Store, config: Config, host: PluginHost | None, day: date,
                 now: datetime) -> None:
    """Build today's list if nothing was built yet (the daemon normally has). A past or
    future day is shown as stored: today's items would not be that day's list."""
    if day != today(config.brand.tz, now):
        return
    if store.db["suggestions"].count_where("list_date = ?", [day.isoformat()]):
        return
    try:
        from .build import build_daily_list  # lazy: it imports scikit-learn
    except ImportError:
        return
    try:
        build_daily_list(store, config, host, now=now, list_date=day)
    except Exception as err:  # a ranking failure must not cost the broken-sources report
        log.error("digest: could not build the daily list: %s", err)
        store.event("error", "job", "digest", f"could not build the daily list: {err}",
                    traceback.format_exc())


def _rising(store: Store, config: Config, now: datetime) -> list[dict[str, Any]]:
    """Rising topics from the burst detector, or [] if it is unavailable or fails."""
    try:
        from ..ranking.rising import rising_topics
    except ImportError:
        return []
    try:
        topics = rising_topics(store, now=now)
    except Exception as err:
        log.error("digest: rising topics failed: %s", err)
        store.event("error", "job", "digest", f"rising topics failed: {err}",
                    traceback.format_exc())
        return []
    return [t if isinstance(t, dict) else {"term": str(t)} for t in topics][:10]


def _performance(store: Store, config: Config, day: date) -> dict[str, Any] | None:
    """Mondays: last week's posts and what sells (None other days, or if it fails: the
    digest matters more than this section)."""
    from ..performance.report import weekly_section

    try:
        return weekly_section(store, config.brand.tz, day,
                              prior_posts=config.performance.prior_posts)
    except Exception as err:
        log.error("digest: performance section failed: %s", err)
        store.event("error", "job", "digest", f"performance section failed: {err}",
                    traceback.format_exc())
        return None


def _send(store: Store, digest_id: int, notifiers: Sequence[ConfiguredNotifier], title: str,
          markdown: str, html: str) -> list[dict[str, Any]]:
    from .notify import send_each

    results = send_each(store, notifiers, title, markdown, html, what="digest")
    with store.write() as db:
        for r in results:
            db["notifications"].insert({"digest_id": digest_id, "notifier": r["notifier"],
                                        "status": r["status"], "error": r["error"],
                                        "at": iso(utcnow())})
    return results


def build_digest(store: Store, config: Config, host: PluginHost | None,
                 notifiers: Sequence[ConfiguredNotifier], *, now: datetime | None = None,
                 list_date: str | date | None = None) -> dict[str, Any]:
    """Build, store, write and send the digest for ``list_date`` (default: today in the
    brand's time zone).

    Returns ``id``, ``list_date``, ``title``, ``markdown``, ``html``, ``md_path``,
    ``html_path``, ``n_suggestions``, ``broken_sources`` (names), ``rising`` and
    ``notifications`` (one ``{notifier, status, error}`` per notifier).
    """
    now = now or utcnow()
    day = parse_date(list_date, "list_date") or today(config.brand.tz, now)
    _ensure_list(store, config, host, day, now)
    # What the specialist should review, exactly as `trendwatch review` and the web page
    # show it: the day's new suggestions plus snoozed ones whose day has come. Rejected
    # (and already accepted) ones would only be noise in the morning mail.
    rows = list_suggestions(store, config, list_date=day, status="new",
                            limit=config.digest.size)
    broken = broken_sources(store)
    rising = _rising(store, config, now)
    brand = clean_line(config.brand.name)
    title = f"{brand}: trendwatch digest {day.isoformat()}"
    local = now.astimezone(config.brand.tz)
    generated = (f"{_count(len(rows), 'suggestion')}, {_count(len(broken), 'broken source')}, "
                 f"{_count(len(rising), 'rising topic')}. Built {local:%Y-%m-%d %H:%M} "
                 f"{config.brand.timezone}.")
    kwargs: dict[str, Any] = {"title": title, "broken": broken, "rising": rising,
                              "brand": brand, "generated": generated, "now": now,
                              "lang": brand_lang(config), "tz": config.brand.tz,
                              "performance": _performance(store, config, day)}
    markdown = suggestions_page(rows, fmt="md", **kwargs)
    html = suggestions_page(rows, fmt="html", **kwargs)

    paths: dict[str, str | None] = {"md": None, "html": None}
    folder = output_dir(store, config)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for fmt, text in (("md", markdown), ("html", html)):
            if fmt in config.digest.formats:
                target = folder / f"{day.isoformat()}.{fmt}"
                tmp = target.with_suffix(f".{fmt}.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(target)  # atomic: a reader never sees half a digest
                paths[fmt] = str(target)
    except OSError as err:  # disk full, read-only: the digest is still stored and sent
        log.error("digest: could not write files to %s: %s", folder, err)
        store.event("error", "job", "digest", f"could not write digest files: {err}")

    with store.write() as db:
        digest_id = db["digests"].insert({
            "list_date": day.isoformat(), "created_at": iso(now), "markdown": markdown,
            "md_path": paths["md"], "html_path": paths["html"], "n_suggestions": len(rows),
            "broken_sources": dumps([s["name"] for s in broken]), "rising": dumps(rising),
        }).last_pk
        if db["daemon"].count_where("id = 1"):
            db["daemon"].update(1, {"last_digest_at": iso(now)})

    sent = _send(store, digest_id, notifiers, title, markdown, html)
    return {"id": digest_id, "list_date": day.isoformat(), "title": title,
            "markdown": markdown, "html": html, "md_path": paths["md"],
            "html_path": paths["html"], "n_suggestions": len(rows),
            "broken_sources": [s["name"] for s in broken], "rising": rising,
            "notifications": sent}
