"""``mastodon_trends``: what is trending on a Mastodon instance: hashtags and shared links.

Uses two public endpoints (no login):

* ``/api/v1/trends/tags`` → ``[{"name", "url", "history": [{"day", "uses", "accounts"}]}]``:
  items of kind ``tag`` titled ``#name``;
* ``/api/v1/trends/links`` → preview cards ``{"url", "title", "description",
  "provider_name", "image", "history": [...]}``: items of kind ``link``.

``history`` has one entry per day, newest first; ``day`` is a Unix timestamp of midnight UTC
and every count is a **string** ("13"). It is kept in ``extra["history"]`` (as numbers) and
summarised as the metrics ``uses_today``, ``accounts_today``, ``uses_week`` and
``accounts_week``. A tag's guid includes the instance's current day, so a tag trending all
day is one item and the same tag trending again next week is a new one; links are
recognised by their URL (and linked to the same article from other sources).

An instance may switch trends off (it then answers 404/403, or an empty list). Only if
nothing usable comes from either endpoint is the fetch an error; when one endpoint works,
its items are kept and the other's failure is a warning.

.. code-block:: toml

    [[sources]]
    name = "mastodon-social"
    plugin = "mastodon_trends"
    instance = "https://mastodon.social"
    tags = true      # /api/v1/trends/tags
    links = true     # /api/v1/trends/links
    limit = 20       # per endpoint, at most 20
    every = "2h"
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import Field, model_validator

from trendwatch.api import (
    FetchContext,
    HttpURL,
    Item,
    Source,
    SourceError,
    SourceOptions,
    hookimpl,
    http_url,
    parse_iso_date,
)


class MastodonTrendsOptions(SourceOptions):
    #: The instance's address, e.g. "https://mastodon.social".
    instance: HttpURL
    tags: bool = True
    links: bool = True
    limit: int = Field(20, ge=1, le=20)

    @model_validator(mode="after")
    def _something(self) -> MastodonTrendsOptions:
        if not (self.tags or self.links):
            raise ValueError("tags and links are both false: enable at least one")
        return self


def _count(value: Any) -> int | None:
    """Counts arrive as strings ("13"); tolerate ints, refuse anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_history(raw: Any) -> list[dict[str, int]]:
    """``[{"day": "1764201600", "uses": "13", "accounts": "10"}]`` → numbers, newest first;
    malformed rows are dropped."""
    rows = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        day, uses, accounts = (_count(entry.get(k)) for k in ("day", "uses", "accounts"))
        if day is None:
            continue
        rows.append({"day": day, "uses": uses or 0, "accounts": accounts or 0})
    rows.sort(key=lambda r: r["day"], reverse=True)
    return rows


def history_metrics(history: list[dict[str, int]]) -> dict[str, float]:
    if not history:
        return {}
    week = history[:7]
    return {
        "uses_today": float(history[0]["uses"]),
        "accounts_today": float(history[0]["accounts"]),
        "uses_week": float(sum(r["uses"] for r in week)),
        # the same account on several days counts several times: an upper bound
        "accounts_week": float(sum(r["accounts"] for r in week)),
    }


def _day(history: list[dict[str, int]], now: datetime) -> datetime:
    if history:
        try:
            return datetime.fromtimestamp(history[0]["day"], UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _reason(err: SourceError) -> str:
    if err.http_status in (401, 403, 404, 410, 422):
        return f"HTTP {err.http_status}: trends disabled or not public on this instance?"
    return f"HTTP {err.http_status}" if err.http_status else str(err)


def _text(value: Any, limit: int = 2000) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str) else ""


