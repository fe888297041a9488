"""Stories: the items of every source that report the same event, grouped as they are stored.

An item joins a story, in order of evidence:

1. an item of any source with the same canonical URL, or the same normalised title (at least
   :data:`~trendwatch.ingest.MIN_TITLE_KEY` characters), is already in it (exact keys, as
   before stories had a table);
2. else the most similar item seen in the last :data:`WINDOW` (three days) is similar
   enough: IDF-weighted cosine of the content words of title and summary start at least
   :data:`THRESHOLD`, title words counting twice;
3. else the item starts a new story.

Why this method (measured with ``benchmarks/bench_stories.py`` on 6,366 real headlines of
1,948 outlets over the same two days): MinHash LSH estimates *Jaccard* of word sets, and
two headlines of one event share few words and cannot weigh a rare name above "says": at
precision 0.95 it joined 4% of the aggregator's same-story pairs, this method 20% at
precision 0.97. An inverted index over the recent window with IDF weights finds every item
sharing a rare word, weighs names and places (what two headlines of one event share, also
across English and Indonesian) above common words, and costs a few posting lists per new
item. (SimHash, a single fingerprint per text, is coarser still on ten-word headlines: not
tried.) Its constants were then chosen on a hand-judged sample (``--judged dev``: 320 of
those headlines, 126 events) for the best recall at precision >= 0.95: pairwise precision
0.960, recall 0.308 there, and 0.915 / 0.273 on the disjoint test sample. Headlines alone
are the limit: a third of same-event pairs share at most one content word ("Smart
Elephants" / "Elephants can tell human voices apart"), and same-person, different-event
headlines share as many as same-event ones do; joining at a lower similarity (averaged or
centroid-only story links, single rare names, merging stories an item bridges) bought
recall only with precision well below 0.95.

On real feed items with summaries (``--judged feeds-dev`` / ``feeds-test``: 655 RSS items
of 11 Indonesian and English outlets over the same day and a half, two hand-judged samples
of 320 and 335 items) precision is 1.000, recall 0.117 (dev) and 0.042 (test). The
summaries' leads add names the headlines lack, but most same-event pairs there are other
angles of one occurrence (the points of one press conference, one meeting, one suspect
named), sharing no more words than different events do: the cosine of title and summary
lead puts 18% (dev) and 5% (test) of same-event pairs above any cut where pairs are 95%
right. A lower threshold for items with a summary (0.45) reached 0.404 on dev at
precision 1.000 but 0.109 at 0.887 on test; words alone will not reach issue 13's 0.8.

The index lives in memory, one per database file and process: loaded once from the window's
rows, then caught up with the rows other processes stored (ids above the last one seen) and
extended with each item assigned. Cost per new item does not grow with history: only the
window is indexed, and words in more than :data:`MAX_DF` of it are not looked up.

The user can say an item is "not the same story" (:func:`split_item`): it moves to a story of
its own, marked ``split_from``; such a story is never joined by clustering and its item is
never moved again, not by a later :func:`recluster` either.

Story ids are item ids: a story's id is the id of the item that started it (as
``items.story_id`` always was), so ``coalesce(story_id, id)`` still names an item's story.
No scikit-learn here: this runs in the fetching process, which must stay light.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
import zlib
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .errors import TrendwatchError
from .ranking.text import STOPWORDS
from .store import iso, parse_iso, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .store import Store

#: How far apart in time two items of one story may be (first seen).
WINDOW = timedelta(days=3)
#: Cosine similarity at which an item joins a story (chosen on the hand-judged dev sample
#: of ``benchmarks/story_judgements``: the highest recall at precision >= 0.95; precision
#: first, a wrong merge hides a story, a missed one only shows it twice).
THRESHOLD = 0.55
#: Below this many items in the window, word rarity means little (every word is rare in a
#: new database): an item then joins a story only at this similarity. (500 cost recall on
#: the dev sample: the first hours of a new database are its first two fetches. 200 → 50
#: on the real feed items of ``--judged feeds-dev``, whose first day is as sparse as a new
#: database: recall 0.018 → 0.117 at precision 1.000; the headline samples unchanged.)
COLD_ITEMS = 50
COLD_THRESHOLD = 0.75
#: Words an item must share with a story to join it by similarity: one word ("Trailer",
#: "Gempa") is a topic, not an event.
MIN_SHARED = 2
#: Words in more than this share of the window are not looked up (too common to find a
#: story by; still counted in the similarity of the candidates found). Looking up words up
#: to 20% found more of the aggregator's broad stories but lost precision (0.959 → 0.934).
MAX_DF = 0.02
#: Only the most recent items of a posting list are looked at: a big story's own name is
#: a frequent word, and its recent items are the ones a new item joins it by.
POSTINGS_TAIL = 100
#: Candidates scored exactly per new item, after the posting-list pass (12 left the best
#: match out often enough to cost 2 points of recall on the dev sample).
CANDIDATES = 30
#: The rarest words of a new item looked up in the index (its names and places).
LOOKUP_TERMS = 12
#: Summary words used (after the title): the lead says what happened, the rest is detail.
SUMMARY_WORDS = 25
#: Words in fewer items of the window than this weigh as if in this many: a word no other
#: item has cannot match anything, and at full rarity it only dilutes the cosine of the
#: words two headlines do share.
IDF_MIN_DF = 10
#: Weight of a title word against a summary word.
TITLE_WEIGHT = 2.0


# -- text ------------------------------------------------------------------------------


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
    :func:`~trendwatch.ranking.text.normalise` (no slang, hashtags or URLs to handle in
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


# -- the index -------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    item_id: int
    at: float                 # first seen, epoch seconds
    story: int
    terms: dict[str, float]
    check: int                # crc32 of the title: tells a row rolled back from a new one
    norm: tuple[int, float] = (-1, 0.0)   # (idf generation, norm) cached


@dataclass
class StoryIndex:
    """The recent window of items, searchable by word (see the module docstring)."""

    window: float = WINDOW.total_seconds()
    entries: dict[int, _Entry] = field(default_factory=dict)
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    order: deque[tuple[float, int]] = field(default_factory=deque)
    last_id: int = 0
    locked: set[int] = field(default_factory=set)   # stories split out by the user
    #: Each story's words: the sum of its items' weights (what the story is about).
    centroids: dict[int, dict[str, float]] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    founders: dict[int, int] = field(default_factory=dict)   # one-item stories' item
    _norms: dict[int, tuple[int, float]] = field(default_factory=dict)
    _idf_cache: dict[str, float] = field(default_factory=dict)
    _idf_gen: int = -1
    _dead: int = 0

    def add(self, item_id: int, at: float, story: int, item_terms: dict[str, float],
            title: str | None) -> None:
        self.entries[item_id] = _Entry(item_id, at, story, item_terms, _check(title))
        for term in item_terms:
            self.postings[term].append(item_id)
        # A story of one item has no centroid of its own (it would be a copy of the item's
        # words, doubling the memory of the many one-item stories): made on the second.
        self.sizes[story] += 1
        if self.sizes[story] == 1:
            self.founders[story] = item_id
        elif story not in self.centroids:
            first = self.entries.get(self.founders.pop(story, -1))
            if first is not None:
                self.centroids[story] = dict(first.terms)
        centroid = self.centroids.get(story) if self.sizes[story] > 1 else None
        if centroid is not None:
            for term, weight in item_terms.items():
                centroid[term] = centroid.get(term, 0.0) + weight
        self._norms.pop(story, None)
        self.order.append((at, item_id))
        self.last_id = max(self.last_id, item_id)

    def _generation(self) -> int:
        # idf drifts slowly as the window fills: cached norms are recomputed each time
        # the window's size moves by a tenth (and at least every 200 items)
        n = len(self.entries)
        return n // max(200, n // 10)

    def idf(self, term: str) -> float:
        """Rarity of ``term`` in the window, as of when it was first asked in the current
        generation (a tenth of the window). On purpose: a story's own name grows frequent
        as the story grows, and must not lose the rarity that made it a name (measured:
        pairwise recall 0.05 → 0.15 at higher precision, bench_stories.py)."""
        gen = self._generation()
        if gen != self._idf_gen:
            self._idf_cache.clear()
            self._idf_gen = gen
        value = self._idf_cache.get(term)
        if value is None:
            df = max(len(self.postings.get(term, ())), IDF_MIN_DF)
            value = math.log(1 + len(self.entries) / df)
            self._idf_cache[term] = value
        return value

    def idf_map(self, words: Iterable[str]) -> dict[str, float]:
        """:meth:`idf` of several words at once (one generation check, not one each)."""
        self.idf("")  # brings the cache to the current generation
        cache, postings, n = self._idf_cache, self.postings, len(self.entries)
        out = {}
        for t in words:
            v = cache.get(t)
            if v is None:
                v = cache[t] = math.log(1 + n / max(len(postings.get(t, ())), IDF_MIN_DF))
            out[t] = v
        return out

    def _norm(self, weights: dict[str, float]) -> float:
        idf = self.idf_map(weights)
        return math.sqrt(sum((w * idf[t]) ** 2 for t, w in weights.items()))

    def best_story(self, item_terms: dict[str, float], at: float, exclude: int | None = None,
                   skip: set[int] | frozenset[int] = frozenset()
                   ) -> list[tuple[float, _Entry]]:
        """Candidate stories for ``item_terms``, best first: ``(similarity, entry)`` where
        ``entry`` is the story's most similar recent item and similarity the larger of the
        cosine with that item and with the story's centroid (all its words summed): a
        story's headlines share its names, not each other's wording."""
        if not self.entries or not item_terms:
            return []
        idf = self.idf_map(item_terms)
        norm = math.sqrt(sum((w * idf[t]) ** 2 for t, w in item_terms.items()))
        gen = self._generation()
        by_story: dict[int, tuple[float, _Entry]] = {}
        for sim, entry in self.similar(item_terms, at, exclude, idf, norm, gen):
            if entry.story in skip or entry.story in by_story:
                continue
            if self.sizes.get(entry.story, 0) > 1:
                centroid = self.centroids[entry.story]
                cached = self._norms.get(entry.story)
                if cached is None or cached[0] != gen:
                    cached = self._norms[entry.story] = (gen, self._norm(centroid))
                dot = sum(w * centroid[t] * idf[t] ** 2 for t, w in item_terms.items()
                          if t in centroid)
                if cached[1]:
                    sim = max(sim, dot / (norm * cached[1]))
            by_story[entry.story] = (sim, entry)
        return sorted(by_story.values(), key=lambda p: (-p[0], p[1].item_id))

    def evict(self, before: float) -> None:
        """Forget items first seen before ``before``; posting lists are cleaned when a
        quarter of their ids are dead (cheaper than cleaning on every eviction)."""
        while self.order and self.order[0][0] < before:
            _, item_id = self.order.popleft()
            entry = self.entries.pop(item_id, None)
            if entry is None:
                continue
            self._dead += 1
            self.sizes[entry.story] -= 1
            centroid = self.centroids.get(entry.story)
            if centroid is not None:
                for term, weight in entry.terms.items():
                    left = centroid.get(term, 0.0) - weight
                    if left > 1e-9:
                        centroid[term] = left
                    else:
                        centroid.pop(term, None)
                self._norms.pop(entry.story, None)
            if self.sizes[entry.story] <= 0:
                self.centroids.pop(entry.story, None)
                self.founders.pop(entry.story, None)
                del self.sizes[entry.story]
        if self._dead > max(1000, len(self.entries) // 4):
            live = self.entries
            self.postings = defaultdict(list, {
                t: kept for t, ids in self.postings.items()
                if (kept := [i for i in ids if i in live])})
            self._dead = 0

    def similar(self, item_terms: dict[str, float], at: float, exclude: int | None,
                idf: dict[str, float], norm: float, gen: int) -> list[tuple[float, _Entry]]:
        """Entries within the window of ``at`` most similar to ``item_terms``, best first:
        ``(cosine, entry)`` for up to :data:`CANDIDATES` of them. Only the
        :data:`LOOKUP_TERMS` rarest words are looked up, in the most recent
        :data:`POSTINGS_TAIL` items that have them: the cost per item is bounded."""
        max_df = max(8, int(MAX_DF * len(self.entries)))
        looked = sorted((t for t in item_terms
                         if 0 < len(self.postings.get(t, ())) <= max_df),
                        key=lambda t: -idf[t])[:LOOKUP_TERMS]
        acc: dict[int, float] = defaultdict(float)
        for term in looked:
            w = item_terms[term] * idf[term] ** 2
            for i in self.postings[term][-POSTINGS_TAIL:]:
                acc[i] += w
        out = []
        for item_id, _ in heapq.nlargest(CANDIDATES, acc.items(), key=lambda kv: kv[1]):
            entry = self.entries.get(item_id)
            if entry is None or item_id == exclude or abs(entry.at - at) > self.window:
                continue
            if entry.norm[0] != gen:
                entry.norm = (gen, self._norm(entry.terms))
            b = entry.terms
            shared = [t for t in item_terms if t in b]
            if len(shared) < MIN_SHARED:
                continue
            dot = sum(item_terms[t] * b[t] * idf[t] ** 2 for t in shared)
            if dot and entry.norm[1]:
                out.append((dot / (norm * entry.norm[1]), entry))
        out.sort(key=lambda p: (-p[0], p[1].item_id))
        return out


def _check(title: str | None) -> int:
    return zlib.crc32((title or "").encode("utf-8", "replace"))


def _epoch(value: str | datetime | None, default: float) -> float:
    dt = parse_iso(value) if isinstance(value, str) else value
    return dt.timestamp() if dt else default


#: One index per database file in this process.
_INDEXES: dict[str, StoryIndex] = {}


def _db_file(db: Database) -> str:
    row = db.conn.execute("pragma database_list").fetchone()
    return str(row[2]) if row else ""


def index_for(db: Database, now: datetime) -> StoryIndex:
    """This process's index of ``db``, caught up with what other processes stored since
    (and with rows that vanished in a rolled-back transaction dropped)."""
    path = _db_file(db)
    index = _INDEXES.get(path) if path else None
    if index is None:
        index = StoryIndex()
        if path:
            _INDEXES[path] = index
    since = now - WINDOW
    max_id = db.conn.execute("select coalesce(max(id), 0) from items").fetchone()[0]
    if max_id < index.last_id:  # a transaction that added items rolled back
        for item_id in [i for i in index.entries if i > max_id]:
            del index.entries[item_id]
        index.last_id = max_id
    if max_id > index.last_id:
        cursor = db.conn.execute(
            "select i.id, i.title, i.summary, i.story_terms, i.first_seen_at, "
            "coalesce(i.story_id, i.id), s.split_from from items i "
            "left join stories s on s.id = i.story_id "
            "where i.id > ? and i.first_seen_at >= ? order by i.id",
            [index.last_id, iso(since)])
        default = now.timestamp()
        for item_id, title, summary, stored, seen, story, split_from in cursor:
            if split_from is not None:
                index.locked.add(story)
            index.add(item_id, _epoch(seen, default), story,
                      parse_terms(stored, title, summary), title)
        index.last_id = max(index.last_id, max_id)
    index.evict(since.timestamp())
    return index


def forget_indexes() -> None:
    """Drop every in-memory index (tests; a database file replaced under a process)."""
    _INDEXES.clear()


# -- assigning items as they are stored --------------------------------------------------


@dataclass
class NewItem:
    """An item being stored, as :func:`assign` needs it."""

    item_id: int
    title: str | None
    summary: str | None
    seen_at: datetime
    story: int | None = None   # set when an exact key (URL, title) already decided
    same_as: int | None = None  # an earlier item of the batch with the same exact key
    terms_text: str = ""        # set by :func:`assign`, stored in ``items.story_terms``


def assign(db: Database, items: Sequence[NewItem], now: datetime | None = None) -> list[int]:
    """The story of each new item (see the module docstring), in order; items of the same
    batch can join each other. Writes the ``stories`` rows (new stories, ``updated_at`` of
    joined ones); the caller writes ``items.story_id``. Call inside the write transaction
    that inserts the items, before inserting them."""
    if not items:
        return []
    now = now or utcnow()
    index = index_for(db, now)
    out: list[int] = []
    started: list[tuple[int, str | None]] = []
    pending: dict[int, int] = {}  # this batch: not in the table yet
    for item in items:
        item_terms = terms(item.title, item.summary)
        item.terms_text = terms_text(item_terms)
        at = item.seen_at.timestamp()
        story = item.story
        if story is None and item.same_as is not None:
            story = pending.get(item.same_as)
        if story is None:
            story = _match(db, index, item_terms, at, item.item_id, pending)
        if story is None:
            story = item.item_id
            started.append((story, iso(item.seen_at)))
        index.add(item.item_id, at, story, item_terms, item.title)
        pending[item.item_id] = story
        out.append(story)
    stamp = iso(now)
    if started:
        db.conn.executemany("insert or ignore into stories (id, first_seen_at, updated_at) "
                            "values (?, ?, ?)", [(s, seen, stamp) for s, seen in started])
    joined = sorted({s for s in out} - {s for s, _ in started})
    if joined:
        db.conn.executemany("update stories set updated_at = ? where id = ?",
                            [(stamp, s) for s in joined])
    return out


def threshold(index: StoryIndex) -> float:
    """The similarity at which an item joins a story, given how full the window is."""
    return COLD_THRESHOLD if len(index.entries) < COLD_ITEMS else THRESHOLD


def _match(db: Database, index: StoryIndex, item_terms: dict[str, float], at: float,
           item_id: int, pending: dict[int, int]) -> int | None:
    """The story of the most similar recent item above :func:`threshold`, checked against
    the database (another process may have split it out since this index loaded it)."""
    limit = max(threshold(index), THRESHOLD)
    found = [(sim, e) for sim, e in index.best_story(item_terms, at, item_id, index.locked)
             if sim >= limit]
    if not found:
        return None
    for _, entry in found[:1]:
        if entry.item_id in pending:
            return pending[entry.item_id]
    ids = [e.item_id for _, e in found]
    marks = ",".join("?" * len(ids))
    rows = {r[0]: r for r in db.conn.execute(
        f"select i.id, coalesce(i.story_id, i.id), i.title, s.split_from from items i "
        f"left join stories s on s.id = i.story_id where i.id in ({marks})", ids)}
    for _, entry in found:
        if entry.item_id in pending:
            return pending[entry.item_id]
        row = rows.get(entry.item_id)
        if row is None:
            continue  # rolled back
        if _check(row[2]) != entry.check:
            continue  # the id now belongs to another item (a rolled-back insert)
        if row[3] is not None:
            index.locked.add(row[1])
            continue
        entry.story = row[1]
        return int(row[1])
    return None


# -- the user's corrections ------------------------------------------------------------


def split_item(store: Store, item_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """"Not the same story": move ``item_id`` to a story of its own, for good.

    Its new story is marked ``split_from`` (the story it left): clustering never adds an
    item to it and :func:`recluster` never moves its item. If the item started its old
    story, the others keep that story under the id of the earliest of them (story ids are
    the id of their first item). Returns ``{"item_id", "story_id", "split_from",
    "remaining_story"}``. Raises TrendwatchError for an unknown item or one already alone.
    """
    now = now or utcnow()
    stamp = iso(now)
    with store.write() as db:
        row = db.conn.execute("select id, coalesce(story_id, id), first_seen_at from items "
                              "where id = ?", [item_id]).fetchone()
        if row is None:
            raise TrendwatchError(f"no item with id {item_id}")
        old = int(row[1])
        others = [r[0] for r in db.conn.execute(
            "select id from items where coalesce(story_id, id) = ? and id != ? order by id",
            [old, item_id])]
        if not others:
            raise TrendwatchError(f"item {item_id} is alone in its story already")
        remaining = old
        if old == item_id:
            # The item started the story: the rest move to a story named by their first.
            remaining = others[0]
            first = db.conn.execute("select min(first_seen_at) from items where id in "
                                    f"({','.join('?' * len(others))})", others).fetchone()[0]
            db.conn.execute("insert or replace into stories (id, first_seen_at, updated_at) "
                            "values (?, ?, ?)", [remaining, first, stamp])
            db.conn.executemany("update items set story_id = ? where id = ?",
                                [(remaining, i) for i in others])
        db.conn.execute("insert or replace into stories (id, first_seen_at, updated_at, "
                        "split_from, split_at) values (?, ?, ?, ?, ?)",
                        [item_id, row[2], stamp, remaining, stamp])
        db.conn.execute("update items set story_id = ? where id = ?", [item_id, item_id])
        db.conn.execute("update stories set updated_at = ? where id = ?", [stamp, remaining])
    # This process's indexes hold the old story ids: reload them when next needed (other
    # processes check the database before joining a story: see _match).
    forget_indexes()
    return {"item_id": item_id, "story_id": item_id, "split_from": remaining,
            "remaining_story": remaining}


def recluster(store: Store, *, since: datetime, now: datetime | None = None) -> dict[str, int]:
    """Assign the items first seen since ``since`` to stories again, from scratch, with the
    current method (after a change of :data:`THRESHOLD`, or to heal a database from before
    stories). Items the user split out stay where they are and nothing joins them. Items
    before ``since`` keep their stories and can be joined. Returns ``{"items", "stories"}``
    (items reassigned, stories they now form)."""
    from .ingest import MIN_TITLE_KEY
    from .text import canonical_url, title_key

    now = now or utcnow()
    with store.write() as db:
        rows = db.conn.execute(
            "select i.id, i.title, i.summary, i.url, i.first_seen_at, s.split_from "
            "from items i left join stories s on s.id = i.story_id "
            "where i.first_seen_at >= ? order by i.first_seen_at, i.id",
            [iso(since)]).fetchall()
        movable = [r for r in rows if r[5] is None]
        ids = [r[0] for r in movable]
        # A fresh index of what came before, so this pass sees what ingest saw.
        index = StoryIndex()
        context = db.conn.execute(
            "select i.id, i.title, i.summary, i.story_terms, i.first_seen_at, "
            "coalesce(i.story_id, i.id), s.split_from from items i "
            "left join stories s on s.id = i.story_id "
            "where i.first_seen_at >= ? and i.first_seen_at < ? order by i.id",
            [iso(since - WINDOW), iso(since)])
        for item_id, title, summary, stored, seen, story, split_from in context:
            if split_from is not None:
                index.locked.add(story)
            index.add(item_id, _epoch(seen, now.timestamp()), story,
                      parse_terms(stored, title, summary), title)
        for r in rows:
            if r[5] is not None:
                index.locked.add(r[0])
        by_url: dict[str, int] = {}
        by_title: dict[str, int] = {}
        stories: dict[int, int] = {}
        new_rows: list[tuple[int, str | None]] = []
        for item_id, title, summary, url, seen, _ in movable:
            canonical = canonical_url(url)
            tkey = title_key(title or "")
            story = (by_url.get(canonical) if canonical else None) or (
                by_title.get(tkey) if len(tkey) >= MIN_TITLE_KEY else None)
            item_terms = terms(title, summary)
            at = _epoch(seen, now.timestamp())
            if story is None:
                limit = max(threshold(index), THRESHOLD)
                found = [(s, e) for s, e in index.best_story(item_terms, at, item_id,
                                                              index.locked)
                         if s >= limit]
                story = found[0][1].story if found else None
            if story is None:
                story = item_id
                new_rows.append((item_id, seen))
            if canonical:
                by_url.setdefault(canonical, story)
            if len(tkey) >= MIN_TITLE_KEY:
                by_title.setdefault(tkey, story)
            index.add(item_id, at, story, item_terms, title)
            stories[item_id] = story
        db.conn.executemany("update items set story_id = ? where id = ?",
                            [(s, i) for i, s in stories.items()])
        stamp = iso(now)
        db.conn.executemany("insert or ignore into stories (id, first_seen_at, updated_at) "
                            "values (?, ?, ?)", [(s, seen, stamp) for s, seen in new_rows])
        # Stories left without items (their items joined older ones) go.
        db.conn.execute("delete from stories where split_from is null and not exists "
                        "(select 1 from items i where i.story_id = stories.id)")
    forget_indexes()  # every cached index has stale story ids now
    return {"items": len(ids), "stories": len(set(stories.values()))}


# -- reading stories ---------------------------------------------------------------------


def story_members(store: Store, story_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The items of each story (``id``, ``source``, ``title``, ``summary``, ``url``,
    ``first_seen_at``, ``published_at``, ``story_terms``), first seen first."""
    ids = sorted(set(story_ids))
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        for r in store.query(
                "select coalesce(story_id, id) as story, id, source, title, summary, url, "
                "first_seen_at, published_at, story_terms from items "
                f"where story_id in ({marks}) or (story_id is null and id in ({marks})) "
                "order by first_seen_at, id", [*part, *part]):
            out[r["story"]].append(r)
    return dict(out)


