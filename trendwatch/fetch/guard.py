"""The SSRF guard: which addresses a fetch may connect to, checked where it counts.

Unless ``allow_private``, no connection goes to loopback, private, link-local (cloud
metadata), CGNAT, multicast or reserved addresses. The host name is resolved here and only
the addresses the policy allows are connected to, so DNS tricks (a name that resolves to
127.0.0.1, DNS rebinding between a check and the connect) don't get around it. The check
runs at connect time, so every redirect hop is checked again too.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

from ..errors import FetchError
from .deadline import watch

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


def refusal(host: str, ip: str | None = None) -> BlockedAddress:
    where = f"{host} ({ip})" if ip and ip != host else host
    return BlockedAddress(f"refused to connect to {where}: private, loopback or reserved "
                          "address (set [fetch] allow_private = true to allow)")


def check_literal(host: str, policy: AddressPolicy | None) -> None:
    """Refuse a URL whose host is an address literal the policy disallows: no need to wait
    for a per-host slot, nor to connect, to know the answer."""
    if policy is None:
        return
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return
    if not policy(str(literal)):
        raise refusal(host)


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
            watch(sock)
            return sock
        if error is None and refused:
            raise refusal(host, refused[0])
        raise NewConnectionError(self, f"failed to connect to {host}: "  # type: ignore[arg-type]
                                       f"{error or 'no address'}")

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        # a pooled connection skips _new_conn: register its socket here too
        watch(self.sock)  # type: ignore[attr-defined]
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


def pool_classes(policy: AddressPolicy | None) -> dict[str, type]:
    """urllib3 pool classes whose connections go through the guard (a fresh pair of
    classes per fetcher, since the policy is a class attribute)."""
    attrs = {"policy": staticmethod(policy) if policy else None}
    http_conn = type("GuardedHTTPConnection", (_GuardMixin, HTTPConnection), attrs)
    https_conn = type("GuardedHTTPSConnection", (_GuardMixin, HTTPSConnection), attrs)
    return {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,),
                      {"ConnectionCls": https_conn}),
    }