class MastodonTrendsSource(Source):
    type_name = "mastodon_trends"
    description = "Trending hashtags and links of a Mastodon instance"
    Options = MastodonTrendsOptions
    default_every = "2h"

    def describe(self) -> str:
        return f"mastodon_trends {self.options.instance}"  # type: ignore[attr-defined]

    def _endpoint(self, kind: str) -> str:
        opts: MastodonTrendsOptions = self.options  # type: ignore[assignment]
        return f"{opts.instance.rstrip('/')}/api/v1/trends/{kind}?" \
               f"{urlencode({'limit': opts.limit})}"

    def fetch(self, ctx: FetchContext) -> list[Item]:
        opts: MastodonTrendsOptions = self.options  # type: ignore[assignment]
        wanted = [k for k in ("tags", "links") if getattr(opts, k)]
        items: list[Item] = []
        failures: dict[str, str] = {}
        unchanged = 0
        for kind in wanted:
            url = self._endpoint(kind)
            try:
                resp = ctx.http.get(url, headers={"Accept": "application/json"})
                if resp.not_modified:
                    unchanged += 1
                    continue
                data = resp.json()
                if not isinstance(data, list):
                    raise SourceError(f"{url} did not return a list")
            except SourceError as err:
                failures[kind] = _reason(err)
                continue
            parse = self._tag if kind == "tags" else self._link
            for i, raw in enumerate(data):
                try:
                    item = parse(raw, ctx) if isinstance(raw, dict) else None
                except Exception as err:  # one odd entry costs only itself
                    ctx.warn(f"{kind} entry {i}: {type(err).__name__}: {err}; skipped")
                    continue
                if item is not None:
                    items.append(item)
        host = urlsplit(opts.instance).hostname
        if not items and not unchanged:
            # nothing from any endpoint: an empty list is how an instance with trends
            # switched off answers, so say that rather than report "0 new"
            endpoints = " or ".join(f"/api/v1/trends/{k}" for k in wanted)
            detail = "; ".join(f"{k}: {v}" for k, v in failures.items())
            reason = detail if len(failures) == len(wanted) else \
                "trends are probably disabled on this instance" + (f"; {detail}" if detail else "")
            raise SourceError(f"no trends from {host} ({endpoints}): {reason}")
        for kind, reason in failures.items():
            ctx.warn(f"/api/v1/trends/{kind} on {host} failed ({reason}); kept the other "
                     "endpoint's items")
        return items

    def _tag(self, raw: dict[str, Any], ctx: FetchContext) -> Item | None:
        name = _text(raw.get("name"), 200).lstrip("#")
        if not name:
            ctx.warn("a trending tag has no name; skipped")
            return None
        history = parse_history(raw.get("history"))
        day = _day(history, ctx.now)
        return Item(
            title=f"#{name}",
            url=http_url(raw.get("url"), self.options.instance),  # type: ignore[attr-defined]
            guid=f"tag:{name.casefold()}:{day.date().isoformat()}",
            published=day,
            kind="tag",
            metrics=history_metrics(history),
            extra={"history": history, "instance": self.options.instance},  # type: ignore[attr-defined]
        )

    def _link(self, raw: dict[str, Any], ctx: FetchContext) -> Item | None:
        # A link card is its URL: without a valid one (not http(s), unparseable, a bad
        # port) the card is skipped with a warning; the other trends still land.
        url = http_url(raw.get("url"), self.options.instance)  # type: ignore[attr-defined]
        if url is None:
            shown = raw.get("url")
            ctx.warn(f"a trending link has no valid http(s) url "
                     f"({shown[:80] if isinstance(shown, str) else shown!r}); skipped")
            return None
        # video and photo cards often have no title: still a trending link
        title = _text(raw.get("title"), 500) or _text(raw.get("description"), 140) or url
        history = parse_history(raw.get("history"))
        extra = {k: raw[k] for k in ("provider_name", "provider_url", "image", "author_name",
                                     "type", "image_description")
                 if isinstance(raw.get(k), str) and raw[k]}
        extra["history"] = history
        extra["instance"] = self.options.instance  # type: ignore[attr-defined]
        return Item(
            title=title,
            url=url,
            summary=_text(raw.get("description")),
            published=parse_iso_date(raw.get("published_at"), ctx.now),
            author=_text(raw.get("author_name"), 200) or None,
            kind="link",
            metrics=history_metrics(history),
            extra=extra,
            lang=_text(raw.get("language"), 8) or None,
        )


@hookimpl
def register_sources(register):
    register(MastodonTrendsSource)
