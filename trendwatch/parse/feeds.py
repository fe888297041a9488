"""Parsing RSS, Atom and JSON Feed bodies into :class:`~trendwatch.api.Item` objects.

feedparser is always given bytes plus the response headers (never a URL or a str: a str
that isn't a URL is opened as a local file). Sanitising and relative-URI resolution are
turned off: we store plain text only, and they are a third to two thirds of parse time.
Its SAX parser buffers text (:mod:`.sax_driver`): another third off, same output.
"""

from __future__ import annotations

import calendar
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from ..contracts import Item, Response
from ..errors import SourceError
from . import jsonstream
from .budget import current as current_budget
from .budget import parse_slot
from .html import plain_text

log = logging.getLogger(__name__)

#: feedparser tries these SAX drivers first (a module-level list it reads on every parse).
#: Ours goes in front once, for the whole process: it changes speed, not results.
SAX_DRIVER = "trendwatch.parse.sax_driver"
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
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        # year 1 with a positive offset ("0001-01-01T00:00:00+01:00") is before
        # datetime.min in UTC: astimezone raises OverflowError
        return clamp_future(dt.astimezone(UTC), now)
    except (ValueError, OverflowError):
        return None


def is_json_feed(resp: Response) -> bool:
    if "json" in resp.content_type:
        return True
    head = resp.body[:200].lstrip()
    return head.startswith(b"{") and b"jsonfeed.org" in resp.body[:2000]


#: How often (in entries) a parser looks at the CPU clock.
_CHECK_EVERY = 64


def parse_json_feed(resp: Response, now: datetime,
                    max_items: int | None = None) -> tuple[list[Item], list[str]]:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1). feedparser can't read it.

    Entries are decoded one at a time (:mod:`.jsonstream`) and reading stops after
    ``max_items`` of them, or when the source's CPU budget is spent."""
    budget = current_budget()
    limit = min(max_items or budget.max_items, budget.max_items)
    info = jsonstream.Rows()
    items: list[Item] = []
    warnings: list[str] = []
    read = 0
    try:
        for raw in jsonstream.iter_rows(jsonstream.decode(resp.body), ("items",), info):
            if read >= limit:
                log.info("%s: more than %d entries; read the first %d (max_items)",
                         resp.url, limit, limit)
                break
            if read % _CHECK_EVERY == 0 and budget.over_time():
                warnings.append(f"JSON Feed reading stopped after {budget.cpu_seconds:g} s of "
                                f"CPU ([fetch] max_cpu_seconds); kept the first {read} entries")
                break
            read += 1
            try:
                item = _json_feed_item(raw, resp.url, now)
            except Exception as err:  # one odd entry costs only itself
                warnings.append(f"JSON Feed item {read - 1} ({_name(raw)}): "
                                f"{type(err).__name__}: {err}; skipped")
                continue
            if isinstance(item, str):
                warnings.append(f"JSON Feed item {read - 1} {item}; skipped")
            else:
                items.append(item)
    except jsonstream.StreamError as err:
        if not info.found:
            if resp.body.lstrip()[:1] in (b"{", b"["):
                raise SourceError(f"{resp.url} is JSON but not a JSON Feed (no \"items\" list)"
                                  f": {err}") from None
            raise SourceError(f"{resp.url} did not return JSON: {err}") from None
        warnings.append(f"JSON Feed is not valid after entry {read}: {err}; "
                        f"kept {len(items)} items")
    if not info.found:
        raise SourceError(f"{resp.url} is JSON but not a JSON Feed (no \"items\" list)")
    feed_lang = _str(info.top.get("language"))
    if feed_lang:
        for item in items:
            item.lang = item.lang or feed_lang[:2].lower() or None
    return items, warnings


