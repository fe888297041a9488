"""The content plan (trendwatch.plan): plan items per accepted suggestion, every field and
stage change with its history, undo, slots that spread posts out, past-date and clash
warnings, the best-slot hook point, and `trendwatch plan`/`backlog` in every format.

The clock is frozen (time-machine) at Monday 30 Nov 2026 09:00 WIB; the child-free CLI
runs in-process, so it sees the same clock."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from suggestion_rows import CONFIG, add_item, seed_day

from trendwatch.config import parse_config
from trendwatch.db.store import Store
from trendwatch.plan import items, slots
from trendwatch.plan.items import PlanError

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
PLAN_CONFIG = CONFIG + """
[plan]
team = ["Ayu", "Bima", "Sari"]
slots = { TikTok = "19:00", Instagram = "12:00" }
"""


@pytest.fixture
def env(tmp_path, write_config, time_machine, monkeypatch):
    time_machine.move_to(NOW, tick=False)
    monkeypatch.setenv("TRENDWATCH_USER", "sari")
    cfg = write_config(PLAN_CONFIG)
    db = tmp_path / "tw.db"
    store = Store(db)
    ids = seed_day(store, "2026-11-30")
    store.close()

    def run(*args: str, ok: bool = True):
        from trendwatch.cli import cli as group

        result = CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), *args],
                                    catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run, db, ids


def _store_rows(db, sql, *params):
    s = Store(db)
    try:
        return s.query(sql, params)
    finally:
        s.close()


def test_four_accepted_suggestions_spread_over_free_slots(env):
    run, db, ids = env
    for sid in ids[:4]:
        run("review", "accept", str(sid))
    plan = _store_rows(db, "select suggestion_id, platform, planned_date, planned_time, stage, "
                           "hook from plan_items order by id")
    assert [(p["planned_date"], p["planned_time"]) for p in plan] == [
        ("2026-12-01", "19:00"), ("2026-12-02", "19:00"), ("2026-12-03", "19:00"),
        ("2026-12-04", "19:00")]
    assert {p["platform"] for p in plan} == {"TikTok"}  # from each suggestion's first angle
    assert {p["stage"] for p in plan} == {"idea"}
    assert plan[0]["hook"] == "3 hal yang bikin film ini beda"
    # the suggestion's planned_for follows its plan item
    assert [r["planned_for"] for r in _store_rows(
        db, "select planned_for from suggestions where status = 'accepted' order by id")] == [
        "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]


@pytest.mark.parametrize(("option", "value", "field", "stored"), [
    ("--date", "2026-12-09", "planned_date", "2026-12-09"),
    ("--time", "7.30", "planned_time", "07:30"),
    ("--platform", "instagram", "platform", "Instagram"),
    ("--format", "carousel 5 slide", "format", "carousel 5 slide"),
    ("--hook", "Kenapa penonton betah?", "hook", "Kenapa penonton betah?"),
    ("--angle", "Reaksi kru kami", "angle", "Reaksi kru kami"),
    ("--stage", "SHOOT", "stage", "shoot"),
    ("--owner", "Bima", "owner", "Bima"),
    ("--caption", "Baris satu\nbaris dua", "caption", "Baris satu\nbaris dua"),
    ("--hashtags", "#film #bioskop", "hashtags", "#film #bioskop"),
    ("--notes", "Tanya izin lokasi", "notes", "Tanya izin lokasi"),
    ("--title", "Judul baru", "title", "Judul baru"),
    ("--url", "https://www.example-news.id/x", "url", "https://www.example-news.id/x"),
])
def test_every_field_change_is_stored_with_its_history(env, option, value, field, stored):
    run, db, ids = env
    run("review", "accept", str(ids[0]))
    before = _store_rows(db, f"select {field}, sequence from plan_items where id = 1")[0]
    out = run("plan", "set", "1", option, value, "--who", "ayu").output
    assert out.startswith("Plan item 1 planned for")
    after = _store_rows(db, f"select {field}, sequence from plan_items where id = 1")[0]
    assert after[field] == stored and after["sequence"] == before["sequence"] + 1
    change = _store_rows(db, "select who, field, old, new, at from plan_history "
                             "where plan_item_id = 1 order by id desc limit 1")[0]
    assert change == {"who": "ayu", "field": field, "old": before[field], "new": stored,
                      "at": "2026-11-30T02:00:00+00:00"}
    # the same value again changes nothing and records nothing
    run("plan", "set", "1", option, value)
    assert _store_rows(db, "select count(*) as n from plan_history where plan_item_id = 1"
                       )[0]["n"] == 2  # created + this change


def test_stage_walk_posted_url_history_and_undo(env):
    run, db, ids = env
    run("review", "accept", str(ids[0]))
    for stage in ("script", "shoot", "edit", "scheduled"):
        assert f"stage {stage}" in run("plan", "stage", "1", stage).output
    refused = run("plan", "stage", "1", "viral", ok=False)
    assert refused.exit_code == 1
    assert 'stage: "viral" is not one of idea, script, shoot, edit, scheduled, posted' \
        in refused.output
    url = "https://www.tiktok.com/@studio.uji/video/7311111111111111111"
    assert "stage posted" in run("plan", "posted", "1", url).output
    assert items.posted_urls(Store(db)) == [{
        "plan_item_id": 1, "suggestion_id": ids[0], "item_id": 1, "platform": "TikTok",
        "post_url": url, "posted_at": "2026-11-30T02:00:00+00:00"}]
    # the link is the post that performance imports match their numbers to
    assert _store_rows(db, "select platform, platform_post_id, suggestion_id from posts") == [
        {"platform": "tiktok", "platform_post_id": "7311111111111111111",
         "suggestion_id": ids[0]}]
    bad = run("plan", "posted", "1", "javascript:alert(1)", ok=False)
    assert bad.exit_code == 1 and "is not an http(s) link" in bad.output
    history = run("plan", "history", "1").output.splitlines()
    fields = [line.split()[4] for line in history[1:]]
    assert fields == ["created", "stage", "stage", "stage", "stage", "post_url", "stage"]
    assert history[1].split()[3] == "sari"  # $TRENDWATCH_USER
    # a wrong click undone: the change that moved it to "edit" is put back
    edit_change = next(line.split()[0] for line in history if " idea " not in line
                       and "shoot -> edit" in line)
    assert "stage shoot" in run("plan", "undo", edit_change).output
    last = _store_rows(db, "select field, old, new from plan_history order by id desc limit 1")
    assert last == [{"field": "stage", "old": "posted", "new": "shoot"}]


def test_past_date_and_slot_clash_warn_but_save(env):
    run, db, ids = env
    run("review", "accept", str(ids[0]))   # Tue 01 Dec 19:00 TikTok
    run("review", "accept", str(ids[1]))   # Wed 02 Dec 19:00 TikTok
    past = run("plan", str(ids[0]), "2026-11-20")  # the old form of the command
    assert "warning: 2026-11-20 19:00 is in the past" in past.output
    assert _store_rows(db, "select planned_date from plan_items where id = 1") == [
        {"planned_date": "2026-11-20"}]
    # today 08:00 has passed at 09:00 WIB; 10:00 has not
    assert "is in the past" in run("plan", "set", "1", "--date", "2026-11-30",
                                   "--time", "08:00").output
    assert "warning" not in run("plan", "set", "1", "--time", "10:00").output
    clash = run("plan", "set", "1", "--date", "2026-12-02", "--time", "19:00")
    assert "warning: TikTok already has plan item 2 at 2026-12-02 19:00" in clash.output
    # another platform in the same slot is no clash
    assert "warning" not in run("plan", "set", "1", "--platform", "Instagram").output
    # a posted item is never "in the past"
    run("plan", "set", "2", "--date", "2026-11-20", "--post-url", "https://instagram.com/p/x")
    assert json.loads(run("backlog", "--format", "json").output)[0]["warnings"] == []


def test_reject_takes_an_item_off_the_plan_and_accept_brings_it_back(env):
    run, db, ids = env
    run("review", "accept", str(ids[0]))
    run("review", "reject", str(ids[0]), "--reason", "stale")
    assert _store_rows(db, "select archived_at from plan_items") == [
        {"archived_at": "2026-11-30T02:00:00+00:00"}]
    assert json.loads(run("backlog", "--format", "json").output) == []
    assert len(json.loads(run("backlog", "--archived", "--format", "json").output)) == 1
    run("review", "accept", str(ids[0]))
    assert _store_rows(db, "select id, archived_at from plan_items") == [
        {"id": 1, "archived_at": None}]  # the same item, its history intact
    fields = [h["field"] for h in _store_rows(db, "select field from plan_history")]
    assert fields == ["created", "archived", "restored"]


def test_plan_and_backlog_formats_and_filters(env):
    run, _db, ids = env
    for sid in ids[:3]:
        run("review", "accept", str(sid))
    run("plan", "set", "2", "--owner", "Ayu", "--stage", "script", "--platform", "Instagram")
    rows = json.loads(run("plan", "--format", "json").output)
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert set(rows[0]) >= {"planned_date", "planned_time", "platform", "format", "hook",
                            "stage", "owner", "caption", "hashtags", "notes", "post_url",
                            "warnings"}
    assert [r["id"] for r in json.loads(run("plan", "--owner", "ayu", "--format", "json")
                                        .output)] == [2]
    assert [r["id"] for r in json.loads(run("backlog", "--platform", "tiktok", "--format",
                                            "json").output)] == [1, 3]
    assert [r["id"] for r in json.loads(run("backlog", "--stage", "script", "--format",
                                            "json").output)] == [2]
    table = list(csv.DictReader(io.StringIO(run("backlog", "--format", "csv").output)))
    assert [(r["id"], r["stage"], r["owner"]) for r in table] == [
        ("1", "idea", ""), ("3", "idea", ""), ("2", "script", "Ayu")]
    text = run("backlog").output
    assert text.index("== idea (2)") < text.index("== script (1)")
    # a week with nothing planned says so
    empty = run("plan", "show", "--week", "2027-01-04")
    assert empty.stdout == "" and "Nothing planned" in empty.stderr


def test_add_search_result_rising_topic_and_held_back_item(env):
    run, db, _ids = env
    store = Store(db)
    item = add_item(store, "Bioskop keliling hadir lagi di desa", url="https://e.id/keliling")
    store.close()
    out = run("plan", "add", "--item", str(item), "--platform", "Instagram").output
    assert "planned for 2026-12-01 (Tue) 12:00 on Instagram" in out
    run("plan", "add", "--topic", "trailer horor", "--date", "2026-12-10")
    run("plan", "add", "--item", str(item), "--held-back")
    rows = _store_rows(db, "select origin, title, url, item_id, planned_time from plan_items")
    assert rows == [
        {"origin": "search", "title": "Bioskop keliling hadir lagi di desa",
         "url": "https://e.id/keliling", "item_id": item, "planned_time": "12:00"},
        {"origin": "rising", "title": "trailer horor", "url": None, "item_id": None,
         "planned_time": "10:00"},  # no platform: [plan] default_slot
        {"origin": "held-back", "title": "Bioskop keliling hadir lagi di desa",
         "url": "https://e.id/keliling", "item_id": item, "planned_time": "10:00"}]
    assert run("plan", "add", "--item", "999", ok=False).exit_code == 1
    assert run("plan", "add", ok=False).exit_code == 2


def test_plan_add_accepts_a_new_suggestion(env):
    run, db, ids = env
    out = run("plan", "add", str(ids[3]), "--date", "2026-12-08", "--time", "16:00").output
    assert "planned for 2026-12-08 (Tue) 16:00 on TikTok" in out
    assert _store_rows(db, "select status from suggestions where id = ?", ids[3]) == [
        {"status": "accepted"}]
    assert _store_rows(db, "select verdict from feedback") == [{"verdict": "accept"}]


def test_suggestions_accepted_elsewhere_get_a_plan_item_on_read(env):
    run, db, ids = env
    store = Store(db)
    with store.write() as w:  # as an older version or a script would leave it
        w.execute("update suggestions set status = 'accepted', planned_for = '2026-12-07' "
                  "where id = ?", [ids[4]])
    store.close()
    rows = json.loads(run("backlog", "--format", "json").output)
    assert [(r["suggestion_id"], r["planned_date"], r["planned_time"]) for r in rows] == [
        (ids[4], "2026-12-07", "19:00")]


def test_bad_values_write_nothing(tmp_path, time_machine):
    time_machine.move_to(NOW, tick=False)
    config = parse_config(PLAN_CONFIG)
    store = Store(tmp_path / "t.db")
    item, _ = items.create(store, config, title="Topik", who="ayu")
    for field, value, message in (("planned_date", "besok", "is not a date"),
                                  ("planned_time", "25:00", "is not a time of day"),
                                  ("stage", "done", "is not one of"),
                                  ("hook", "x" * 501, "at most 500"),
                                  ("color", "red", "is not a plan field")):
        with pytest.raises(PlanError, match=message):
            items.update(store, config, item["id"], {"hook": "ok", field: value}, who="ayu")
    assert items.get(store, item["id"])["hook"] is None
    assert len(items.history(store, item["id"])) == 1
    with pytest.raises(PlanError, match="no plan item with id 99"):
        items.update(store, config, 99, {"hook": "x"})
    store.close()


def test_best_slot_hook_point(tmp_path, time_machine):
    """Once post performance knows a platform's best weekday/hour, new items take it."""
    time_machine.move_to(NOW, tick=False)
    config = parse_config(PLAN_CONFIG)
    store = Store(tmp_path / "t.db")
    asked = []

    def best(s, platform):
        asked.append(platform)
        return (3, "20:30") if platform == "TikTok" else None  # Thursdays 20:30

    slots.set_best_slot_provider(best)
    try:
        first, _ = items.create(store, config, title="A", platform="tiktok")
        second, _ = items.create(store, config, title="B", platform="TikTok")
        other, _ = items.create(store, config, title="C", platform="Instagram")
    finally:
        slots.set_best_slot_provider(None)
    assert (first["planned_date"], first["planned_time"]) == ("2026-12-03", "20:30")
    assert (second["planned_date"], second["planned_time"]) == ("2026-12-10", "20:30")
    assert (other["planned_date"], other["planned_time"]) == ("2026-12-01", "12:00")
    assert "TikTok" in asked
    store.close()


