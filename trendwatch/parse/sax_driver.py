"""The SAX driver feedparser uses in trendwatch: Python's expat reader with text buffering.

feedparser builds its strict parser with ``xml.sax.make_parser(PREFERRED_XML_PARSERS)``,
which tries each named module's ``create_parser()`` before the defaults; :mod:`.feeds`
puts this module first. The only difference from the stock expat reader is
``buffer_text``: without it expat reports character data in pieces (at every entity, so
escaped HTML in a description arrives as dozens of calls), and each piece goes through
feedparser's Python ``characters``/``handle_data`` handlers. Coalesced, the same corpus
parses about a third faster with identical output (``tests/test_feeds_sax.py``;
benchmarks/bench_fetch.py). Everything else — namespaces, no external entities, expat's
own entity-expansion limits — is the stock reader's.
"""

from __future__ import annotations

from typing import Any
from xml.sax.expatreader import ExpatParser

#: Characters expat may buffer before reporting them (its default is 8 KiB).
BUFFER_SIZE = 1 << 16


class BufferedExpatParser(ExpatParser):
    """``xml.sax.expatreader.ExpatParser`` with ``buffer_text`` on."""

    def reset(self) -> None:
        super().reset()
        self._parser.buffer_text = True
        self._parser.buffer_size = BUFFER_SIZE


def create_parser(*args: Any, **kwargs: Any) -> BufferedExpatParser:
    """The driver entry point ``xml.sax.make_parser`` calls."""
    return BufferedExpatParser(*args, **kwargs)
