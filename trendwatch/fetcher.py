"""The one HTTP fetcher every source shares.

What it guarantees, whatever a source or a server does:

* http and https only, at most ``max_redirects`` hops, each hop checked again;
* unless ``allow_private``, no connection to loopback, private, link-local (cloud metadata),
  multicast or reserved addresses: checked on the address actually connected to, so DNS
  tricks don't get around it;
* a whole-request deadline (``timeout``): a server that trickles a byte a second is cut off;
* at most ``max_bytes`` of body *after* decompression (a gzip bomb stops there);
* at most ``per_host`` requests in flight per host;
* conditional GET: ETag / Last-Modified per URL, and a body identical to the last one
  counts as not modified, so nothing is parsed twice.
"""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from . import __version__
from .api import Response
from .config import FetchConfig
from .errors import FetchError

CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}


class BlockedAddress(FetchError):
    pass


def address_allowed(ip: str) -> bool:
    """Only globally routable unicast addresses (IPv4-mapped IPv6 judged as IPv4)."""
    try:
        addr = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


_local = threading.local()


class _GuardMixin:
    """Checks the peer address right after connecting; remembers the socket so the
    request deadline can shut it down from the watchdog thread."""

    allow_private = False

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        if not self.allow_private and not address_allowed(peer):
            sock.close()
            raise BlockedAddress(
                f"refused to connect to {self.host} ({peer}): private, loopback or reserved "  # type: ignore[attr-defined]
                "address (set [fetch] allow_private = true to allow)")
        return sock

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        holder = getattr(_local, "holder", None)
        if holder is not None:
            holder["sock"] = self.sock  # type: ignore[attr-defined]
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


def _pool_classes(allow_private: bool) -> dict[str, type]:
    http_conn = type("GuardedHTTPConnection", (_GuardMixin, HTTPConnection),
                     {"allow_private": allow_private})
    https_conn = type("GuardedHTTPSConnection", (_GuardMixin, HTTPSConnection),
                      {"allow_private": allow_private})
    return {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,),
                      {"ConnectionCls": https_conn}),
    }


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
    if not cache_control:
        return None
    for part in cache_control.split(","):
        key, _, val = part.strip().partition("=")
        if key.lower() == "max-age" and val.strip().isdigit():
            return float(val.strip())
    return None


@dataclass
class CacheEntry:
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None


@dataclass
class RequestLog:
    url: str
    status: int | None
    bytes: int
    not_modified: bool


class Fetcher:
    """Shared by all sources of a run: one connection pool, per-host limits."""

    def __init__(self, config: FetchConfig, contact_url: str = ""):
        self.config = config
        self.user_agent = config.user_agent or (
            f"trendwatch/{__version__} (+{contact_url})" if contact_url
            else f"trendwatch/{__version__}")
        self.pool = urllib3.PoolManager(num_pools=64, maxsize=config.per_host, block=False,
                                        retries=False)
        self.pool.pool_classes_by_scheme = _pool_classes(config.allow_private)
        self._host_lock = threading.Lock()
        self._host_sems: dict[str, threading.BoundedSemaphore] = {}

    def _host_slot(self, host: str) -> threading.BoundedSemaphore:
        with self._host_lock:
            sem = self._host_sems.get(host)
            if sem is None:
                sem = self._host_sems[host] = threading.BoundedSemaphore(self.config.per_host)
            return sem

    def client(self, cache: dict[str, CacheEntry] | None = None) -> SourceHttp:
        """An :class:`~trendwatch.api.HttpClient` for one source's fetch."""
        return SourceHttp(self, dict(cache or {}))

    def close(self) -> None:
        self.pool.clear()

    # -- one request ---------------------------------------------------------------------

    def request(self, url: str, headers: dict[str, str]) -> tuple[int, str, dict[str, str], bytes]:
        """GET with redirects, limits and the address guard. Returns (status, final url,
        headers, body); 304 comes back with an empty body. Raises FetchError."""
        cfg = self.config
        deadline = time.monotonic() + cfg.timeout
        hops = 0
        current = url
        while True:
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(f"refused to fetch {current!r}: only http(s) URLs are allowed")
            if not cfg.allow_private:
                try:  # a literal address can be refused before connecting
                    literal = ipaddress.ip_address(parts.hostname)
                except ValueError:
                    literal = None
                if literal is not None and not address_allowed(str(literal)):
                    raise BlockedAddress(
                        f"refused to connect to {parts.hostname}: private, loopback or "
                        "reserved address (set [fetch] allow_private = true to allow)")
            status, resp_headers, body = self._one(current, headers, deadline)
            if status in REDIRECTS and "location" in resp_headers:
                hops += 1
                if hops > cfg.max_redirects:
                    raise FetchError(f"too many redirects (more than {cfg.max_redirects}) "
                                     f"starting at {url}", http_status=status)
                current = urljoin(current, resp_headers["location"])
                continue
            return status, current, resp_headers, body

    def _one(self, url: str, headers: dict[str, str],
             deadline: float) -> tuple[int, dict[str, str], bytes]:
        cfg = self.config
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}")
        host = urlsplit(url).hostname or ""
        holder: dict[str, socket.socket] = {}
        expired = threading.Event()

        def cut() -> None:  # the deadline passed: unblock whatever read is waiting
            expired.set()
            sock = holder.get("sock")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        slot = self._host_slot(host)
        if not slot.acquire(timeout=remaining):
            raise FetchError(f"timed out after {cfg.timeout:g}s waiting for a slot on {host}")
        watchdog = threading.Timer(remaining, cut)
        watchdog.daemon = True
        _local.holder = holder
        resp = None
        try:
            watchdog.start()
            timeout = urllib3.Timeout(connect=min(remaining, 10.0), read=remaining)
            try:
                resp = self.pool.request("GET", url, headers=headers, redirect=False,
                                         preload_content=False, decode_content=True,
                                         timeout=timeout, retries=False)
                if resp.status in REDIRECTS or resp.status == 304:
                    return resp.status, _lower(resp.headers), b""
                chunks, size = [], 0
                while True:
                    chunk = resp.read1(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > cfg.max_bytes:
                        raise FetchError(f"response from {url} is larger than max_bytes "
                                         f"({cfg.max_bytes:,} bytes after decompression)",
                                         http_status=resp.status)
                    if time.monotonic() > deadline:
                        raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}",
                                         http_status=resp.status)
                    chunks.append(chunk)
                return resp.status, _lower(resp.headers), b"".join(chunks)
            except FetchError:
                raise
            except Exception as err:
                if expired.is_set() or isinstance(err, urllib3.exceptions.TimeoutError):
                    raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}") from None
                reason = getattr(err, "reason", None) or err
                if isinstance(reason, BlockedAddress):
                    raise reason from None
                raise FetchError(f"could not fetch {url}: {_describe(reason)}") from None
        finally:
            watchdog.cancel()
            _local.holder = None
            slot.release()
            if resp is not None:
                resp.release_conn() if not expired.is_set() else resp.close()


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _describe(err: BaseException) -> str:
    text = str(err)
    # urllib3 wraps messages like "<urllib3.connection...>: Failed to establish..."
    if ">: " in text:
        text = text.split(">: ", 1)[1]
    return text or type(err).__name__


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
            return Response(final_url, status, resp_headers, b"", not_modified=True)
        if status >= 400:
            self.requests.append(RequestLog(url, status, len(body), False))
            detail = "rate limited" if status == 429 else "server error" if status >= 500 else ""
            raise FetchError(f"HTTP {status}{f' ({detail})' if detail else ''} from {url}",
                             http_status=status, retry_after=hint)
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
