"""What a post is once read from any export: :class:`PostRecord`, and the shared
vocabulary (platforms, formats, metrics, engagement rate) every importer maps to.

Engagement rate, per platform (the denominator is the audience the platform reports for
one post; ``docs/performance.md`` explains the choice):

=========== =========================================== =====================================
platform    interactions                                divided by
=========== =========================================== =====================================
instagram   likes + comments + shares + saves           reach (else views, else impressions)
tiktok      likes + comments + shares + saves           views
youtube     likes + comments + shares                   views
other       likes + comments + shares + saves           reach, else views, else impressions
=========== =========================================== =====================================

A post without the denominator (or with 0) has no engagement rate: it is counted, never
guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

PLATFORMS = ("instagram", "tiktok", "youtube", "facebook", "linkedin", "x", "threads")

#: The metric columns of ``post_metrics`` (all optional, all per post).
METRICS = ("views", "reach", "impressions", "likes", "comments", "shares", "saves",
           "follows", "watch_hours", "avg_watch_seconds", "completion_rate")

#: Canonical formats and the words that mean them (angles are free text in any language).
FORMATS: dict[str, tuple[str, ...]] = {
    "carousel": ("carousel", "karusel", "album", "slide", "geser"),
    "reel": ("reel", "reels"),
    "short": ("short", "shorts"),
    "story": ("story", "stories", "cerita"),
    "live": ("live", "siaran langsung", "langsung"),
    "photo": ("photo", "image", "foto", "gambar", "single", "post", "postingan", "feed"),
    "video": ("video", "vlog", "tutorial", "reaksi", "reaction", "before/after"),
    "text": ("text", "thread", "teks", "artikel", "analisis", "analysis"),
}


@lru_cache(maxsize=1024)
def platform_of(text: str | None) -> str:
    """``"Instagram"``, ``"IG"``, ``"tiktok.com"``, ``"YouTube Shorts"`` → a platform id."""
    t = (text or "").strip().lower()
    if t in ("x", "x.com") or "twitter" in t:
        return "x"
    for key, words in (("instagram", ("instagram", "ig")), ("tiktok", ("tiktok", "tik tok")),
                       ("youtube", ("youtube", "yt", "youtu.be")),
                       ("facebook", ("facebook", "fb")), ("linkedin", ("linkedin",)),
                       ("threads", ("threads",))):
        if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", t) for w in words):
            return key
    # an unknown platform keeps a plain short name (it is shown and used as a group key)
    return re.sub(r"[^a-z0-9._ -]", "", t)[:30].strip() or "other"


@lru_cache(maxsize=4096)
def format_of(text: str | None, platform: str | None = None) -> str:
    """A free-text format ("IG carousel", "Reels BTS", "video reaksi 30 detik",
    "carousel bedah iklan", "Shorts tutorial") → one of :data:`FORMATS`.

    The first canonical format whose word appears wins, in the order of :data:`FORMATS`
    (so "Reels BTS video" is a reel). A TikTok post with no recognisable word is a video
    (TikTok's only native format); otherwise "post" falls back to photo.
    """
    t = (text or "").strip().lower()
    for fmt, words in FORMATS.items():
        if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", t) for w in words):
            if fmt == "photo" and platform == "tiktok":
                return "video"
            return fmt
    if platform in ("tiktok", "youtube"):
        return "video"
    return "other"


@dataclass
class PostRecord:
    """One post as one export row describes it."""

    platform: str
    #: the platform's own id (Instagram media id, TikTok video id, YouTube video id)
    platform_post_id: str | None = None
    url: str | None = None
    title: str | None = None
    format: str = "other"
    published_at: datetime | None = None
    duration_seconds: float | None = None
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    #: anything else the export said about it, kept for the curious (JSON)
    extra: dict[str, Any] = field(default_factory=dict)
    #: where it came from, for error messages ("export.csv line 12")
    line: int = 0


def engagement_rate(platform: str, m: dict[str, Any]) -> float | None:
    """The documented engagement rate of one post's numbers (see the module docstring)."""

    def n(key: str) -> float:
        v = m.get(key)
        return float(v) if isinstance(v, int | float) else 0.0

    interactions = n("likes") + n("comments") + n("shares")
    if platform != "youtube":
        interactions += n("saves")
    keys = ("views",) if platform in ("tiktok", "youtube") else ("reach", "views", "impressions")
    for key in keys:
        base = m.get(key)
        if isinstance(base, int | float) and base > 0:
            return round(interactions / float(base), 6)
    return None
