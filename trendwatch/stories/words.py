"""The words an item is matched to a story by: content words of the title and the summary lead,
accent-folded, cut to a stem, English news words bridged to Indonesian."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from ..parse.tokens import STOPWORDS

if TYPE_CHECKING:

    pass


#: Summary words used (after the title): the lead says what happened, the rest is detail.
SUMMARY_WORDS = 25


#: Weight of a title word against a summary word.
TITLE_WEIGHT = 2.0


def terms(title: str | None, summary: str | None = None) -> dict[str, float]:
    """The words an item is matched by, with their weight: content words of the title
    (weight :data:`TITLE_WEIGHT`) and of the start of the summary (weight 1), lower-cased
    and accent-folded, no stopwords, words cut to their first :data:`STEM` letters
    ("nominees"/"nominated", "festival"/"festivalnya"), English news words bridged to
    Indonesian (:data:`BRIDGE`)."""
    out: dict[str, float] = {}
    for word in _words(title or ""):
        out[word] = TITLE_WEIGHT
    if summary:
        # only the lead: summaries run to 4,000 characters, and tokenising them all was
        # most of the cost of clustering a cold fetch
        for word in _words(summary[:SUMMARY_WORDS * 12])[:SUMMARY_WORDS]:
            out.setdefault(word, 1.0)
    return out


#: Letters a word is cut to: a crude stemmer for two languages at once.
STEM = 6


def terms_text(item_terms: dict[str, float]) -> str:
    """``terms`` as stored in ``items.story_terms``: title words, ``|``, summary words.
    Loading the window from this text is ten times cheaper than normalising again."""
    title = [t for t, w in item_terms.items() if w == TITLE_WEIGHT]
    rest = [t for t, w in item_terms.items() if w != TITLE_WEIGHT]
    return " ".join(title) + " | " + " ".join(rest)


def parse_terms(text: str | None, title: str | None, summary: str | None) -> dict[str, float]:
    """``items.story_terms`` back to weights (computed afresh for rows stored without)."""
    if not text or "|" not in text:
        return terms(title, summary)
    head, _, rest = text.partition("|")
    out = dict.fromkeys(rest.split(), 1.0)
    out.update(dict.fromkeys(head.split(), TITLE_WEIGHT))
    return out


#: English news words mapped to their Indonesian counterparts, so an English and an
#: Indonesian headline of one event share more than its names. Small on purpose: the words
#: headlines about films, ads, shows and disasters use most (no translation model in the
#: fetching process).
_BRIDGE_TEXT = """
horror=horor film=film films=film movie=film movies=film viewers=penonton viewer=penonton
audience=penonton audiences=penonton admissions=penonton box=box office=office million=juta
millions=juta billion=miliar thousand=ribu hundred=ratus two=dua three=tiga four=empat
five=lima six=enam seven=tujuh eight=delapan nine=sembilan ten=sepuluh director=sutradara
directors=sutradara actor=aktor actors=aktor actress=aktris festival=festival
award=penghargaan awards=penghargaan winner=pemenang winners=pemenang nominee=nominasi
nominees=nominasi nomination=nominasi nominations=nominasi premiere=tayang premieres=tayang
release=rilis released=rilis releases=rilis trailer=trailer series=serial song=lagu
singer=penyanyi concert=konser album=album earthquake=gempa quake=gempa flood=banjir
floods=banjir fire=kebakaran eruption=erupsi volcano=gunung storm=badai landslide=longsor
tsunami=tsunami dead=tewas killed=tewas victims=korban victim=korban injured=luka
police=polisi president=presiden minister=menteri government=pemerintah election=pemilu
court=pengadilan price=harga prices=harga rice=beras chili=cabai fuel=bbm ban=larangan
banned=dilarang ad=iklan ads=iklan advert=iklan advertising=iklan campaign=kampanye
brand=merek brands=merek agency=agensi creator=kreator creators=kreator viral=viral
school=sekolah students=pelajar student=pelajar children=anak child=anak city=kota
village=desa province=provinsi regency=kabupaten
"""


BRIDGE: dict[str, str] = dict(p.split("=", 1) for p in _BRIDGE_TEXT.split())


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    """Words of ``text`` as stories compare them. Lighter than the classifier's
    :func:`~trendwatch.parse.tokens.normalise` (no slang, hashtags or URLs to handle in
    news headlines), which cost a third of a millisecond per item."""
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    out = []
    for tok in _WORD.findall(text.lower()):
        tok = BRIDGE.get(tok, tok)
        if tok in STOPWORDS or len(tok) < 2 or (len(tok) < 3 and not tok.isdigit()):
            continue
        out.append(tok[:STEM])
    return out