def _tiktok_history(store: Store, n: int) -> None:
    """``n`` TikTok posts, one a day from 1 Sept at 07:00, 12:00 or 19:00 WIB: those on
    Thursdays and evenings each double the engagement (a known truth)."""
    import math
    import random
    from datetime import timedelta

    rng = random.Random(3)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    with store.write() as db:
        for i in range(n):
            local_hour = (7, 12, 19)[i % 3]
            published = start + timedelta(days=i, hours=local_hour - 7)
            lift = (2.0 if published.weekday() == 3 else 1.0) * (2.0 if local_hour == 19 else 1.0)
            rate = 0.05 * lift * math.exp(rng.gauss(0, 0.2))
            post = db["posts"].insert({
                "platform": "tiktok", "url": f"https://www.tiktok.com/@akun.uji/video/{i}",
                "url_key": f"tiktok:{i}", "format": "video",
                "published_at": published.isoformat(), "published_estimated": 0,
                "created_at": published.isoformat()}).last_pk
            db["post_metrics"].insert({
                "post_id": post, "captured_at": (published + timedelta(days=2)).isoformat(),
                "importer": "synthetic", "views": 5000, "reach": 4000,
                "engagement_rate": rate})


def test_new_items_take_the_best_slot_the_brands_posts_show(tmp_path, time_machine):
    """With enough TikTok history, a new TikTok item lands on Thursday evening (where this
    brand's TikToks did best); with a handful of posts it keeps the configured slot."""
    time_machine.move_to(NOW, tick=False)
    config = parse_config(PLAN_CONFIG)
    few = Store(tmp_path / "few.db")
    _tiktok_history(few, 6)
    item, _ = items.create(few, config, title="A", platform="TikTok")
    assert (item["planned_date"], item["planned_time"]) == ("2026-12-01", "19:00")
    many = Store(tmp_path / "many.db")
    _tiktok_history(many, 84)
    item, _ = items.create(many, config, title="B", platform="TikTok")
    assert (item["planned_date"], item["planned_time"]) == ("2026-12-03", "19:30")
    other, _ = items.create(many, config, title="C", platform="Instagram")
    assert (other["planned_date"], other["planned_time"]) == ("2026-12-01", "12:00")


