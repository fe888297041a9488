"""The in-memory index of the recent window: one per database file and process, caught up
with what other processes stored, evicting what falls out of :data:`WINDOW`."""

from __future__ import annotations

import heapq
import math
import zlib
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..db.store import iso, parse_iso
from .words import parse_terms

if TYPE_CHECKING:
    from sqlite_utils import Database



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



#: Words in fewer items of the window than this weigh as if in this many: a word no other
#: item has cannot match anything, and at full rarity it only dilutes the cosine of the
#: words two headlines do share.
IDF_MIN_DF = 10



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
