"""``hackernews``: stories from Hacker News through the Algolia search API.

.. code-block:: toml

    [[sources]]
    name = "hn-front"
    plugin = "hackernews"
    every = "30m"
    # optional:
    query = "film"          # full-text search instead of the whole front page
    min_points = 50         # skip stories with fewer points
    tags = "front_page"     # Algolia tags filter: front_page, story, show_hn, ask_hn...

The API (``https://hn.algolia.com/api/v1/search?tags=front_page``) answers
``{"hits": [{"objectID", "title", "url", "author", "points", "num_comments",
"created_at", "created_at_i", "story_text", ...}], "nbHits", "page", "nbPages", ...}``.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import Field

from trendwatch.api import FetchContext, HttpURL, Item, Source, SourceError, SourceOptions
from trendwatch.hookspecs import hookimpl

__version__ = "0.1.0"

#: Where a story's discussion lives; also the URL of posts without a link (Ask HN, polls).
ITEM_URL = "https://news.ycombinator.com/item?id={}"

_TAG = re.compile(r"<[^>]+>")


class HackerNewsOptions(SourceOptions):
    """The keys of a ``[[sources]]`` table with ``plugin = "hackernews"``."""

    #: The API root. Only tests change it (to point at a local server).
    base_url: HttpURL = "https://hn.algolia.com/api/v1"
    #: Full-text query; empty means "everything matching ``tags``".
    query: str = ""
    #: Algolia's tags filter.
    tags: str = "front_page"
    #: Stories with fewer points are skipped.
    min_points: int = Field(0, ge=0)
    #: How many stories to ask for (Algolia allows up to 1000).
    hits_per_page: int = Field(30, ge=1, le=1000)


class HackerNewsSource(Source):
    type_name = "hackernews"
    description = "Hacker News stories (Algolia API): points and comments as metrics"
    Options = HackerNewsOptions
    default_every = "30m"

    def search_url(self) -> str:
        opts: HackerNewsOptions = self.options  # type: ignore[assignment]
        params = {"tags": opts.tags, "hitsPerPage": str(opts.hits_per_page)}
        if opts.query:
            params["query"] = opts.query
        if opts.min_points:
            # Let the server filter too; we check again below in case it ignores this.
            params["numericFilters"] = f"points>={opts.min_points}"
        return f"{opts.base_url.rstrip('/')}/search?{urlencode(params)}"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        opts: HackerNewsOptions = self.options  # type: ignore[assignment]
        resp = ctx.http.get(self.search_url(), headers={"Accept": "application/json"})
        if resp.not_modified:
            return []
        data = resp.json()  # raises SourceError naming the URL when it is not JSON
        hits = data.get("hits") if isinstance(data, dict) else None
        if not isinstance(hits, list):
            raise SourceError(f"{resp.url}: no \"hits\" list in the answer "
                              "(is base_url an Algolia HN API root?)")
        items = []
        for n, hit in enumerate(hits):
            item = self.parse_hit(hit, n, ctx)
            if item is None:
                continue
            if item.metrics.get("points", 0) < opts.min_points:
                continue
            items.append(item)
        return items

    def parse_hit(self, hit: Any, n: int, ctx: FetchContext) -> Item | None:
        """One Algolia hit → an Item, or None (with a warning) when it is unusable."""
        if not isinstance(hit, dict) or not hit.get("objectID"):
            ctx.warn(f"hit {n}: no objectID, skipped")
            return None
        story_id = str(hit["objectID"])
        title = (hit.get("title") or hit.get("story_title") or "").strip()
        if not title:
            ctx.warn(f"story {story_id}: no title, skipped")
            return None
        discussion = ITEM_URL.format(story_id)
        metrics = {}
        for key, metric in (("points", "points"), ("num_comments", "comments")):
            value = hit.get(key)
            if isinstance(value, int | float):
                metrics[metric] = float(value)
        return Item(
            title=html.unescape(title),
            url=hit.get("url") or discussion,  # Ask HN / polls have no link of their own
            guid=story_id,
            summary=_text(hit.get("story_text") or ""),
            published=_published(hit),
            author=hit.get("author"),
            kind="post",
            metrics=metrics,
            extra={"discussion_url": discussion},
            lang="en",
        )


def _text(fragment: str) -> str:
    """story_text is HTML (``<p>``, links, entities): keep the words, at most 1,000 chars."""
    text = html.unescape(_TAG.sub(" ", fragment))
    return " ".join(text.split())[:1000]


def _published(hit: dict[str, Any]) -> datetime | None:
    stamp = hit.get("created_at_i")
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp, UTC)
    raw = hit.get("created_at")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


@hookimpl
def register_sources(register):
    register(HackerNewsSource)
