"""The topic of a headline as a short noun phrase, in the headline's own language.

Angle templates put ``{topic}`` inside a sentence ("{topic}: 5 hal yang perlu kamu tahu"),
so it must read as a thing, not as the first words of a sentence: "Should the Berlinale"
or "Is Netflix" made hooks nobody could post. The rules, in order:

1. Clean the headline: drop a syndication suffix (" - Detik", " | Kompas"), brackets,
   emoji and leading labels ("VIDEO:", "BREAKING", "Viral!").
2. "X: Y" with a short X ("Hari Film Nasional: ..."): X is the topic.
3. A run of capitalised words that is not the sentence start (a name: "Festival Film
   Indonesia", "Netflix", "Sara Wijayanto") — in Title Case headlines every word is
   capitalised, so this rule is skipped there.
4. Otherwise the head noun phrase: leading question words and auxiliaries removed ("Why
   don't", "How to", "Kenapa", "Cara"), then the words up to the first verb or function
   word, at most five.

No model and no dictionary beyond small word lists: a rough phrase is still better than
a truncated sentence, and the templates are written so that a plain noun fits.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that make a headline Indonesian (a few are enough: headlines are short).
_ID_WORDS = _words(
    "yang dan di ke dari untuk dengan ini itu tidak akan sudah bikin jadi baru lokal film "
    "kami kita para soal usai jelang saat dalam pada atau juga hingga tahun hari warga "
    "terbaru resmi tayang rilis raih umumkan bintangi bantah penonton bioskop cara kenapa "
    "mengapa bagaimana apa sutradara iklan kampanye kreator tren")
_EN_WORDS = _words(
    "the a an of to in on for with and is are was were be has have will can how why what "
    "who this that new from at by after before as its their your you we our about into "
    "just don't doesn't should could would")

#: Leading words of questions and how-tos, removed before taking the head phrase.
_LEAD = re.compile(
    r"^(?:(?:why|how|what|when|where|who|which)(?:\s+(?:do|does|did|don't|doesn't|didn't|is|"
    r"are|was|were|can|could|should|would|will|to|many|much))?|should|is|are|can|could|do|"
    r"does|did|will|would|has|have|kenapa|mengapa|bagaimana|apa(?:kah)?|siapa|kapan|"
    r"begini|ini\s+dia|inilah|cara|tips|resep)\s+", re.I)
_LABEL = re.compile(r"^(?:\[[^\]]{1,30}\]|\([^)]{1,30}\)|(?:video|foto|breaking|viral|"
                    r"update|exclusive|eksklusif|opini|review|trailer|live|pov|"
                    r"behind the scenes|bts|thread mingguan|thread)\s*[:!|-])\s*"
                    r"|^\d{1,3}\s+(?=[A-Za-z])", re.I)
_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]{2,40}$")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]+")

#: Words a head noun phrase stops before (verbs, prepositions, conjunctions).
_STOP_ID = _words(
    "yang dan di ke dari untuk dengan pada dalam saat usai jelang soal karena agar atau "
    "tapi namun hingga sampai akan sudah telah sedang masih tidak bukan ini itu adalah "
    "ialah jadi bikin tembus raih rilis umumkan bintangi bantah tayang hadir kembali resmi "
    "angkat pamer ramai guncang naik turun capai masuk siap dapat buka tutup ungkap gelar "
    "luncurkan tampil sambut kenang minta tolak sebut klaim beri bagikan kalahkan "
    "puncaki rendam tewaskan dikabarkan disebut ala versi lewat bagi")
#: Function words a fallback clause stops at (verbs allowed: "Sutradara bantah hoaks").
_FUNCTION_ID = _words("yang dan di ke dari untuk dengan pada dalam saat usai jelang soal "
                         "karena agar atau tapi namun hingga ala lewat")
#: Time words that "ini"/"itu" completes ("minggu ini") instead of ending the phrase.
_TIME_ID = _words("minggu hari bulan tahun malam pagi sore pekan musim")
#: Words that look like prefixed verbs but are nouns or adjectives.
_NOT_VERBS_ID = _words("digital distribusi direktur diskon dinasti diskusi dimensi "
                       "diploma dialog berita bersama terminal teras memori mentor "
                       "menteri menu")
_KEEP_ID = _words("terbaru terbaik terlaris terpopuler terbesar terakhir")
_STOP_EN = _words(
    "is are was were be been being has have had will would can could should may might "
    "must do does did to of in on at for with from by as after before about into over "
    "under than and or but so just also still now why how what when where who which "
    "that this these those says said gets got makes made takes took wins won brings "
    "announces announced launches launched reveals revealed rises rose hits hit dies "
    "died explains explained shows showed drives drove tests tested orders ordered "
    "returns returned debuts debuted signs signed joins joined calls called finds found "
    "behind against amid during despite via everyone someone everybody all "
    "becomes became goes went sets set a an the their its his her our your my")


def language(title: str) -> str:
    """``"id"`` or ``"en"``: which of the two the headline is written in. With no word of
    either list, English spelling ("-tion", "-ing", "th") decides; else Indonesian."""
    words = re.findall(r"[a-zA-Z']+", (title or "").lower())
    id_score = sum(w in _ID_WORDS for w in words)
    en_score = sum(w in _EN_WORDS for w in words)
    if id_score == en_score:
        en_score += sum(1 for w in words if w.endswith(("tion", "ing", "ed", "ous", "als"))
                        or "th" in w)
    return "en" if en_score > id_score else "id"


def clean_headline(title: str, limit: int = 90) -> str:
    """The headline without its site suffix, labels and emoji, cut at a word."""
    text = _EMOJI.sub("", " ".join((title or "").split()))
    text = _SUFFIX.sub("", text).strip()
    for _ in range(2):
        text = _LABEL.sub("", text).strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:-") + "…"
    return text


def _is_verb_id(word: str) -> bool:
    w = word.lower()
    if w in _KEEP_ID:
        return False
    if w in _STOP_ID:
        return True
    return len(w) > 5 and bool(re.match(r"^(?:mem|men|meng|meny|ber|ter|di)[a-z]", w)) and \
        w not in _NOT_VERBS_ID


def _is_stop_en(word: str, position: int) -> bool:
    w = word.lower().strip("'’")
    if w in _STOP_EN:
        return True
    if position >= 1 and word[:1].islower() and len(w) > 5 and w.endswith(("ing", "ed")):
        return True  # "Netflix raising prices", "vertical video changed"
    # "Indonesian studio announces": a third-person verb after a noun phrase
    return position >= 2 and w.endswith("s") and not w.endswith("ss") and len(w) > 4 \
        and word[:1].islower()


def _head_phrase(text: str, lang: str, max_words: int = 6) -> str:
    words = text.split()
    out: list[str] = []
    for i, word in enumerate(words):
        bare = word.strip(",.;:!?\"“”'‘’()")
        if not any(c.isalnum() for c in bare):
            break  # "&", "-": the phrase ends here
        stop = _is_stop_en(bare, i) if lang == "en" else _is_verb_id(bare)
        if stop and out and lang == "id" and bare.lower() in ("ini", "itu") and \
                out[-1].lower() in _TIME_ID:
            out.append(bare)  # "tren audio TikTok minggu ini": the phrase ends here
            break
        if stop and out:
            break
        if stop:
            continue  # a leading article or verb: skip it
        out.append(bare)
        if len(out) >= max_words or word[-1:] in ",.;:!?":
            break
    return " ".join(out)


def _names(text: str, *, first: bool = False) -> list[str]:
    """Runs of capitalised words (names), unless the headline is in Title Case. The first
    word counts only when the next one is capitalised too ("Sara Wijayanto bintangi")."""
    words = text.split()
    caps = [w for w in words if w[:1].isalpha()]
    if not caps or sum(w[0].isupper() for w in caps) / len(caps) > 0.6:
        return []
    runs, run = [], []
    for i, word in enumerate(words):
        bare = word.strip(",.;:!?\"“”'‘’()")
        first_ok = i > 0 or first or (len(words) > 1 and words[1][:1].isupper())
        if (first_ok and bare[:1].isupper() and not bare.isupper()) or (
                first_ok and bare.isupper() and len(bare) >= 3):
            run.append(bare)
        else:
            if run:
                runs.append(" ".join(run))
            run = []
        if word[-1:] in ",;:!?" and run:
            runs.append(" ".join(run))
            run = []
    if run:
        runs.append(" ".join(run))
    return [r for r in runs if len(r) >= 3]


def topic_phrase(title: str, lang: str | None = None) -> str:
    """The topic of ``title`` as a short noun phrase (see the module docstring)."""
    text = clean_headline(title)
    if not text:
        return ""
    lang = lang or language(text)
    head, sep, _rest = text.partition(": ")
    if sep and 1 <= len(head.split()) <= 5 and not _LEAD.match(head + " "):
        return head.strip()
    howto = re.match(r"^(?:how\s+to|cara|tips)\s+(.+)$", text, re.I)
    if howto:  # the task is the topic: "light a night exterior" (up to "with"/"dengan")
        task = re.split(r"\s(?:with|using|for|in|on|dengan|pakai|untuk|di|ala)\s|[,:?]",
                        howto.group(1))[0]
        lead = text[:howto.start(1)].strip().lower()
        return f"{lead} " + " ".join(task.split()[:6]).rstrip(".!?")
    body = _LEAD.sub("", text).strip()
    question = body != text
    body = _LEAD.sub("", body).strip()  # "Why don't you ..." has two
    names = _names(body, first=question)  # "Is Netflix ...": the subject is capitalised
    head = _head_phrase(body, lang)
    if names and question:
        return names[0]
    if names and len(head.split()) < 2:
        return max(names[:2], key=len)
    if len(head.split()) >= 2:
        return _decapitalise(head, body, lang)
    if lang == "id":  # "Sutradara bantah hoaks": a short clause reads better than a word
        clause = []
        for word in body.split()[:4]:
            bare = word.strip(",.;:!?\"“”'‘’()")
            if bare.lower() in _FUNCTION_ID:
                break
            clause.append(bare)
            if word[-1:] in ",.;:!?":
                break
        if len(clause) >= 2:
            return _decapitalise(" ".join(clause), body, lang)
    return head or clean_headline(text, 50)


def _decapitalise(phrase: str, body: str, lang: str) -> str:
    """"Film horor lokal" at the start of a headline is capitalised only because it starts
    the sentence: inside a hook it reads "soal film horor lokal". Names ("Netflix",
    "Sara Wijayanto") and nationalities ("Indonesian studio") keep their capital."""
    words = phrase.split()
    if not body.startswith(phrase) or len(words) < 2 or not words[1][:1].islower():
        return phrase
    first = words[0]
    if first.isupper() or not first[:1].isupper() or (
            lang == "en" and first.lower().endswith(("ian", "ese", "ish", "an"))):
        return phrase
    return first[:1].lower() + phrase[1:]
