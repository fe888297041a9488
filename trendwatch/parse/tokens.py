"""Normalising and tokenising headline text in Indonesian, English and a mix of both.

Everything the classifier, the explanations and the rising-topic detector read goes through
:func:`normalise` first, so "Keren BGT!!! #HariBatikNasional" and "keren banget hari batik
nasional" look alike to all of them. No scikit-learn here: the digest and the web page use
this module without paying for the classifier's import.

Bump :data:`NORMALISER_VERSION` whenever the output of :func:`normalise` changes: stored
models record it and one trained with another version is refused (and retrained).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

NORMALISER_VERSION = 1

# Common chat/social spellings mapped to their standard form. Char n-grams already cope with
# affixes (mem-/di-/-kan/-nya), but these short forms share no n-grams with the long ones.
SLANG: dict[str, str] = {
    "gak": "tidak", "ga": "tidak", "gk": "tidak", "nggak": "tidak", "ngga": "tidak",
    "enggak": "tidak", "tdk": "tidak", "kagak": "tidak",
    "bgt": "banget", "bngt": "banget", "yg": "yang", "dgn": "dengan", "utk": "untuk",
    "krn": "karena", "karna": "karena", "aja": "saja", "udah": "sudah", "udh": "sudah",
    "sdh": "sudah", "dah": "sudah", "dr": "dari", "sm": "sama", "jd": "jadi", "jdi": "jadi",
    "tp": "tapi", "tpi": "tapi", "org": "orang", "bwt": "buat", "blm": "belum",
    "lg": "lagi", "lgi": "lagi", "bs": "bisa", "bsa": "bisa", "sy": "saya", "gw": "gue",
    "gua": "gue", "lu": "lo", "elo": "lo", "emg": "memang", "emang": "memang",
    "bkn": "bukan", "kalo": "kalau", "klo": "kalau", "gimana": "bagaimana",
    "gmn": "bagaimana", "kyk": "kayak", "kek": "kayak", "pake": "pakai", "pd": "pada",
    "trs": "terus", "bnyk": "banyak", "skrg": "sekarang", "hrs": "harus", "thn": "tahun",
    "jt": "juta", "rb": "ribu", "vs": "versus", "u": "you", "ur": "your",
    "pls": "please", "plz": "please",
}

# Function words of both languages: kept as classifier features (bigrams like "di balik"
# carry meaning) but never shown as an explanation nor counted as a rising topic.
_STOPWORDS_TEXT = """
a about after again against all also am an and any are as at be been before being between
both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just me more most my no
nor not now of off on once only or other our out over own same she should so some such than
that the their them then there these they this those through to too under until up very was
we were what when where which while who whom why will with you your new says said get gets
got how vs via amid into year years day days week one two first last ada adalah agar akan
aku anda antara apa apakah atas atau bagaimana bagi bahwa banyak baru beberapa begitu belum
berapa besar bisa buat bukan cara dalam dan dari dengan di dia diri gue hal hanya harus
hingga ia ini itu jadi jika juga kalau kami kamu kan karena ke kembali kini kita lagi lain
lalu lebih lo maka mana masih mau melalui memang mereka nya oleh pada para per pun saat saja
sama sampai sangat satu saya se sebagai sebelum sedang sejak selama semua sendiri sudah
supaya tak tapi telah tentang terus tetapi tidak untuk usai yaitu yang ya kok sih dong deh
nih tuh loh lah yuk kayak banget bikin kemarin besok orang terbaru resmi
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)")
_REPEAT = re.compile(r"(\w)\1{2,}")  # "seruuu" -> "seru", "!!!" is not \w
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_SPACES = re.compile(r"\s+")


def _split_hashtag(match: re.Match[str]) -> str:
    # "#HariBatikNasional" -> "hari batik nasional"; "#fyp" stays "fyp".
    return " " + _CAMEL.sub(" ", match.group(1)) + " "


