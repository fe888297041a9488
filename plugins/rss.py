"""``rss``: any RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed URL.

.. code-block:: toml

    [[sources]]
    name = "variety"
    plugin = "rss"
    url = "https://variety.com/feed/"
    every = "30m"
"""

from __future__ import annotations

from pydantic import Field

from trendwatch.api import (
    FetchContext,
    HttpURL,
    Item,
    Source,
    SourceOptions,
    hookimpl,
    parse_feed,
)


class RssOptions(SourceOptions):
    url: HttpURL
    #: Keep at most this many entries per fetch (newest first, as the feed orders them).
    max_items: int = Field(500, ge=1, le=10_000)


class RssSource(Source):
    type_name = "rss"
    description = "RSS, Atom or JSON Feed"
    Options = RssOptions
    default_every = "30m"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        opts: RssOptions = self.options  # type: ignore[assignment]
        resp = ctx.http.get(opts.url, headers={
            "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                      "application/json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"})
        if resp.not_modified:
            return []
        items, warnings = parse_feed(resp, ctx.now, max_items=opts.max_items)
        for w in warnings:
            ctx.warn(w)
        return items[: opts.max_items]


@hookimpl
def register_sources(register):
    register(RssSource)
