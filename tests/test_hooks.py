"""Hooks that read as posts (issue 15, point 5): a clean topic phrase in the item's
language, shipped template sets for any theme, tone that follows the item, and the
``generate_angles`` hook for smarter generators."""

from __future__ import annotations

import re

import pytest

from trendwatch.api import Angle
from trendwatch.config import parse_config, starter_text
from trendwatch.daily.build import angles_for
from trendwatch.hookspecs import hookimpl
from trendwatch.plugins import load_plugins
from trendwatch.ranking.angles import TEMPLATES, template_angles, tone
from trendwatch.ranking.topic import clean_headline, language, topic_phrase

BRAND = {"name": "Studio Lensa Kita", "languages": ["id", "en"]}


@pytest.mark.parametrize(("title", "topic"), [
    ("Should the Berlinale move to summer? Industry weighs in", "Berlinale"),
    ("Is Netflix raising prices again in Asia?", "Netflix"),
    ("Film horor lokal tembus dua juta penonton dalam sepekan", "film horor lokal"),
    ("Indonesian studio announces three streaming originals", "Indonesian studio"),
    ("How to light a night exterior with one LED panel and a bounce",
     "how to light a night exterior"),
    ("Hari Batik: kreator muda pamer motif batik pesisir", "Hari Batik"),
    ("5 tren audio TikTok minggu ini", "tren audio TikTok minggu ini"),
    ("Sara Wijayanto bintangi film horor baru garapan sutradara muda", "Sara Wijayanto"),
    ("Sutradara bantah hoaks soal lokasi syuting film horor terbarunya",
     "sutradara bantah hoaks"),
    ("Creator economy report: short video drives most brand deals this year",
     "Creator economy report"),
    ("Teknik color grading ala film thriller Korea untuk video pendek",
     "teknik color grading"),
    ("Trailer Gadis Lereng dirilis - Detik", "Trailer Gadis Lereng"),
    ("VIDEO: Kampanye iklan brand kopi lokal angkat cerita barista",
     "kampanye iklan brand kopi lokal"),
])
def test_topic_is_a_noun_phrase_not_the_first_words(title, topic):
    assert topic_phrase(title) == topic


def test_language_and_cleaning():
    assert language("Indonesian studio announces three streaming originals") == "en"
    assert language("Film horor lokal tembus dua juta penonton") == "id"
    assert clean_headline("🔥 VIDEO: Trailer resmi rilis | Kompas") == "Trailer resmi rilis"


def _hooks(title: str, theme: dict | None = None, **extra) -> list[Angle]:
    return template_angles({"title": title, "source": "detik", "signals": {}, **extra},
                           theme, BRAND)


def test_hooks_never_start_with_a_question_fragment_or_mix_languages():
    english = _hooks("Should the Berlinale move to summer? Industry weighs in")
    for a in english:
        assert not re.search(r"\b(dalam|yang|kami|Kenapa|Sudah|menjawab)\b", a.hook), a
        assert "Berlinale" in a.hook
    indonesian = _hooks("Film horor lokal tembus dua juta penonton dalam sepekan")
    for a in indonesian:
        assert not re.search(r"\b(the|things|explained|our)\b", a.hook), a
        assert "film horor lokal" in a.hook.lower()
        assert not a.hook.startswith(("Should", "Is ", "Kru film menanggapi"))


def test_any_theme_gets_templates_in_every_format():
    platforms = {t["platform"] + " " + t["format"]
                 for lang in ("id", "en") for t in TEMPLATES[lang]["news"]}
    for wanted in ("carousel", "Reels", "Shorts", "LinkedIn", "poll"):
        assert any(wanted in p for p in platforms), wanted
    custom = {"id": "esports", "name": "Esports", "angles": []}
    got = _hooks("Turnamen esports nasional pecahkan rekor penonton streaming", custom)
    assert len(got) == 3 and len({a.platform for a in got}) == 3


def test_tone_follows_the_item():
    obituary = _hooks("Aktor senior Budi Santosa meninggal dunia di usia 82 tahun",
                      sensitive=["death"])
    assert tone({"sensitive": ["death"]}, "x") == "mourning"
    for a in obituary:
        text = f"{a.platform} {a.format} {a.hook}".lower()
        assert not re.search(r"reaksi|reaction|poll|ikut tren|versi", text), a
        assert "budi santosa" in text
    war = _hooks("Serangan udara di Gaza tewaskan puluhan warga", sensitive=["war"])
    assert len(war) == 1 and "tidak diangkat" in war[0].hook
    disaster = _hooks("Gempa bumi guncang Cianjur", sensitive=["disaster"])
    assert all("poll" not in a.format for a in disaster)
    question = _hooks("Kenapa film horor Indonesia selalu laris?")
    assert any("(Ya / Tidak)" in a.hook and "Kenapa film horor" in a.hook
               for a in _hooks_all("Kenapa film horor Indonesia selalu laris?"))
    assert question
    craft = _hooks_all("How to light a night exterior with one LED panel")
    assert any(a.hook.startswith("How to light a night exterior") for a in craft)


def _hooks_all(title: str) -> list[Angle]:
    """Every template of the item's set (the pick of three rotates by title)."""
    out = []
    for i in range(8):
        out += template_angles({"title": title + " " * i, "signals": {}}, None, BRAND)
    return out


def test_why_now_is_the_evidence_in_the_brands_language():
    got = _hooks("Indonesian studio announces three streaming originals",
                 signals={"evidence": ["diberitakan 3 media dalam 2 jam"]})
    assert got[0].why_now == "Kenapa sekarang: diberitakan 3 media dalam 2 jam."


def test_a_smarter_generator_still_comes_first():
    class Smart:
        @hookimpl
        def generate_angles(self, suggestion, theme, brand):
            return [Angle(platform="Threads", format="thread", hook="Utas: " +
                          suggestion["title"], why_now="", generator="smart")]

    host = load_plugins()
    host.pm.register(Smart(), name="smart-test")
    config = parse_config(starter_text())
    got = angles_for(host, {"title": "Film horor lokal tembus dua juta penonton",
                            "signals": {}, "source": "detik"},
                     config.theme("film-industry").model_dump(), config.brand.model_dump())
    assert got[0]["generator"] == "smart" and len(got) == 3
