"""The "help the model learn" slots: the items the classifier is least sure about get a few
places on the daily list, flagged, and every view marks them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from trendwatch.config import parse_config, starter_text
from trendwatch.daily.build import build_daily_list
from trendwatch.daily.digest import build_digest
from trendwatch.db.store import Store, dumps, iso
from trendwatch.plugins import load_plugins
from trendwatch.ranking.learning import LABEL, pick_learning
from trendwatch.ranking.uncertainty import margin, margin_of_scores
from trendwatch.web import create_app

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 WIB
DAY = "2026-03-10"

TITLES = [
    "Film horor lokal tembus dua juta penonton dalam sepekan",
    "Indonesian studio announces three streaming originals",
    "How to light a night exterior with one LED panel and a bounce",
    "Kampanye iklan brand kopi lokal angkat cerita barista",
    "Hari Batik: kreator muda pamer motif batik pesisir",
    "Tren TikTok baru bikin kreator ramai-ramai edit video transisi",
    "Sutradara muda bawa film pendek ke festival di Busan",
    "Agensi kreatif Jakarta menangkan penghargaan kampanye digital",
    "Museum di Yogyakarta gelar pameran wayang kontemporer",
    "Kamera sinema baru untuk pembuat film indie",
    "Konser musik akhir pekan dipadati penonton muda",
    "Aplikasi edit video populer tambah fitur AI",
    "Harga beras naik di pasar induk",
    "Polisi tangkap pencuri motor di Bekasi",
    "Rupiah melemah terhadap dolar sore ini",
    "Timnas menang tipis atas Vietnam",
    "Banjir rendam ratusan rumah di Bekasi",
    "DPR bahas revisi undang-undang pajak",
]


def _config(slots: int | None = None, size: int = 8):
    config = parse_config(starter_text())
    ranking = config.ranking if slots is None else config.ranking.model_copy(
        update={"learning_slots": slots})
    return config.model_copy(update={"ranking": ranking, "digest": config.digest.model_copy(
        update={"size": size})})


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "tw.db"
    st = Store(path)
    with st.write() as db:
        for i, title in enumerate(TITLES, 1):
            db["items"].insert({"id": i, "source": "detik", "dedup_key": f"k{i}",
                                "title": title, "summary": "",
                                "url": f"https://example.test/{i}",
                                "first_seen_at": iso(NOW - timedelta(hours=i)),
                                "published_at": iso(NOW - timedelta(hours=i)),
                                "story_id": i, "metrics": dumps({})})
    st.close()
    return path


def test_margin_is_highest_for_a_tie():
    u = margin(np.array([[0.5, 0.5, 0.0], [0.9, 0.05, 0.05], [0.4, 0.35, 0.25]]))
    assert u[0] == pytest.approx(1.0) and u[1] == pytest.approx(0.15)
    assert u[0] > u[2] > u[1]
    # off-brand probability is 1 - relevance
    assert margin_of_scores(0.5, {"a": 0.5}) == pytest.approx(1.0)


def test_pick_learning_takes_the_most_uncertain_unjudged_story():
    window = [
        {"id": 1, "story": 1, "theme": "a", "relevance": 0.95, "filtered": None,
         "scores": dumps({"a": 0.9, "b": 0.05})},
        {"id": 2, "story": 2, "theme": None, "relevance": 0.3, "filtered": None,
         "scores": dumps({"a": 0.1, "b": 0.2})},  # off 0.7 vs b 0.2
        {"id": 3, "story": 3, "theme": "b", "relevance": 0.5, "filtered": None,
         "scores": dumps({"a": 0.05, "b": 0.45})},  # off 0.5 vs b 0.45: near tie
        {"id": 4, "story": 4, "theme": "a", "relevance": 0.5, "filtered": "avoid term: x",
         "scores": dumps({"a": 0.5, "b": 0.0})},
        {"id": 5, "story": 5, "theme": "a", "relevance": 0.5, "filtered": None,
         "scores": dumps({"a": 0.5, "b": 0.0})},  # a tie, but its story is judged
    ]
    picked = pick_learning(window, 2, taken_stories={5})
    assert [p["id"] for p in picked] == [3, 2]
    assert picked[1]["theme"] == "b"  # null theme: the most probable one, for the verdict
    assert pick_learning(window, 0, taken_stories=set()) == []


def test_slots_appear_in_the_list_flagged_and_most_uncertain(db_path):
    config = _config()
    store = Store(db_path)
    rows = build_daily_list(store, config, load_plugins(), now=NOW)
    learning = [r for r in rows if r["learning"]]
    assert len(learning) == 2 == config.ranking.learning_slots
    assert len(rows) <= config.digest.size
    stored = {r["item_id"]: r for r in store.query(
        "select item_id, relevance, scores from scores")}
    regular = {r["item_id"] for r in rows if not r["learning"]}
    unsure = {i: margin_of_scores(s["relevance"], json.loads(s["scores"]))
              for i, s in stored.items() if i not in regular}
    assert {r["item_id"] for r in learning} == set(sorted(unsure, key=lambda i: -unsure[i])[:2])
    for r in learning:
        assert r["theme"] in {t.id for t in config.themes}
        assert 0 <= r["signals"]["uncertainty"] <= 1
    store.close()


def test_no_slots_when_turned_off(db_path):
    store = Store(db_path)
    rows = build_daily_list(store, _config(slots=0), load_plugins(), now=NOW)
    assert rows and not any(r["learning"] for r in rows)
    store.close()


def test_every_view_marks_the_slots(db_path, tmp_path, write_config, time_machine):
    time_machine.move_to(NOW, tick=False)
    config = _config()
    store = Store(db_path)
    build_daily_list(store, config, load_plugins(), now=NOW)
    learning_titles = [r["title"] for r in store.query(
        "select i.title from suggestions s join items i on i.id = s.item_id "
        "where s.learning = 1")]
    assert len(learning_titles) == 2

    # digest (Markdown and HTML)
    digest = build_digest(store, config, None, [], now=NOW, list_date=DAY)
    assert digest["markdown"].count(LABEL) == 2
    assert digest["html"].count(LABEL) == 2
    store.close()

    # terminal and JSON
    from click.testing import CliRunner

    from trendwatch.cli import cli as group

    cfg = write_config(starter_text())
    base = ["--config", str(cfg), "--db", str(db_path)]
    out = CliRunner().invoke(group, [*base, "suggestions", "--date", DAY],
                             catch_exceptions=False).output
    assert out.count(f"[{LABEL}]") == 2
    data = json.loads(CliRunner().invoke(
        group, [*base, "suggestions", "--date", DAY, "--format", "json"],
        catch_exceptions=False).output)
    assert sorted(r["title"] for r in data if r["learning"]) == sorted(learning_titles)
    assert all(r["learning"] is False for r in data if r["title"] not in learning_titles)

    # web page
    app = create_app(db_path, config)
    page = app.test_client().get(f"/?date={DAY}").get_data(as_text=True)
    assert page.count(LABEL) >= 2
