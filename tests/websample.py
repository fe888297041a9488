"""A realistic database for the web page's tests and benchmark: items as the sources store
them, a daily list of suggestions with signals, why-terms and angles, source health rows and
a digest with rising topics. Written straight into the schema of ``trendwatch.db.migrations``.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from trendwatch.db.store import Store, dumps, iso

XSS_TITLE = "<img src=x onerror=alert(1)> Bioskop <b>penuh</b> & \"ramai\""

WEB_CONFIG = """
[brand]
name = "Studio Contoh"
timezone = "Asia/Jakarta"

[[themes]]
id = "film-industry"
name = "Film & bioskop"
keywords = ["film", "bioskop", "sutradara", "box office"]

[[themes]]
id = "advertising"
name = "Iklan & kampanye"
keywords = ["iklan", "kampanye", "brand", "TVC"]

[[themes]]
id = "behind-the-scenes"
name = "Di balik layar"
keywords = ["syuting", "kru", "produksi"]
"""

SOURCES = [
    ("google-trends-id", "google_trends"), ("detik-hot", "rss"), ("kompas-hype", "rss"),
    ("variety", "rss"), ("youtube-trailers", "youtube"), ("reddit-indonesia", "reddit"),
]
THEMES = ["film-industry", "advertising", "behind-the-scenes"]
_SENTENCE = (
    "film horor lokal tembus juta penonton bioskop festival sutradara muda trailer "
    "resmi rilis iklan kampanye ramadan brand viral tiktok produksi syuting kru "
    "box office sinema indonesia netflix series aktor aktris penghargaan piala citra "
    "jakarta bandung yogyakarta teaser poster behind the scenes karya terbaru")
WORDS = tuple(_SENTENCE.split())


def _title(rng: random.Random, i: int) -> str:
    words = rng.sample(WORDS, rng.randint(5, 10))
    words[0] = words[0].capitalize()
    return " ".join(words) + f" #{i}"


def seed(path: Path, *, n_items: int = 40, days: int = 3, per_day: int = 8,
         today: date | None = None, xss: bool = True, seed_value: int = 7) -> dict[str, Any]:
    """Fill the database at ``path``; returns ids the tests refer to.

    ``today`` is the brand-local date of the newest list (default: today in Jakarta).
    """
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    if today is None:
        today = (now + timedelta(hours=7)).date()
    store = Store(path)
    items, scores, suggestions = [], [], []
    for i in range(1, n_items + 1):
        source = SOURCES[i % len(SOURCES)][0]
        seen = now - timedelta(minutes=i * max(1, (days * 1440) // max(n_items, 1)))
        title = XSS_TITLE if (xss and i == 1) else _title(rng, i)
        url = f"https://news.example.id/{source}/{i}?utm_source=rss"
        items.append({
            "id": i, "source": source, "dedup_key": f"guid-{i}", "guid": f"guid-{i}",
            "url": url if i != 2 else "javascript:alert(2)", "canonical_url": url,
            "title": title, "title_key": title.lower(), "summary": " ".join(
                rng.sample(WORDS, 12)), "author": None, "kind": "article",
            "lang": "id", "published_at": iso(seen), "published_estimated": 0,
            "fetched_at": iso(seen), "first_seen_at": iso(seen), "last_seen_at": iso(seen),
            "story_id": i if i % 9 else i - 1, "metrics": dumps({"traffic": rng.randint(100,
                                                                                        50000)}),
            "extra": "{}"})
        theme = THEMES[i % len(THEMES)]
        scores.append({"item_id": i, "model_version": "seed-1", "theme": theme,
                       "relevance": round(rng.uniform(0.3, 0.95), 3),
                       "scores": dumps({theme: 0.7}), "why": dumps(["film", "bioskop"]),
                       "filtered": None, "scored_at": iso(seen)})
    # A burst: one phrase in several stories from several sources over the last hours, so
    # the rising-topics detector has something real to find.
    for k in range(6):
        i = n_items + 1 + k
        seen = now - timedelta(hours=k + 1)
        title = f"Hari Film Nasional: {rng.choice(WORDS)} {rng.choice(WORDS)} ({k})"
        items.append({
            "id": i, "source": SOURCES[k % len(SOURCES)][0], "dedup_key": f"guid-{i}",
            "guid": f"guid-{i}", "url": f"https://news.example.id/hfn/{i}",
            "canonical_url": f"https://news.example.id/hfn/{i}", "title": title,
            "title_key": title.lower(), "summary": "", "author": None, "kind": "article",
            "lang": "id", "published_at": iso(seen), "published_estimated": 0,
            "fetched_at": iso(seen), "first_seen_at": iso(seen), "last_seen_at": iso(seen),
            "story_id": i, "metrics": "{}", "extra": "{}"})
    sid = 0
    for d in range(days):
        list_day = today - timedelta(days=d)
        for k in range(per_day):
            item_id = 1 + d * per_day + k
            if item_id > n_items:
                break
            sid += 1
            theme = THEMES[item_id % len(THEMES)]
            suggestions.append({
                "id": sid, "item_id": item_id, "list_date": list_day.isoformat(),
                "theme": theme, "score": round(0.95 - k * 0.05, 3),
                "relevance": scores[item_id - 1]["relevance"],
                "signals": dumps({"trend": 0.8, "momentum": 0.5, "recency": 0.9,
                                  "novelty": 1.0, "sources": 2}),
                "why": dumps(["bioskop", "film horor", "penonton"]),
                "angles": dumps([
                    {"platform": "TikTok", "format": "video 30 detik",
                     "hook": "3 hal yang bikin film ini laris <script>x</script>",
                     "why_now": "Sedang ramai di Google Trends (20.000+ pencarian).",
                     "generator": "template"},
                    {"platform": "Instagram", "format": "carousel",
                     "hook": "Di balik layar: bagaimana kru kami menggarap adegan serupa",
                     "why_now": "Muncul di 2 sumber hari ini.", "generator": "template"}]),
                "status": "new", "created_at": iso(now), "updated_at": iso(now),
                "snoozed_until": None, "planned_for": None})
    with store.write() as db:
        db["items"].insert_all(items, batch_size=1000)
        db["scores"].insert_all(scores, batch_size=1000)
        db["suggestions"].insert_all(suggestions, batch_size=1000)
        db["sources"].insert_all([{
            "name": name, "plugin": plugin, "description": f"{plugin} feed", "every_seconds":
            1800.0, "enabled": 1, "added_at": iso(now - timedelta(days=20)),
            "last_fetch_at": iso(now - timedelta(minutes=5)),
            "last_success_at": iso(now - timedelta(minutes=5 if n else 600)),
            "last_status": "ok" if n else "error",
            "last_error": None if n else "HTTP 503 <html>Service Unavailable</html>",
            "consecutive_failures": 0 if n else 4,
            "next_due_at": iso(now + timedelta(minutes=25)), "items_total": n_items // 6}
            for n, (name, plugin) in enumerate(SOURCES)])
        db["digests"].insert({
            "list_date": today.isoformat(), "created_at": iso(now), "markdown": "",
            "html_path": None, "md_path": None, "n_suggestions": per_day,
            "broken_sources": dumps(["google-trends-id"]),
            "rising": dumps([{"term": "piala citra", "count": 42, "baseline": 3.5,
                              "ratio": 12.0, "sources": ["detik-hot", "kompas-hype"]},
                             {"term": "<svg onload=alert(3)>", "count": 9, "baseline": 1.0,
                              "ratio": 9.0}])})
    store.close()
    return {"today": today, "first_id": 1, "n_suggestions": sid}