def _json_feed_item(raw: Any, base: str, now: datetime) -> Item | str:
    """One JSON Feed entry as an Item, or why it was skipped."""
    if not isinstance(raw, dict):
        return "is not an object"
    # A JSON Feed is hand-written JSON more often than XML is: any field can have the
    # wrong type, so every value is checked before use.
    title = plain_text(_str(raw.get("title")), 500) or \
        plain_text(_str(raw.get("summary")), 200) or \
        plain_text(_str(raw.get("content_text")), 200)
    if not title:
        return "has no title or text"
    authors = raw.get("authors") or ([raw["author"]] if raw.get("author") else [])
    if not isinstance(authors, list):
        authors = []
    author = next((_str(a.get("name")) for a in authors if isinstance(a, dict)), None)
    guid = raw.get("id")
    return Item(
        title=title,
        url=http_url(_str(raw.get("url")) or _str(raw.get("external_url")), base),
        guid=str(guid) if isinstance(guid, str | int) and str(guid).strip() else None,
        summary=plain_text(_str(raw.get("summary")) or _str(raw.get("content_html"))
                           or _str(raw.get("content_text"))),
        published=parse_iso_date(raw.get("date_published") or raw.get("date_modified"), now),
        author=plain_text(author, 200) or None,
        lang=(_str(raw.get("language")) or "")[:2].lower() or None,
        extra={k: raw[k] for k in ("image", "tags") if raw.get(k)},
    )


def _name(raw: Any) -> str:
    """How a warning names an entry: its id or title, shortened."""
    if isinstance(raw, dict):
        for key in ("id", "title", "guid", "link", "url"):
            value = raw.get(key)
            if isinstance(value, str | int) and str(value).strip():
                return repr(str(value)[:80])
    return "no id"


EntryHook = Callable[[Any, Item], Item | None]


def parse_feed(resp: Response, now: datetime, entry_hook: EntryHook | None = None,
               max_items: int | None = None) -> tuple[list[Item], list[str]]:
    """Parse an RSS/Atom/JSON Feed response. Returns (items, warnings).

    A feed with some complete entries but broken XML keeps the entries and warns.
    Nothing recognisable raises :class:`SourceError`. ``entry_hook(entry, item)`` lets a
    source add namespaced fields (metrics, extra) or drop an entry by returning ``None``.

    Cost is bounded by construction: feedparser stops after ``max_items`` entries (or the
    fetch's :mod:`.budget`, whichever is smaller), or when the source's CPU time is spent,
    instead of building every entry of a 200,000-entry document first. An entry that
    raises anywhere (parsing its fields, the hook) is skipped with a warning naming it.
    """
    with parse_slot(len(resp.body)):
        if is_json_feed(resp):
            return parse_json_feed(resp, now, max_items)
        return _parse_xml_feed(resp, now, entry_hook, max_items)


def _parse_xml_feed(resp: Response, now: datetime, entry_hook: EntryHook | None,
                    max_items: int | None) -> tuple[list[Item], list[str]]:
    budget = current_budget()
    limit = min(max_items or budget.max_items, budget.max_items)
    warnings: list[str] = []
    _active.limit, _active.budget = limit, budget
    try:
        parsed: Any = feedparser.parse(_prefix(resp.body, limit), response_headers=resp.headers,
                                       sanitize_html=False, resolve_relative_uris=False)
    except _Stopped as stop:
        parsed = stop.result()
        if stop.reason:
            warnings.append(f"feed reading {stop.reason}; kept the first "
                            f"{len(parsed['entries'])} entries")
        else:
            log.info("%s: more than %d entries; read the first %d (max_items)",
                     resp.url, limit, limit)
    finally:
        _active.limit = _active.budget = None
    entries = (parsed.get("entries") or [])[:limit]
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
        try:
            item = _entry_item(entry, resp.url, now, feed_lang, entry_hook)
        except Exception as err:  # one odd entry costs only itself
            warnings.append(f"entry {i} ({_name(entry)}): {type(err).__name__}: {err}; "
                            "skipped")
            continue
        if item is None:
            warnings.append(f"entry {i} has no title or text; skipped")
        elif item is not _DROPPED:
            items.append(item)
    return items, warnings


#: An entry the source's hook chose to drop (not worth a warning).
_DROPPED: Any = object()


def _entry_item(entry: Any, base: str, now: datetime, feed_lang: str | None,
                entry_hook: EntryHook | None) -> Item | None:
    title = plain_text(entry.get("title"), 500)
    summary = plain_text(entry.get("summary") or _content(entry))
    if not title:
        title = summary[:140]
    if not title:
        return None
    item: Item | None = Item(
        title=title,
        url=http_url(entry.get("link"), base),
        guid=entry.get("id") or None,
        summary=summary,
        published=struct_to_datetime(entry.get("published_parsed")
                                     or entry.get("updated_parsed"), now),
        author=plain_text(entry.get("author"), 200) or None,
        lang=(feed_lang or "")[:2].lower() or None,
    )
    if entry_hook is not None:
        item = entry_hook(entry, item)  # type: ignore[arg-type]
        if item is None:
            return _DROPPED
    return item


