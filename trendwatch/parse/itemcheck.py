"""Making every item a source returns storable, one item at a time.

A plugin returns :class:`~trendwatch.api.Item` objects built from untrusted input. Some
values Python holds happily can't be stored: a lone UTF-16 surrogate (``&#xD800;`` in an
XML title, ``"\\ud800"`` in JSON, a Reddit title cut in the middle of an emoji) makes
SQLite's UTF-8 encoding raise, and ``NaN``/``Infinity`` make ``items.extra`` invalid
JSON. Raised while storing, either used to fail the whole source on every fetch.

:func:`check_items` runs in the fetching thread before anything is stored: surrogates
become U+FFFD, non-finite numbers are dropped (metrics) or become ``null`` (extra), and an
item that still can't be made storable is dropped with a warning naming it. The other
items always land.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields
from datetime import datetime
from typing import Any

from ..contracts import Item

_SURROGATE = re.compile("[\ud800-\udfff]")
#: ``extra`` deeper than this is cut (a hostile document nested 100,000 levels).
MAX_DEPTH = 20
#: Warnings kept per fetch: a file of 10,000 bad rows must not store 10,000 strings.
MAX_WARNINGS = 50


def clean_text(value: str) -> str:
    """``value`` with every lone surrogate replaced by U+FFFD (a str from a decoder
    never holds a valid pair as two code points: any surrogate in it is a lone one)."""
    if value.isascii():
        return value
    return _SURROGATE.sub("\ufffd", value)


def clean_json(value: Any, depth: int = 0) -> Any:
    """A JSON-storable copy of ``value``: text cleaned, non-finite floats ``None``, keys
    made strings, anything else (a set, a datetime) as its text, depth cut at
    :data:`MAX_DEPTH`."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return clean_text(value)
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v, depth + 1) for v in value]
    return clean_text(str(value))


def clean_item(item: Item) -> Item:
    """``item`` made storable, in place (and returned). Raises ``ValueError`` when it
    can't be: no title left, or a field of the wrong type."""
    for f in fields(item):
        value = getattr(item, f.name)
        if isinstance(value, str):
            setattr(item, f.name, clean_text(value))
    if not isinstance(item.title, str) or not item.title.strip():
        raise ValueError("no title")
    for name in ("url", "guid", "author", "lang"):
        value = getattr(item, name)
        if value is not None and not isinstance(value, str):
            setattr(item, name, clean_text(str(value)))
    if not isinstance(item.summary, str):
        item.summary = clean_text(str(item.summary or ""))
    if item.published is not None and (not isinstance(item.published, datetime)
                                       or item.published.tzinfo is None):
        raise ValueError(f"published is not a timezone-aware datetime: {item.published!r}")
    metrics: dict[str, float] = {}
    for key, number in (item.metrics or {}).items():
        if isinstance(number, int | float) and not isinstance(number, bool) \
                and math.isfinite(number):
            metrics[clean_text(str(key))] = number
    item.metrics = metrics
    item.extra = clean_json(item.extra or {})
    json.dumps(item.extra, allow_nan=False)  # proves it stores; raises if it can't
    return item


def describe(item: Any) -> str:
    """How a warning names an item: its guid, URL or title, shortened."""
    for name in ("guid", "url", "title"):
        value = getattr(item, name, None)
        if value:
            return repr(clean_text(str(value))[:80])
    return "an item without a name"


def check_items(items: list[Item]) -> tuple[list[Item], list[str]]:
    """The storable items and one warning per dropped one."""
    kept: list[Item] = []
    warnings: list[str] = []
    for i, item in enumerate(items):
        try:
            kept.append(clean_item(item))
        except Exception as err:  # one bad item costs only itself
            warnings.append(f"item {i} ({describe(item)}) dropped: "
                            f"{type(err).__name__}: {clean_text(str(err))[:200]}")
    return kept, warnings


def cap_warnings(warnings: list[str], limit: int = MAX_WARNINGS) -> list[str]:
    """At most ``limit`` warnings, the last saying how many more there were."""
    if len(warnings) <= limit:
        return warnings
    return [*warnings[:limit - 1], f"... and {len(warnings) - limit + 1} more warnings"]
