"""Brand safety in one place: ``[brand] avoid`` terms and the sensitive-topic detector.

Ranking (what is held back), angles (what tone fits) and the web page (what is shown as
held back, and why) all ask this module; nothing else decides what is unsafe.

**Avoid terms** match whole words and phrases ("judi online" matches "#JudiOnline" and
"JUDI ONLINE", not "judionlinex"). A term written in capitals is an acronym and matches
only in capitals: "SARA" (suku, agama, ras, antargolongan) holds back "isu SARA" but not
"Sara Wijayanto bintangi film horor". Any other term matches in any case.

**Sensitive topics** are found with small Indonesian + English keyword lexicons
(:data:`LEXICON`): death, disaster, war, conflict (religion/ethnicity, terror), crime. A
match marks the item; a category listed in ``[safety] hold`` holds the item back instead
(it is never suggested, and the web page lists it with the reason and a one-click
override). A marked item keeps a respectful tone: no reaction video, no poll, no "our
version of" (see :mod:`trendwatch.ranking.angles`).

Keywords are blunt: "film perang" is a genre, "Hari Pahlawan" mentions heroes who died.
That is why only ``hold`` categories are held back and every held item can be released
with one click; the rest only changes the angles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: Sensitive-topic keywords per category, Indonesian and English. Capitalised entries are
#: acronyms (matched only in capitals); the rest match whole words in any case.
LEXICON: dict[str, tuple[str, ...]] = {
    "death": (
        "meninggal", "meninggal dunia", "wafat", "tutup usia", "berpulang", "tewas",
        "jenazah", "kematian", "obituari", "dimakamkan", "pemakaman", "korban jiwa",
        "dies", "died", "dead at", "death of", "obituary", "passed away", "funeral",
        "killed", "rest in peace",
    ),
    "disaster": (
        "bencana", "banjir bandang", "gempa", "gempa bumi", "tsunami", "tanah longsor",
        "longsor", "erupsi", "kebakaran hutan", "korban banjir", "pengungsi",
        "earthquake", "wildfire", "hurricane", "typhoon", "flooding", "disaster",
        "plane crash", "evacuated",
    ),
    # Not the bare "war"/"perang": "film perang" is a genre and "Civil War" a film title.
    "war": (
        "perang di", "perang saudara", "serangan udara", "genosida", "gencatan senjata",
        "rudal", "invasi", "agresi militer", "gaza", "palestina", "ukraina",
        "war in", "war on", "war crimes", "airstrike", "airstrikes", "genocide",
        "ceasefire", "invasion", "missile strike", "shelling", "palestine", "ukraine",
    ),
    "conflict": (
        "SARA", "penistaan agama", "penodaan agama", "intoleransi", "bentrok",
        "kerusuhan", "radikalisme", "terorisme", "teroris", "bom bunuh diri",
        "riot", "riots", "sectarian", "ethnic violence", "hate crime", "terror attack",
        "terrorism", "terrorist", "extremist", "right-wing violence",
    ),
    "crime": (
        "pembunuhan", "dibunuh", "pemerkosaan", "pelecehan seksual", "kekerasan seksual",
        "penculikan", "penembakan", "penusukan", "bandar narkoba", "pengedar narkoba",
        "murder", "murdered", "rape", "sexual assault", "shooting", "stabbing",
        "kidnapping", "trafficking",
    ),
}
CATEGORIES = tuple(LEXICON)
#: Categories whose angles must not be playful: no reaction video, no poll, no trend.
SOMBRE = frozenset(CATEGORIES)
#: Held back by default: war and religious/ethnic conflict are never the studio's voice.
DEFAULT_HOLD = ("war", "conflict")

#: Categories in people's words (web page, CLI).
LABELS = {"death": "a death", "disaster": "a disaster", "war": "war",
          "conflict": "religious/ethnic conflict or terror", "crime": "violent crime"}


def _is_acronym(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


class TermMatcher:
    """Whole-word, whole-phrase matching of a list of terms (see the module docstring):
    acronyms on the raw text, case-sensitively; the rest on the normalised text."""

    def __init__(self, terms: Iterable[str]) -> None:
        from ..parse.tokens import normalise  # pure text helpers: no scikit-learn

        self._normalise = normalise
        acronyms = sorted({t.strip() for t in terms if t.strip() and _is_acronym(t.strip())},
                          key=len, reverse=True)
        words = sorted({normalise(t) for t in terms
                        if t.strip() and not _is_acronym(t.strip()) and normalise(t)},
                       key=len, reverse=True)
        self._acronyms = _pattern(acronyms, flags=0)
        self._words = _pattern(words, flags=0)

    def search(self, text: str) -> str | None:
        """The first term found in ``text``, as configured (normalised for words)."""
        if not text:
            return None
        if self._acronyms is not None:
            hit = self._acronyms.search(text)
            if hit:
                return hit.group(1)
        if self._words is not None:
            hit = self._words.search(self._normalise(text))
            if hit:
                return hit.group(1)
        return None


def _pattern(terms: Sequence[str], *, flags: int) -> re.Pattern[str] | None:
    if not terms:
        return None
    body = "|".join(r"\s+".join(re.escape(w) for w in t.split()) for t in terms)
    return re.compile(r"(?<!\w)(" + body + r")(?!\w)", flags)


@dataclass(frozen=True)
class Check:
    """What brand safety says about one item.

    ``held``: why it is held back (an avoid term or a ``hold`` category), else None;
    ``sensitive``: every sensitive category found, with the word that matched.
    """

    held: str | None = None
    sensitive: dict[str, str] = field(default_factory=dict)

    @property
    def sombre(self) -> bool:
        return any(c in SOMBRE for c in self.sensitive)


class Safety:
    """The brand's avoid terms and sensitivity rules, compiled once."""

    def __init__(self, avoid: Iterable[str] = (), hold: Iterable[str] = DEFAULT_HOLD,
                 lexicon: dict[str, tuple[str, ...]] | None = None) -> None:
        self.avoid = TermMatcher(avoid)
        self.hold = tuple(hold)
        self.lexicon = {c: TermMatcher(terms) for c, terms in (lexicon or LEXICON).items()}

    def sensitive(self, text: str) -> dict[str, str]:
        """``{category: matched word}`` for every sensitive category in ``text``."""
        out = {}
        for category, matcher in self.lexicon.items():
            hit = matcher.search(text)
            if hit:
                out[category] = hit
        return out

    def check(self, title: str | None, summary: str | None = None) -> Check:
        text = f"{title or ''} {summary or ''}"
        term = self.avoid.search(text)
        marks = self.sensitive(text)
        if term:
            return Check(held=f'avoid term "{term}"', sensitive=marks)
        for category in self.hold:
            if category in marks:
                return Check(held=f'sensitive: {category} ("{marks[category]}")',
                             sensitive=marks)
        return Check(sensitive=marks)


def from_config(config: object) -> Safety:
    """The :class:`Safety` of a loaded :class:`~trendwatch.config.Config`."""
    brand = getattr(config, "brand", None)
    safety = getattr(config, "safety", None)
    return Safety(getattr(brand, "avoid", ()) or (),
                  getattr(safety, "hold", DEFAULT_HOLD))
