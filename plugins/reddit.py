"""``reddit``: the posts of a subreddit listing, with score, comments and upvote ratio.

Reads the public JSON of a listing, ``https://www.reddit.com/r/NAME/hot.json`` (no login):
``{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {...}}, ...]}}``.

* each ``t3`` post becomes an item of kind ``post``, guid its ``name`` (``t3_abc123``),
  published at ``created_utc``;
* metrics ``score``, ``num_comments``, ``upvote_ratio``; ``extra`` keeps ``flair``,
  ``domain``, ``permalink``, ``subreddit``, ``is_self``;
* the item's URL is the linked page for link posts and the reddit thread for self posts
  (or when the linked URL is not a valid http(s) URL);
* NSFW (``over_18``) and stickied (moderator announcement) posts are skipped.

Reddit rate-limits anonymous clients hard. A 429 becomes a clear error ("rate limited by
reddit, retrying after 60s") whose wait comes from ``Retry-After`` or reddit's own
``x-ratelimit-reset`` header; the scheduler waits at least that long before trying again.

.. code-block:: toml

    [[sources]]
    name = "reddit-indonesia"
    plugin = "reddit"
    subreddit = "indonesia"
    listing = "hot"        # hot | new | top | rising
    limit = 50             # at most 100
    # period = "day"       # for listing = "top": hour | day | week | month | year | all
    every = "2h"
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from pydantic import Field, field_validator

from trendwatch.api import (
    FetchContext,
    FetchError,
    HttpURL,
    Item,
    Response,
    Source,
    SourceError,
    SourceOptions,
    clamp_future,
    hookimpl,
    http_url,
)


class RedditOptions(SourceOptions):
    #: The subreddit's name, without "r/" (a leading "r/" is accepted and dropped).
    subreddit: str
    listing: Literal["hot", "new", "top", "rising"] = "hot"
    limit: int = Field(25, ge=1, le=100)
    #: Time window of ``listing = "top"``.
    period: Literal["hour", "day", "week", "month", "year", "all"] = "day"
    #: Where reddit is (another front-end, or a local server in tests).
    base_url: HttpURL = "https://www.reddit.com"

    @field_validator("subreddit")
    @classmethod
    def _name(cls, value: str) -> str:
        name = re.sub(r"^/?r/", "", value.strip()).strip("/")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}", name):
            raise ValueError(f'"{value}" is not a subreddit name (2–21 letters, digits or _, '
                             'e.g. "indonesia")')
        return name


def _epoch(value: Any, now: datetime) -> datetime | None:
    try:
        dt = datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return clamp_future(dt, now)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _wait_hint(err: FetchError) -> float | None:
    """Seconds to wait after a 429: Retry-After (already parsed by the fetcher), else
    reddit's ``x-ratelimit-reset`` (seconds until the rate-limit window resets)."""
    if err.retry_after is not None:
        return err.retry_after
    reset = err.headers.get("x-ratelimit-reset", "").strip()
    try:
        seconds = float(reset)
    except ValueError:
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


