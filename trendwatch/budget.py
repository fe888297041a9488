"""Deprecated: use :mod:`trendwatch.api` (``current_budget``, ``Budget``). Kept so plugins
written against 0.1 still import; it will go in a later release."""

import warnings

from .parse.budget import Budget, current

warnings.warn("trendwatch.budget is deprecated: import from trendwatch.api",
              DeprecationWarning, stacklevel=2)

__all__ = ["Budget", "current"]
