"""Deprecated: use :mod:`trendwatch.api` (``parse_feed``, ``parse_iso_date``,
``clamp_future``, ``http_url``). Kept so plugins written against 0.1 still import; it will
go in a later release."""

import warnings

from .parse.feeds import clamp_future, http_url, parse_feed, parse_iso_date

warnings.warn("trendwatch.feeds is deprecated: import from trendwatch.api",
              DeprecationWarning, stacklevel=2)

__all__ = ["clamp_future", "http_url", "parse_feed", "parse_iso_date"]
