"""The shared fetcher against real local servers: conditional GET, server hints, size and
time limits, redirects, the address guard, per-host limits and round concurrency.

Servers here are small threaded ``http.server`` instances on loopback aliases (127.0.0.x),
because several cases need raw control of the socket (trickling bytes, streaming a body
that is never finished, a gzip bomb) and concurrency that pytest-httpserver doesn't give.
"""

from __future__ import annotations

import email.utils
import http.server
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from local_http import LocalHTTPServer

from trendwatch.config import Config, FetchConfig
from trendwatch.db.store import Store
from trendwatch.errors import FetchError
from trendwatch.fetch.conditional import CacheEntry
from trendwatch.fetch.guard import BlockedAddress, address_allowed
from trendwatch.fetch.http import Fetcher
from trendwatch.fetch.round import run_round
from trendwatch.fetch.worker import fetch_one
from trendwatch.testing import configure_source

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Berita Film</title><link>https://film.example.id/</link>
<description>Kabar film Indonesia</description><language>id</language>
<item><title>Film horor lokal tembus satu juta penonton</title>
<link>https://film.example.id/2026/11/horor-sejuta?utm_source=rss</link>
<guid isPermaLink="false">film-example-1</guid>
<pubDate>Fri, 27 Nov 2026 08:00:00 +0700</pubDate>
<description>&lt;p&gt;Sutradara muda mencatat rekor &amp;amp; box office.&lt;/p&gt;
</description></item>
<item><title>Festival Film Indonesia umumkan nominasi</title>
<link>https://film.example.id/2026/11/ffi-nominasi</link>
<pubDate>Thu, 26 Nov 2026 19:30:00 +0700</pubDate></item>
</channel></rss>"""


class LocalServer:
    """A threaded HTTP server on one loopback address; one handler function per path.

    Records every request (path and headers) and the most requests it had in flight at once.
    """

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        self.routes: dict[str, Handler] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.active = self.max_active = 0
        self.lock = threading.Lock()
        outer = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with outer.lock:
                    outer.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                    outer.active += 1
                    outer.max_active = max(outer.max_active, outer.active)
                try:
                    handler = outer.routes.get(self.path.split("?")[0])
                    if handler is None:
                        send(self, 404, b"not here")
                    else:
                        handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up: that's the point
                finally:
                    with outer.lock:
                        outer.active -= 1

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = LocalHTTPServer((host, 0), _Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.host = host
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [p for p, _ in self.seen]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        assert not self.httpd.errors, f"the test server failed: {self.httpd.errors!r}"


def send(h: http.server.BaseHTTPRequestHandler, status: int, body: bytes = b"",
         headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture
def servers() -> Iterator[Callable[[str], LocalServer]]:
    made: list[LocalServer] = []

    def make(host: str = "127.0.0.1") -> LocalServer:
        made.append(LocalServer(host))
        return made[-1]

    yield make
    for s in made:
        s.close()


@pytest.fixture
def server(servers: Callable[[str], LocalServer]) -> LocalServer:
    return servers("127.0.0.1")


def fetcher(contact: str = "https://example.com/contact", **fetch: object) -> Fetcher:
    options: dict[str, object] = {"allow_private": True, "timeout": 2, **fetch}
    return Fetcher(FetchConfig(**options), contact)


def only(*ips: str) -> Callable[[str], bool]:
    """An address policy that allows exactly these addresses (test servers are loopback)."""
    return lambda ip: ip in ips


# -- conditional GET and server hints ------------------------------------------------------


def test_conditional_get_sends_validators_and_304_is_not_modified(server: LocalServer) -> None:
    stamp = "Fri, 27 Nov 2026 01:00:00 GMT"

    def feed(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, headers={"ETag": '"v1"'})
        else:
            send(h, 200, RSS, {"ETag": '"v1"', "Last-Modified": stamp,
                               "Content-Type": "application/rss+xml"})

    server.routes["/feed.xml"] = feed
    f = fetcher()
    url = server.url("/feed.xml")
    first = f.client()
    resp = first.get(url)
    assert resp.status == 200 and resp.body == RSS and not resp.not_modified
    entry = first.cache_updates[url]
    assert (entry.etag, entry.last_modified) == ('"v1"', stamp)

    second = f.client({url: entry})
    resp = second.get(url)
    sent = server.seen[-1][1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == stamp
    assert resp.status == 304 and resp.not_modified and resp.body == b""
    assert second.all_not_modified


def test_304_costs_no_parsing(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.routes["/feed.xml"] = lambda h: send(h, 304)
    import trendwatch.parse.feeds

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("feedparser must not run on a 304")

    monkeypatch.setattr(trendwatch.parse.feeds.feedparser, "parse", no_parsing)
    cs = configure_source("rss", name="berita", url=server.url("/feed.xml"))
    config = Config().model_copy(update={"fetch": FetchConfig(allow_private=True, timeout=2)})
    f = Fetcher(config.fetch)
    out = fetch_one(cs, f.client({server.url("/feed.xml"): CacheEntry('"v1"', None, "x")}),
                    config)
    assert out.status == "not_modified", out.error
    assert out.items == []


def test_identical_body_without_validators_is_not_modified_by_hash(server: LocalServer) -> None:
    server.routes["/feed.xml"] = lambda h: send(h, 200, RSS, {"Content-Type": "text/xml"})
    f = fetcher()
    url = server.url("/feed.xml")
    first = f.client()
    assert not first.get(url).not_modified
    entry = first.cache_updates[url]
    assert entry.etag is None and entry.last_modified is None and entry.body_sha256

    second = f.client({url: entry})
    resp = second.get(url)
    assert "if-none-match" not in server.seen[-1][1]
    assert resp.status == 200 and resp.not_modified

    server.routes["/feed.xml"] = lambda h: send(h, 200, RSS + b"\n<!-- changed -->")
    assert not f.client({url: entry}).get(url).not_modified


def test_retry_after_seconds_and_max_age_are_captured(server: LocalServer) -> None:
    server.routes["/a"] = lambda h: send(h, 200, RSS, {"Retry-After": "120",
                                                       "Cache-Control": "public, max-age=900"})
    server.routes["/b"] = lambda h: send(h, 200, RSS, {"Cache-Control": "max-age=300"})
    http = fetcher().client()
    http.get(server.url("/a"))
    http.get(server.url("/b"))
    assert http.retry_after == 120
    assert http.max_age == 300  # the smallest max-age wins


def test_429_with_http_date_retry_after_raises_with_the_wait(server: LocalServer) -> None:
    later = email.utils.formatdate(time.time() + 600, usegmt=True)
    server.routes["/hot.json"] = lambda h: send(h, 429, b'{"message": "Too Many Requests"}',
                                                {"Retry-After": later})
    http = fetcher().client()
    with pytest.raises(FetchError) as info:
        http.get(server.url("/hot.json"))
    err = info.value
    assert err.http_status == 429
    assert "rate limited" in str(err)
    assert err.retry_after is not None and 590 <= err.retry_after <= 601
    assert http.retry_after == err.retry_after


def test_user_agent_names_a_contact_url(server: LocalServer) -> None:
    server.routes["/feed.xml"] = lambda h: send(h, 200, RSS)
    fetcher("https://rumahproduksi.example.id/kontak").client().get(server.url("/feed.xml"))
    ua = server.seen[-1][1]["user-agent"]
    assert ua.startswith("trendwatch/")
    assert "(+https://rumahproduksi.example.id/kontak)" in ua
    fetcher("").client().get(server.url("/feed.xml"))
    assert "(+https://" in server.seen[-1][1]["user-agent"]  # never without a contact


# -- size limits -----------------------------------------------------------------------------


def _stream_50mb(with_length: bool) -> Handler:
    block = b"<item><title>x</title></item>" * 2000  # ~60 KB

    def handler(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        if with_length:
            h.send_header("Content-Length", str(50_000_000))
        else:
            h.send_header("Connection", "close")  # body ends when the connection does
        h.end_headers()
        sent = 0
        while sent < 50_000_000:
            h.wfile.write(block)
            sent += len(block)
        h.close_connection = True

    return handler


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "streamed"])
def test_50mb_body_is_stopped_at_max_bytes_without_buffering(server: LocalServer,
                                                             with_length: bool) -> None:
    server.routes["/huge.xml"] = _stream_50mb(with_length)
    http = fetcher(max_bytes=1_000_000).client()
    tracemalloc.start()
    try:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"larger than max_bytes \(1,000,000 bytes"):
            http.get(server.url("/huge.xml"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6_000_000, f"held {peak:,} bytes"
    assert time.monotonic() - started < 2


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """~200 KB of gzip that inflates to 200 MB."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * 1_000_000
    return b"".join(co.compress(block) for _ in range(200)) + co.flush()