def normalise(text: str) -> str:
    """Lower-cased, accent-folded text with URLs and @mentions dropped, hashtags split into
    words, letters repeated for emphasis collapsed and common slang expanded."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub(_split_hashtag, text)
    if not text.isascii():
        # Fold accents (Beyoncé -> beyonce) so both spellings share features.
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    text = text.lower()
    text = _REPEAT.sub(r"\1", text)
    words = []
    for word in _WORD.findall(text):
        word = word.replace("’", "'")
        words.append(SLANG.get(word, word))
    return _SPACES.sub(" ", " ".join(words)).strip()


def tokens(text: str) -> list[str]:
    """Words of the normalised text (including stopwords)."""
    return normalise(text).split()


def content_tokens(text: str, *, min_len: int = 3) -> list[str]:
    """Words worth showing or counting: no stopwords, no pure numbers, not too short."""
    return [t for t in tokens(text)
            if t not in STOPWORDS and len(t) >= min_len and not t.isdigit()]


def phrases(text: str, *, max_n: int = 2) -> list[str]:
    """Content unigrams and bigrams (bigrams only of two adjacent content words of the same
    clause: "iklan, penonton" is no phrase)."""
    out: list[str] = []
    for clause in _CLAUSE.split(text or ""):
        toks = tokens(clause)
        for i, tok in enumerate(toks):
            if _is_content(tok):
                out.append(tok)
                if max_n >= 2 and i + 1 < len(toks) and _is_content(toks[i + 1]):
                    out.append(f"{tok} {toks[i + 1]}")
    return out


_CLAUSE = re.compile(r"[,.;:!?|()\[\]\"“”]+(?:\s|$)|\s[-–—]\s")


def _is_content(tok: str) -> bool:
    return tok not in STOPWORDS and len(tok) >= 3 and not tok.isdigit()


def item_text(title: str, summary: str | None = None, *, summary_chars: int = 200) -> str:
    """The text the classifier sees for an item: its title, then the start of its summary.

    Only the start of the summary: the title is what the specialist judges and what every
    source has, summaries range from empty (Google Trends) to whole articles, and char
    n-grams cost time per character (scoring speed is bound by text length).
    """
    title = (title or "").strip()
    summary = _strip_tags(summary or "")[:summary_chars].strip()
    if summary and summary != title:
        return f"{title} | {summary}"
    return title


_TAG = re.compile(r"<[^>]{0,500}>")


def _strip_tags(text: str) -> str:
    return _TAG.sub(" ", text)


def key_phrases(title: str, *, limit: int = 3, prefer: Iterable[str] = ()) -> list[str]:
    """A few phrases that say what an item is about, for angle templates and the digest.

    Capitalised runs in the original title ("Festival Film Indonesia", "Hari Batik") come
    first — they are usually the name of the thing — then the preferred terms (the
    classifier's explanation), then remaining content words.
    """
    out: list[str] = []
    seen: set[str] = set()

    def add(phrase: str) -> None:
        key = normalise(phrase)
        inside = any(key in other.split() for other in seen)  # "brand" after "brand lokal"
        if key and key not in seen and not inside and not all(
                w in STOPWORDS for w in key.split()):
            seen.add(key)
            out.append(phrase.strip())

    for run in _capitalised_runs(title):
        add(run)
    # A pair of adjacent title words that both explain the theme ("brand lokal", "color
    # grading") says more than either word alone.
    preferred = {normalise(p) for p in prefer}
    for bigram in phrases(title):
        if " " in bigram and all(w in preferred for w in bigram.split()):
            add(bigram)
    for term in prefer:
        add(term)
    for tok in content_tokens(title):
        add(tok)
    return out[:limit]


_CAP_RUN = re.compile(r"(?:[A-Z0-9][\w'’&.-]*)(?:\s+(?:[A-Z0-9][\w'’&.-]*|di|of|the|dan|&))*")


def _capitalised_runs(title: str) -> list[str]:
    """Runs of two or more capitalised words, skipping a capitalised first word alone.

    Headlines in Title Case (most Indonesian news sites) give no signal: every word is
    capitalised, so such titles yield no runs at all.
    """
    words = [w for w in title.split() if w[:1].isalpha()]
    if not words or sum(w[0].isupper() for w in words) / len(words) > 0.6:
        return []
    runs = []
    for m in _CAP_RUN.finditer(title):
        run = m.group(0).split()
        while run and run[-1].lower() in {"di", "of", "the", "dan", "&"}:
            run.pop()
        if 2 <= len(run) <= 5:
            runs.append(" ".join(run).strip(".,:;!?"))
    return runs
