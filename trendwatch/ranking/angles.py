"""Default content angles: 1–3 concrete post ideas per suggestion, from templates.

Hooks must read as posts, for any theme, in the item's own language:

* ``{topic}`` is a clean noun phrase of the headline (:mod:`.topic`: "Hari Batik", "Film
  horor lokal", "Netflix"), never the first words of a sentence; ``{Topic}`` is the same
  with a capital letter (for the start of a hook), ``{headline}`` the cleaned headline.
* Shipped template sets (:data:`TEMPLATES`) in Indonesian and English cover the common
  formats: Instagram carousel, Reels/TikTok, YouTube Shorts, LinkedIn post, story poll.
  The set is chosen by the item's **tone**: ``news``, ``craft`` (how-tos, techniques),
  ``question`` (the headline asks one: the poll asks it too), ``trend`` (a hashtag),
  ``mourning`` (a death), ``disaster``, and ``hard`` (war, conflict, crime: no post idea,
  a note that the topic is not for brand content). A death, disaster or conflict never
  gets a reaction video, a poll or "our version of".
* A theme's ``angles`` in the config are used first, for news, craft and trend items in
  the brand's first language (they are written in it).

Also filled: ``{theme}`` (theme name), ``{brand}``, ``{source}`` and ``{signal}`` (why
now: the evidence phrases of :mod:`trendwatch.ranking.evidence`). No network, no model: this is
the built-in ``generate_angles`` plugin (``plugins/angles.py``); smarter generators are
plugins too and are listed before these.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from ..config import AngleTemplate
from ..contracts import Angle
from .topic import clean_headline, language, topic_phrase

GENERATOR = "templates"

_T = dict[str, str]


def _t(platform: str, fmt: str, hook: str) -> _T:
    return {"platform": platform, "format": fmt, "hook": hook}


#: Shipped templates by language and tone; each set lists different formats, so the three
#: angles of one item are three different kinds of post.
TEMPLATES: dict[str, dict[str, list[_T]]] = {
    "id": {
        "news": [
            _t("Instagram", "carousel", "{Topic}: 5 hal yang perlu kamu tahu"),
            _t("TikTok / Reels", "video 30 detik",
               "{Topic} dalam 30 detik: apa yang terjadi dan kenapa penting"),
            _t("YouTube", "Shorts", "Kabar {topic}, dijelaskan tim {brand} dalam 60 detik"),
            _t("LinkedIn", "post", "{Topic}: catatan singkat tim {brand} untuk industri "
               "kreatif"),
            _t("Instagram", "story polling", "Sudah dengar soal {topic}? (Sudah / Belum)"),
        ],
        "craft": [
            _t("Instagram", "carousel", "{Topic}: langkah demi langkah dalam 5 slide"),
            _t("TikTok / Reels", "video BTS", "Kami coba {topic} di studio: begini hasilnya"),
            _t("YouTube", "Shorts tutorial", "{Topic} dalam 60 detik"),
            _t("LinkedIn", "post", "Yang kami pelajari soal {topic} di produksi terakhir"),
            _t("Instagram", "story polling", "Pernah coba {topic}? (Pernah / Belum)"),
        ],
        "question": [
            _t("Instagram", "carousel", "“{headline}” Jawaban kami dalam 5 slide"),
            _t("TikTok / Reels", "video 30 detik", "Kru {brand} menjawab: {headline}"),
            _t("LinkedIn", "post", "{headline} Pendapat kami dari sisi produksi"),
            _t("Instagram", "story polling", "{headline} (Ya / Tidak)"),
        ],
        "trend": [
            _t("TikTok / Reels", "ikut tren", "{Topic} versi {brand}: dari balik kamera"),
            _t("Instagram", "Reels", "Kami coba {topic} dengan kamera sinema"),
            _t("YouTube", "Shorts", "{Topic}: dari mana asalnya, dalam 60 detik"),
            _t("Instagram", "story polling", "Sudah ikut {topic}? (Sudah / Belum)"),
        ],
        "mourning": [
            _t("Instagram", "carousel", "Mengenang {topic}: karya yang membekas"),
            _t("Instagram", "story", "Turut berduka untuk {topic}, dari tim {brand}"),
            _t("LinkedIn", "post", "Mengenang {topic} dan jejaknya di industri kreatif"),
        ],
        "disaster": [
            _t("Instagram", "story", "{Topic}: info resmi dan cara membantu"),
            _t("Instagram", "post", "Doa dan dukungan untuk warga terdampak: {topic}"),
        ],
        "hard": [
            _t("Catatan", "jangan diposting",
               "Topik sensitif ({category}): sebaiknya tidak diangkat sebagai konten brand"),
        ],
    },
    "en": {
        "news": [
            _t("Instagram", "carousel", "{Topic}: 5 things to know"),
            _t("TikTok / Reels", "30-second video",
               "{Topic} in 30 seconds: what happened and why it matters"),
            _t("YouTube", "Shorts", "{Topic}, explained by the {brand} team in 60 seconds"),
            _t("LinkedIn", "post", "{Topic}: a short note from the {brand} team for the "
               "creative industry"),
            _t("Instagram", "story poll", "Have you heard about {topic}? (Yes / Not yet)"),
        ],
        "craft": [
            _t("Instagram", "carousel", "{Topic}: step by step in 5 slides"),
            _t("TikTok / Reels", "BTS video", "{Topic}: we tried it in our studio"),
            _t("YouTube", "Shorts tutorial", "{Topic} in 60 seconds"),
            _t("LinkedIn", "post", "What our last shoot taught us about {topic}"),
            _t("Instagram", "story poll", "Want our take on {topic}? (Yes / Not now)"),
        ],
        "question": [
            _t("Instagram", "carousel", "“{headline}” Our answer in 5 slides"),
            _t("TikTok / Reels", "30-second video", "The {brand} crew answers: {headline}"),
            _t("LinkedIn", "post", "{headline} Our view from the production side"),
            _t("Instagram", "story poll", "{headline} (Yes / No)"),
        ],
        "trend": [
            _t("TikTok / Reels", "join the trend", "{Topic}, the {brand} version: from "
               "behind the camera"),
            _t("Instagram", "Reels", "We tried {topic} with a cinema camera"),
            _t("YouTube", "Shorts", "{Topic}: where it started, in 60 seconds"),
            _t("Instagram", "story poll", "Joined {topic} yet? (Yes / Not yet)"),
        ],
        "mourning": [
            _t("Instagram", "carousel", "Remembering {topic}: the work that stays with us"),
            _t("Instagram", "story", "Our condolences on {topic}, from the {brand} team"),
            _t("LinkedIn", "post", "Remembering {topic} and their mark on the industry"),
        ],
        "disaster": [
            _t("Instagram", "story", "{Topic}: official information and how to help"),
            _t("Instagram", "post", "Thoughts and support for everyone affected: {topic}"),
        ],
        "hard": [
            _t("Note", "do not post",
               "Sensitive topic ({category}): better not made into brand content"),
        ],
    },
}
#: Tones whose angles must stay respectful (no reaction, no poll, no trend-jacking).
SOMBRE_TONES = frozenset({"mourning", "disaster", "hard"})
_CRAFT = re.compile(r"^(?:how\s+to|cara|tips|tutorial)\b|\b(?:tutorial|teknik|technique|"
                    r"behind the scenes|di balik layar|BTS|color grading|lighting|"
                    r"sinematografi|cinematography)\b", re.I)
_CATEGORY_WORDS = {"id": {"war": "perang", "conflict": "konflik SARA/teror",
                          "crime": "kriminal", "death": "kematian", "disaster": "bencana"},
                   "en": {"war": "war", "conflict": "religious/ethnic conflict",
                          "crime": "violent crime", "death": "a death",
                          "disaster": "a disaster"}}


def tone(suggestion: Mapping[str, Any], headline: str) -> str:
    """The item's tone (see the module docstring): sensitive marks first."""
    marks = set(suggestion.get("sensitive") or [])
    if marks & {"war", "conflict", "crime"}:
        return "hard"
    if "death" in marks:
        return "mourning"
    if "disaster" in marks:
        return "disaster"
    if headline.startswith("#"):
        return "trend"
    if "?" in headline:
        return "question"
    if _CRAFT.search(headline):
        return "craft"
    return "news"


