"""The daily list built from the ranking, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trendwatch.api import Angle
from trendwatch.config import parse_config, starter_text
from trendwatch.daily.build import build_daily_list
from trendwatch.daily.scoring import train_model
from trendwatch.db.store import Store, dumps, iso
from trendwatch.hookspecs import hookimpl
from trendwatch.plugins import load_plugins
from trendwatch.ranking.training import active_model_row
from trendwatch.review.verdicts import record_verdict
from trendwatch.stories.labels import training_labels

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 WIB

ITEMS = [
    # (source, title, story, metrics)
    ("detik", "Film horor lokal tembus dua juta penonton dalam sepekan", 1, {}),
    ("kompas", "Film horor lokal tembus dua juta penonton", 1, {}),
    ("gtrends", "Film horor lokal dua juta penonton", 1, {"traffic": 50000}),
    ("variety", "Indonesian studio announces three streaming originals", 4, {}),
    ("nfs", "How to light a night exterior with one LED panel and a bounce", 5, {}),
    ("adweek", "Kampanye iklan brand kopi lokal angkat cerita barista", 6, {}),
    ("detik", "Hari Batik: kreator muda pamer motif batik pesisir", 7, {}),
    ("detik", "Tren TikTok baru bikin kreator ramai-ramai edit video transisi", 8, {}),
    ("detik", "Situs judi online pakai iklan film bajakan", 9, {}),
    ("detik", "Harga beras naik di pasar induk", 10, {}),
    ("detik", "Polisi tangkap pencuri motor di Bekasi", 11, {}),
    ("detik", "Rupiah melemah terhadap dolar sore ini", 12, {}),
    ("detik", "Timnas menang tipis atas Vietnam", 13, {}),
    ("detik", "Banjir rendam ratusan rumah di Bekasi", 14, {}),
]


@pytest.fixture
def config():
    return parse_config(starter_text())


@pytest.fixture
def store(tmp_path):
    st = Store(tmp_path / "tw.db")
    with st.write() as db:
        for i, (source, title, story, metrics) in enumerate(ITEMS, 1):
            db["items"].insert({"id": i, "source": source, "dedup_key": f"k{i}", "title": title,
                                "summary": "", "url": f"https://example.test/{i}",
                                "first_seen_at": iso(NOW - timedelta(hours=i)),
                                "published_at": iso(NOW - timedelta(hours=i)),
                                "story_id": story, "metrics": dumps(metrics)})
    yield st
    st.close()


def _by_item(rows):
    return {r["item_id"]: r for r in rows}


def test_daily_list_shows_theme_score_why_and_angles(store, config):
    rows = build_daily_list(store, config, load_plugins(), now=NOW)
    assert rows and all(r["list_date"] == "2026-03-10" for r in rows)  # WIB date
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for r in rows:
        assert r["theme"] in {t.id for t in config.themes}
        if r["learning"]:  # a "help the model learn" slot may sit below min_relevance
            continue
        assert 0 < r["score"] <= 1 and r["relevance"] >= config.ranking.min_relevance
        assert r["why"] and 1 <= len(r["angles"]) <= 3
        assert {"platform", "format", "hook", "why_now"} <= set(r["angles"][0])
        assert {"trend", "momentum", "recency", "novelty", "sources", "new_sources",
                "evidence"} <= set(r["signals"])
    themes = {r["theme"] for r in rows}
    assert {"film-industry", "behind-the-scenes", "advertising"} <= themes
    items = {r["item_id"] for r in rows if not r["learning"]}  # learning slots: any item
    assert not items & {10, 11, 12, 13, 14}  # off-brand news is not suggested


def test_one_suggestion_per_story_with_momentum(store, config):
    rows = build_daily_list(store, config, None, now=NOW)
    horror = [r for r in rows if r["item_id"] in (1, 2, 3)]
    assert len(horror) == 1
    assert horror[0]["signals"]["sources"] == 3
    assert horror[0]["signals"]["momentum"] == pytest.approx(0.6667, abs=1e-3)
    assert sorted(horror[0]["sources"]) == ["detik", "gtrends", "kompas"]


def test_avoid_terms_are_filtered_with_the_reason(store, config):
    rows = build_daily_list(store, config, None, now=NOW)
    assert 9 not in _by_item(rows)
    score = store.query("select filtered from scores where item_id = 9")[0]
    assert score["filtered"] == 'avoid term "judi online"'


def test_rebuild_never_overwrites_a_reviewed_row(store, config):
    rows = build_daily_list(store, config, None, now=NOW)
    first = rows[0]
    record_verdict(store, first["id"], "accept", now=NOW)
    store.db.execute("update suggestions set score = 0.01 where id = ?", [first["id"]])
    again = build_daily_list(store, config, None, now=NOW + timedelta(hours=1))
    kept = _by_item(again)[first["item_id"]]
    assert kept["status"] == "accepted" and kept["score"] == 0.01
    assert len({r["item_id"] for r in again}) == len(again)


def test_items_suggested_or_judged_earlier_are_not_suggested_again(store, config):
    day1 = build_daily_list(store, config, None, now=NOW)
    rejected = day1[0]
    record_verdict(store, rejected["id"], "reject", reason="stale", now=NOW)
    day2 = build_daily_list(store, config, None, now=NOW + timedelta(days=1))
    assert day2 == [] or all(r["list_date"] == "2026-03-11" for r in day2)
    assert not {r["item_id"] for r in day1} & {r["item_id"] for r in day2}


def test_digest_size_limits_the_list(store, config):
    small = config.model_copy(update={"digest": config.digest.model_copy(update={"size": 2})})
    rows = build_daily_list(store, small, None, now=NOW)
    assert len(rows) == 2


class SmartAngles:
    @hookimpl
    def generate_angles(self, suggestion, theme, brand):
        return [Angle(platform="YouTube", format="Shorts", hook=f"AI: {suggestion['title']}",
                      why_now="now", generator="smart")]


class BrokenAngles:
    @hookimpl
    def generate_angles(self, suggestion, theme, brand):
        raise RuntimeError("boom")


def test_plugin_angles_come_first_and_a_broken_plugin_is_skipped(store, config):
    host = load_plugins(extra=[SmartAngles(), BrokenAngles()])
    rows = build_daily_list(store, config, host, now=NOW)
    for r in rows:
        assert r["angles"][0]["generator"] == "smart"
        assert any(a["generator"] == "templates" for a in r["angles"])
        assert len(r["angles"]) <= 3
    assert any("boom" in f.error for f in host.failures)


def test_training_labels_follow_the_verdicts(store, config):
    rows = _by_item(build_daily_list(store, config, None, now=NOW))
    ids = sorted(rows)
    record_verdict(store, rows[ids[0]]["id"], "accept", now=NOW)
    record_verdict(store, rows[ids[1]]["id"], "reject", reason="off-brand", now=NOW)
    record_verdict(store, rows[ids[2]]["id"], "reject", reason="wrong-theme",
                   theme="social-trends", now=NOW)
    record_verdict(store, rows[ids[3]]["id"], "snooze", now=NOW)
    labels = {r["item_id"]: r["theme"] for r in training_labels(store)}
    # a verdict on a story labels every item of it (the horror film: items 1-3)
    story = [r["id"] for r in store.query(
        "select id from items where story_id = (select story_id from items where id = ?)",
        [ids[0]])]
    assert labels == {**dict.fromkeys(story, rows[ids[0]]["theme"]), ids[1]: None,
                      ids[2]: "social-trends"}
    assert len(story) == 3


def test_the_latest_verdict_decides_the_label_snooze_and_bare_other_teach_nothing(
        store, config):
    rows = _by_item(build_daily_list(store, config, None, now=NOW))
    ids = sorted(rows)
    later = NOW + timedelta(minutes=5)
    record_verdict(store, rows[ids[0]]["id"], "accept", now=NOW)
    record_verdict(store, rows[ids[0]]["id"], "snooze", now=later)  # undecided again
    record_verdict(store, rows[ids[1]]["id"], "reject", reason="other", now=NOW)
    record_verdict(store, rows[ids[2]]["id"], "reject", reason="other",
                   theme="social-trends", now=NOW)
    record_verdict(store, rows[ids[3]]["id"], "snooze", now=NOW)
    record_verdict(store, rows[ids[3]]["id"], "reject", reason="stale", now=later)
    labels = {r["item_id"]: r["theme"] for r in training_labels(store)}
    assert labels == {ids[2]: "social-trends"}  # "stale" is about timing: no label


def test_verdicts_change_later_rankings(store, config):
    """Rejecting the advertising suggestions as off-brand, then retraining, lowers their
    kind: a new item of the same kind ranks lower than before."""
    build_daily_list(store, config, None, now=NOW)
    with store.write() as db:
        for k, title in enumerate([
                "Kampanye iklan brand teh lokal angkat cerita petani",
                "Kampanye iklan brand roti lokal angkat cerita tukang roti",
                "Kampanye iklan brand susu lokal angkat cerita peternak"], 100):
            db["items"].insert({"id": k, "source": "adweek", "dedup_key": f"k{k}",
                                "title": title, "summary": "", "story_id": k,
                                "first_seen_at": iso(NOW - timedelta(minutes=k)),
                                "published_at": iso(NOW), "metrics": "{}"})
    probe = "Kampanye iklan brand air mineral lokal angkat cerita nelayan"
    before = train_model(store, config, now=NOW)["model"].predict([probe])[0]
    for k in (100, 101, 102, 6):
        sid = store.db.execute("insert into suggestions (item_id, list_date, theme, score, "
                               "relevance, status) values (?, '2026-03-09', 'advertising', "
                               "0.5, 0.5, 'new')", [k]).lastrowid if k != 6 else \
            store.query("select id from suggestions where item_id = 6")[0]["id"]
        record_verdict(store, sid, "reject", reason="off-brand", now=NOW)
    record = train_model(store, config, now=NOW + timedelta(minutes=1))
    after = record["model"].predict([probe])[0]
    assert record["label_counts"] == {"_off": 4}
    assert after.relevance < before.relevance - 0.15
    assert active_model_row(store)["version"] == record["version"]


def test_corrupt_active_model_is_replaced_and_recorded(store, config):
    first = train_model(store, config, now=NOW)
    with open(first["path"], "r+b") as f:
        f.seek(100)
        f.write(b"garbage!")
    rows = build_daily_list(store, config, None, now=NOW)
    assert rows
    event = store.query("select * from events where kind = 'model'")[0]
    assert event["subject"] == first["version"] and "checksum" in event["message"]
    assert active_model_row(store)["version"] != first["version"]
