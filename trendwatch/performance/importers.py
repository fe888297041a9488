"""Importers: one per export format, registered by plugins (hook ``register_importers``).

An importer says which columns its export has (English and Indonesian headers), which of
them must be present, and turns a row into a :class:`~.model.PostRecord`. Most formats
need only the class attributes: the base class reads the usual fields (id, link, publish
time, type, the metrics). :func:`choose` picks the importer whose columns fit a file best,
or raises an :class:`~.tables.ExportError` that names what each format expects.

This module is light (no database, no plugins): ``trendwatch.plugins`` imports it to
check what plugins register.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, ClassVar

from ..parse.cells import (
    CellError,
    day_first,
    has_clock,
    is_empty,
    norm_header,
    parse_clock,
    parse_count,
    parse_datetime,
    parse_number,
    parse_percent,
)
from .model import PostRecord, engagement_rate, format_of, platform_of
from .tables import ExportError, Table

__all__ = ["Importer", "Match", "choose", "read_records"]

#: How each standard field's cells are read.
KIND: dict[str, str] = {
    "views": "count", "reach": "count", "impressions": "count", "likes": "count",
    "comments": "count", "shares": "count", "saves": "count", "follows": "count",
    "watch_hours": "number", "avg_watch_seconds": "duration", "completion_rate": "percent",
    "duration": "duration", "published": "date",
}
METRIC_FIELDS = ("views", "reach", "impressions", "likes", "comments", "shares", "saves",
                 "follows", "watch_hours", "avg_watch_seconds", "completion_rate")


@dataclass
class Match:
    """How an importer's columns fit a file's header."""

    importer: type[Importer]
    found: dict[str, int] = field(default_factory=dict)   # field -> column index
    missing: list[str] = field(default_factory=list)      # required headers not found
    unknown: list[str] = field(default_factory=list)      # headers no field claims

    @property
    def ok(self) -> bool:
        return not self.missing and not (self.importer.strict_columns and self.unknown)


class Importer:
    """Base class of an export format. Subclass, set the class attributes, register it.

    ``columns`` maps a field name to the header texts that mean it (compared without case
    or extra spaces), English and Indonesian. Standard fields, read by the base class:
    ``post_id``, ``url``, ``title``, ``published``, ``type`` (the post type/format),
    ``duration`` and the metrics of :data:`METRIC_FIELDS`. ``required`` lists the fields
    that must be present; an entry may be a tuple of alternatives (one of them is enough).
    """

    #: what ``trendwatch performance import --importer NAME`` names
    type_name: ClassVar[str]
    #: the platform the posts are on (``"instagram"``...); ``""`` when a column says it
    platform: ClassVar[str] = ""
    description: ClassVar[str] = ""
    columns: ClassVar[dict[str, tuple[str, ...]]] = {}
    required: ClassVar[tuple[str | tuple[str, ...], ...]] = ()
    #: when two importers fit a file, the higher priority wins (generic CSV: lowest)
    priority: ClassVar[int] = 10
    #: refuse files with headers no field claims (the generic CSV: a typo must not pass)
    strict_columns: ClassVar[bool] = False
    #: header texts to ignore even when strict ("Data comment", "Date" = "Lifetime")
    ignored: ClassVar[tuple[str, ...]] = ()

    # -- matching ---------------------------------------------------------------------

    @classmethod
    def match(cls, table: Table) -> Match:
        heads = [norm_header(h) for h in table.header]
        m = Match(cls)
        for name, aliases in cls.columns.items():
            wanted = {norm_header(a) for a in aliases}
            for i, h in enumerate(heads):
                if h in wanted and i not in m.found.values():
                    m.found[name] = i
                    break
        for req in cls.required:
            options = (req,) if isinstance(req, str) else req
            if not any(o in m.found for o in options):
                m.missing.append(" or ".join(f'"{cls.columns[o][0]}"' for o in options
                                             if o in cls.columns))
        claimed = set(m.found.values())
        skip = {norm_header(x) for x in cls.ignored}
        m.unknown = [table.header[i] for i, h in enumerate(heads)
                     if i not in claimed and h and h not in skip]
        return m

    @classmethod
    def expects(cls) -> str:
        """The required columns in words, for error messages."""
        parts = []
        for req in cls.required:
            options = (req,) if isinstance(req, str) else req
            parts.append(" or ".join(f'"{cls.columns[o][0]}"' for o in options
                                     if cls.columns.get(o)))
        return ", ".join(parts)

    # -- reading ----------------------------------------------------------------------

    def records(self, table: Table, match: Match, tz: tzinfo) -> list[PostRecord]:
        """Every data row as a record; a cell that cannot be read fails the whole file
        with its line and column (nothing is half imported)."""
        col = match.found
        dayfirst = day_first((r[col["published"]] for _, r in table.rows
                              if "published" in col and col["published"] < len(r)),
                             table.lang)
        out = []
        for line, row in table.rows:
            cells = {name: (row[i] if i < len(row) else "") for name, i in col.items()}
            try:
                rec = self.record(cells, table, tz, dayfirst)
            except CellError as err:
                bad = getattr(err, "field", None)
                where = f', column "{table.header[col[bad]]}"' if bad in col else ""
                raise ExportError(f"{_name(table)} line {line}{where}: {err}") from None
            if rec is not None:
                rec.line = line
                out.append(rec)
        return out

    def record(self, cells: dict[str, str], table: Table, tz: tzinfo,
               dayfirst: bool) -> PostRecord | None:
        """One row → a record (``None`` skips the row). Override for a format's quirks."""
        platform = self.platform or platform_of(cells.get("platform"))
        values = {k: self.value(k, v, table, tz, dayfirst) for k, v in cells.items()
                  if k in KIND}
        metrics = {k: values.get(k) for k in METRIC_FIELDS if k in cells}
        post_id = (cells.get("post_id") or "").strip() or None
        url = (cells.get("url") or "").strip() or None
        if post_id is None and url is None:
            return None  # a sub-total or note row: nothing identifies a post
        extra: dict[str, Any] = {}
        if values.get("published") is not None and not has_clock(cells.get("published")):
            extra["date_only"] = True
        return PostRecord(
            platform=platform, platform_post_id=post_id, url=url,
            title=(cells.get("title") or "").strip()[:300] or None,
            format=format_of(cells.get("type"), platform),
            published_at=values.get("published"),
            duration_seconds=values.get("duration"), metrics=metrics, extra=extra)

    @staticmethod
    def value(name: str, text: str, table: Table, tz: tzinfo, dayfirst: bool) -> Any:
        kind = KIND.get(name)
        try:
            if is_empty(text):
                return None
            if kind == "count":
                return parse_count(text)
            if kind == "number":
                return parse_number(text, decimal=table.decimal)
            if kind == "percent":
                return parse_percent(text, decimal=table.decimal)
            if kind == "duration":
                return parse_clock(text, decimal=table.decimal)
            if kind == "date":
                return parse_datetime(text, tz, dayfirst=dayfirst)
        except CellError as err:
            err.field = name  # type: ignore[attr-defined]
            raise
        return text