class RedditSource(Source):
    type_name = "reddit"
    description = "A subreddit listing via its public .json (score, comments, upvote ratio)"
    Options = RedditOptions
    default_every = "2h"

    @property
    def listing_url(self) -> str:
        opts: RedditOptions = self.options  # type: ignore[assignment]
        query: dict[str, Any] = {"limit": opts.limit, "raw_json": 1}
        if opts.listing == "top":
            query["t"] = opts.period
        base = opts.base_url.rstrip("/")
        return f"{base}/r/{opts.subreddit}/{opts.listing}.json?{urlencode(query)}"

    def describe(self) -> str:
        opts: RedditOptions = self.options  # type: ignore[assignment]
        return f"reddit r/{opts.subreddit} ({opts.listing})"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        opts: RedditOptions = self.options  # type: ignore[assignment]
        try:
            resp = ctx.http.get(self.listing_url, headers={"Accept": "application/json"})
        except FetchError as err:
            raise self._explain(err) from None
        if resp.not_modified:
            return []
        if "/subreddits/search" in urlsplit(resp.url).path:
            # reddit answers an unknown subreddit with a redirect to its search page
            raise SourceError(f"r/{opts.subreddit} does not exist (reddit redirected to search)")
        return self._parse(resp, ctx)

    def _explain(self, err: FetchError) -> SourceError:
        """Turn reddit's HTTP errors into messages a specialist can act on."""
        sub = self.options.subreddit  # type: ignore[attr-defined]
        if err.http_status == 429:
            wait = _wait_hint(err)
            when = f"retrying after {wait:.0f}s" if wait is not None else "retrying later"
            return SourceError(f"rate limited by reddit, {when}", http_status=429,
                               retry_after=wait)
        if err.http_status == 403:
            # reddit also answers 403 to clients it blocks, not only for private subreddits
            return SourceError(f"r/{sub} is private or quarantined, or reddit refused this "
                               "client (HTTP 403)", http_status=403)
        if err.http_status == 404:
            return SourceError(f"r/{sub} is banned or does not exist (HTTP 404)",
                               http_status=404)
        return err

    def _parse(self, resp: Response, ctx: FetchContext) -> list[Item]:
        data = resp.json()
        if not (isinstance(data, dict) and data.get("kind") == "Listing"
                and isinstance(data.get("data"), dict)
                and isinstance(data["data"].get("children"), list)):
            raise SourceError(f"{resp.url} is not a reddit Listing")
        base = self.options.base_url.rstrip("/") + "/"  # type: ignore[attr-defined]
        items, skipped = [], {"nsfw": 0, "stickied": 0}
        for i, child in enumerate(data["data"]["children"]):
            post = child.get("data") if isinstance(child, dict) else None
            if not isinstance(child, dict) or child.get("kind") != "t3" or \
                    not isinstance(post, dict):
                continue
            if post.get("over_18"):
                skipped["nsfw"] += 1
                continue
            if post.get("stickied"):
                skipped["stickied"] += 1
                continue
            title = " ".join(str(post.get("title") or "").split())
            if not title:
                ctx.warn(f"post {i} ({post.get('name', '?')}) has no title; skipped")
                continue
            try:
                items.append(self._item(post, title, base, ctx.now))
            except Exception as err:  # one odd post costs only itself
                ctx.warn(f"post {i} ({post.get('name', '?')}): {type(err).__name__}: {err}; "
                         "skipped")
        sub = self.options.subreddit  # type: ignore[attr-defined]
        ctx.log.debug("r/%s: %d posts, skipped %d NSFW and %d stickied", sub, len(items),
                      skipped["nsfw"], skipped["stickied"])
        if not items and skipped["nsfw"]:
            ctx.warn(f"r/{sub}: all {skipped['nsfw']} posts are NSFW and were skipped "
                     "(is this subreddit right for the brand?)")
        return items

    @staticmethod
    def _item(post: dict[str, Any], title: str, base: str, now: datetime) -> Item:
        # Every URL goes through the one check (http(s), parseable, valid port): a post
        # linking to "http://x:99999/" keeps its thread link instead of breaking the fetch.
        # Relative links (crossposts, galleries) resolve against reddit.
        permalink = http_url(_text(post.get("permalink")), base)
        link = http_url(_text(post.get("url")), base)
        url = permalink if post.get("is_self") or not link else link
        metrics = {k: v for k in ("score", "num_comments", "upvote_ratio")
                   if (v := _number(post.get(k))) is not None}
        extra = {
            "flair": post.get("link_flair_text") or None,
            "domain": post.get("domain"),
            "permalink": permalink,
            "subreddit": post.get("subreddit"),
            "is_self": bool(post.get("is_self")),
        }
        author = post.get("author")
        return Item(
            title=title,
            url=url,
            guid=str(post["name"]) if post.get("name") else None,
            summary=" ".join(str(post.get("selftext") or "").split())[:2000],
            published=_epoch(post.get("created_utc"), now),
            author=None if author in (None, "", "[deleted]") else f"u/{author}",
            kind="post",
            metrics=metrics,
            extra={k: v for k, v in extra.items() if v is not None},
        )


@hookimpl
def register_sources(register):
    register(RedditSource)
