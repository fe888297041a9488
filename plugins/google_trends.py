"""``google_trends``: Google Trends' daily trending searches for one country.

Reads the public RSS feed ``https://trends.google.com/trending/rss?geo=ID``. Each ``<item>``
is one trending search, with Google's ``ht:`` namespace
(``xmlns:ht="https://trends.google.com/trending/rss"``) carrying the numbers:

* ``ht:approx_traffic`` ("100+", "2000+", "50,000+") becomes the metric ``traffic``;
* up to three ``ht:news_item`` (``_title``, ``_snippet``, ``_url``, ``_picture``,
  ``_source``) become ``extra["news"]``, and their titles the item's summary;
* ``ht:picture`` / ``ht:picture_source`` go to ``extra`` when present.

.. code-block:: toml

    [[sources]]
    name = "google-trends-id"
    plugin = "google_trends"
    geo = "ID"          # two-letter country code
    every = "1h"
    # url = "https://trends.google.com/trending/rss?geo=ID"   # only to override the address

Every trend's ``<link>`` is the feed's own address, so it can't identify a trend. The guid
is built from the country, the normalised search and the day the trend started (in the
brand's time zone): the same trend seen all afternoon is one item, and the same search
trending again next week is a new one. The item's URL is the search's Trends "explore" page.

Why a second XML parser: feedparser flattens repeated ``ht:news_item`` elements into one
(only the last survives), so the news items are read from the same bytes with defusedxml,
which refuses entity expansion (billion laughs) and external entities. That parse is
incremental: a truncated feed keeps every news item completed before the break; a trend it
could not reach gets feedparser's single flattened news item, and a warning is recorded.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from pydantic import field_validator

from trendwatch.api import (
    CellError,
    FetchContext,
    HttpURL,
    Item,
    Source,
    SourceOptions,
    hookimpl,
    parse_feed,
    parse_number,
)

HT = "{https://trends.google.com/trending/rss}"
FEED_URL = "https://trends.google.com/trending/rss?geo={geo}"
EXPLORE_URL = "https://trends.google.com/trends/explore?geo={geo}&q={q}&date=now%207-d"
NEWS_FIELDS = ("title", "snippet", "url", "picture", "source")


class GoogleTrendsOptions(SourceOptions):
    #: ISO 3166-1 alpha-2 country code, as Google Trends uses it ("ID", "US", "MY").
    geo: str = "ID"
    #: Override the feed address (a mirror, or a local server in tests).
    url: HttpURL | None = None

    @field_validator("geo")
    @classmethod
    def _geo(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(f'"{value}" is not a two-letter country code (e.g. "ID")')
        return code


# -- approximate traffic -------------------------------------------------------------------

def parse_traffic(text: str | None) -> float | None:
    """"50,000+" → 50000, "2000+" → 2000, "20 rb+" → 20000, "1,5 jt+" → 1500000.

    Read by the shared cell reader: separators followed by exactly three digits group
    thousands ("10.000", "50,000"), another separator is a decimal mark ("1.5K", "1,5 jt").
    Returns ``None`` for anything else, so an unexpected format never becomes a wrong number.
    """
    if not text:
        return None
    try:
        value = parse_number(text)
    except CellError:
        return None
    return value if value is not None and value >= 0 else None


# -- news items ----------------------------------------------------------------------------

def _clean(text: str | None) -> str:
    """News fields are HTML-escaped text, sometimes escaped twice ("&amp;#39;") and
    sometimes with <b> tags in snippets: one plain line out."""
    if not text:
        return ""
    text = html.unescape(html.unescape(text))
    text = re.sub(r"<[^>]*>", "", text)
    return " ".join(text.split())


def _title_key(title: str) -> str:
    return " ".join(_clean(title).split()).casefold()


class _NewsCollector:
    """An ElementTree parser target that records, per ``<item>``, its title and every
    complete ``ht:news_item``. Fed incrementally, it keeps everything finished before a
    parse error (a truncated feed), like feedparser keeps complete entries."""

    def __init__(self) -> None:
        self.found: dict[str, list[dict[str, str]]] = {}
        self._path: list[str] = []
        self._text: list[str] = []
        self._title: str | None = None
        self._news: list[dict[str, str]] | None = None
        self._current: dict[str, str] | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self._path.append(tag)
        self._text = []
        if tag == "item":
            self._title, self._news = None, []
        elif tag == f"{HT}news_item" and self._news is not None:
            self._current = {}

    def data(self, text: str) -> None:
        self._text.append(text)

    def end(self, tag: str) -> None:
        self._path.pop()
        text = "".join(self._text)
        self._text = []
        if tag == "title" and self._path and self._path[-1] == "item":
            self._title = text
        elif tag.startswith(f"{HT}news_item_") and self._current is not None:
            value = _clean(text)
            if value:
                self._current[tag[len(f"{HT}news_item_"):]] = value
        elif tag == f"{HT}news_item" and self._current is not None:
            if self._current and self._news is not None:
                self._news.append(self._current)
            self._current = None
        elif tag == "item":
            self.flush()

    def flush(self, broken: bool = False) -> None:
        """Record the item being read. When the document broke off inside it, record it
        only if some news item was complete: otherwise feedparser's copy is better."""
        if self._title and self._news is not None and (self._news or not broken):
            self.found.setdefault(_title_key(self._title), self._news)
        self._title, self._news, self._current = None, None, None

    def close(self) -> None:
        return None