DEFAULT_WHY_NOW = {"id": "Kenapa sekarang: {signal}.", "en": "Why now: {signal}."}
#: The config's own default ``why_now``; replaced by ours in the brand's first language, so
#: "why now" always reads in one language whatever the hook's.
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
    list's ``evidence`` phrases (:mod:`trendwatch.ranking.evidence`) when the signals carry them,
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


def _topic(suggestion: Mapping[str, Any], lang: str) -> str:
    """The clean topic phrase (:func:`.topic.topic_phrase`); a template never gets the
    raw headline cut in the middle."""
    title = str(suggestion.get("title") or "")
    return topic_phrase(title, lang) or ("topik ini" if lang == "id" else "this topic")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _pick(templates: Sequence[_T], key: str, n: int) -> list[_T]:
    """``n`` templates, starting at a place fixed by the item, so suggestions of one theme
    don't all open with the same idea."""
    if len(templates) <= n:
        return list(templates)
    start = int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(templates)
    return [templates[(start + i) % len(templates)] for i in range(n)]


def template_angles(suggestion: Mapping[str, Any], theme: Mapping[str, Any] | None,
                    brand: Mapping[str, Any], *, limit: int = 3) -> list[Angle]:
    """Angles for one suggestion (see the module docstring).

    ``suggestion``: ``title``, ``source``, ``signals``, ``sensitive`` (categories from
    :mod:`trendwatch.ranking.safety`), ``theme`` (as passed to the ``generate_angles`` hook);
    ``theme``: the theme's config table or None; ``brand``: the ``[brand]`` table.
    """
    title = str(suggestion.get("title") or "")
    headline = clean_headline(title)
    if "?" in headline:  # "Should the Berlinale move to summer? Industry weighs in"
        headline = headline[:headline.index("?") + 1]
    languages = list(brand.get("languages") or ["id"])
    brand_lang = "en" if languages[:1] == ["en"] else "id"
    lang = language(headline)
    if lang not in languages:
        lang = brand_lang  # an audience that reads only one language gets that one
    item_tone = tone(suggestion, headline)
    templates: list[_T] = []
    if theme and item_tone not in SOMBRE_TONES and item_tone != "question" \
            and lang == brand_lang:
        templates = [dict(a) for a in theme.get("angles") or []]
    templates = templates or TEMPLATES[lang][item_tone]
    source = str(suggestion.get("source") or "")
    marks = [m for m in suggestion.get("sensitive") or []]
    topic = _topic(suggestion, lang)
    values = {
        "topic": topic, "Topic": _capital(topic), "headline": headline,
        "theme": str((theme or {}).get("name") or ""),
        "brand": str(brand.get("name") or ("kami" if lang == "id" else "our studio")),
        "source": source,
        "signal": signal_words(suggestion.get("signals") or {}, source or None,
                               lang=brand_lang),
        "category": ", ".join(_CATEGORY_WORDS[lang].get(m, m) for m in marks),
    }
    out = []
    for t in _pick(templates, title, max(1, min(limit, 3))):
        why_now = t.get("why_now") or DEFAULT_WHY_NOW[brand_lang]
        if why_now == _CONFIG_WHY_NOW:
            why_now = DEFAULT_WHY_NOW[brand_lang]
        out.append(Angle(platform=_fill(t.get("platform", ""), values) or "Instagram",
                         format=_fill(t.get("format", ""), values) or "post",
                         hook=_capital(_fill(t.get("hook", ""), values)),
                         why_now=_fill(why_now, values),
                         generator=GENERATOR))
    return out
