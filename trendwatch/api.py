"""The public API for plugin authors: everything a plugin needs, and nothing else.

A plugin (a source, a notifier, an angle writer, a performance-export importer) imports
from this module and from nowhere else in trendwatch; the built-in plugins in
``plugins/`` do the same, and ``tests/test_plugin_api.py`` fails when one does not. The
rest of the package is internal and may change between releases. See ``docs/plugins.md``.

- **Types**: :class:`Item`, :class:`Source` + :class:`SourceOptions`, :class:`Notifier`
  + :class:`NotifierOptions`, :class:`Angle`, :class:`FetchContext`, :class:`Response`,
  :class:`HttpClient`, :data:`HttpURL`; for exports :class:`Importer`, :class:`PostRecord`,
  :class:`Table`.
- **Hooks**: :data:`hookimpl` marks a hook implementation (specs: :mod:`trendwatch.hookspecs`).
- **Parsing**: :func:`parse_feed` (RSS, Atom, JSON Feed, bounded), :func:`parse_iso_date`,
  :func:`clamp_future`, :func:`http_url`, :func:`plain_text`, :func:`content_hash`,
  :func:`canonical_url`; for big JSON documents :func:`json_rows`, :class:`JsonRows`,
  :class:`JsonStreamError`, :func:`json_loads`.
- **Cells** of spreadsheets and exports (English and Indonesian): :func:`parse_number`,
  :func:`parse_count`, :func:`parse_percent`, :func:`parse_clock`, :func:`parse_datetime`,
  :class:`CellError`; for the files they come in :func:`text_encoding`,
  :func:`sniff_delimiter`, :func:`excel_sep_line`, :func:`header_key`.
- **Limits**: :func:`current_budget` (what this fetch may still cost) and :class:`Budget`.
- **Angles**: :func:`template_angles`, the built-in angle writer, to extend or fall back on.
- **Errors**: :class:`SourceError`, :class:`FetchError`, :class:`TrendwatchError`.
"""

from __future__ import annotations

from .contracts import (
    Angle,
    FetchContext,
    HttpClient,
    HttpURL,
    Item,
    Notifier,
    NotifierOptions,
    Response,
    Source,
    SourceOptions,
)
from .errors import FetchError, SourceError, TrendwatchError
from .hookspecs import hookimpl
from .parse.budget import Budget
from .parse.budget import current as current_budget
from .parse.cells import (
    CellError,
    excel_sep_line,
    header_key,
    parse_clock,
    parse_count,
    parse_datetime,
    parse_number,
    parse_percent,
    sniff_delimiter,
    text_encoding,
)
from .parse.feeds import clamp_future, http_url, parse_feed, parse_iso_date
from .parse.html import plain_text
from .parse.jsonstream import Rows as JsonRows
from .parse.jsonstream import StreamError as JsonStreamError
from .parse.jsonstream import iter_rows as json_rows
from .parse.jsonstream import loads as json_loads
from .parse.normalize import canonical_url, content_hash
from .performance.importers import Importer
from .performance.model import PostRecord
from .performance.tables import Table
from .ranking.angles import template_angles

__all__ = [
    "Angle",
    "Budget",
    "CellError",
    "FetchContext",
    "FetchError",
    "HttpClient",
    "HttpURL",
    "Importer",
    "Item",
    "JsonRows",
    "JsonStreamError",
    "Notifier",
    "NotifierOptions",
    "PostRecord",
    "Response",
    "Source",
    "SourceError",
    "SourceOptions",
    "Table",
    "TrendwatchError",
    "canonical_url",
    "clamp_future",
    "content_hash",
    "current_budget",
    "excel_sep_line",
    "header_key",
    "hookimpl",
    "http_url",
    "json_loads",
    "json_rows",
    "parse_clock",
    "parse_count",
    "parse_datetime",
    "parse_feed",
    "parse_iso_date",
    "parse_number",
    "parse_percent",
    "plain_text",
    "sniff_delimiter",
    "template_angles",
    "text_encoding",
]
