"""The one HTTP fetcher every source shares.

What it guarantees, whatever a source or a server does:

* http and https only, at most ``max_redirects`` hops, each hop checked again (scheme and
  address), credentials dropped when a redirect changes host or drops to plain http;
* unless ``allow_private``, no connection to loopback, private, link-local (cloud metadata),
  CGNAT, multicast or reserved addresses: the host name is resolved by us and only
  addresses the policy allows are connected to, so DNS tricks (a name that resolves to
  127.0.0.1, DNS rebinding between a check and the connect) don't get around it;
* a whole-request deadline (``timeout``), redirects included: a server that trickles a byte a
  second, in the headers or the body, is cut off by a watchdog that shuts the socket down;
* at most ``max_bytes`` of body *after* decompression, read in bounded chunks (urllib3 ≥ 2.6
  never inflates more than it is asked for), so neither a 50 MB body nor a gzip bomb is
  ever held in memory;
* at most ``per_host`` requests in flight per host (waiting for a slot is not counted in
  the deadline: it is our own limit, not the server's slowness);
* conditional GET: ETag / Last-Modified per URL, and a body identical to the last one
  counts as not modified, so nothing is parsed twice.
"""

from __future__ import annotations

import email.utils
import hashlib
import heapq
import io
import ipaddress
import itertools
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.ssl_ import create_urllib3_context

from .. import __version__
from ..config import FetchConfig
from ..contracts import Response
from ..errors import FetchError

CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
#: Shown in the User-Agent when the config gives no contact URL.
PROJECT_URL = "https://github.com/trendwatch/trendwatch"
#: Headers that must not follow a redirect to another host.
CREDENTIALS = {"authorization", "cookie", "proxy-authorization"}
#: Redirect and 304 bodies smaller than this are read so the connection can be reused.
DRAIN_LIMIT = 64 * 1024

#: Decides whether an IP address (as a string) may be connected to.
AddressPolicy = Callable[[str], bool]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(FetchError):
    """The address policy refused a host (SSRF guard)."""


