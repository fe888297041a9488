"""Logging: one line per event on stderr (journald-friendly), or JSON lines for machines."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

#: Control and bidi-override characters: a value that holds them could move the cursor,
#: recolour a terminal or forge a second log line.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")


def clean_line(value: Any) -> str:
    """One line of plain text: control and bidi-override characters become spaces."""
    text = "" if value is None else str(value)
    return " ".join(CONTROL_CHARS.sub(" ", text).split())



class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message`` on one line: control and bidi characters in the message
    (a feed title, a server's error reply) become spaces, so they cannot drive the terminal
    or forge a second log line."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = clean_line(record.message)
        return super().formatMessage(record)


def setup_logging(verbose: int = 0, quiet: bool = False, fmt: str = "text") -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[
        min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        # no timestamp: journald and most supervisors add their own
        handler.setFormatter(TextFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("trendwatch")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
