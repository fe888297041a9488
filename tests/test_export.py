"""`trendwatch export`: the content calendar as RFC 5545 iCalendar (parsed back with
icalendar) and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from suggestion_rows import CONFIG, add_item, add_suggestion, seed_day

from trendwatch.db.store import Store

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # Saturday 09:00 WIB


@pytest.fixture
def env(tmp_path, write_config, time_machine):
    time_machine.move_to(NOW, tick=False)
    cfg = write_config(CONFIG)
    db = tmp_path / "tw.db"
    store = Store(db)
    ids = seed_day(store)
    tricky = add_item(store, "Sutradara muda: \"film, iklan; dan\nkonten\" =SUM(A1) é 🎬",
                      url="https://www.example-news.id/a?b=1&c=(2)")
    ids.append(add_suggestion(store, tricky, score=0.5, theme="advertising", angles=[
        {"platform": "Instagram", "format": "carousel", "hook": "Apa kata kru: {A;B}",
         "why_now": "ramai, hari ini", "generator": "templates"}]))
    store.close()

    def run(*args: str):
        from trendwatch.cli import cli as group

        return CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), *args],
                                  catch_exceptions=False)

    for sid in (ids[0], ids[2], ids[5]):
        assert run("review", "accept", str(sid)).exit_code == 0
    assert run("plan", str(ids[0]), "2026-12-04").exit_code == 0
    return run, tmp_path, ids


def test_ics_is_valid_and_complete(env):
    run, tmp_path, _ids = env
    out = tmp_path / "calendar.ics"
    result = run("export", "--format", "ics", "--output", str(out))
    assert result.exit_code == 0 and "Wrote 3 planned posts" in result.output
    raw = out.read_bytes()
    # RFC 5545: CRLF line ends, lines folded at 75 octets
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    cal = Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and cal["PRODID"].startswith("-//trendwatch//")
    events = list(cal.walk("VEVENT"))
    assert len(events) == 3
    by_suggestion = {}
    for ev in events:
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION",
                     "SEQUENCE"):
            assert prop in ev, prop
        assert ev.decoded("DTSTAMP") == NOW
        assert str(ev["UID"]).startswith("plan-")
        assert str(ev["UID"]).endswith("@studio-uji-coba.trendwatch.invalid")
        sid = int(str(ev["DESCRIPTION"]).rsplit("trendwatch plan item ", 1)[1])
        by_suggestion[sid] = ev
    # plan item ids follow acceptance order: ids[0], ids[2], ids[5]
    film, iklan, tricky = by_suggestion[1], by_suggestion[2], by_suggestion[3]
    # a timed event at the platform's slot (TikTok 19:00 WIB = 12:00 UTC), 1 h long
    assert film.decoded("DTSTART") == datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # moved
    assert film.decoded("DTEND") - film.decoded("DTSTART") == timedelta(hours=1)
    assert film.decoded("SEQUENCE") == 1  # created, then moved once
    assert str(film["SUMMARY"]) == ("TikTok: Film horor lokal tembus dua juta penonton di "
                                    "minggu kedua penayangan")
    assert str(film["URL"]) == "https://www.example-news.id/hiburan/film-horor-dua-juta-penonton"
    desc = str(film["DESCRIPTION"])
    for line in ("Hook: 3 hal yang bikin film ini beda", "Platform: TikTok",
                 "Format: video 30 detik", "Stage: idea",
                 "Link: https://www.example-news.id/hiburan/film-horor-dua-juta-penonton"):
        assert line in desc.splitlines(), line
    # accepted on a Saturday: Monday's TikTok slot was taken, so Tuesday's
    assert iklan.decoded("DTSTART") == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert iklan.decoded("SEQUENCE") == 0
    # Instagram's slot is 12:00 WIB
    assert tricky.decoded("DTSTART") == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    # commas, semicolons, quotes, newlines and emoji survive the round trip
    assert str(tricky["SUMMARY"]) == ('Instagram: Sutradara muda: "film, iklan; dan konten" '
                                      "=SUM(A1) é 🎬")
    assert "Hook: Apa kata kru: {A;B}" in str(tricky["DESCRIPTION"])
    assert str(tricky["URL"]) == "https://www.example-news.id/a?b=1&c=(2)"


def test_ics_has_no_exotic_properties_and_stable_uids(env):
    run, _tmp, _ids = env
    first = run("export").stdout_bytes  # ics on stdout by default
    again = run("export").stdout_bytes
    cal = Calendar.from_ical(first)
    # X-WR-CALNAME/X-PUBLISHED-TTL: the name and refresh period Google and Outlook read
    allowed_cal = {"VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME",
                   "X-PUBLISHED-TTL", "REFRESH-INTERVAL"}
    allowed_ev = {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL",
                  "TRANSP", "SEQUENCE", "LAST-MODIFIED", "STATUS"}
    assert set(cal.keys()) <= allowed_cal
    for ev in cal.walk("VEVENT"):
        assert set(ev.keys()) <= allowed_ev
        assert not [k for k in ev if k.startswith("X-")]
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == 3
    assert uids == [str(e["UID"]) for e in Calendar.from_ical(again).walk("VEVENT")]


def test_empty_backlog_is_still_a_valid_calendar(tmp_path, write_config):
    cfg = write_config(CONFIG)
    from trendwatch.cli import cli as group

    result = CliRunner().invoke(group, ["--config", str(cfg), "--db", str(tmp_path / "e.db"),
                                        "export", "--format", "ics"])
    cal = Calendar.from_ical(result.stdout_bytes)
    assert cal["VERSION"] == "2.0" and list(cal.walk("VEVENT")) == []


def test_csv_export(env):
    run, tmp_path, ids = env
    out = tmp_path / "calendar.csv"
    assert run("export", "--format", "csv", "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert list(rows[0]) == ["planned_for", "id", "title", "url", "theme", "theme_name",
                             "score", "sources", "angles", "why", "accepted_at", "note"]
    assert [r["planned_for"] for r in rows] == ["2026-11-30", "2026-12-01", "2026-12-04"]
    assert [int(r["id"]) for r in rows][-1] == ids[0]
    tricky = next(r for r in rows if int(r["id"]) == ids[5])
    assert tricky["title"].startswith("Sutradara muda:") and "\n" not in tricky["title"]
    assert tricky["angles"] == "Instagram carousel: Apa kata kru: {A;B} (ramai, hari ini)"
    assert tricky["accepted_at"] == "2026-11-28T02:00:00+00:00"


def test_export_to_unwritable_path_is_one_line(env, tmp_path):
    run, _tmp, _ids = env
    target = tmp_path / "no-such-dir" / "c.ics"
    result = run("export", "-o", str(target))
    assert result.exit_code == 1 and "cannot write" in result.output
    assert "Traceback" not in result.output
