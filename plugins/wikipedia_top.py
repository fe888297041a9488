"""``wikipedia_top``: the most-read articles of a Wikipedia for one day.

Uses the Wikimedia pageviews "top" endpoint
(``/metrics/pageviews/top/{project}/{access}/{YYYY}/{MM}/{DD}``). What Indonesians look up
on Wikipedia the day after a film premiere, a scandal or a match is a good trend signal.

.. code-block:: toml

    [[sources]]
    name = "wikipedia-id-top"
    plugin = "wikipedia_top"
    project = "id.wikipedia"   # or "en.wikipedia", "jv.wikipedia"...
    every = "6h"

A day's figures are published some hours after it ends (UTC). When yesterday's are not out
yet (HTTP 404), the day before is used and a warning says so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, unquote

from pydantic import Field

from trendwatch.api import (
    FetchContext,
    FetchError,
    HttpURL,
    Item,
    Source,
    SourceError,
    SourceOptions,
    hookimpl,
)

#: Main pages are always on top and say nothing about trends.
MAIN_PAGES = {"Halaman_Utama", "Main_Page", "-"}

#: Namespaces that are not articles (Indonesian names and their English canonical forms).
#: Matched case-insensitively on the part before the first colon.
SKIP_NAMESPACES = {
    "istimewa", "special", "wikipedia", "berkas", "file", "kategori", "category", "portal",
    "templat", "template", "bantuan", "help", "pengguna", "user", "pembicaraan", "talk",
    "mediawiki", "modul", "module", "media", "topik", "topic",
}


class WikipediaTopOptions(SourceOptions):
    #: The wiki, as the API names it: "id.wikipedia", "en.wikipedia", "jv.wikipedia"...
    project: str = Field("id.wikipedia", pattern=r"^[a-z0-9-]+\.(wikipedia|wiktionary|"
                         r"wikinews|wikiquote|wikibooks|wikisource|wikivoyage)$")
    access: Literal["all-access", "desktop", "mobile-app", "mobile-web"] = "all-access"
    #: Which day: 1 = yesterday (UTC). Today's figures never exist yet.
    days_ago: int = Field(1, ge=1, le=60)
    #: Keep the top N articles (after dropping main pages and special namespaces).
    limit: int = Field(50, ge=1, le=1000)
    #: The REST API root (change it only for tests or a mirror).
    base_url: HttpURL = "https://wikimedia.org/api/rest_v1"


def is_article(name: str) -> bool:
    """False for main pages and special namespaces (``Istimewa:Cari``, ``Berkas:X.jpg``...)."""
    if name in MAIN_PAGES:
        return False
    namespace, sep, _ = name.partition(":")
    return not (sep and namespace.lower().replace(" ", "_") in SKIP_NAMESPACES)


class WikipediaTopSource(Source):
    type_name = "wikipedia_top"
    description = "Most-read Wikipedia articles of a day (Wikimedia pageviews API)"
    Options = WikipediaTopOptions
    default_every = "6h"

    def describe(self) -> str:
        opts: WikipediaTopOptions = self.options  # type: ignore[assignment]
        return f"wikipedia_top {opts.project} ({opts.access})"

    def _url(self, day: date) -> str:
        opts: WikipediaTopOptions = self.options  # type: ignore[assignment]
        return (f"{opts.base_url.rstrip('/')}/metrics/pageviews/top/{opts.project}/"
                f"{opts.access}/{day:%Y/%m/%d}")

    def fetch(self, ctx: FetchContext) -> list[Item]:
        opts: WikipediaTopOptions = self.options  # type: ignore[assignment]
        day = ctx.now.astimezone(UTC).date() - timedelta(days=opts.days_ago)
        try:
            resp = ctx.http.get(self._url(day))
        except FetchError as err:
            if err.http_status != 404:
                raise
            # Figures for a day appear some hours after it ends: use the day before.
            ctx.warn(f"pageviews for {day.isoformat()} are not published yet (HTTP 404); "
                     f"using {(day - timedelta(days=1)).isoformat()}")
            day -= timedelta(days=1)
            resp = ctx.http.get(self._url(day))
        if resp.not_modified:
            return []
        return self.parse(resp.json(), day, ctx)

    def parse(self, data: Any, day: date, ctx: FetchContext) -> list[Item]:
        opts: WikipediaTopOptions = self.options  # type: ignore[assignment]
        try:
            articles = data["items"][0]["articles"]
            if not isinstance(articles, list):
                raise TypeError
        except (KeyError, IndexError, TypeError):
            raise SourceError("unexpected pageviews response: no items[0].articles list "
                              "(has the Wikimedia API changed?)") from None
        published = datetime(day.year, day.month, day.day, tzinfo=UTC)
        lang = opts.project.split(".", 1)[0]
        items: list[Item] = []
        for i, row in enumerate(articles):
            if len(items) >= opts.limit:
                break
            name = row.get("article") if isinstance(row, dict) else None
            if not isinstance(name, str) or not name.strip():
                ctx.warn(f"article {i} has no name; skipped")
                continue
            if not is_article(name):
                continue
            metrics = {k: float(row[k]) for k in ("views", "rank")
                       if isinstance(row.get(k), int | float)}
            try:
                title = unquote(name).replace("_", " ")
                url = f"https://{opts.project}.org/wiki/{quote(name, safe=':/()!,*')}"
            except Exception as err:  # one odd row costs only itself
                ctx.warn(f"article {i}: {type(err).__name__}: {err}; skipped")
                continue
            items.append(Item(
                title=title,
                url=url,
                guid=f"{opts.project}:{day.isoformat()}:{name}",
                published=published,
                kind="page",
                metrics=metrics,
                extra={"date": day.isoformat(), "project": opts.project,
                       "access": opts.access},
                lang=lang if len(lang) <= 3 else None,
            ))
        return items


@hookimpl
def register_sources(register):
    register(WikipediaTopSource)
