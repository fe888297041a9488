"""Linking posts to suggestions (issue 14, step 2): `trendwatch posted`, the backlog field,
and imports that find the linked post by its link in any form or by its platform id."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from websample import WEB_CONFIG, seed

from trendwatch.config import parse_config
from trendwatch.db.store import Store
from trendwatch.errors import TrendwatchError
from trendwatch.performance.links import link_post, post_key
from trendwatch.performance.posts import import_files
from trendwatch.plugins import load_plugins
from trendwatch.web import create_app

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("url,key", [
    ("https://www.instagram.com/reel/DAaaaaa0002/?igsh=abc123", "instagram:DAaaaaa0002"),
    ("http://instagram.com/p/DAaaaaa0002", "instagram:DAaaaaa0002"),
    ("https://www.instagram.com/studiolensa.id/p/DAaaaaa0002/", "instagram:DAaaaaa0002"),
    ("https://www.tiktok.com/@studiolensa.id/video/7430000000000000002?is_from_webapp=1",
     "tiktok:7430000000000000002"),
    ("https://m.tiktok.com/v/7430000000000000002.html", "tiktok:7430000000000000002"),
    ("https://youtu.be/aBcDeFgHiJ2?si=xyz", "youtube:aBcDeFgHiJ2"),
    ("https://www.youtube.com/shorts/aBcDeFgHiJ2", "youtube:aBcDeFgHiJ2"),
    ("https://m.youtube.com/watch?v=aBcDeFgHiJ2&t=3s", "youtube:aBcDeFgHiJ2"),
    ("https://www.linkedin.com/posts/x-activity-1/?utm_source=share#top",
     "https://linkedin.com/posts/x-activity-1"),
])
def test_every_form_of_a_post_link_gives_one_key(url, key):
    assert post_key(url)[0] == key


def test_not_a_link():
    assert post_key("instagram reel kemarin") == (None, None, None)


@pytest.fixture
def store(tmp_path):
    seed(tmp_path / "t.db", today=datetime(2026, 11, 30).date(), xss=False)
    s = Store(tmp_path / "t.db")
    yield s
    s.close()


def test_link_then_import_fills_the_linked_post(store, fixtures):
    """The specialist records the link (a share link with tracking), the import later
    brings the numbers: one post, linked, with its real publish time."""
    sid = store.query("select id from suggestions order by id limit 1")[0]["id"]
    done = link_post(store, sid, "https://www.tiktok.com/@studiolensa.id/video/"
                     "7430000000000000002?is_from_webapp=1&sender_device=pc", now=NOW)
    assert done["created"] and done["platform"] == "tiktok"
    result = import_files(store, [fixtures / "performance" / "tiktok_en.csv"],
                          load_plugins().importers, WIB, now=NOW)
    assert result.linked == 1 and result.new_posts == 2 and result.updated_posts == 1
    [post] = store.query("select * from posts where suggestion_id = ?", [sid])
    assert post["platform_post_id"] == "7430000000000000002"
    assert post["published_at"] == "2026-11-10T05:05:00+00:00"
    assert post["published_estimated"] == 0
    assert store.query("select count(*) as n from posts")[0]["n"] == 3


def test_link_after_import_finds_the_post_by_any_link(store, fixtures):
    import_files(store, [fixtures / "performance" / "instagram_en.csv"],
                 load_plugins().importers, WIB, now=NOW)
    a, b = [r["id"] for r in store.query("select id from suggestions order by id limit 2")]
    first = link_post(store, a, "https://instagram.com/reel/DAaaaaa0002?igsh=zz")
    assert not first["created"]
    moved = link_post(store, b, "https://www.instagram.com/p/DAaaaaa0002/")
    assert moved["previous_suggestion_id"] == a and moved["post_id"] == first["post_id"]
    assert store.query("select suggestion_id from posts where url_key = ?",
                       ["instagram:DAaaaaa0002"]) == [{"suggestion_id": b}]


def test_link_errors_are_usage_errors(store):
    with pytest.raises(TrendwatchError, match="not a post link") as err:
        link_post(store, 1, "kemarin sore")
    assert err.value.exit_code == 2
    with pytest.raises(TrendwatchError, match="no suggestion with id 99999"):
        link_post(store, 99999, "https://www.instagram.com/p/XyZ12345/")


def test_posted_command(tmp_path, cli):
    db = tmp_path / "t.db"
    seed(db, today=datetime(2026, 11, 30).date(), xss=False)
    sid = Store(db).query("select id from suggestions order by id limit 1")[0]["id"]
    out = cli("--db", str(db), "posted", str(sid), "https://youtu.be/aBcDeFgHiJ2")
    assert f"suggestion {sid} → youtube post" in out.output
    assert "numbers come with the next import" in out.output
    rows = Store(db).query("select platform, platform_post_id, url_key, suggestion_id "
                           "from posts")
    assert rows == [{"platform": "youtube", "platform_post_id": "aBcDeFgHiJ2",
                     "url_key": "youtube:aBcDeFgHiJ2", "suggestion_id": sid}]


def test_backlog_page_has_the_posted_field(tmp_path):
    db = tmp_path / "t.db"
    seed(db, xss=False)
    store = Store(db)
    from trendwatch.review.verdicts import record_verdict

    sid = store.query("select id from suggestions where status = 'new' limit 1")[0]["id"]
    record_verdict(store, sid, "accept", tz=WIB)
    client = create_app(db, parse_config(WEB_CONFIG)).test_client()
    html = client.get("/backlog").get_data(as_text=True)
    assert f'action="/suggestions/{sid}/posted"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    res = client.post(f"/suggestions/{sid}/posted", data={
        "csrf_token": token, "url": "https://www.instagram.com/p/XyZ12345/?igsh=1",
        "next": "/backlog"})
    assert res.status_code == 303
    assert store.query("select url_key, suggestion_id from posts") == [
        {"url_key": "instagram:XyZ12345", "suggestion_id": sid}]
    html = client.get("/backlog").get_data(as_text=True)
    assert "Post link saved" in html and "Update link" in html
    assert 'value="https://www.instagram.com/p/XyZ12345/?igsh=1"' in html
    bad = client.post(f"/suggestions/{sid}/posted", data={
        "csrf_token": token, "url": "javascript:alert(1)", "next": "/backlog"})
    assert bad.status_code == 303
    assert "not a post link" in client.get("/backlog").get_data(as_text=True)
    no_token = client.post(f"/suggestions/{sid}/posted", data={"url": "https://x.com/a/1"})
    assert no_token.status_code in (400, 403)
    assert store.query("select count(*) as n from posts")[0]["n"] == 1
