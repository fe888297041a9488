"""Momentum from stories (spread and speed) and range in the list (MMR), on the real ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trendwatch import stories
from trendwatch.config import parse_config, starter_text
from trendwatch.daily.build import build_daily_list
from trendwatch.db.store import Store, iso
from trendwatch.ranking.diversity import pick
from trendwatch.ranking.signals import momentum

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 WIB


def test_momentum_counts_spread_and_speed() -> None:
    assert momentum(1, 1) == 0.0
    assert momentum(5, 5) == 0.8                  # five outlets, all in the last hours
    assert momentum(5, 0) == pytest.approx(0.48)  # five outlets over days
    assert momentum(2, 2) == 0.5
    assert momentum(5, 5) > momentum(5, 1) > momentum(5, 0) > momentum(1, 1)
    assert momentum(3) == momentum(3, 3)          # no growth figure: all counted recent


@pytest.fixture
def config():
    return parse_config(starter_text())


def add(db, item_id: int, source: str, title: str, story: int, seen: datetime) -> None:
    db["items"].insert({"id": item_id, "source": source, "dedup_key": f"k{item_id}",
                        "title": title, "summary": "", "url": f"https://x.example/{item_id}",
                        "first_seen_at": iso(seen), "published_at": iso(seen),
                        "story_id": story})


def test_five_outlets_in_three_hours_outrank_one(tmp_path, config) -> None:
    """Two horror-film stories worded alike: the one five outlets picked up this morning
    ranks above the one only one outlet carries."""
    stories.forget_indexes()
    with Store(tmp_path / "tw.db") as store:
        with store.write() as db:
            add(db, 1, "kabar-film", "Film horor Rumah Kosong tembus dua juta penonton",
                1, NOW - timedelta(hours=2))
            for k, source in enumerate(["layar-kita", "sinema-id", "box-news", "tontonan"]):
                add(db, 2 + k, source, "Film horor Rumah Kosong tembus dua juta penonton "
                    f"bioskop ({source})", 1, NOW - timedelta(hours=1, minutes=k * 10))
            add(db, 10, "kabar-film", "Film horor Kampung Senyap tembus dua juta penonton",
                10, NOW - timedelta(hours=2))
        rows = build_daily_list(store, config, None, now=NOW)
    by_story = {1 if r["item_id"] < 10 else 10: r for r in rows}
    assert by_story[1]["signals"]["sources"] == 5
    assert by_story[1]["signals"]["new_sources"] == 5
    assert by_story[1]["signals"]["momentum"] == 0.8
    assert by_story[10]["signals"]["momentum"] == 0.0
    assert by_story[1]["score"] > by_story[10]["score"]


def cand(i: int, score: float, theme: str, title: str) -> dict:
    return {"id": i, "score": score, "theme": theme, "title": title}


def test_diversity_spreads_the_slots_over_themes_and_stories() -> None:
    candidates = [
        cand(1, 0.80, "film-industry", "Premiere film Rumah Kosong dipadati penonton"),
        cand(2, 0.79, "film-industry", "Premiere film Rumah Kosong: pemain sapa penonton"),
        cand(3, 0.78, "film-industry", "Premiere film Rumah Kosong di Jakarta malam ini"),
        cand(4, 0.70, "advertising", "Kampanye iklan kopi lokal angkat cerita barista"),
        cand(5, 0.65, "behind-the-scenes", "Cara lighting malam dengan satu lampu LED"),
    ]
    plain = [c["id"] for c in pick(candidates, 3, 0.0)]
    assert plain == [1, 2, 3]  # the same premiere three times
    ranged = [c["id"] for c in pick(candidates, 3, 0.3)]
    assert ranged[0] == 1
    assert set(ranged) == {1, 4, 5}  # three themes, three stories
    assert [c["id"] for c in pick(candidates, 10, 0.3)] != plain  # all, in MMR order
    assert pick(candidates, 0, 0.3) == []


def test_the_daily_list_has_range(tmp_path) -> None:
    """With diversity, a list of three slots does not go to three headlines of one premiere."""
    text = starter_text().replace("size = 20 ", "size = 3 ")
    assert "size = 3 " in text
    stories.forget_indexes()
    titles = [("kabar-film", "Premiere film horor Rumah Kosong dipadati penonton bioskop"),
              ("layar-kita", "Premiere film horor Rumah Kosong, pemain sapa penonton bioskop"),
              ("sinema-id", "Premiere film horor Rumah Kosong di bioskop Jakarta malam ini"),
              ("adwatch", "Kampanye iklan brand kopi lokal angkat cerita barista"),
              ("kamera-id", "Teknik lighting dan color grading sinematografi dengan kamera "
                            "dan lensa murah"),
              ("batik-hari-ini", "Tradisi batik dan budaya lokal jelang Lebaran")]
    results = {}
    for diversity in ("0.0", "0.3"):
        config = parse_config(text.replace("diversity = 0.3", f"diversity = {diversity}"))
        with Store(tmp_path / f"tw{diversity}.db") as store:
            with store.write() as db:
                for i, (source, title) in enumerate(titles, 1):
                    # the premiere is this morning's news, the others are from yesterday
                    age = timedelta(minutes=10 * i) if i <= 3 else timedelta(hours=20 + i)
                    add(db, i, source, title, i, NOW - age)
            rows = build_daily_list(store, config, None, now=NOW)
            results[diversity] = [(r["item_id"], r["theme"], r["score"]) for r in rows]
    premieres = {d: sum(1 for i, _, _ in rows if i <= 3) for d, rows in results.items()}
    assert premieres["0.3"] < premieres["0.0"]
