"""Normalising titles and URLs, and hashing content: the keys an item is recognised by."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_ga|"
                       r"ref_src|ref_url|yclid|spm|cmpid|icid|ncid|__twitter_impression)$",
                       re.I)


def canonical_url(url: str | None) -> str | None:
    """The URL with tracking parameters, fragment, default port and case noise removed,
    so the same article reached through different links compares equal.

    ``None`` for anything that is not a well-formed http(s) URL (a bad port included): a
    link we can't canonicalise is stored as given and matched by guid and title instead.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if host.startswith("www."):
        host = host[4:]
    if host.startswith("m.") and host.count(".") >= 2:  # mobile mirrors
        host = host[2:]
    try:
        port = parts.port  # ":99999" or ":abc" raise here, not in urlsplit
    except ValueError:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not _TRACKING.match(k))
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    # http and https versions of one article are the same story
    return urlunsplit(("https", netloc, path, urlencode(query), ""))


#: " - Kompas.com", " | detikHot", " — Variety": an outlet name after a dash or bar. Not a colon:
#: "Festival Film Indonesia 2026: Daftar Pemenang" and "...: Nominasi" are different stories.
_SUFFIX = re.compile(r"\s+[-|–—]\s+[^-|–—:]{2,40}$")


def title_key(title: str) -> str:
    """A normalised title: the same headline syndicated by several outlets maps to one key
    (case, punctuation, accents and a trailing " - Outlet Name" ignored)."""
    text = title
    if not text.isascii():  # most headlines are ASCII: skip the per-character pass for them
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _SUFFIX.sub("", text.strip())
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def content_hash(*parts: str | None) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8", "replace"))
        h.update(b"\x1f")
    return h.hexdigest()[:32]