def address_allowed(ip: str) -> bool:
    """The default policy: only globally routable unicast addresses.

    IPv6 addresses that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, NAT64
    ``64:ff9b::a.b.c.d``, 6to4 ``2002:AABB:CCDD::``) are judged by that IPv4 address, so
    ``::ffff:127.0.0.1`` or ``::ffff:169.254.169.254`` can't sneak through.
    """
    try:
        addr: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            ip.split("%")[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        elif addr in _NAT64:
            addr = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        elif addr.sixtofour is not None:
            addr = addr.sixtofour
    return addr.is_global and not addr.is_multicast


DEFAULT_POLICY: AddressPolicy = address_allowed


def _refusal(host: str, ip: str | None = None) -> BlockedAddress:
    where = f"{host} ({ip})" if ip and ip != host else host
    return BlockedAddress(f"refused to connect to {where}: private, loopback or reserved "
                          "address (set [fetch] allow_private = true to allow)")


_local = threading.local()


class Watchdog:
    """One thread that runs callbacks at deadlines (a ``threading.Timer`` per request
    would start a thread per request: 220 of them in a round of 220 sources)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, delay: float, callback: Callable[[], None]) -> int:
        with self._cond:
            token = next(self._ids)
            heapq.heappush(self._heap, (time.monotonic() + delay, token, callback))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fetch-watchdog",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def cancel(self, token: int) -> None:
        with self._cond:
            if any(t == token for _, t, _ in self._heap):
                self._cancelled.add(token)

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    while self._heap and self._heap[0][1] in self._cancelled:
                        self._cancelled.discard(heapq.heappop(self._heap)[1])
                    if not self._heap:
                        if not self._cond.wait(timeout=30):
                            self._thread = None  # idle: let the thread end
                            return
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        _, _, callback = heapq.heappop(self._heap)
                        break
                    self._cond.wait(timeout=wait)
            try:
                callback()
            except Exception:  # a failing cut must not stop the other deadlines
                pass


_watchdog = Watchdog()


def _watch(sock: socket.socket) -> None:
    """Tell the current request's watchdog which socket to shut down at the deadline."""
    holder = getattr(_local, "holder", None)
    if holder is not None:
        holder["sock"] = sock


class _GuardMixin:
    """Resolves the host itself and connects only to addresses the policy allows; registers
    the socket with the request's watchdog."""

    #: None: every address is allowed (``allow_private = true``).
    policy: AddressPolicy | None = None

    def _new_conn(self) -> socket.socket:
        host: str = self.host  # type: ignore[attr-defined]
        dns_host = getattr(self, "_dns_host", host).strip("[]")
        timeout = self.timeout  # type: ignore[attr-defined]
        limit = float(timeout) if isinstance(timeout, int | float) else None
        try:
            infos = _resolve(dns_host, self.port, limit)  # type: ignore[attr-defined]
        except socket.gaierror as err:
            raise NameResolutionError(host, self, err) from err  # type: ignore[arg-type]
        except TimeoutError as err:
            raise ConnectTimeoutError(self, f"resolving {host} timed out") from err
        refused: list[str] = []
        error: OSError | None = None
        for family, socktype, proto, _, sockaddr in infos:
            ip = str(sockaddr[0])
            if self.policy is not None and not self.policy(ip):
                refused.append(ip)
                continue
            sock = socket.socket(family, socktype, proto)
            try:
                for opt in self.socket_options or ():  # type: ignore[attr-defined]
                    sock.setsockopt(*opt)
                if timeout is None or isinstance(timeout, int | float):
                    sock.settimeout(timeout)
                sock.connect(sockaddr)
            except TimeoutError as err:
                sock.close()
                raise ConnectTimeoutError(self, f"connection to {host} timed out") from err
            except OSError as err:
                sock.close()
                error = err
                continue
            _watch(sock)
            return sock
        if error is None and refused:
            raise _refusal(host, refused[0])
        raise NewConnectionError(self, f"failed to connect to {host}: "  # type: ignore[arg-type]
                                       f"{error or 'no address'}")

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        # a pooled connection skips _new_conn: register its socket here too
        _watch(self.sock)  # type: ignore[attr-defined]
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


def _resolve(host: str, port: int, timeout: float | None) -> list[Any]:
    """``getaddrinfo`` under a time limit. The C resolver can't be interrupted and a broken
    DNS server can hold it for half a minute, so the lookup runs in a daemon thread that
    is left behind if it is too slow. An address literal needs no thread."""
    family = allowed_gai_family()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    box: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        except Exception as err:  # handed to the caller below
            box["error"] = err
        finally:
            done.set()

    threading.Thread(target=lookup, name="fetch-dns", daemon=True).start()
    if not done.wait(timeout):
        raise TimeoutError(f"resolving {host} took more than {timeout:g}s")
    if "error" in box:
        raise box["error"]
    return list(box["infos"])


def tls_context() -> ssl.SSLContext:
    """urllib3's default TLS settings, certificates verified against the system store.

    Ours rather than urllib3's implicit one so it can be inspected and, in tests, taught a
    local CA. The handshake needs no watchdog: CPython bounds a whole handshake by the
    socket timeout (the connect timeout, never more than what is left of the deadline).
    """
    context = create_urllib3_context()
    context.load_default_certs()
    return context


def _pool_classes(policy: AddressPolicy | None) -> dict[str, type]:
    attrs = {"policy": staticmethod(policy) if policy else None}
    http_conn = type("GuardedHTTPConnection", (_GuardMixin, HTTPConnection), attrs)
    https_conn = type("GuardedHTTPSConnection", (_GuardMixin, HTTPSConnection), attrs)
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
    url: str
    status: int | None
    bytes: int
    not_modified: bool


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
        self.pool.pool_classes_by_scheme = _pool_classes(self.policy)
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
            if self.policy is not None:
                try:  # a literal address can be refused before even taking a slot
                    literal = ipaddress.ip_address(host)
                except ValueError:
                    literal = None
                if literal is not None and not self.policy(str(literal)):
                    raise _refusal(host)
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
        holder: dict[str, socket.socket] = {}
        expired = threading.Event()
        finished = threading.Lock()  # held by whoever ends the exchange first

        def cut() -> None:  # the deadline passed: unblock whatever read is waiting
            if not finished.acquire(blocking=False):
                return  # the exchange is over: its socket may be back in the pool
            expired.set()
            sock = holder.get("sock")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        _local.holder = holder
        resp = None
        reusable = False
        token = None
        try:
            token = _watchdog.schedule(remaining, cut)
            timeout = urllib3.Timeout(connect=min(remaining, 10.0), read=remaining)
            try:
                resp = self.pool.request("GET", url, headers=headers, redirect=False,
                                         preload_content=False, decode_content=True,
                                         timeout=timeout, retries=False)
                resp_headers = _lower(resp.headers)
                if resp.status in REDIRECTS or resp.status == 304:
                    reusable = _drain(resp)
                    return resp.status, resp_headers, b""
                body = self._read_body(resp, url, deadline)
                if expired.is_set():  # the watchdog's shutdown looks like a clean end of body
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
                # NewConnectionError (refused, unknown host) subclasses ConnectTimeoutError
                # in urllib3 2.x: it is not a timeout
                timed_out = isinstance(err, urllib3.exceptions.TimeoutError) and not isinstance(
                    err, NewConnectionError)
                if expired.is_set() or timed_out:
                    raise FetchError(f"timed out after {cfg.timeout:g}s fetching {url}") from None
                reason = getattr(err, "reason", None) or err
                if isinstance(reason, BlockedAddress):
                    raise reason from None
                raise FetchError(f"could not fetch {url}: {_describe(reason)}") from None
        finally:
            finished.acquire(blocking=False)  # from here on a late cut() does nothing
            if token is not None:
                _watchdog.cancel(token)
            _local.holder = None
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
