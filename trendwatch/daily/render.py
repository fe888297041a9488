"""Turning suggestion rows into text for people: terminal table, Markdown, HTML, CSV.

Every value that came from a feed is untrusted (feedparser does not sanitise titles): HTML
goes through Jinja2 with autoescape, Markdown through :func:`md_escape`, terminal output
through :func:`clean_line` (no control characters, so a title cannot move the cursor or
recolour the terminal), CSV through :func:`csv_cell` (no spreadsheet formulas).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from ..logs import CONTROL_CHARS, clean_line

_BRACKET_HOST = re.compile(r"\[[0-9A-Fa-f:.%\w-]+\](:\d*)?")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|~!])")
#: Characters left as they are when percent-encoding a URL for a Markdown link: everything
#: a URL needs except ( ) < > and spaces, which would end the link early.
_URL_SAFE = ":/?#@!$&*+,;=%-._~[]'"


def md_escape(value: Any) -> str:
    """Escape Markdown syntax (and raw HTML) so a feed value renders as the text it is."""
    return _MD_SPECIAL.sub(r"\\\1", clean_line(value))


def safe_url(value: Any) -> str | None:
    """The URL if we may link to it, else None: the one test for every link we show.

    It must parse (urlsplit raises on ``http://[fe80::1/x``), be http(s) with a host and a
    valid port, and hold no spaces, control or bidi-override characters (a browser would
    drop or misread them; a terminal would obey them). No javascript:, data:, file:.
    """
    if not value:
        return None
    text = str(value).strip()
    if CONTROL_CHARS.search(text) or " " in text:
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not 0-65535
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    # Python < 3.12 accepts text after an IPv6 literal ("http://[::1]x/"); browsers don't.
    host_port = parts.netloc.rpartition("@")[2]
    if "[" in host_port and not _BRACKET_HOST.fullmatch(host_port):
        return None
    return text


def md_link(title: Any, url: Any) -> str:
    """``[title](url)`` with the URL's ``()<>`` and spaces percent-encoded; just the escaped
    title when the URL is not http(s)."""
    link = safe_url(url)
    if not link:
        return md_escape(title)
    return f"[{md_escape(title)}]({quote(link, safe=_URL_SAFE)})"


def csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a text cell starting with = + - @ (or a tab/CR)
    gets a leading apostrophe, as OWASP recommends for CSV exports."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` terminal columns (wide CJK/emoji count double), with an
    ellipsis when cut, and pad it to exactly ``width``."""
    if width <= 0:
        return ""
    if display_width(text) <= width:
        return text + " " * (width - display_width(text))
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…" + " " * (width - 1 - used)


def signal_text(signals: dict[str, Any], keys: tuple[str, ...] = ()) -> str:
    """The stored signals in human words: the list's evidence ("diberitakan 3 media dalam
    2 jam", "#2 di TikTok, 12,3 jt tayangan"), else "3 sources", "rising", "big on its
    source" from the numbers. Never raw scores: they mean nothing to a reader. (``keys``
    is kept for callers of the old signature and ignored.)"""
    evidence = [clean_line(e) for e in signals.get("evidence") or [] if e]
    if evidence:
        return " · ".join(evidence)
    parts = []
    n = signals.get("sources")
    if isinstance(n, int | float) and n >= 2:
        parts.append(f"{int(n)} sources")
    momentum = signals.get("momentum")
    if isinstance(momentum, int | float) and momentum >= 0.5:
        parts.append("rising")
    trend = signals.get("trend")
    if isinstance(trend, int | float) and trend >= 0.7:
        parts.append("big on its source")
    return " · ".join(parts)


def published_text(row: dict[str, Any], *, now: Any = None, lang: str = "id",
                   tz: Any = None) -> str:
    """A suggestion row's publication date for people: "terbit 3 jam lalu", or "tanpa
    tanggal (pertama terlihat ...)" when the feed gave none (see trendwatch.items.freshness)."""
    from datetime import UTC, datetime

    from ..items.freshness import published_words

    return published_words(row.get("published_at"), row.get("published_estimated"),
                           row.get("first_seen"), now or datetime.now(UTC), lang=lang,
                           tz=tz or UTC)


def rising_label(topic: Any) -> str:
    """The term of a rising-topic entry, whatever its exact shape (dict or string)."""
    if isinstance(topic, dict):
        for key in ("term", "phrase", "topic", "name"):
            if topic.get(key):
                return clean_line(topic[key])
        return ""
    return clean_line(topic)


def rising_detail(topic: Any) -> str:
    """A short numeric detail of a rising topic: count now vs. baseline, and the ratio."""
    if not isinstance(topic, dict):
        return ""
    parts = []
    count = topic.get("count", topic.get("recent"))
    base = topic.get("baseline")
    if isinstance(count, int | float):
        parts.append(f"{count:g} mentions" + (f" vs {base:.1f}/day before"
                                               if isinstance(base, int | float) else ""))
    ratio = topic.get("ratio", topic.get("lift"))
    if isinstance(ratio, int | float):
        parts.append(f"×{ratio:.1f}")
    n = topic.get("sources")
    if isinstance(n, int | float):
        parts.append(f"{int(n)} sources")
    elif isinstance(n, list):
        parts.append(f"{len(n)} sources")
    return ", ".join(parts)


@cache
def _env(markdown: bool) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("trendwatch", "templates"),
        # HTML templates escape every value unless marked safe; the Markdown ones escape
        # with the md filter, which the templates apply to every feed value.
        autoescape=not markdown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from ..stories import growth_text

    env.filters.update(md=md_escape, mdlink=md_link, safe_url=safe_url, line=clean_line,
                       signals=signal_text, rising_label=rising_label,
                       rising_detail=rising_detail, growth=growth_text)
    return env


def render_markdown(template: str, **context: Any) -> str:
    return str(_env(True).get_template(template).render(**context))


def render_html(template: str, **context: Any) -> str:
    return str(_env(False).get_template(template).render(**context))


def suggestions_page(rows: list[dict[str, Any]], *, title: str, fmt: str,
                     broken: list[dict[str, Any]] | None = None,
                     rising: list[Any] | None = None, brand: str = "",
                     generated: str = "", now: Any = None, lang: str = "id",
                     tz: Any = None, performance: dict[str, Any] | None = None) -> str:
    """A list (or digest) as Markdown (``fmt="md"``) or a standalone HTML page.

    ``broken``/``rising`` of None leave those sections out (a plain list); an empty list
    shows the section with "none". ``performance`` is the Monday digest's "last week's
    posts" section (:func:`trendwatch.performance.report.weekly_section`), or None.
    """
    rows = [{**r, "published_words": published_text(r, now=now, lang=lang, tz=tz)}
            for r in rows]
    context = {"rows": rows, "title": title, "broken": broken, "rising": rising,
               "brand": brand, "generated": generated, "performance": performance}
    if fmt == "md":
        return render_markdown("digest.md.j2", **context)
    return render_html("digest.html.j2", **context)