def read_news(body: bytes) -> tuple[dict[str, list[dict[str, str]]], str | None]:
    """Every ``ht:news_item`` of every item, keyed by normalised title, and the reason the
    document could not be read to the end (``None`` if it could).

    DTD entity declarations and external entities are refused outright (defusedxml), so a
    billion-laughs or XXE document yields nothing here and costs nothing."""
    collector = _NewsCollector()
    parser = DefusedXMLParser(target=collector)
    try:
        for start in range(0, len(body), 65536):
            parser.feed(body[start:start + 65536])
        parser.close()
    except (ParseError, DefusedXmlException) as err:
        collector.flush(broken=True)
        return collector.found, f"{type(err).__name__}: {err}"
    return collector.found, None


def _flattened_news(entry: Any) -> list[dict[str, str]]:
    """feedparser keeps only the last news item's fields, as ``ht_news_item_*``."""
    news = {f: _clean(entry.get(f"ht_news_item_{f}")) for f in NEWS_FIELDS}
    news = {k: v for k, v in news.items() if v}
    return [news] if news else []


# -- the source ----------------------------------------------------------------------------

def trend_guid(geo: str, title: str, started: datetime) -> str:
    """Same search, same country, same (local) day → same guid."""
    return f"google_trends:{geo}:{_title_key(title)}:{started.date().isoformat()}"


class GoogleTrendsSource(Source):
    type_name = "google_trends"
    description = "Google Trends daily trending searches for a country (RSS, ht: namespace)"
    Options = GoogleTrendsOptions
    default_every = "1h"

    @property
    def feed_url(self) -> str:
        opts: GoogleTrendsOptions = self.options  # type: ignore[assignment]
        return opts.url or FEED_URL.format(geo=opts.geo)

    def describe(self) -> str:
        return f"google_trends {self.feed_url}"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        opts: GoogleTrendsOptions = self.options  # type: ignore[assignment]
        resp = ctx.http.get(self.feed_url, headers={
            "Accept": "application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"})
        if resp.not_modified:
            return []
        news_by_title, problem = read_news(resp.body)
        if problem:
            ctx.warn(f"could not read every ht:news_item ({problem}); trends past that point "
                     "keep at most one news item")
        tz = ctx.brand.tz

        def enrich(entry: Any, item: Item) -> Item:
            news = news_by_title.get(_title_key(entry.get("title", "")))
            if news is None:
                news = _flattened_news(entry)
            raw_traffic = (entry.get("ht_approx_traffic") or "").strip()
            traffic = parse_traffic(raw_traffic)
            if raw_traffic and traffic is None:
                ctx.warn(f"trend {item.title!r}: unrecognised ht:approx_traffic "
                         f"{raw_traffic!r}; kept without a traffic number")
            started = (item.published or ctx.now).astimezone(tz)
            item.guid = trend_guid(opts.geo, item.title, started)
            item.url = EXPLORE_URL.format(geo=opts.geo, q=quote_plus(item.title))
            item.kind = "trend"
            item.summary = "; ".join(
                f"{n['title']} ({n['source']})" if n.get("source") else n["title"]
                for n in news if n.get("title"))
            item.metrics = {"traffic": traffic} if traffic is not None else {}
            extra: dict[str, Any] = {"geo": opts.geo, "news": news}
            if raw_traffic:
                extra["approx_traffic"] = raw_traffic
            for key in ("picture", "picture_source"):
                value = _clean(entry.get(f"ht_{key}"))
                if value:
                    extra[key] = value
            item.extra = extra
            return item

        items, warnings = parse_feed(resp, ctx.now, entry_hook=enrich)
        for w in warnings:
            ctx.warn(w)
        return items


@hookimpl
def register_sources(register):
    register(GoogleTrendsSource)