#: "How fast it grew": sources and items a story gained in this many last hours.
GROWTH_HOURS = 3


def story_cards(store: Store, story_ids: Iterable[int], *, now: datetime | None = None
                ) -> dict[int, dict[str, Any]]:
    """What a card shows of each story (``docs/suggestions.md``, key ``story``): ``id``,
    ``headline`` (the most typical of its headlines: the one sharing most words with the
    others), ``n_sources``, ``n_items``, ``sources`` (sorted), ``links`` (one per item:
    ``item_id``, ``source``, ``title``, ``url``, ``first_seen``; first seen first),
    ``first_seen``, and ``growth``: sources and items gained in the last
    :data:`GROWTH_HOURS` hours against before (``hours``, ``new_sources``, ``new_items``,
    ``sources_before``, ``items_before``)."""
    now = now or utcnow()
    recent = iso(now - timedelta(hours=GROWTH_HOURS))
    members = story_members(store, story_ids)
    cards = {}
    for story, items in members.items():
        counts: dict[str, int] = defaultdict(int)
        words = {}
        for it in items:
            words[it["id"]] = set(parse_terms(it.get("story_terms"), it["title"], None))
            for w in words[it["id"]]:
                counts[w] += 1
        best = max(items, key=lambda it: (
            sum(counts[w] - 1 for w in words[it["id"]]) / (len(words[it["id"]]) or 1),
            -it["id"]))
        before = [it for it in items if (it["first_seen_at"] or "") < recent]
        new = [it for it in items if (it["first_seen_at"] or "") >= recent]
        sources_before = {it["source"] for it in before}
        cards[story] = {
            "id": story,
            "headline": best["title"],
            "n_sources": len({it["source"] for it in items}),
            "n_items": len(items),
            "sources": sorted({it["source"] for it in items}),
            "links": [{"item_id": it["id"], "source": it["source"], "title": it["title"],
                       "url": it["url"], "first_seen": it["first_seen_at"]} for it in items],
            "first_seen": items[0]["first_seen_at"],
            "growth": {"hours": GROWTH_HOURS,
                       "new_sources": len({it["source"] for it in new} - sources_before),
                       "new_items": len(new), "sources_before": len(sources_before),
                       "items_before": len(before)},
        }
    return cards


