"""What one source's fetch sees of HTTP: conditional GET and the server's hints.

ETag / Last-Modified are remembered per URL, and a body identical to the last one counts
as not modified, so nothing is parsed twice. Retry-After and Cache-Control max-age are
collected for the source's next fetch time, and every request is logged for the
``fetches`` row.
"""

from __future__ import annotations

import email.utils
import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..contracts import Response
from ..errors import FetchError

if TYPE_CHECKING:
    from .http import Fetcher


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait, from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def parse_max_age(cache_control: str | None) -> float | None:
    """``max-age`` from a Cache-Control header, in seconds (``None`` if absent or bad)."""
    if not cache_control:
        return None
    for part in cache_control.split(","):
        key, _, val = part.strip().partition("=")
        val = val.strip().strip('"')
        if key.lower() == "max-age" and val.isdigit():
            return float(val)
    return None


@dataclass
class CacheEntry:
    """What we remember about one URL between fetches."""

    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None


@dataclass
class RequestLog:
    """One request of a fetch, as the ``fetches`` row counts it."""

    url: str
    status: int | None
    bytes: int
    not_modified: bool


@dataclass
class SourceHttp:
    """The HttpClient one source uses during one fetch. Collects what the pipeline stores:
    cache updates, request log, and server hints for the next fetch time."""

    fetcher: Fetcher
    cache: dict[str, CacheEntry]
    cache_updates: dict[str, CacheEntry] = field(default_factory=dict)
    requests: list[RequestLog] = field(default_factory=list)
    #: Seconds the server asked us to wait (Retry-After), the largest seen.
    retry_after: float | None = None
    #: Cache-Control max-age, the smallest seen.
    max_age: float | None = None

    def get(self, url: str, *, headers: dict[str, str] | None = None,
            conditional: bool = True) -> Response:
        send = {"User-Agent": self.fetcher.user_agent, "Accept-Encoding": "gzip, deflate",
                "Accept": "*/*"}
        send.update(headers or {})
        entry = self.cache.get(url) if conditional else None
        if entry:
            if entry.etag:
                send["If-None-Match"] = entry.etag
            if entry.last_modified:
                send["If-Modified-Since"] = entry.last_modified
        try:
            status, final_url, resp_headers, body = self.fetcher.request(url, send)
        except FetchError as err:
            self.requests.append(RequestLog(url, err.http_status, 0, False))
            raise
        hint = parse_retry_after(resp_headers.get("retry-after"))
        if hint is not None:
            self.retry_after = max(self.retry_after or 0.0, hint)
        age = parse_max_age(resp_headers.get("cache-control"))
        if age is not None:
            self.max_age = age if self.max_age is None else min(self.max_age, age)
        if status == 304:
            self.requests.append(RequestLog(url, status, 0, True))
            if entry and (resp_headers.get("etag") or resp_headers.get("last-modified")):
                # a 304 may carry fresher validators; the body (and its hash) is unchanged
                self.cache_updates[url] = CacheEntry(
                    resp_headers.get("etag") or entry.etag,
                    resp_headers.get("last-modified") or entry.last_modified,
                    entry.body_sha256)
            return Response(final_url, status, resp_headers, b"", not_modified=True)
        if status >= 400:
            self.requests.append(RequestLog(url, status, len(body), False))
            detail = "rate limited" if status == 429 else "server error" if status >= 500 else ""
            wait = f"; retry after {hint:g}s" if hint is not None else ""
            raise FetchError(f"HTTP {status}{f' ({detail})' if detail else ''} from {url}{wait}",
                             http_status=status, retry_after=hint, headers=resp_headers)
        digest = hashlib.sha256(body).hexdigest()
        same = bool(conditional and entry and entry.body_sha256 == digest)
        if conditional:
            self.cache_updates[url] = CacheEntry(resp_headers.get("etag"),
                                                 resp_headers.get("last-modified"), digest)
        self.requests.append(RequestLog(url, status, len(body), same))
        return Response(final_url, status, resp_headers, body, not_modified=same)

    @property
    def all_not_modified(self) -> bool:
        return bool(self.requests) and all(r.not_modified for r in self.requests)

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.requests)

    @property
    def last_status(self) -> int | None:
        return self.requests[-1].status if self.requests else None
