"""Deprecated: use :mod:`trendwatch.api` (``plain_text``, ``content_hash``,
``canonical_url``). Kept so plugins written against 0.1 still import; it will go in a later
release."""

import warnings

from .parse.html import plain_text
from .parse.normalize import canonical_url, content_hash, title_key

warnings.warn("trendwatch.text is deprecated: import from trendwatch.api",
              DeprecationWarning, stacklevel=2)

__all__ = ["canonical_url", "content_hash", "plain_text", "title_key"]