def test_send_to_team_from_the_terminal(tmp_path, write_config, time_machine, httpserver,
                                        monkeypatch):
    time_machine.move_to(NOW, tick=False)
    monkeypatch.setenv("TRENDWATCH_USER", "sari")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    cfg = write_config(PLAN_CONFIG + f"""
[[notifiers]]
name = "team-chat"
plugin = "apprise"
urls = ["json://127.0.0.1:{httpserver.port}/hook"]
format = "markdown"

[[notifiers]]
name = "backup"
plugin = "apprise"
urls = ["json://127.0.0.1:1/hook"]
""")
    db = tmp_path / "tw.db"
    store = Store(db)
    ids = seed_day(store, "2026-11-30")
    store.close()
    from trendwatch.cli import cli as group

    def run(*args):
        return CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), *args],
                                  catch_exceptions=False)

    assert run("review", "accept", str(ids[0])).exit_code == 0
    sent = run("plan", "send", "1")
    assert sent.exit_code == 1  # the backup notifier is refused...
    assert "notifier team-chat: sent" in sent.output and "notifier backup: error" in sent.output
    (request, _), = httpserver.log  # ...but the team got it
    body = request.get_json()
    assert body["title"] == ("Plan: Film horor lokal tembus dua juta penonton di minggu "
                             "kedua penayangan")
    assert "- Hook: 3 hal yang bikin film ini beda" in body["message"]
    assert "- When: Tue 01 Dec 2026 19:00 (Asia/Jakarta)" in body["message"]
    assert ("- Link: https://www.example-news.id/hiburan/film-horor-dua-juta-penonton"
            in body["message"])
    assert _store_rows(db, "select who, new from plan_history where field = 'sent' "
                           "order by id") == [{"who": "sari", "new": "team-chat: sent"},
                                              {"who": "sari", "new": "backup: error"}]
    idea = run("plan", "send", "--suggestion", str(ids[1]))
    assert "notifier team-chat: sent" in idea.output
    assert httpserver.log[1][0].get_json()["title"].startswith("Idea: Teknik color grading")
    assert run("plan", "send").exit_code == 2


def test_plan_commands_do_not_import_sklearn(env, tmp_path):
    """They only read and write the database. The child process reads the real clock, so
    the week is passed explicitly."""
    run, db, ids = env
    run("review", "accept", str(ids[0]))
    code = ("import sys\nfrom trendwatch.cli import main\n"
            "for args in (['plan', '--week', '2026-11-30', '--format', 'json'],\n"
            "             ['backlog', '--format', 'csv'],\n"
            "             ['plan', 'set', '1', '--owner', 'Bima', '--who', 'sari']):\n"
            "    try:\n"
            f"        main(['--config', {str(tmp_path / 'trendwatch.toml')!r}, '--db', "
            f"{str(db)!r}, *args])\n"
            "    except SystemExit as e:\n        assert not e.code, e.code\n"
            "assert 'sklearn' not in sys.modules, 'sklearn imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert '"owner": null' in proc.stdout and "Bima" in proc.stdout
