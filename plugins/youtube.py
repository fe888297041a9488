"""``youtube``: the newest videos of a YouTube channel or playlist, with views and ratings.

Reads YouTube's public Atom feed (``https://www.youtube.com/feeds/videos.xml``), which lists
the latest 15 videos. Entries use the ``yt:`` (``http://www.youtube.com/xml/schemas/2015``)
and ``media:`` (``http://search.yahoo.com/mrss/``) namespaces:

* ``yt:videoId`` is the item's guid;
* ``media:group/media:community/media:statistics@views`` becomes the metric ``views``
  (0 for an upcoming premiere or a live stream that hasn't started);
* ``media:starRating@count`` / ``@average`` become ``rating_count`` / ``rating_average``
  (no average when nobody rated yet);
* ``extra`` keeps the thumbnail, the channel (name, id, URL), ``is_short`` (the
  alternate link is ``/shorts/ID`` instead of ``watch?v=ID``) and, for a premiere or
  stream scheduled later, ``scheduled_for`` (the item's own date is clamped to the fetch).

Give exactly one of ``channel_id``, ``playlist_id`` or ``url``:

.. code-block:: toml

    [[sources]]
    name = "yt-studio-kita"
    plugin = "youtube"
    channel_id = "UCxxxxxxxxxxxxxxxxxxxxxx"   # from the channel page's URL or source
    every = "3h"

    [[sources]]
    name = "yt-trailer-playlist"
    plugin = "youtube"
    playlist_id = "PLxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import field_validator, model_validator

from trendwatch.api import (
    FetchContext,
    FetchError,
    HttpURL,
    Item,
    Source,
    SourceError,
    SourceOptions,
    hookimpl,
    parse_feed,
)

FEED_URL = "https://www.youtube.com/feeds/videos.xml"


class YoutubeOptions(SourceOptions):
    #: A channel id: "UC" followed by 22 characters.
    channel_id: str | None = None
    #: A playlist id ("PL...", "UU...", "OLAK5uy_...").
    playlist_id: str | None = None
    #: A full feed URL (a mirror, or a local server in tests).
    url: HttpURL | None = None

    @field_validator("channel_id")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"UC[A-Za-z0-9_-]{22}", value.strip()):
            raise ValueError(f'"{value}" is not a channel id (24 characters starting with "UC"; '
                             "a @handle does not work here)")
        return value.strip() if value else value

    @field_validator("playlist_id")
    @classmethod
    def _playlist(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{10,64}", value.strip()):
            raise ValueError(f'"{value}" is not a playlist id (the list= value of a playlist URL)')
        return value.strip() if value else value

    @model_validator(mode="after")
    def _exactly_one(self) -> YoutubeOptions:
        given = [k for k in ("channel_id", "playlist_id", "url") if getattr(self, k)]
        if len(given) != 1:
            shown = ", ".join(given) if given else "none"
            raise ValueError(f"give exactly one of channel_id, playlist_id or url (got {shown})")
        return self


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def video_fields(entry: Any, now: datetime) -> tuple[dict[str, float], dict[str, Any]]:
    """(metrics, extra) from one feedparser entry of a YouTube feed."""
    metrics: dict[str, float] = {}
    views = _number((entry.get("media_statistics") or {}).get("views"))
    if views is not None:
        metrics["views"] = views
    rating = entry.get("media_starrating") or {}
    count, average = _number(rating.get("count")), _number(rating.get("average"))
    if count is not None:
        metrics["rating_count"] = count
    if average is not None and count:  # "0.00" from nobody is no rating, not a bad one
        metrics["rating_average"] = average
    link = entry.get("link") or ""
    extra: dict[str, Any] = {"is_short": "/shorts/" in link}
    published = entry.get("published_parsed")
    if published:
        when = datetime.fromtimestamp(calendar.timegm(published), UTC)
        if when > now:  # a scheduled premiere or stream: the item's date is clamped to now
            extra["scheduled_for"] = when.isoformat()
    thumbs = entry.get("media_thumbnail") or []
    if thumbs and thumbs[0].get("url"):
        extra["thumbnail"] = thumbs[0]["url"]
    author = entry.get("author_detail") or {}
    channel = {"name": author.get("name"), "id": entry.get("yt_channelid"),
               "url": author.get("href")}
    channel = {k: v for k, v in channel.items() if v}
    if channel:
        extra["channel"] = channel
    return metrics, extra


class YoutubeSource(Source):
    type_name = "youtube"
    description = "A YouTube channel or playlist feed (views and ratings as metrics)"
    Options = YoutubeOptions
    default_every = "3h"

    @property
    def feed_url(self) -> str:
        opts: YoutubeOptions = self.options  # type: ignore[assignment]
        if opts.url:
            return opts.url
        if opts.channel_id:
            return f"{FEED_URL}?{urlencode({'channel_id': opts.channel_id})}"
        return f"{FEED_URL}?{urlencode({'playlist_id': opts.playlist_id})}"

    def describe(self) -> str:
        return f"youtube {self.feed_url}"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        try:
            resp = ctx.http.get(self.feed_url, headers={
                "Accept": "application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"})
        except FetchError as err:
            if err.http_status != 404:
                raise
            # a wrong id, a deleted channel or playlist; YouTube also answers 404 now and
            # then for feeds that exist, so the scheduler's retry is worth it
            raise SourceError(f"YouTube has no feed at {self.feed_url} (HTTP 404): check the "
                              "channel or playlist id", http_status=404) from None
        if resp.not_modified:
            return []

        def enrich(entry: Any, item: Item) -> Item:
            video_id = (entry.get("yt_videoid") or "").strip()
            if not video_id and str(entry.get("id", "")).startswith("yt:video:"):
                video_id = entry["id"][len("yt:video:"):]
            if video_id:
                item.guid = video_id
                if not item.url:
                    item.url = f"https://www.youtube.com/watch?v={video_id}"
            item.kind = "video"
            item.metrics, item.extra = video_fields(entry, ctx.now)
            return item

        items, warnings = parse_feed(resp, ctx.now, entry_hook=enrich)
        for w in warnings:
            ctx.warn(w)
        return items


@hookimpl
def register_sources(register):
    register(YoutubeSource)