def growth_text(card: dict[str, Any]) -> str:
    """``covered by 5 sources · +4 sources, +6 items in 3 h`` for a card (plain text)."""
    n = card.get("n_sources") or 1
    parts = [f"covered by {n} source{'s' if n != 1 else ''}"]
    g = card.get("growth") or {}
    if g.get("new_items"):
        gained = []
        if g.get("new_sources"):
            gained.append(f"+{g['new_sources']} source{'s' if g['new_sources'] != 1 else ''}")
        gained.append(f"+{g['new_items']} item{'s' if g['new_items'] != 1 else ''}")
        parts.append(", ".join(gained) + f" in {g.get('hours', GROWTH_HOURS)} h")
    return " · ".join(parts)


def story_labels(store: Store, labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A verdict on a story is a verdict on all its items: each label row (``item_id``,
    ``title``, ``summary``, ``theme``, ``verdict``, ``reason``) is repeated for the other
    items of its story that have no verdict of their own. Items the user split out are in
    stories of their own, so no verdict reaches them this way."""
    if not labels:
        return labels
    judged = {r["item_id"] for r in labels}
    own = {r["item_id"] for r in store.query("select distinct item_id from feedback")}
    ids = sorted(judged)
    story_of: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        for r in store.query(f"select id, coalesce(story_id, id) as story from items "
                             f"where id in ({marks})", part):
            story_of[r["id"]] = r["story"]
    members = story_members(store, set(story_of.values()))
    out = list(labels)
    for label in labels:
        for m in members.get(story_of.get(label["item_id"], -1), []):
            if m["id"] in judged or m["id"] in own:
                continue
            judged.add(m["id"])
            out.append({**label, "item_id": m["id"], "title": m["title"],
                        "summary": m.get("summary")})
    return out
