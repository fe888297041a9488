"""The one HTTP fetcher every source shares.

What it guarantees, whatever a source or a server does:

* http and https only, at most ``max_redirects`` hops, each hop checked again (scheme and
  address), credentials dropped when a redirect changes host or drops to plain http;
* unless ``allow_private``, no connection to loopback, private, link-local (cloud metadata),
  CGNAT, multicast or reserved addresses (the guard, :mod:`.guard`);
* a whole-request deadline (``timeout``), redirects included: a server that trickles a byte a
  second, in the headers or the body, is cut off by a watchdog (:mod:`.deadline`);
* at most ``max_bytes`` of body *after* decompression, read in bounded chunks (urllib3 ≥ 2.6
  never inflates more than it is asked for), so neither a 50 MB body nor a gzip bomb is
  ever held in memory;
* at most ``per_host`` requests in flight per host (waiting for a slot is not counted in
  the deadline: it is our own limit, not the server's slowness);
* conditional GET: ETag / Last-Modified per URL, and a body identical to the last one
  counts as not modified, so nothing is parsed twice (:mod:`.conditional`).
"""

from __future__ import annotations

import io
import re
import ssl
import threading
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import NewConnectionError
from urllib3.util.ssl_ import create_urllib3_context

from .. import __version__
from ..config import FetchConfig
from ..errors import FetchError
from .conditional import CacheEntry, SourceHttp
from .deadline import Cutoff
from .guard import DEFAULT_POLICY, AddressPolicy, BlockedAddress, check_literal, pool_classes

CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
#: Shown in the User-Agent when the config gives no contact URL.
PROJECT_URL = "https://github.com/trendwatch/trendwatch"
#: Headers that must not follow a redirect to another host.
CREDENTIALS = {"authorization", "cookie", "proxy-authorization"}
#: Redirect and 304 bodies smaller than this are read so the connection can be reused.
DRAIN_LIMIT = 64 * 1024


def tls_context() -> ssl.SSLContext:
    """urllib3's default TLS settings, certificates verified against the system store.

    Ours rather than urllib3's implicit one so it can be inspected and, in tests, taught a
    local CA. The handshake needs no watchdog: CPython bounds a whole handshake by the
    socket timeout (the connect timeout, never more than what is left of the deadline).
    """
    context = create_urllib3_context()
    context.load_default_certs()
    return context


