"""What keeps the web page safe: the secret key, CSRF tokens, the access token and headers.

- The session lives in a cookie signed with a secret generated on first use and stored in a
  file next to the database (mode 0600), so sessions survive a restart and no key is ever
  hard-coded.
- Every POST must carry the session's CSRF token in a hidden field. The session cookie is
  HttpOnly and SameSite=Strict, so another site can neither read nor send it.
- Listening on anything but loopback requires ``[web] token``; with a token, the page asks for
  it once and remembers the browser in the session.
- Without a token the page only answers to loopback host names, so a DNS-rebinding page on
  the internet cannot talk to it through the user's browser.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import TrendwatchError

#: The content of every HTML page comes from this server only; no inline scripts at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

#: "same-origin", not "no-referrer": with no-referrer, browsers send ``Origin: null`` on our
#: own form posts, which the Origin check must refuse. Links out carry rel=noreferrer.
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class BindError(TrendwatchError):
    """``serve`` was asked to listen on a public address without an access token."""

    exit_code = 2


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the usual names for them."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The name part of a Host header ("[::1]:8765" -> "::1"); "" when it is malformed."""
    try:
        return urlsplit("//" + host_header).hostname or ""
    except ValueError:
        return ""


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine unless an access token is configured."""
    if not is_loopback(host) and not token:
        raise BindError(f"refusing to listen on {host}: set a [web] token in the config "
                        f"first (anyone who can reach {host} could change your suggestions)")


def load_secret_key(db_path: Path) -> bytes:
    """The key that signs session cookies, created on first use next to the database.

    Created with O_EXCL and mode 0600 so two processes starting at once agree on one key and
    other users of the machine cannot read it.
    """
    path = secret_path(db_path)
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    except OSError as err:
        raise TrendwatchError(f"cannot read the web secret {path}: {err}") from None
    key = secrets.token_hex(32).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race (or the file was short: redo)
        data = path.read_bytes()
        if len(data) >= 32:
            return data
        path.unlink()
        return load_secret_key(db_path)
    except OSError as err:
        raise TrendwatchError(f"cannot create the web secret {path}: {err}") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def secret_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".web-secret")


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison that is False when either side is missing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def token_fingerprint(token: str) -> str:
    """What the session keeps after login: changing the token logs every browser out."""
    return hashlib.sha256(b"trendwatch-web:" + token.encode()).hexdigest()[:32]


def origin_matches(origin: str | None, host: str) -> bool:
    """A browser's Origin header (when sent) must name this very server."""
    if not origin:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


#: Every character at or below space, DEL, and the backslash: never in a redirect target.
_UNSAFE_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths are followed after a login or a form post (no open redirect).

    Browsers and Werkzeug drop tabs and newlines from a Location and read ``\\`` as ``/``,
    so ``/\\t/evil.example`` would become ``//evil.example``: any whitespace or control
    character, any backslash, a scheme or a host makes the target fall back to ``default``.
    """
    if not target or _UNSAFE_NEXT.search(target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return target

