"""Test helper: put realistic items and suggestions straight into a real SQLite database,
so the review, export and digest tests don't depend on the classifier."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendwatch.db.store import Store, dumps, iso

CONFIG = """
[brand]
name = "Studio Uji Coba"
timezone = "Asia/Jakarta"
avoid = ["judi online"]

[digest]
size = 20

[[themes]]
id = "film-industry"
name = "Film & industri film"
keywords = ["film", "bioskop", "box office", "sutradara", "penonton", "festival film"]
examples = ["Film horor lokal tembus dua juta penonton di minggu kedua"]

[[themes]]
id = "behind-the-scenes"
name = "Di balik layar"
keywords = ["sinematografi", "kamera", "lensa", "lighting", "color grading"]
examples = ["Cara membuat pencahayaan sinematik dengan satu lampu murah"]

[[themes]]
id = "advertising"
name = "Iklan & kampanye kreatif"
keywords = ["iklan", "kampanye", "campaign", "agensi", "TVC"]
examples = ["Kampanye iklan Ramadan brand minuman viral di TikTok"]
"""

#: Headlines like the ones the real sources return (Indonesian, English, mixed), with the
#: theme the ranking would give them.
HEADLINES = [
    ("Film horor lokal tembus dua juta penonton di minggu kedua penayangan",
     "film-industry", "https://www.example-news.id/hiburan/film-horor-dua-juta-penonton"),
    ("Teknik color grading ala film thriller Korea untuk video pendek", "behind-the-scenes",
     "https://www.example-blog.id/tutorial/color-grading-thriller"),
    ("Kampanye iklan Lebaran 2026: agensi lokal raih penghargaan Citra Pariwara",
     "advertising", "https://www.example-mag.id/iklan/citra-pariwara-2026"),
    ("New cinema camera brings 8K raw to indie filmmakers", "behind-the-scenes",
     "https://www.example-gear.com/news/8k-raw-cinema-camera"),
    ("Festival Film Indonesia umumkan nominasi sutradara terbaik", "film-industry",
     "https://www.example-news.id/hiburan/ffi-nominasi-sutradara"),
]


def make_store(path: Path) -> Store:
    return Store(path)


def add_item(store: Store, title: str, *, source: str = "detik-hiburan", url: str | None = None,
             summary: str = "", story_of: int | None = None,
             seen: datetime | None = None) -> int:
    seen = seen or datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    with store.write() as db:
        item_id = db["items"].insert({
            "source": source, "dedup_key": f"url:{url or title}", "url": url, "title": title,
            "title_key": title.lower(), "summary": summary, "kind": "article", "lang": "id",
            "published_at": iso(seen), "published_estimated": 0, "fetched_at": iso(seen),
            "first_seen_at": iso(seen), "last_seen_at": iso(seen), "metrics": "{}",
            "extra": "{}",
        }).last_pk
        db["items"].update(item_id, {"story_id": story_of or item_id})
    return int(item_id)


def add_suggestion(store: Store, item_id: int, *, list_date: str = "2026-11-28",
                   theme: str | None = "film-industry", score: float = 0.7,
                   relevance: float = 0.8, why: list[str] | None = None,
                   angles: list[dict[str, Any]] | None = None, status: str = "new") -> int:
    angles = angles if angles is not None else [{
        "platform": "TikTok", "format": "video 30 detik",
        "hook": "3 hal yang bikin film ini beda", "why_now": "ramai dibahas hari ini",
        "generator": "templates"}]
    with store.write() as db:
        return int(db["suggestions"].insert({
            "item_id": item_id, "list_date": list_date, "theme": theme, "score": score,
            "relevance": relevance,
            "signals": dumps({"trend": 0.4, "momentum": 0.5, "recency": 0.9, "novelty": 1.0,
                              "sources": 2}),
            "why": dumps(why if why is not None else ["penonton", "horor"]),
            "angles": dumps(angles), "status": status, "created_at": "2026-11-28T01:00:00+00:00",
        }).last_pk)


def seed_day(store: Store, list_date: str = "2026-11-28") -> list[int]:
    """The five HEADLINES as one day's new suggestions, best score first; returns ids."""
    ids = []
    for n, (title, theme, url) in enumerate(HEADLINES):
        item = add_item(store, title, url=url, source=f"source-{n % 2}")
        ids.append(add_suggestion(store, item, list_date=list_date, theme=theme,
                                  score=round(0.9 - n * 0.1, 2)))
    return ids


#: A morning's stream as the sources would bring it: on-theme news, off-brand news, a
#: brand-safety problem (avoid term), and concert news that the cold-start model mistakes
#: for film news (the word "penonton", audience) until a reviewer says otherwise.
STREAM = [
    ("detik-hiburan", "Film horor lokal tembus dua juta penonton di minggu kedua penayangan"),
    ("kompas-film", "Sutradara muda raih penghargaan di festival film Busan"),
    ("detik-hiburan", "Trailer film drama keluarga rilis, tayang di bioskop bulan depan"),
    ("tekno-kreatif", "Teknik color grading sinematik untuk video pendek dengan kamera murah"),
    ("tekno-kreatif", "Review lensa anamorphic baru untuk pembuat film indie"),
    ("marketing-id", "Kampanye iklan Ramadan agensi lokal viral di TikTok"),
    ("marketing-id", "Agensi kreatif Jakarta menangkan pitch TVC brand minuman"),
    ("antara-news", "Harga cabai rawit di pasar induk naik lagi"),
    ("antara-news", "Banjir rendam ratusan rumah warga di Bekasi"),
    ("antara-news", "Timnas Indonesia menang 2-0 atas Vietnam di Piala AFF"),
    ("marketing-id", "Situs judi online diblokir, bioskop ikut jadi sasaran iklan ilegal"),
    ("musik-id", "Konser musik rock di Jakarta dipadati ribuan penonton"),
    ("musik-id", "Konser band indie di Bandung ramai penonton muda"),
    ("musik-id", "Penonton konser K-pop antre sejak subuh di GBK"),
    ("musik-id", "Festival musik jazz tahunan kembali digelar, penonton membludak"),
]
OFF_BRAND = {STREAM[i][1] for i in (7, 8, 9)}
AVOIDED = STREAM[10][1]
CONCERTS = {t for _s, t in STREAM if "onser" in t or "musik jazz" in t}


def ingest(store: Store, heads: list[tuple[str, str]], now: datetime) -> None:
    """Store headlines through the real ingest path (dedup keys, story linking)."""
    from collections import defaultdict
    from datetime import timedelta

    from trendwatch.api import Item
    from trendwatch.items.ingest import save_items

    by_source: dict[str, list[Item]] = defaultdict(list)
    for source, title in heads:
        slug = "-".join(title.lower().split()[:6]).replace(",", "")
        by_source[source].append(Item(title=title, url=f"https://{source}.example.id/{slug}",
                                      published=now - timedelta(hours=3)))
    with store.write() as db:
        for source, items in by_source.items():
            save_items(db, source, items, now - timedelta(hours=2))
