"""Default content angles: 1–3 concrete post ideas per suggestion, from templates.

A theme's ``angles`` in the config are used first; themes without any fall back to
:data:`DEFAULT_TEMPLATES` for the starter theme ids, then :data:`GENERIC_TEMPLATES`.
Templates are filled with ``{topic}`` (the item's key phrase), ``{theme}`` (theme name),
``{brand}``, ``{source}`` and ``{signal}`` (why now, in words). No network, no model: this
is the built-in ``generate_angles`` plugin (``plugins/angles.py``); smarter generators are
plugins too and are listed before these.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping, Sequence
from typing import Any

from ..api import Angle
from ..config import AngleTemplate
from .text import key_phrases

GENERATOR = "templates"

_T = dict[str, str]

#: Defaults for the starter config's theme ids (Indonesian: the brand's audience).
DEFAULT_TEMPLATES: dict[str, list[_T]] = {
    "film-industry": [
        {"platform": "TikTok", "format": "video reaksi 30 detik",
         "hook": "Kru film menanggapi {topic}: apa yang orang awam tidak lihat"},
        {"platform": "Instagram", "format": "carousel",
         "hook": "{topic} dalam 5 slide: fakta produksi yang jarang dibahas"},
        {"platform": "YouTube", "format": "Shorts",
         "hook": "Kalau {brand} yang menggarap {topic}, begini versinya"},
    ],
    "behind-the-scenes": [
        {"platform": "Instagram", "format": "Reels BTS",
         "hook": "Coba teknik {topic} di set kami hari ini"},
        {"platform": "YouTube", "format": "Shorts tutorial",
         "hook": "{topic} dalam 60 detik, pakai alat yang ada di studio"},
        {"platform": "TikTok", "format": "before/after",
         "hook": "Before vs after: {topic} versi {brand}"},
    ],
    "advertising": [
        {"platform": "Instagram", "format": "carousel bedah iklan",
         "hook": "Bedah iklan: kenapa {topic} berhasil"},
        {"platform": "TikTok", "format": "video opini",
         "hook": "Tim kreatif kami menilai {topic}: ide, eksekusi, hasil"},
        {"platform": "LinkedIn", "format": "post analisis",
         "hook": "Pelajaran dari {topic} untuk brand lokal"},
    ],
    "local-culture": [
        {"platform": "Instagram", "format": "story interaktif",
         "hook": "Momen {topic}: cerita dari tim {brand}"},
        {"platform": "TikTok", "format": "video storytelling",
         "hook": "{topic} lewat lensa kamera kami"},
        {"platform": "Instagram", "format": "Reels",
         "hook": "3 shot sinematik untuk merekam {topic}"},
    ],
    "social-trends": [
        {"platform": "TikTok", "format": "ikut tren",
         "hook": "Versi studio film dari tren {topic}"},
        {"platform": "Instagram", "format": "Reels",
         "hook": "Kami coba {topic} dengan kamera sinema"},
        {"platform": "YouTube", "format": "Shorts",
         "hook": "{topic}: kenapa ramai, dan cara brand ikut tanpa maksa"},
    ],
}

GENERIC_TEMPLATES: list[_T] = [
    {"platform": "Instagram", "format": "carousel",
     "hook": "{topic}: yang perlu kamu tahu dalam 5 slide"},
    {"platform": "TikTok", "format": "video 30 detik",
     "hook": "{brand} menanggapi {topic}"},
    {"platform": "Instagram", "format": "story polling",
     "hook": "Setuju atau tidak: {topic}?"},
]

DEFAULT_WHY_NOW = "Kenapa sekarang: {signal}."
#: The config's own default ``why_now`` (English); replaced by ours for a brand whose first
#: language is Indonesian, so a hook and its "why now" never mix languages.
_CONFIG_WHY_NOW = AngleTemplate.model_fields["why_now"].default


class _Fill(dict[str, str]):
    """Unknown ``{placeholders}`` in a user's template stay as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: Mapping[str, str]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Fill(values)).strip()
    except (ValueError, IndexError, AttributeError, KeyError):
        return template  # a malformed template is shown as written, never fatal


def signal_words(signals: Mapping[str, Any], source: str | None = None, *,
                 lang: str = "id") -> str:
    """The evidence that this is timely, in words (Indonesian, or English for "en"): the
    list's ``evidence`` phrases (:mod:`trendwatch.evidence`) when the signals carry them,
    else what the numbers alone support. Never "trending" without a number behind it."""
    en = lang == "en"
    found = [str(e) for e in signals.get("evidence") or [] if e]
    if found:
        return "; ".join(found[:2])
    n = signals.get("sources")
    if isinstance(n, int | float) and n >= 2:
        return f"{int(n)} sources report it" if en else f"diberitakan {int(n)} sumber"
    if float(signals.get("trend") or 0) >= 0.7 and source:
        return f"among the biggest on {source}" if en else \
            f"termasuk yang terbesar di {source}"
    if en:
        return f"seen on {source}" if source else "seen today"
    return f"muncul di {source}" if source else "muncul hari ini"


def _topic(suggestion: Mapping[str, Any]) -> str:
    phrases = suggestion.get("key_phrases") or key_phrases(
        str(suggestion.get("title") or ""), prefer=suggestion.get("why") or [])
    if phrases:
        return str(phrases[0])
    title = str(suggestion.get("title") or "topik ini")
    return title if len(title) <= 60 else title[:57].rsplit(" ", 1)[0] + "…"


def _pick(templates: Sequence[_T], key: str, n: int) -> list[_T]:
    """``n`` templates, starting at a place fixed by the item, so suggestions of one theme
    don't all open with the same idea."""
    if len(templates) <= n:
        return list(templates)
    start = int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(templates)
    return [templates[(start + i) % len(templates)] for i in range(n)]


def template_angles(suggestion: Mapping[str, Any], theme: Mapping[str, Any] | None,
                    brand: Mapping[str, Any], *, limit: int = 2) -> list[Angle]:
    """Angles for one suggestion from its theme's templates (see the module docstring).

    ``suggestion``: ``title``, ``source``, ``key_phrases``, ``signals`` (as passed to the
    ``generate_angles`` hook); ``theme``: the theme's config table or None; ``brand``: the
    ``[brand]`` table.
    """
    templates: list[_T] = []
    if theme:
        templates = [dict(a) for a in theme.get("angles") or []]
        if not templates:
            templates = DEFAULT_TEMPLATES.get(str(theme.get("id")), [])
    templates = templates or GENERIC_TEMPLATES
    source = str(suggestion.get("source") or "")
    languages = list(brand.get("languages") or ["id"])
    lang = "en" if languages[:1] == ["en"] else "id"
    values = {
        "topic": _topic(suggestion),
        "theme": str((theme or {}).get("name") or ""),
        "brand": str(brand.get("name") or "kami"),
        "source": source,
        "signal": signal_words(suggestion.get("signals") or {}, source or None, lang=lang),
    }
    out = []
    for t in _pick(templates, str(suggestion.get("title") or ""), max(1, min(limit, 3))):
        why_now = t.get("why_now") or DEFAULT_WHY_NOW
        if why_now == _CONFIG_WHY_NOW and lang == "id":
            why_now = DEFAULT_WHY_NOW
        out.append(Angle(platform=_fill(t.get("platform", ""), values) or "Instagram",
                         format=_fill(t.get("format", ""), values) or "post",
                         hook=_fill(t.get("hook", ""), values),
                         why_now=_fill(why_now, values),
                         generator=GENERATOR))
    return out