def test_gzip_bomb_is_stopped_after_decompression_with_bounded_memory(
        server: LocalServer, gzip_bomb: bytes) -> None:
    assert len(gzip_bomb) < 400_000
    server.routes["/bomb.xml"] = lambda h: send(h, 200, gzip_bomb, {
        "Content-Encoding": "gzip", "Content-Type": "application/rss+xml"})
    http = fetcher(max_bytes=2_000_000).client()
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match=r"larger than max_bytes .* after decompression"):
            http.get(server.url("/bomb.xml"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000, f"held {peak:,} bytes"


def test_gzip_body_within_limit_is_decoded(server: LocalServer) -> None:
    co = zlib.compressobj(6, zlib.DEFLATED, 31)
    server.routes["/feed.xml"] = lambda h: send(h, 200, co.compress(RSS) + co.flush(),
                                                {"Content-Encoding": "gzip"})
    assert fetcher().client().get(server.url("/feed.xml")).body == RSS
    assert "gzip" in server.seen[-1][1]["accept-encoding"]


# -- the deadline ------------------------------------------------------------------------------


def _trickle(in_headers: bool) -> Handler:
    def handler(h: http.server.BaseHTTPRequestHandler) -> None:
        w = h.wfile
        if in_headers:
            w.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        else:
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n<rss>")
        w.flush()
        for _ in range(30):  # one byte a second, each well inside a per-read timeout
            time.sleep(1)
            w.write(b"a")
            w.flush()
        h.close_connection = True

    return handler


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_trickling_server_is_cut_off_at_the_deadline(server: LocalServer,
                                                     in_headers: bool) -> None:
    server.routes["/slow.xml"] = _trickle(in_headers)
    http = fetcher(timeout=1.5).client()
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 1.5s"):
        http.get(server.url("/slow.xml"))
    assert time.monotonic() - started < 3.5


# -- redirects and schemes ---------------------------------------------------------------------


def test_redirect_loop_is_a_clear_error(server: LocalServer) -> None:
    server.routes["/a"] = lambda h: send(h, 302, headers={"Location": "/b"})
    server.routes["/b"] = lambda h: send(h, 301, headers={"Location": server.url("/a")})
    with pytest.raises(FetchError, match=r"redirect loop: .*/a -> .*/b -> .*/a"):
        fetcher().client().get(server.url("/a"))


def test_more_than_max_redirects_is_refused(server: LocalServer) -> None:
    def hop(n: int) -> Handler:
        return lambda h: send(h, 307, headers={"Location": f"/r{n + 1}"})

    for n in range(10):
        server.routes[f"/r{n}"] = hop(n)
    with pytest.raises(FetchError, match=r"too many redirects \(more than 5\)"):
        fetcher().client().get(server.url("/r0"))
    assert server.paths() == [f"/r{n}" for n in range(6)]
    server.seen.clear()
    server.routes["/r3"] = lambda h: send(h, 200, RSS)
    resp = fetcher().client().get(server.url("/r0"))
    assert resp.url.endswith("/r3") and resp.body == RSS


def test_credentials_do_not_follow_a_redirect_to_another_host(servers) -> None:
    first, second = servers("127.0.0.2"), servers("127.0.0.3")
    first.routes["/api"] = lambda h: send(h, 302, headers={"Location": second.url("/api")})
    second.routes["/api"] = lambda h: send(h, 200, b"{}")
    fetcher().client().get(first.url("/api"), headers={"Authorization": "Bearer rahasia"})
    assert first.seen[-1][1]["authorization"] == "Bearer rahasia"
    assert "authorization" not in second.seen[-1][1]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://ftp.example.com/feed.xml",
                                 "gopher://example.com/", "data:text/plain,hello",
                                 "/relative/feed.xml", "http:///no-host"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(FetchError, match="only http"):
        fetcher().client().get(url)


def test_redirect_to_another_scheme_is_refused(server: LocalServer) -> None:
    server.routes["/feed.xml"] = lambda h: send(h, 302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="only http"):
        fetcher().client().get(server.url("/feed.xml"))


# -- the address guard ---------------------------------------------------------------------------


@pytest.mark.parametrize("ip", [
    "127.0.0.1", "127.5.5.5", "10.1.2.3", "172.16.0.1", "192.168.1.10", "100.64.0.1",
    "169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::",
    "fe80::1", "fe80::1%eth0", "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "::ffff:10.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::", "ff02::1", "not an address", ""])
def test_private_and_reserved_addresses_are_refused(ip: str) -> None:
    assert not address_allowed(ip)


@pytest.mark.parametrize("ip", ["8.8.8.8", "36.86.63.182",
                                "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(ip: str) -> None:
    assert address_allowed(ip)


def test_redirect_to_loopback_is_refused_when_private_is_not_allowed(servers) -> None:
    public, private = servers("127.0.0.2"), servers("127.0.0.1")
    public.routes["/feed.xml"] = lambda h: send(h, 302, headers={
        "Location": private.url("/admin")})
    private.routes["/admin"] = lambda h: send(h, 200, b"secret")
    f = Fetcher(FetchConfig(allow_private=False, timeout=2), address_allowed=only("127.0.0.2"))
    with pytest.raises(BlockedAddress, match=r"refused to connect to 127\.0\.0\.1.*allow_private"):
        f.client().get(public.url("/feed.xml"))
    assert public.paths() == ["/feed.xml"]  # the first hop was allowed and fetched
    assert private.seen == []


def test_guard_checks_the_resolved_address_at_connect_time(server: LocalServer) -> None:
    server.routes["/feed.xml"] = lambda h: send(h, 200, RSS)
    url = server.url("/feed.xml", host="localhost")  # a name, not a literal: resolves to loopback
    f = Fetcher(FetchConfig(allow_private=False, timeout=2), address_allowed=only("127.0.0.2"))
    with pytest.raises(BlockedAddress, match=r"refused to connect to localhost \(127\.0\.0\.1\)"):
        f.client().get(url)
    assert server.seen == []
    # the same URL is fine when private addresses are allowed: the refusal was the guard's
    assert fetcher().client().get(url).body == RSS


def test_only_allowed_addresses_of_a_name_are_connected_to(
        servers, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name with a refused and an allowed address (DNS rebinding) reaches only the allowed one."""
    good = servers("127.0.0.2")
    good.routes["/feed.xml"] = lambda h: send(h, 200, RSS)
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "feeds.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    f = Fetcher(FetchConfig(allow_private=False, timeout=2), address_allowed=only("127.0.0.2"))
    resp = f.client().get(f"http://feeds.example.test:{good.port}/feed.xml")
    assert resp.body == RSS
    assert good.seen[-1][1]["host"] == f"feeds.example.test:{good.port}"


def test_metadata_literal_is_refused_before_any_connection() -> None:
    f = Fetcher(FetchConfig(allow_private=False, timeout=1))
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/",
                "http://[::1]:8080/", "http://10.0.0.1/feed.xml"):
        with pytest.raises(BlockedAddress):
            f.client().get(url)


# -- concurrency -----------------------------------------------------------------------------------


def _slow(seconds: float, body: bytes = RSS) -> Handler:
    def handler(h: http.server.BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        send(h, 200, body, {"Content-Type": "application/rss+xml"})

    return handler


def test_per_host_limit_is_respected(servers) -> None:
    one, two = servers("127.0.0.2"), servers("127.0.0.3")
    for s in (one, two):
        s.routes["/feed.xml"] = _slow(0.3)
    f = fetcher(per_host=2, concurrency=8)
    urls = [one.url("/feed.xml")] * 6 + [two.url("/feed.xml")] * 6
    threads = [threading.Thread(target=lambda u=u: f.client().get(u)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(one.seen) == len(two.seen) == 6
    assert one.max_active == two.max_active == 2


def test_round_of_200_slow_sources_takes_seconds(servers, tmp_path: Path) -> None:
    """200 sources, 250 ms each, concurrency 8 over 4 hosts (per_host 2): ~7 s, not 50."""
    hosts = [servers(f"127.0.0.{n}") for n in range(11, 15)]
    for s in hosts:
        s.routes["/feed.xml"] = _slow(0.25)
    sources = [configure_source("rss", name=f"feed-{i:03d}",
                                url=hosts[i % 4].url(f"/feed.xml?n={i}")) for i in range(200)]
    config = Config().model_copy(update={"fetch": FetchConfig(
        allow_private=True, timeout=5, concurrency=8, per_host=2)})
    with Store(tmp_path / "tw.db") as store:
        started = time.monotonic()
        outcomes = run_round(store, sources, config)
        elapsed = time.monotonic() - started
        assert len(outcomes) == 200
        assert all(o.status == "ok" for o in outcomes), [o.error for o in outcomes if o.error][:3]
        assert store.db["fetches"].count == 200
    assert sum(len(s.seen) for s in hosts) == 200
    assert max(s.max_active for s in hosts) == 2
    assert elapsed < 30, f"a round of 200 took {elapsed:.1f}s"


def test_watchdog_runs_due_callbacks_in_order_and_skips_cancelled() -> None:
    from trendwatch.fetch.deadline import Watchdog

    dog, fired = Watchdog(), []
    done = threading.Event()
    dog.schedule(0.15, lambda: (fired.append("late"), done.set()))
    dog.schedule(0.05, lambda: fired.append("early"))
    dog.cancel(dog.schedule(0.1, lambda: fired.append("cancelled")))
    assert done.wait(2)
    assert fired == ["early", "late"]


def test_https_goes_through_the_same_guard() -> None:
    with socket.socket() as probe:  # a port nobody listens on: the guard refuses first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    f = Fetcher(FetchConfig(allow_private=False, timeout=2), address_allowed=only("127.0.0.2"))
    with pytest.raises(BlockedAddress, match=r"localhost \(127\.0\.0\.1\)"):
        f.client().get(f"https://localhost:{port}/feed.xml")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost: (cert, key)."""
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[LocalServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = LocalServer("127.0.0.1", tls=context)
    server.routes["/feed.xml"] = lambda h: send(h, 200, RSS)
    yield server
    server.close()


def test_https_certificates_are_verified(tls_server: LocalServer,
                                         certificate: tuple[Path, Path]) -> None:
    url = f"https://localhost:{tls_server.port}/feed.xml"
    with pytest.raises(FetchError, match=r"could not fetch .*certificate verify failed"):
        fetcher().client().get(url)
    trusting = fetcher()
    trusting.tls_context.load_verify_locations(certificate[0])
    assert trusting.client().get(url).body == RSS


def test_trickled_tls_handshake_is_cut_off_at_the_deadline() -> None:
    """A server that answers the ClientHello one byte a second (each byte inside the
    per-read timeout) must not hold the request past the deadline."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)  # the ClientHello
            conn.sendall(b"\x16\x03\x03\x40\x00")  # a handshake record of 16 KB follows...
            while not stop.wait(0.5):
                try:
                    conn.sendall(b"\x02")  # ...very slowly
                except OSError:
                    return

    threading.Thread(target=trickle, daemon=True).start()
    try:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"timed out after 1.5s"):
            fetcher(timeout=1.5).client().get(
                f"https://localhost:{listener.getsockname()[1]}/feed.xml")
        assert time.monotonic() - started < 3.5
    finally:
        stop.set()
        listener.close()


def test_a_round_stores_validators_and_the_next_round_costs_a_304(server: LocalServer,
                                                                  tmp_path: Path) -> None:
    """Through the real pipeline: the ETag stored by round one is sent by round two, the 304
    stores nothing new, and a changed feed adds only its new entry."""
    body = {"rss": RSS, "etag": '"v1"'}

    def feed(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == body["etag"]:
            send(h, 304)
        else:
            send(h, 200, body["rss"], {"ETag": body["etag"],
                                       "Content-Type": "application/rss+xml"})

    server.routes["/feed.xml"] = feed
    sources = [configure_source("rss", name="berita-film", url=server.url("/feed.xml"))]
    config = Config().model_copy(update={"fetch": FetchConfig(allow_private=True, timeout=2)})
    with Store(tmp_path / "tw.db") as store:
        (first,) = run_round(store, sources, config)
        assert (first.status, first.items_new) == ("ok", 2)
        assert store.query("select etag from http_cache") == [{"etag": '"v1"'}]

        (second,) = run_round(store, sources, config)
        assert server.seen[-1][1]["if-none-match"] == '"v1"'
        assert (second.status, second.items_new, second.items_seen) == ("not_modified", 0, 0)

        extra = (b"<item><title>Trailer film animasi keluarga rilis</title>"
                 b"<link>https://film.example.id/2026/11/animasi-keluarga</link></item></channel>")
        body.update(rss=RSS.replace(b"</channel>", extra), etag='"v2"')
        (third,) = run_round(store, sources, config)
        assert (third.status, third.items_new, third.items_seen) == ("ok", 1, 2)
        assert store.db["items"].count == 3
        assert [r["status"] for r in store.query("select status from fetches order by id")] \
            == ["ok", "not_modified", "ok"]


def test_a_hanging_dns_lookup_is_cut_off_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo
    release = threading.Event()

    def slow(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "slow-dns.example.test":
            release.wait(10)  # a resolver that never answers
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match=r"timed out after 1s"):
            fetcher(timeout=1).client().get("http://slow-dns.example.test/feed.xml")
        assert time.monotonic() - started < 2.5
    finally:
        release.set()


def test_an_unknown_host_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def nxdomain(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nxdomain)  # no DNS needed to test this
    with pytest.raises(FetchError, match=r"^could not fetch \S+: Failed to resolve "
                                         r"'no-such-host\.invalid'"):
        fetcher().client().get("http://no-such-host.invalid/feed.xml")


def test_a_refused_connection_is_not_called_a_timeout() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match=r"could not fetch .*(refused|failed)"):
        fetcher().client().get(f"http://127.0.0.1:{port}/feed.xml")


def test_credentials_do_not_follow_a_redirect_to_plain_http(
        tls_server: LocalServer, server: LocalServer, certificate: tuple[Path, Path]) -> None:
    tls_server.routes["/api"] = lambda h: send(h, 301, headers={
        "Location": f"http://localhost:{server.port}/api"})
    server.routes["/api"] = lambda h: send(h, 200, b"{}")
    f = fetcher()
    f.tls_context.load_verify_locations(certificate[0])
    f.client().get(f"https://localhost:{tls_server.port}/api",
                   headers={"Authorization": "Bearer rahasia"})
    assert tls_server.seen[-1][1]["authorization"] == "Bearer rahasia"
    assert server.seen[-1][1]["host"] == f"localhost:{server.port}"
    assert "authorization" not in server.seen[-1][1]