def _name(table: Table) -> str:
    from pathlib import Path

    return Path(table.path).name


def choose(table: Table, importers: Sequence[type[Importer]],
           forced: str | None = None) -> Match:
    """The importer for ``table``: the named one (``forced``), else the best fit.

    Raises :class:`ExportError` naming the columns each format expects when nothing fits.
    """
    name = _name(table)
    if forced:
        by_name = {imp.type_name: imp for imp in importers}
        if forced not in by_name:
            raise ExportError(f"no importer called {forced!r}; known: "
                              f"{', '.join(sorted(by_name)) or 'none'}")
        m = by_name[forced].match(table)
        if not m.ok:
            raise ExportError(_mismatch(name, m))
        return m
    matches = [imp.match(table) for imp in importers]
    good = [m for m in matches if m.ok]
    if good:
        return max(good, key=lambda m: (m.importer.priority, len(m.found)))
    shown = ", ".join(f'"{h}"' for h in table.header[:12]) or "none"
    lines = [f"{name}: not a recognised export. Its columns: {shown}."]
    lines.append("Expected one of:")
    for m in sorted(matches, key=lambda m: -m.importer.priority):
        lines.append(f"  - {m.importer.type_name} ({m.importer.description}): "
                     f"{m.importer.expects()}" + (f"; missing {', '.join(m.missing)}"
                                                  if m.missing else "")
                     + (f"; unknown columns {', '.join(repr(u) for u in m.unknown[:6])}"
                        if m.importer.strict_columns and m.unknown else ""))
    lines.append("See docs/performance.md for the columns of each export.")
    raise ExportError("\n".join(lines))


def _mismatch(name: str, m: Match) -> str:
    imp = m.importer
    parts = []
    if m.missing:
        parts.append(f"missing {', '.join(m.missing)}")
    if imp.strict_columns and m.unknown:
        known = sorted({a for aliases in imp.columns.values() for a in aliases[:1]})
        parts.append(f"unknown columns {', '.join(repr(u) for u in m.unknown)} (known: "
                     f"{', '.join(known)})")
    return (f"{name}: does not fit the {imp.type_name} importer ({'; '.join(parts)}). "
            f"It expects {imp.expects()}.")


def read_records(table: Table, importers: Sequence[type[Importer]], tz: tzinfo,
                 forced: str | None = None) -> tuple[str, list[PostRecord]]:
    """``(importer name, records)`` of one table; every record's engagement rate is
    computed here so all formats agree on it."""
    m = choose(table, importers, forced)
    records = m.importer().records(table, m, tz)
    if not records:
        raise ExportError(f"{_name(table)}: no posts in the file (only a header"
                          f"{' and totals' if table.rows else ''})")
    for r in records:
        r.extra["engagement_rate"] = engagement_rate(r.platform, r.metrics)
    return m.importer.type_name, records
