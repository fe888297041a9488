"""Which post is which, and which suggestion it was made from.

A post is reached through many links: ``instagram.com/reel/CODE/?igsh=...`` and
``instagram.com/p/CODE``, ``youtu.be/ID`` and ``youtube.com/shorts/ID``, a TikTok link with
``?is_from_webapp=1``. :func:`post_key` maps them all to one key, stored as
``posts.url_key``; imports and :func:`link_post` find posts by it (or by the platform's own
post id).

:func:`link_post` is the one entry point that records "suggestion N became this post": the
``trendwatch posted`` command, the backlog page and the content plan all call it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..db.store import Store, iso, utcnow
from ..errors import TrendwatchError
from ..parse.normalize import canonical_url
from .model import platform_of


class LinkError(TrendwatchError):
    """A link or suggestion id the user typed is wrong (a usage error: exit code 2)."""

    exit_code = 2


_IG = re.compile(r"^/(?:[\w.]+/)?(?:p|reel|reels|tv)/([\w-]{5,})")
_TT = re.compile(r"/(?:video|photo|v)/(\d{6,})")
_YT_PATH = re.compile(r"^/(?:shorts|live|embed|v)/([\w-]{6,})")


def post_key(url: str | None) -> tuple[str | None, str | None, str | None]:
    """``(url_key, platform, platform_post_id)`` of a post link; all ``None`` when the
    text is not an http(s) link.

    ``url_key`` is ``"instagram:CODE"``, ``"tiktok:ID"`` or ``"youtube:ID"`` for those
    platforms, else the canonical URL (tracking parameters, ``www.``, fragments dropped).
    The platform post id is the one the platform's export uses, where the link holds it
    (TikTok and YouTube; Instagram's export id is not in its links).
    """
    canon = canonical_url(url.strip() if url else url)
    if canon is None:
        return None, None, None
    parts = urlsplit(canon)
    host = parts.hostname or ""
    path = parts.path
    if host.endswith("instagram.com"):
        m = _IG.match(path)
        return (f"instagram:{m.group(1)}" if m else canon), "instagram", None
    if host.endswith("tiktok.com"):
        m = _TT.search(path)
        if m:
            return f"tiktok:{m.group(1)}", "tiktok", m.group(1)
        return canon, "tiktok", None
    if host in ("youtu.be",) or host.endswith("youtube.com"):
        vid = None
        if host == "youtu.be":
            vid = path.strip("/").split("/")[0] or None
        else:
            m = _YT_PATH.match(path)
            vid = m.group(1) if m else (parse_qs(parts.query).get("v") or [None])[0]
        if vid:
            return f"youtube:{vid}", "youtube", vid
        return canon, "youtube", None
    return canon, platform_of(host), None


def link_post(store: Store, suggestion_id: int, url: str, *,
              now: datetime | None = None) -> dict[str, Any]:
    """Record that suggestion ``suggestion_id`` was posted at ``url``.

    The post is found by its link (any form of it) or platform id; when it is not known
    yet (not imported), a ``posts`` row is created now with the publish time estimated as
    ``now``, and the next import that contains it fills in the real time and numbers.
    A post already linked to another suggestion is moved to this one (the latest word
    wins; the answer says which it was). Returns ``post_id``, ``suggestion_id``,
    ``created``, ``previous_suggestion_id``, ``url_key``, ``platform``.
    """
    key, platform, pid = post_key(url)
    if key is None:
        raise LinkError(f"not a post link: {url!r} (expected an http(s) URL such as "
                              "https://www.instagram.com/p/CODE/)")
    stamp = iso(now or utcnow())
    with store.write() as db:
        if not db["suggestions"].count_where("id = ?", [suggestion_id]):
            raise LinkError(f"no suggestion with id {suggestion_id}")
        row = next(db.query("select id, suggestion_id from posts where url_key = ?", [key]),
                   None)
        if row is None and pid:
            row = next(db.query("select id, suggestion_id from posts where platform = ? "
                                "and platform_post_id = ?", [platform, pid]), None)
        if row is not None:
            db.execute("update posts set suggestion_id = ?, linked_by = 'manual', "
                       "url_key = coalesce(url_key, ?) where id = ?",
                       [suggestion_id, key, row["id"]])
            return {"post_id": row["id"], "suggestion_id": suggestion_id, "created": False,
                    "previous_suggestion_id": row["suggestion_id"], "url_key": key,
                    "platform": platform}
        post_id = db["posts"].insert({
            "platform": platform, "platform_post_id": pid, "url": url.strip(),
            "url_key": key, "format": None, "published_at": stamp,
            "published_estimated": 1, "suggestion_id": suggestion_id,
            "linked_by": "manual", "created_at": stamp}).last_pk
    return {"post_id": post_id, "suggestion_id": suggestion_id, "created": True,
            "previous_suggestion_id": None, "url_key": key, "platform": platform}


def post_urls(store: Store, suggestion_ids: list[int]) -> dict[int, str]:
    """``{suggestion id: post url}`` for the suggestions that have a linked post."""
    if not suggestion_ids:
        return {}
    marks = ",".join("?" * len(suggestion_ids))
    rows = store.query(f"select suggestion_id, url from posts where suggestion_id in "
                       f"({marks}) order by id", suggestion_ids)
    return {r["suggestion_id"]: r["url"] for r in rows}