class Fetcher:
    """Shared by all sources of a run: one connection pool, per-host limits.

    ``address_allowed`` replaces the default address policy (used when ``allow_private``
    is false); tests use it to allow one loopback alias and refuse the others.
    """

    def __init__(self, config: FetchConfig, contact_url: str = "", *,
                 address_allowed: AddressPolicy | None = None):
        self.config = config
        self.user_agent = config.user_agent or (
            f"trendwatch/{__version__} (+{contact_url or PROJECT_URL})")
        self.policy: AddressPolicy | None = None if config.allow_private else (
            address_allowed or DEFAULT_POLICY)
        #: Longest wait for a free per-host slot before giving up (not part of the deadline).
        self.slot_wait = 3 * config.timeout
        #: The TLS context of every https connection (tests add a CA to it).
        self.tls_context = tls_context()
        self.pool = urllib3.PoolManager(num_pools=64, maxsize=config.per_host, block=False,
                                        retries=False, ssl_context=self.tls_context)
        self.pool.pool_classes_by_scheme = pool_classes(self.policy)
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
        deadline: float | None = None
        current, seen = url, [url]
        headers = dict(headers)
        while True:
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(f"refused to fetch {current!r}: only http(s) URLs are allowed")
            host = parts.hostname
            check_literal(host, self.policy)  # before even taking a slot
            slot = self._host_slot(host)
            if not slot.acquire(timeout=self.slot_wait):
                raise FetchError(f"waited more than {self.slot_wait:g}s for a free connection "
                                 f"to {host} ([fetch] per_host = {cfg.per_host})")
            try:
                if deadline is None:  # the deadline covers the whole request, every hop
                    deadline = time.monotonic() + cfg.timeout
                status, resp_headers, body = self._exchange(current, headers, deadline)
            finally:
                slot.release()
            if status not in REDIRECTS:
                return status, current, resp_headers, body
            if not resp_headers.get("location"):
                raise FetchError(f"HTTP {status} redirect without a Location header from "
                                 f"{current}", http_status=status)
            target = urljoin(current, resp_headers["location"].strip())
            if target in seen:
                raise FetchError(f"redirect loop: {' -> '.join([*seen, target])}",
                                 http_status=status)
            if len(seen) > cfg.max_redirects:
                raise FetchError(f"too many redirects (more than {cfg.max_redirects}) "
                                 f"starting at {url}", http_status=status)
            moved = urlsplit(target)
            if moved.hostname != host or (parts.scheme, moved.scheme) == ("https", "http"):
                # another host, or the same one in clear text: no credentials go along
                headers = {k: v for k, v in headers.items() if k.lower() not in CREDENTIALS}
            seen.append(target)
            current = target

    def _exchange(self, url: str, headers: dict[str, str],
                  deadline: float) -> tuple[int, dict[str, str], bytes]:
        """One HTTP exchange (no redirect following) under the deadline watchdog."""
        cfg = self.config
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}")
        cutoff = Cutoff(remaining)
        expired = cutoff.expired
        resp = None
        reusable = False
        try:
            # leaving this block ends the exchange (a late cut does nothing), before the
            # connection is released or closed below
            with cutoff:
                try:
                    timeout = urllib3.Timeout(connect=min(remaining, 10.0), read=remaining)
                    resp = self.pool.request("GET", url, headers=headers, redirect=False,
                                             preload_content=False, decode_content=True,
                                             timeout=timeout, retries=False)
                    resp_headers = _lower(resp.headers)
                    if resp.status in REDIRECTS or resp.status == 304:
                        reusable = _drain(resp)
                        return resp.status, resp_headers, b""
                    body = self._read_body(resp, url, deadline)
                    if expired.is_set():  # the watchdog's shutdown looks like a clean end
                        raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}",
                                         http_status=resp.status)
                    reusable = True
                    return resp.status, resp_headers, body
                except FetchError:
                    if expired.is_set():
                        raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}"
                                         ) from None
                    raise
                except Exception as err:
                    # NewConnectionError (refused, unknown host) subclasses
                    # ConnectTimeoutError in urllib3 2.x: it is not a timeout
                    timed_out = isinstance(err, urllib3.exceptions.TimeoutError) and \
                        not isinstance(err, NewConnectionError)
                    if expired.is_set() or timed_out:
                        raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}"
                                         ) from None
                    reason = getattr(err, "reason", None) or err
                    if isinstance(reason, BlockedAddress):
                        raise reason from None
                    raise FetchError(f"could not fetch {url}: {_describe(reason)}") from None
        finally:
            if resp is not None:
                # a connection with unread bytes, or one the watchdog cut, is never reused
                if reusable and not expired.is_set():
                    resp.release_conn()
                else:
                    resp.close()

    def _read_body(self, resp: Any, url: str, deadline: float) -> bytes:
        """The body, decompressed, refusing anything over ``max_bytes``: only a chunk at a
        time is ever inflated, so a bomb costs at most ``max_bytes`` + one chunk."""
        cfg = self.config
        too_big = FetchError(f"response from {url} is larger than max_bytes "
                             f"({cfg.max_bytes:,} bytes after decompression)",
                             http_status=resp.status)
        length = resp.headers.get("content-length", "")
        if (length.isdigit() and int(length) > cfg.max_bytes
                and resp.headers.get("content-encoding", "identity").lower() == "identity"):
            raise too_big  # no need to read a byte of it
        # BytesIO rather than a list joined at the end: getvalue() hands over its buffer
        # without a copy, so a 12 MB body never exists twice
        buffer, size = io.BytesIO(), 0
        while True:
            chunk = resp.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > cfg.max_bytes:
                raise too_big
            if time.monotonic() > deadline:
                raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}",
                                 http_status=resp.status)
            buffer.write(chunk)
        return buffer.getvalue()


def _drain(resp: Any) -> bool:
    """Read a small redirect/304 body so the connection can go back to the pool; a big or
    unknown-length one is not worth reading (the connection is closed instead)."""
    length = resp.headers.get("content-length")
    if resp.status == 304 or length == "0":
        return True
    if length and length.isdigit() and int(length) <= DRAIN_LIMIT:
        try:
            resp.read(DRAIN_LIMIT + 1, decode_content=False)
        except Exception:
            return False
        return True
    return False


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _describe(err: BaseException) -> str:
    text = str(err)
    # urllib3 prefixes messages with the connection: "<urllib3.connection...>: Failed to..."
    # or "GuardedHTTPConnection(host='x', port=80): Failed to resolve..."
    text = re.sub(r"^(<[^>]*>|\w+\(host=[^)]*\)): ", "", text)
    return text or type(err).__name__