#: The start tag of an RSS item or Atom entry, with or without a namespace prefix
#: (``<item>``, ``<entry xml:lang="id">``, ``<atom:entry>``; not ``<items>``).
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")


def _prefix(body: bytes, limit: int) -> bytes:
    """The document up to the start of its ``limit + 1``-th entry.

    feedparser copies the whole document several times before parsing (to UTF-8, without
    its doctype, ...): six 12 MB feeds in flight made ~300 MB of copies for 500 entries
    each. The parser stops after ``limit`` entries anyway, so what follows them is never
    needed. A byte scan (in C) finds where they end; an encoding it can't see through
    (UTF-16) just means no cut, and a false start inside CDATA an early cut, which the
    parser reports as not well-formed and reads leniently."""
    for count, match in enumerate(_ENTRY_START.finditer(body), 1):
        if count > limit:
            return body[:match.start()]
    return body


# -- stopping feedparser early ------------------------------------------------------------
#
# feedparser builds every entry of a document and offers no way to stop. Its handler
# classes (one for the strict SAX parser, one for the loose fallback) are looked up in
# ``feedparser.api`` on every parse, so, like the SAX driver above, we put subclasses there
# once for the process. Each start and end tag goes through ``unknown_starttag`` /
# ``unknown_endtag``; ours raise :class:`_Stopped` (not a SAXException, so feedparser does
# not catch it and fall back to the loose parser) once ``limit`` entries are complete, or
# the CPU budget is spent. Outside :func:`parse_feed` (no limit set) they change nothing.

_active = threading.local()


class _Stopped(Exception):
    def __init__(self, handler: Any, reason: str | None) -> None:
        super().__init__(reason or "max_items")
        self.handler = handler
        self.reason = reason

    def result(self) -> dict[str, Any]:
        """What feedparser.parse would have returned, from the entries built so far."""
        handler = self.handler
        entries = list(handler.entries)
        if handler.inentry and entries:
            entries.pop()  # cut in the middle of one: incomplete
        # only a document the strict parser refused reaches the loose one
        loose = "Loose" in type(handler).__name__
        return {"feed": handler.feeddata, "entries": entries, "bozo": loose,
                "bozo_exception": "not well-formed XML, read leniently" if loose else None,
                "version": handler.version or "rss"}


def _bounded(base: type) -> type:
    class Bounded(base):  # type: ignore[valid-type,misc]
        _trendwatch_bounded = True
        _ticks = 0

        def unknown_starttag(self, tag: str, attrs: Any) -> Any:
            budget = getattr(_active, "budget", None)
            if budget is not None:
                self._ticks += 1
                if self._ticks % 256 == 0 and budget.over_time():
                    raise _Stopped(self, f"stopped after {budget.cpu_seconds:g} s of CPU "
                                         "([fetch] max_cpu_seconds)")
            return super().unknown_starttag(tag, attrs)

        def handle_charref(self, ref: str) -> Any:
            # "&#xD800;" (a lone surrogate) or "&#x110000;" made the loose parser raise
            # and fail the whole feed: such a reference stands for U+FFFD instead
            try:
                code = int(ref[1:], 16) if ref[:1] in "xX" else int(ref)
                chr(code).encode("utf-8")
            except (ValueError, OverflowError, UnicodeEncodeError):
                ref = "65533"
            return super().handle_charref(ref)

        def unknown_endtag(self, tag: str) -> Any:
            result = super().unknown_endtag(tag)
            limit = getattr(_active, "limit", None)
            if limit is not None and not self.inentry and len(self.entries) >= limit:
                raise _Stopped(self, None)
            return result

    Bounded.__name__ = Bounded.__qualname__ = base.__name__
    return Bounded


for _name_ in ("StrictFeedParser", "LooseFeedParser"):
    _cls = getattr(feedparser.api, _name_)
    if not getattr(_cls, "_trendwatch_bounded", False):
        setattr(feedparser.api, _name_, _bounded(_cls))


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


