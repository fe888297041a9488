"""Parsing RSS, Atom and JSON Feed bodies into :class:`~trendwatch.api.Item` objects.

feedparser is always given bytes plus the response headers (never a URL or a str: a str
that isn't a URL is opened as a local file). Sanitising and relative-URI resolution are
turned off: we store plain text only, and they are a third to two thirds of parse time.
Its SAX parser buffers text (:mod:`.sax_driver`): another third off, same output.
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from .api import Item, Response
from .errors import SourceError
from .text import plain_text

#: feedparser tries these SAX drivers first (a module-level list it reads on every parse).
#: Ours goes in front once, for the whole process: it changes speed, not results.
SAX_DRIVER = "trendwatch.sax_driver"
if SAX_DRIVER not in feedparser.api.PREFERRED_XML_PARSERS:
    feedparser.api.PREFERRED_XML_PARSERS.insert(0, SAX_DRIVER)

#: Dates further in the future than this are clamped to the fetch time.
FUTURE_SLACK = timedelta(hours=1)


def clamp_future(dt: datetime, now: datetime) -> datetime:
    """A date more than :data:`FUTURE_SLACK` ahead of ``now`` becomes ``now``: a feed's
    far-future date (a typo, a scheduled post) must not pin an item to the top for months.
    Every source uses this one rule."""
    return min(dt, now) if dt > now + FUTURE_SLACK else dt


def struct_to_datetime(value: time.struct_time | None, now: datetime) -> datetime | None:
    """feedparser's ``*_parsed`` (naive UTC) to an aware datetime, far-future clamped."""
    if not value:
        return None
    try:
        dt = datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return clamp_future(dt, now)


def parse_iso_date(value: Any, now: datetime) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return clamp_future(dt.astimezone(UTC), now)


def is_json_feed(resp: Response) -> bool:
    if "json" in resp.content_type:
        return True
    head = resp.body[:200].lstrip()
    return head.startswith(b"{") and b"jsonfeed.org" in resp.body[:2000]


def parse_json_feed(resp: Response, now: datetime) -> tuple[list[Item], list[str]]:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1). feedparser can't read it."""
    data = resp.json()
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SourceError(f"{resp.url} is JSON but not a JSON Feed (no \"items\" list)")
    items, warnings = [], []
    for i, raw in enumerate(data["items"]):
        if not isinstance(raw, dict):
            warnings.append(f"JSON Feed item {i} is not an object; skipped")
            continue
        # A JSON Feed is hand-written JSON more often than XML is: any field can have the
        # wrong type, so every value is checked before use.
        title = plain_text(_str(raw.get("title")), 500) or \
            plain_text(_str(raw.get("summary")), 200) or \
            plain_text(_str(raw.get("content_text")), 200)
        if not title:
            warnings.append(f"JSON Feed item {i} has no title or text; skipped")
            continue
        authors = raw.get("authors") or ([raw["author"]] if raw.get("author") else [])
        if not isinstance(authors, list):
            authors = []
        author = next((_str(a.get("name")) for a in authors if isinstance(a, dict)), None)
        guid = raw.get("id")
        items.append(Item(
            title=title,
            url=http_url(_str(raw.get("url")) or _str(raw.get("external_url")), resp.url),
            guid=str(guid) if isinstance(guid, str | int) and str(guid).strip() else None,
            summary=plain_text(_str(raw.get("summary")) or _str(raw.get("content_html"))
                               or _str(raw.get("content_text"))),
            published=parse_iso_date(raw.get("date_published") or raw.get("date_modified"), now),
            author=plain_text(author, 200) or None,
            lang=(_str(raw.get("language")) or _str(data.get("language")) or "")[:2].lower()
            or None,
            extra={k: raw[k] for k in ("image", "tags") if raw.get(k)},
        ))
    return items, warnings


EntryHook = Callable[[Any, Item], Item | None]


def parse_feed(resp: Response, now: datetime,
               entry_hook: EntryHook | None = None) -> tuple[list[Item], list[str]]:
    """Parse an RSS/Atom/JSON Feed response. Returns (items, warnings).

    A feed with some complete entries but broken XML keeps the entries and warns.
    Nothing recognisable raises :class:`SourceError`. ``entry_hook(entry, item)`` lets a
    source add namespaced fields (metrics, extra) or drop an entry by returning ``None``.
    """
    if is_json_feed(resp):
        return parse_json_feed(resp, now)
    parsed = feedparser.parse(resp.body, response_headers=resp.headers,
                              sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    warnings: list[str] = []
    if not parsed.get("version") and not entries:
        if not resp.body.strip():
            raise SourceError(f"{resp.url} returned an empty body")
        head = resp.body[:512].lower()
        if b"<html" in head or b"<!doctype html" in head:
            raise SourceError(f"{resp.url} returned an HTML page, not a feed "
                              "(is the URL the feed's address?)")
        reason = parsed.get("bozo_exception")
        raise SourceError(f"{resp.url} is not a recognisable feed"
                          + (f": {reason}" if reason else ""))
    if parsed.get("bozo") and _is_structural(parsed.get("bozo_exception")):
        warnings.append(f"feed is not well-formed ({parsed.get('bozo_exception')}); "
                        f"kept {len(entries)} entries")
    feed_lang = (parsed.get("feed") or {}).get("language")
    items = []
    for i, entry in enumerate(entries):
        title = plain_text(entry.get("title"), 500)
        summary = plain_text(entry.get("summary") or _content(entry))
        if not title:
            title = summary[:140]
        if not title:
            warnings.append(f"entry {i} has no title or text; skipped")
            continue
        item = Item(
            title=title,
            url=http_url(entry.get("link"), resp.url),
            guid=entry.get("id") or None,
            summary=summary,
            published=struct_to_datetime(entry.get("published_parsed")
                                         or entry.get("updated_parsed"), now),
            author=plain_text(entry.get("author"), 200) or None,
            lang=(feed_lang or "")[:2].lower() or None,
        )
        if entry_hook is not None:
            item = entry_hook(entry, item)
            if item is None:
                continue
        items.append(item)
    return items, warnings


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def http_url(value: str | None, base: str) -> str | None:
    """An item's link, resolved against ``base``, if it is a well-formed http(s) URL; else
    ``None``.

    The one check every source applies to the URLs it emits. A ``javascript:`` or ``data:``
    link must never reach a page as an ``href``; a URL urlsplit can't parse or whose port is
    not a number in 0–65535 (``http://x:99999/``) would fail later, when it is stored.
    """
    if not value or not isinstance(value, str):
        return None
    try:
        url = urljoin(base, value.strip())
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def _content(entry: Any) -> str:
    content = entry.get("content") or []
    return content[0].get("value", "") if content else ""


def _is_structural(exc: Any) -> bool:
    """A charset mismatch sets bozo on perfectly good feeds: not worth a warning."""
    if exc is None:
        return False
    name = type(exc).__name__
    return name not in ("CharacterEncodingOverride", "NonXMLContentType")


def loads_json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except ValueError as err:
        raise SourceError(f"{url} did not return valid JSON: {err}") from None
