"""The plan on the web page (Flask test client, real SQLite file, frozen clock): the week
grid, the backlog by stage with filters, every field and stage change with its history and
undo, warnings, Add to plan from search/rising/held-back, the subscribable calendar with
and without a token, the .ics round trip, and send to team through apprise to a local
HTTP server."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, date, datetime

import icalendar
import pytest
from websample import WEB_CONFIG, seed

from trendwatch.config import parse_config
from trendwatch.web import create_app
from trendwatch.web.plan_page import calendar_token

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
TOKEN = "kunci-rahasia-studio-2026-panjang"
PLAN = """
[plan]
team = ["Ayu", "Bima", "Sari"]
slots = { TikTok = "19:00", Instagram = "12:00", YouTube = "17:00" }
durations = { "video 30 detik" = "30m" }
"""


@pytest.fixture
def db_path(tmp_path, time_machine):
    time_machine.move_to(NOW, tick=False)
    path = tmp_path / "trendwatch.db"
    seed(path, today=date(2026, 11, 30))
    return path


def _client(db_path, extra: str = ""):
    app = create_app(db_path, parse_config(WEB_CONFIG + PLAN + extra))
    app.config["LOGIN_FAIL_DELAY"] = 0
    return app.test_client()


@pytest.fixture
def client(db_path):
    return _client(db_path)


def csrf(client, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def q(db_path, sql: str, *params) -> list[dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def flashes(html: str) -> list[str]:
    return re.findall(r'class="flash flash-\w+"[^>]*>(.*?)</p>', html, re.S)


def accept(client, *sids: int) -> None:
    token = csrf(client)
    for sid in sids:
        assert client.post(f"/suggestions/{sid}/verdict", data={
            "csrf_token": token, "verdict": "accept"}).status_code == 303


def test_accepting_four_spreads_them_and_the_week_grid_shows_them(client, db_path):
    accept(client, 1, 2, 3, 4)
    assert [(r["planned_date"], r["planned_time"], r["platform"]) for r in q(
        db_path, "select * from plan_items order by id")] == [
        ("2026-12-01", "19:00", "TikTok"), ("2026-12-02", "19:00", "TikTok"),
        ("2026-12-03", "19:00", "TikTok"), ("2026-12-04", "19:00", "TikTok")]
    html = client.get("/plan").get_data(as_text=True)
    assert "week of Mon 30 Nov 2026" in html
    heads = re.findall(r'<th scope="col" class="[^"]*">(\w{3} \d\d)</th>', html)
    assert heads == ["Mon 30", "Tue 01", "Wed 02", "Thu 03", "Fri 04", "Sat 05", "Sun 06"]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>', html)
    assert rows == ["TikTok", "Instagram", "YouTube"]
    # the TikTok row holds the four items on Tue..Fri
    tiktok = html.split('<th scope="row">TikTok</th>')[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", tiktok, re.S)
    assert [re.findall(r'data-plan-id="(\d+)"', c) for c in cells] == [
        [], ["1"], ["2"], ["3"], ["4"], [], []]
    # the phone's day list has the same items under each day
    daylist = html.split('<div class="daylist">')[1]
    assert re.findall(r'data-plan-id="(\d+)"', daylist) == ["1", "2", "3", "4"]
    nxt = client.get("/plan?week=2026-12-07").get_data(as_text=True)
    assert "week of Mon 07 Dec 2026" in nxt and 'data-plan-id="1"' not in nxt
    assert client.get("/plan?week=soon").status_code == 200  # a bad date: this week + a message


def test_every_field_and_stage_change_on_the_item_page_is_kept(client, db_path):
    accept(client, 1)
    page = client.get("/plan/1").get_data(as_text=True)
    for field in ("planned_date", "planned_time", "stage", "platform", "format", "owner",
                  "hook", "angle", "caption", "hashtags", "notes", "post_url"):
        assert f'name="{field}"' in page, field
    token = csrf(client, "/plan/1")
    form = {"csrf_token": token, "who": "Ayu", "planned_date": "2026-12-08",
            "planned_time": "16:30", "stage": "script", "platform": "instagram",
            "format": "carousel", "owner": "Bima", "hook": "Kenapa penonton betah?",
            "angle": "Reaksi kru", "caption": "Baris satu\r\nbaris dua",
            "hashtags": "#film", "notes": "izin lokasi", "post_url": "", "next": "/plan/1"}
    resp = client.post("/plan/1", data=form)
    assert resp.status_code == 303 and resp.headers["Location"] == "/plan/1"
    item = q(db_path, "select * from plan_items where id = 1")[0]
    assert {k: item[k] for k in ("planned_date", "planned_time", "stage", "platform",
                                 "format", "owner", "hook", "angle", "hashtags", "notes")} == {
        "planned_date": "2026-12-08", "planned_time": "16:30", "stage": "script",
        "platform": "Instagram", "format": "carousel", "owner": "Bima",
        "hook": "Kenapa penonton betah?", "angle": "Reaksi kru", "hashtags": "#film",
        "notes": "izin lokasi"}
    assert item["caption"] == "Baris satu\r\nbaris dua"
    changes = q(db_path, "select who, field, old, new from plan_history where plan_item_id = 1 "
                         "and field != 'created' order by id")
    assert {c["field"] for c in changes} == {
        "planned_date", "planned_time", "stage", "platform", "format", "owner", "hook",
        "angle", "caption", "hashtags", "notes"}
    assert {c["who"] for c in changes} == {"Ayu"}
    # the suggestion's date follows
    assert q(db_path, "select planned_for from suggestions where id = 1") == [
        {"planned_for": "2026-12-08"}]
    # a stage change alone, from the backlog's quick form
    client.post("/plan/1", data={"csrf_token": token, "stage": "shoot", "next": "/backlog"})
    assert q(db_path, "select stage from plan_items")[0]["stage"] == "shoot"
    # posting records the URL and moves it to the last stage
    client.post("/plan/1", data={"csrf_token": token,
                                 "post_url": "https://www.instagram.com/p/Cx1/"})
    assert q(db_path, "select stage, post_url, posted_at from plan_items") == [
        {"stage": "posted", "post_url": "https://www.instagram.com/p/Cx1/",
         "posted_at": "2026-11-30T02:00:00+00:00"}]
    # the history is on the page, newest first, and a wrong click is undone there
    page = client.get("/plan/1").get_data(as_text=True)
    assert "<strong>stage</strong> <del>shoot</del> → posted" in page
    change = q(db_path, "select id from plan_history where field = 'stage' and new = 'posted'")
    client.post(f"/plan/undo/{change[0]['id']}", data={"csrf_token": token})
    assert q(db_path, "select stage from plan_items")[0]["stage"] == "shoot"
    # bad input: a clear message, nothing written
    before = q(db_path, "select count(*) as n from plan_history")[0]["n"]
    client.post("/plan/1", data={"csrf_token": token, "stage": "viral", "hook": "x"})
    client.post("/plan/1", data={"csrf_token": token, "post_url": "javascript:alert(1)"})
    assert q(db_path, "select count(*) as n from plan_history")[0]["n"] == before
    text = " ".join(flashes(client.get("/plan/1").get_data(as_text=True)))
    assert "stage: &#34;viral&#34; is not one of" in text and "is not an http(s) link" in text
    assert client.get("/plan/99").status_code == 404


def test_past_date_and_slot_clash_are_flashed_and_marked(client, db_path):
    accept(client, 1, 2)
    token = csrf(client)
    client.post("/suggestions/1/plan", data={"csrf_token": token, "planned_for": "2026-11-20"})
    text = " ".join(flashes(client.get("/backlog").get_data(as_text=True)))
    assert "Saved, but: 2026-11-20 19:00 is in the past." in text
    client.post("/plan/1", data={"csrf_token": token, "planned_date": "2026-12-02"})
    text = " ".join(flashes(client.get("/backlog").get_data(as_text=True)))
    assert "TikTok already has plan item 2 at 2026-12-02 19:00" in text
    grid = client.get("/plan").get_data(as_text=True)
    assert grid.count('class="slot has-warning"') == 2  # both sides of the clash


def test_backlog_groups_by_stage_and_filters(client, db_path):
    accept(client, 1, 2, 3)
    token = csrf(client)
    client.post("/plan/2", data={"csrf_token": token, "stage": "edit", "owner": "Sari"})
    client.post("/plan/3", data={"csrf_token": token, "platform": "YouTube"})
    html = client.get("/backlog").get_data(as_text=True)
    heads = re.findall(r'<h2 class="stage-head"[^>]*>(\w+) <small class="muted">(\d+)', html)
    assert heads == [("idea", "2"), ("script", "0"), ("shoot", "0"), ("edit", "1"),
                     ("scheduled", "0"), ("posted", "0")]
    ids = lambda page: re.findall(r'data-plan-id="(\d+)"', page)  # noqa: E731
    assert ids(client.get("/backlog?owner=Sari").get_data(as_text=True)) == ["2"]
    assert ids(client.get("/backlog?platform=youtube").get_data(as_text=True)) == ["3"]
    assert ids(client.get("/backlog?stage=idea").get_data(as_text=True)) == ["1", "3"]
    assert ids(client.get("/plan?stage=edit").get_data(as_text=True)) == ["2", "2"]  # grid + day


def test_add_from_search_rising_and_held_back(client, db_path):
    html = client.get("/search?q=hari film nasional").get_data(as_text=True)
    assert html.count(">Add to plan</button>") >= 1
    item_id = int(re.search(r'name="item_id" value="(\d+)"', html).group(1))
    token = csrf(client, "/search?q=film")
    resp = client.post("/plan/add", data={"csrf_token": token, "item_id": item_id})
    assert resp.status_code == 303 and resp.headers["Location"] == "/plan/1"
    client.post("/plan/add", data={"csrf_token": token, "topic": "hari film nasional"})
    client.post("/plan/add", data={"csrf_token": token, "item_id": item_id, "held_back": "1"})
    # a suggestion found by search: adding it accepts it
    client.post("/plan/add", data={"csrf_token": token, "suggestion_id": 5})
    assert [(r["origin"], r["item_id"], r["suggestion_id"]) for r in q(
        db_path, "select origin, item_id, suggestion_id from plan_items order by id")] == [
        ("search", item_id, None), ("rising", None, None), ("held-back", item_id, None),
        ("suggestion", 5, 5)]
    assert q(db_path, "select status from suggestions where id = 5") == [{"status": "accepted"}]
    rising = client.get("/rising").get_data(as_text=True)
    assert 'name="topic"' in rising or "Nothing is rising" in rising
    client.post("/plan/add", data={"csrf_token": token, "item_id": 9999})
    assert "no stored item with id 9999" in " ".join(flashes(client.get("/").get_data(
        as_text=True)))


def test_search_dates_show_the_year_when_not_this_year(client, db_path):
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("update items set published_at = '2025-08-17T03:00:00+00:00' where id = 3")
        conn.execute("update items set published_at = '2026-08-17T03:00:00+00:00' where id = 4")
    conn.close()
    html = client.get("/search?q=" + q(db_path, "select title from items where id = 3")[0]
                      ["title"].split()[0]).get_data(as_text=True)
    assert "17 Aug 2025 10:00" in html
    assert "17 Aug 2026" not in html  # this year's dates stay short


def test_calendar_feed_round_trip_updates_the_same_event(client, db_path):
    accept(client, 1, 2)
    first = icalendar.Calendar.from_ical(client.get("/calendar.ics").data)
    events = {str(e["UID"]): e for e in first.walk("VEVENT")}
    assert len(events) == 2 and str(first["X-WR-CALNAME"]) == "Studio Contoh content plan"
    uid = "plan-1@studio-contoh.trendwatch.invalid"
    ev = events[uid]
    assert ev.decoded("DTSTART") == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 19:00 WIB
    assert ev.decoded("DTEND") - ev.decoded("DTSTART") == datetime(2026, 1, 1, 0, 30) - \
        datetime(2026, 1, 1)  # [plan] durations: "video 30 detik" = 30m
    desc = str(ev["DESCRIPTION"])
    assert "Hook: 3 hal yang bikin film ini laris <script>x</script>" in desc
    assert "Stage: idea" in desc and "Link: https://news.example.id/" in desc
    seq = ev.decoded("SEQUENCE")
    token = csrf(client)
    client.post("/plan/1", data={"csrf_token": token, "owner": "Ayu", "planned_time": "20:00"})
    again = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(
        client.get("/calendar.ics").data).walk("VEVENT")}
    assert set(again) == set(events)  # same UIDs: an update, not a duplicate
    assert again[uid].decoded("SEQUENCE") == seq + 1
    assert again[uid].decoded("DTSTART") == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert "Owner: Ayu" in str(again[uid]["DESCRIPTION"])
    # taken off the plan: the same event, cancelled, with a higher SEQUENCE again
    client.post("/plan/1/archive", data={"csrf_token": token})
    last = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(
        client.get("/calendar.ics").data).walk("VEVENT")}
    assert str(last[uid]["STATUS"]) == "CANCELLED" and last[uid].decoded("SEQUENCE") == seq + 2
    assert str(last["plan-2@studio-contoh.trendwatch.invalid"]["STATUS"]) == "CONFIRMED"


def test_calendar_url_needs_its_token_when_the_page_has_one(db_path):
    extra = f'\n[web]\nhost = "0.0.0.0"\ntoken = "{TOKEN}"\n'
    client = _client(db_path, extra)
    host = {"Host": "studio.example:8765"}
    key = calendar_token(parse_config(WEB_CONFIG + PLAN + extra))
    assert key and TOKEN not in key and len(key) == 32
    assert client.get("/calendar.ics", headers=host).status_code == 403
    assert client.get("/calendar.ics?token=wrong", headers=host).status_code == 403
    assert client.get(f"/calendar.ics?token={TOKEN}", headers=host).status_code == 403
    ok = client.get(f"/calendar.ics?token={key}", headers=host)
    assert ok.status_code == 200 and ok.mimetype == "text/calendar"
    assert icalendar.Calendar.from_ical(ok.data)["VERSION"] == "2.0"
    # the token opens the calendar only, not the pages
    assert client.get(f"/plan?token={key}", headers=host).status_code == 302
    # the Plan page (after login) shows the subscribe address with the key
    html = client.get("/login", headers=host).get_data(as_text=True)
    login = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/login", data={"csrf_token": login, "token": TOKEN},
                       headers=host).status_code == 303
    page = client.get("/plan", headers=host).get_data(as_text=True)
    assert f"http://studio.example:8765/calendar.ics?token={key}" in page
    assert f"webcal://studio.example:8765/calendar.ics?token={key}" in page


def test_calendar_url_on_loopback_needs_no_token(client):
    assert calendar_token(parse_config(WEB_CONFIG)) is None
    resp = client.get("/calendar.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    page = client.get("/plan").get_data(as_text=True)
    assert 'value="http://localhost/calendar.ics"' in page
    # other host names are refused as for every page (DNS rebinding)
    assert client.get("/calendar.ics", headers={"Host": "evil.example"}).status_code == 400


def _apprise(url: str) -> str:
    return f'\n[[notifiers]]\nname = "team-chat"\nplugin = "apprise"\nurls = ["{url}"]\n' \
           'format = "markdown"\n'


def test_send_to_team_posts_the_hook_and_link(db_path, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    client = _client(db_path, _apprise(f"json://127.0.0.1:{httpserver.port}/hook"))
    accept(client, 1)
    token = csrf(client, "/plan/1")
    assert ">Send to team</button>" in client.get("/plan/1").get_data(as_text=True)
    client.post("/plan/1", data={"csrf_token": token, "owner": "Sari"})
    client.post("/plan/1/send", data={"csrf_token": token, "next": "/plan/1"})
    client.post("/suggestions/2/send", data={"csrf_token": token})
    messages = [json.loads(req.get_data()) for req, _resp in httpserver.log]
    assert len(messages) == 2
    plan_msg, idea = messages
    assert plan_msg["title"].startswith("Plan: ")
    assert "- Hook: 3 hal yang bikin film ini laris <script>x</script>" in plan_msg["message"]
    assert "- When: Tue 01 Dec 2026 19:00 (Asia/Jakarta)" in plan_msg["message"]
    assert "- Owner: Sari" in plan_msg["message"]
    assert "- Link: https://news.example.id/" in plan_msg["message"]
    assert idea["title"].startswith("Idea: ") and "- Hook: " in idea["message"]
    assert q(db_path, "select who, new from plan_history where field = 'sent'") == [
        {"who": "web", "new": "team-chat: sent"}]
    text = " ".join(flashes(client.get("/").get_data(as_text=True)))
    assert "Sent to the team via team-chat." in text


def test_send_to_team_failure_is_shown_and_recorded(db_path):
    client = _client(db_path, _apprise("json://127.0.0.1:1/hook"))  # nothing listens
    accept(client, 1)
    token = csrf(client, "/plan/1")
    client.post("/plan/1/send", data={"csrf_token": token})
    text = " ".join(flashes(client.get("/").get_data(as_text=True)))
    assert "Not sent via team-chat" in text
    assert q(db_path, "select level, kind, subject from events where kind = 'notifier'") == [
        {"level": "error", "kind": "notifier", "subject": "team-chat"}]
    # without notifiers there is no button, and the action says why
    plain = _client(db_path)
    assert ">Send to team</button>" not in plain.get("/plan/1").get_data(as_text=True)
    plain.post("/plan/1/send", data={"csrf_token": csrf(plain, "/plan/1")})
    assert "no [[notifiers]] configured" in " ".join(flashes(plain.get("/").get_data(
        as_text=True)))
