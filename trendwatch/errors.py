"""Exceptions that carry a message meant for the user (printed on one line, no traceback)."""

from __future__ import annotations


class TrendwatchError(Exception):
    """Base class: ``str(err)`` is a complete, user-readable sentence."""

    exit_code = 1


class ConfigError(TrendwatchError):
    """The configuration file is missing, unreadable or invalid.

    ``problems`` holds one ``key: message`` line per problem so they can all be shown at once.
    """

    exit_code = 2

    def __init__(self, problems: list[str] | str, path: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        if len(self.problems) == 1:
            super().__init__(f"{where}{self.problems[0]}")
        else:
            body = "; ".join(self.problems)
            super().__init__(f"{where}{len(self.problems)} problems: {body}")


class SourceError(TrendwatchError):
    """A source could not be fetched or parsed. Raised by plugins and the fetcher.

    The message is stored on the ``fetches`` row and shown in ``status``, the digest and
    the web page.
    """

    def __init__(self, message: str, *, http_status: int | None = None,
                 retry_after: float | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        #: Seconds the server asked us to wait (Retry-After / 429), if it said so.
        self.retry_after = retry_after
        #: Response headers (lower-case names) of an HTTP error, e.g. a 429's rate-limit
        #: headers, so a source can read hints the fetcher doesn't know about.
        self.headers = dict(headers or {})


class FetchError(SourceError):
    """The HTTP request failed: refused address, timeout, too large, bad status, too many
    redirects."""


class DaemonLockedError(TrendwatchError):
    """Another ``trendwatch run`` already holds this database."""


class ModelError(TrendwatchError):
    """A stored model file is corrupt, mismatched or unsafe to load."""
