"""Stable suggestion identity: an id always means the same item, across rebuilds of the
list; every verdict path names its item; a verdict for a suggestion that dropped out of the
list lands on that same item or is refused, never on another (issue 15, point 2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from trendwatch.config import DigestConfig, parse_config, starter_text
from trendwatch.daily.build import build_daily_list
from trendwatch.daily.digest import build_digest
from trendwatch.db.store import Store, dumps, iso
from trendwatch.errors import TrendwatchError
from trendwatch.review.verdicts import record_verdict
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
    "Sutradara muda raih penghargaan festival film pendek",
    "Teknik color grading ala film thriller Korea untuk video pendek",
]
LATER = [
    "Trailer resmi film drama keluarga rilis, tayang di bioskop bulan depan",
    "Agency behind a viral airline commercial explains the storytelling choices",
    "Kamera sinema baru bawa rekaman 8K raw untuk filmmaker indie",
]


def _config(size: int):
    config = parse_config(starter_text())
    return config.model_copy(update={"digest": DigestConfig(size=size)})


def _insert(store: Store, titles: list[str], start: int, seen: datetime) -> None:
    with store.write() as db:
        for i, title in enumerate(titles, start):
            db["items"].insert({"id": i, "source": f"src{i % 3}", "dedup_key": f"k{i}",
                                "title": title, "summary": "", "kind": "article",
                                "url": f"https://example.test/{i}",
                                "first_seen_at": iso(seen), "published_at": iso(seen),
                                "story_id": i, "metrics": dumps({})})


@pytest.fixture
def store(tmp_path):
    st = Store(tmp_path / "tw.db")
    _insert(st, TITLES, 1, NOW - timedelta(hours=2))
    yield st
    st.close()


def _ids(rows) -> dict[int, int]:
    return {r["id"]: r["item_id"] for r in rows}


def test_an_id_never_changes_item_across_rebuilds(store):
    seen: dict[int, int] = {}

    def check(rows):
        for sid, item in _ids(rows).items():
            assert seen.setdefault(sid, item) == item, f"id {sid} reused for item {item}"

    full = build_daily_list(store, _config(8), None, now=NOW)
    check(full)
    short = build_daily_list(store, _config(3), None, now=NOW + timedelta(minutes=5))
    check(short)
    dropped = set(_ids(full)) - set(_ids(short))
    assert dropped, "a shorter list drops suggestions"
    # dropped rows are parked with their ids, not deleted
    parked = store.query("select id, item_id from suggestions where list_date is null")
    assert {r["id"] for r in parked} == dropped
    # new items arrive; the list is rebuilt longer: old items come back with their old ids,
    # new ones get ids never used before
    _insert(store, LATER, 100, NOW)
    again = build_daily_list(store, _config(20), None, now=NOW + timedelta(minutes=10))
    check(again)
    new_ids = {sid for sid, item in _ids(again).items() if item >= 100}
    assert new_ids and min(new_ids) > max(_ids(full))


def test_a_verdict_after_its_suggestion_dropped_lands_on_the_same_item(store):
    full = build_daily_list(store, _config(8), None, now=NOW)
    short = build_daily_list(store, _config(2), None, now=NOW + timedelta(minutes=5))
    sid = next(s for s in _ids(full) if s not in _ids(short))
    item = _ids(full)[sid]
    done = record_verdict(store, sid, "accept", now=NOW, item_id=item)
    assert done["item_id"] == item and done["listed"] is False
    assert store.query("select list_date, status from suggestions where id = ?", [sid]) == [
        {"list_date": DAY, "status": "accepted"}]
    other = next(i for i in _ids(short).values())
    with pytest.raises(TrendwatchError, match=rf"suggestion {sid} is “.*” \(item {item}\), "
                                              rf"not item {other}: nothing recorded"):
        record_verdict(store, sid, "reject", reason="off-brand", now=NOW, item_id=other)
    assert store.db["feedback"].count == 1


def test_cli_id_after_a_rebuild(store, cli, tmp_path):
    full = build_daily_list(store, _config(8), None, now=NOW)
    digest = build_digest(store, _config(8), None, [], now=NOW)
    commands = re.findall(r"trendwatch review accept (\d+) --item (\d+)", digest["markdown"])
    assert len(commands) == len(full)  # the digest names item and suggestion together
    build_daily_list(store, _config(2), None, now=NOW + timedelta(minutes=5))
    parked = {r["id"] for r in store.query(
        "select id from suggestions where list_date is null")}
    # one the rebuild dropped (which ones depends on range and learning slots, not only rank)
    sid, item = next((s, i) for s, i in (map(int, c) for c in commands) if s in parked)
    cfg = tmp_path / "c.toml"
    cfg.write_text(starter_text(), encoding="utf-8")
    db = str(store.path)
    wrong = next(i for s, i in _ids(full).items() if s != sid)
    refused = cli("--config", str(cfg), "--db", db, "review", "reject", str(sid),
                  "--reason", "off-brand", "--item", str(wrong))
    assert refused.exit_code != 0 and "nothing recorded" in refused.output
    assert store.db["feedback"].count == 0
    ok = cli("--config", str(cfg), "--db", db, "review", "accept", str(sid), "--item",
             str(item), "--date", "2026-03-12")
    title = store.query("select title from items where id = ?", [item])[0]["title"]
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith(f"Accepted {sid} “{title[:40]}")
    assert "dropped out of the list" in ok.output
    assert store.query("select item_id from feedback") == [{"item_id": item}]


def test_verdict_posted_from_a_stale_page(store):
    build_daily_list(store, _config(8), None, now=NOW)
    app = create_app(store.path, _config(8))
    client = app.test_client()
    html = client.get(f"/?date={DAY}&status=all").get_data(as_text=True)
    forms = re.findall(r'action="/suggestions/(\d+)/verdict".*?name="item_id" value="(\d+)"',
                       html, re.S)
    page = {int(s): int(i) for s, i in forms}
    assert page == {r["id"]: r["item_id"] for r in store.query(
        "select id, item_id from suggestions where list_date = ?", [DAY])}
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    # the list is re-ranked while the page is open: the last card drops out
    build_daily_list(store, _config(2), None, now=NOW + timedelta(minutes=5))
    # the highest dropped id: the one SQLite would have reused after a delete
    sid = next(s for s in sorted(page, reverse=True) if store.query(
        "select list_date from suggestions where id = ?", [s])[0]["list_date"] is None)
    _insert(store, LATER, 100, NOW)
    build_daily_list(store, _config(4), None, now=NOW + timedelta(minutes=6))
    resp = client.post(f"/suggestions/{sid}/verdict", follow_redirects=True, data={
        "csrf_token": token, "verdict": "reject", "reason": "off-brand",
        "item_id": str(page[sid]), "next": f"/?date={DAY}"})
    text = resp.get_data(as_text=True)
    assert "dropped out of the list" in text
    assert store.query("select item_id, reason from feedback") == [
        {"item_id": page[sid], "reason": "off-brand"}]
    # a form whose item does not match its suggestion is refused, nothing written
    other = next(s for s in page if s != sid)
    resp = client.post(f"/suggestions/{other}/verdict", follow_redirects=True, data={
        "csrf_token": token, "verdict": "accept", "item_id": str(page[sid]),
        "next": f"/?date={DAY}"})
    assert "nothing recorded" in resp.get_data(as_text=True)
    assert store.db["feedback"].count == 1
