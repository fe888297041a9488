"""`trendwatch suggestions`: every format, the filters, and the stable JSON schema."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from suggestion_rows import CONFIG, add_item, add_suggestion, seed_day

from trendwatch.daily.queries import SUGGESTION_KEYS, list_suggestions, search_items
from trendwatch.db.store import Store

XSS = "<img src=x onerror=alert(1)>"
#: 2026-11-28 09:00 WIB (Saturday): "today" in the brand's time zone.
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def env(tmp_path, write_config, time_machine):
    time_machine.move_to(NOW, tick=False)
    cfg = write_config(CONFIG)
    db = tmp_path / "tw.db"
    store = Store(db)
    ids = seed_day(store)
    # an item whose title is an attack and whose URL is not http(s)
    evil = add_item(store, f"Trailer {XSS} =HYPERLINK(\"http://x\") \x1b[2J",
                    url="javascript:alert(1)")
    ids.append(add_suggestion(store, evil, score=0.15, why=[XSS], angles=[{
        "platform": "Instagram", "format": "carousel", "hook": XSS, "why_now": "<b>now</b>"}]))
    # yesterday's list and another status
    old = add_item(store, "Box office akhir pekan lalu", url="https://e.id/bo")
    add_suggestion(store, old, list_date="2026-11-27", score=0.99)
    store.close()

    def run(*args: str, input: str | None = None):
        from click.testing import CliRunner

        from trendwatch.cli import cli as group

        return CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), *args],
                                  input=input, catch_exceptions=False)

    return run, db, ids


def test_table_fits_80_columns_and_is_ordered(env, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    run, _db, _ids = env
    result = run("suggestions")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["ID", "SCORE", "THEME", "TITLE"]
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert "Film horor lokal" in lines[1] and "…" in lines[1]  # long title cut to fit
    scores = [float(line.split()[1]) for line in lines[1:] if line[:5].strip().isdigit()]
    assert scores == sorted(scores, reverse=True) and len(scores) == 6
    assert "\x1b" not in result.output  # no terminal escape from a feed title
    assert "Box office akhir pekan" not in result.output  # yesterday's list


def test_terminal_views_print_feed_text_as_plain_lines(tmp_path, write_config, time_machine):
    """Table, interactive review card and backlog: escape sequences, C1 controls, bidi
    overrides and newlines from a feed title or URL become spaces (one plain line)."""
    time_machine.move_to(NOW, tick=False)
    cfg = write_config(CONFIG)
    db = tmp_path / "tw.db"
    store = Store(db)
    hostile = "Judul \x1b]8;;https://evil.example\x07klik\x9b31m \u202etxt.exe\nID 99 palsu"
    item = add_item(store, hostile, url="https://e.id/a\u202eb")
    sid = add_suggestion(store, item, why=["bioskop\u2066\x1b[2J"])
    store.close()
    from click.testing import CliRunner

    from trendwatch.cli import cli as group

    def run(*args: str, input: str | None = None) -> str:
        result = CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), *args],
                                    input=input, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\nID 99"):
            assert bad not in result.output, (args, result.output)
        return result.output

    run("suggestions")
    card = run("review", input="o\nk\n")
    assert "]8;;https://evil.example klik 31m txt.exe ID 99 palsu" in card
    assert "This item has no web link." in card  # the URL holds a bidi override
    run("review", "accept", str(sid))
    assert "Judul ]8;;https://evil.example klik" in run("backlog")


def test_json_schema_is_stable(env):
    run, _db, ids = env
    result = run("suggestions", "--format", "json")
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == ids  # seeded best first
    for r in rows:
        assert tuple(r) == SUGGESTION_KEYS
    first = rows[0]
    assert first["list_date"] == "2026-11-28" and first["status"] == "new"
    assert first["theme"] == "film-industry" and first["theme_name"] == "Film & industri film"
    assert first["sources"] == ["source-0"] and first["source"] == "source-0"
    assert first["signals"]["momentum"] == 0.5
    assert first["why"] == ["penonton", "horor"]
    assert first["angles"][0] == {"platform": "TikTok", "format": "video 30 detik",
                                  "hook": "3 hal yang bikin film ini beda",
                                  "why_now": "ramai dibahas hari ini",
                                  "generator": "templates"}
    assert isinstance(first["score"], float) and first["first_seen"].startswith("2026-11-27")


def test_documented_schema_matches_code(env):
    """docs/suggestions.md lists exactly the keys the JSON has, in order."""
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "suggestions.md").read_text("utf-8")
    section = doc.split("<!-- schema:start -->")[1].split("<!-- schema:end -->")[0]
    keys = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert tuple(keys) == SUGGESTION_KEYS


def test_sources_lists_every_source_of_the_story(env):
    run, db, _ids = env
    store = Store(db)
    first = list_suggestions(store, _config(run), status="all")[0]
    add_item(store, "Film horor lokal tembus dua juta penonton!", source="kompas-hiburan",
             url="https://kompas.example.id/x", story_of=first["item_id"])
    store.close()
    rows = json.loads(run("suggestions", "--format", "json").output)
    assert rows[0]["sources"] == ["kompas-hiburan", "source-0"]


def _config(run):
    from trendwatch.config import parse_config

    return parse_config(CONFIG)


def test_filters_date_theme_status_limit(env):
    run, _db, ids = env
    by = lambda *a: json.loads(run("suggestions", "--format", "json", *a).output)  # noqa: E731
    assert [r["theme"] for r in by("--theme", "behind-the-scenes")] == ["behind-the-scenes"] * 2
    assert len(by("--limit", "2")) == 2
    assert [r["title"] for r in by("--date", "2026-11-27")] == ["Box office akhir pekan lalu"]
    assert run("review", "accept", str(ids[1])).exit_code == 0
    assert [r["id"] for r in by("--status", "accepted")] == [ids[1]]
    assert ids[1] not in [r["id"] for r in by()]
    assert len(by("--status", "all")) == 6
    assert by("--status", "rejected") == []


def test_bad_options_are_one_line_errors(env):
    run, _db, _ids = env
    bad_date = run("suggestions", "--date", "28-11-2026")
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    bad_theme = run("suggestions", "--theme", "nope")
    assert bad_theme.exit_code == 1
    assert 'unknown theme "nope"' in bad_theme.output and "Traceback" not in bad_theme.output
    assert run("suggestions", "--status", "maybe").exit_code == 2


def test_csv_is_parseable_and_defuses_formulas(env):
    run, _db, ids = env
    result = run("suggestions", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [int(r["id"]) for r in rows] == ids
    assert rows[0]["angles"].startswith("TikTok video 30 detik: 3 hal")
    evil = rows[-1]
    assert evil["title"].startswith("Trailer <img")  # CSV is text: kept as is, but...
    assert "\x1b" not in evil["title"]
    hyper = [r for r in rows if "HYPERLINK" in r["title"]]
    assert hyper and not any(r[c].startswith("=") for r in rows for c in r)


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_escapes_every_feed_value(env):
    run, _db, _ids = env
    result = run("suggestions", "--format", "html")
    page = result.output
    assert page.startswith("<!DOCTYPE html>")
    parser = _Collect()
    parser.feed(page)
    assert not [t for t, _a in parser.tags if t in ("img", "script", "b")]
    assert not [a for _t, a in parser.tags if any(k.startswith("on") for k in a)]
    links = [a["href"] for t, a in parser.tags if t == "a"]
    assert links and not any(h.startswith("javascript") for h in links)
    assert XSS in "".join(parser.text)  # shown as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_markdown_escapes_and_links(env):
    run, _db, _ids = env
    page = run("suggestions", "--format", "md").output
    assert "[Film horor lokal tembus dua juta penonton di minggu kedua penayangan]" \
           "(https://www.example-news.id/hiburan/film-horor-dua-juta-penonton)" in page
    assert not re.search(r"(?<!\\)<", page)  # every < from a feed is backslash-escaped
    assert r"\<img src=x onerror=alert(1)\>" in page
    assert "javascript:" not in page  # a non-http link is dropped, the title kept as text
    assert "- Angle: **TikTok video 30 detik**: 3 hal yang bikin film ini beda" in page


def test_empty_day_says_so(env):
    run, _db, _ids = env
    result = run("suggestions", "--date", "2026-01-01")
    assert result.exit_code == 0 and "No new suggestions for 2026-01-01" in result.output
    assert json.loads(run("suggestions", "--date", "2026-01-01", "--format", "json").output) \
        == []


def test_search_items_is_safe_with_any_input(env):
    _run, db, _ids = env
    store = Store(db)
    assert [r["title"] for r in search_items(store, "penonton horor", 10)] == [
        "Film horor lokal tembus dua juta penonton di minggu kedua penayangan"]
    assert search_items(store, "sutrad", 10)[0]["title"].startswith("Festival Film")  # prefix
    for nasty in ['"foo', "AND(", "NEAR(film", "*", "film OR", "'; drop table items; --", ""]:
        search_items(store, nasty, 10)  # never an FTS syntax error
    hit = search_items(store, "color grading", 5)[0]
    assert hit["suggestion_id"] is not None and hit["status"] == "new"


def test_suggestions_command_does_not_import_sklearn(env, tmp_path):
    """It only reads the database: scikit-learn (~110 MB, ~0.75 s) stays unloaded.

    The child process reads the real clock (time-machine does not reach it), so the day
    is passed explicitly."""
    _run, db, _ids = env
    cfg = tmp_path / "trendwatch.toml"
    day = NOW.date().isoformat()
    code = ("import sys\nfrom trendwatch.cli import main\n"
            f"for args in (['suggestions', '--format', 'json', '--date', {day!r}],\n"
            f"             ['review', '--limit', '1', '--date', {day!r}]):\n"
            f"    try:\n        main(['--config', {str(cfg)!r}, '--db', {str(db)!r}, *args])\n"
            "    except SystemExit as e:\n        assert not e.code, e.code\n"
            "assert 'sklearn' not in sys.modules, 'sklearn imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], input="k\n", capture_output=True,
                          text=True, timeout=60, env={**os.environ})
    assert proc.returncode == 0, proc.stderr
    assert "Film horor" in proc.stdout


def test_end_to_end_items_to_build_daily_list_to_cli(tmp_path, write_config, time_machine):
    """Real ingest, the real classifier and ranking, then the CLI reads what they stored."""
    from suggestion_rows import AVOIDED, OFF_BRAND, STREAM, ingest

    from trendwatch.daily.build import build_daily_list

    monday = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    time_machine.move_to(monday, tick=False)
    cfg = write_config(CONFIG)
    db = tmp_path / "tw.db"
    store = Store(db)
    ingest(store, STREAM, monday)
    # the same film story carried by a second source: one suggestion, two sources
    ingest(store, [("kompas-film", STREAM[0][1])], monday)
    build_daily_list(store, _config(None), None, now=monday)
    store.close()

    from click.testing import CliRunner

    from trendwatch.cli import cli as group

    result = CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), "suggestions",
                                        "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    titles = [r["title"] for r in rows]
    assert rows and all(tuple(r) == SUGGESTION_KEYS for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    # prices, floods and football are not for this brand (a "help the model learn" slot
    # may show one: the model is unsure about it)
    assert not OFF_BRAND & {r["title"] for r in rows if not r["learning"]}
    assert sum(r["learning"] for r in rows) <= 2
    assert AVOIDED not in titles  # brand-safety term: never suggested
    assert titles.count(STREAM[0][1]) == 1
    horror = next(r for r in rows if r["title"] == STREAM[0][1])
    assert horror["sources"] == ["detik-hiburan", "kompas-film"]
    assert horror["signals"]["sources"] == 2 and horror["signals"]["momentum"] > 0
    for r in rows:
        assert r["theme"] in {"film-industry", "behind-the-scenes", "advertising"}
        assert r["theme_name"] and (r["why"] or r["learning"]) and 1 <= len(r["angles"]) <= 3
        assert {"platform", "format", "hook", "why_now"} <= set(r["angles"][0])
        assert r["list_date"] == "2026-11-30" and r["status"] == "new"
    themes = {r["title"]: r["theme"] for r in rows}
    assert themes["Kampanye iklan Ramadan agensi lokal viral di TikTok"] == "advertising"
    assert themes["Teknik color grading sinematik untuk video pendek dengan kamera murah"] == \
        "behind-the-scenes"
    # "Review lensa anamorphic baru untuk pembuat film indie" names a keyword of each of two
    # themes (lensa, film): either is a fair call, so it is only required to be on-brand.
    assert themes["Review lensa anamorphic baru untuk pembuat film indie"] in {
        "behind-the-scenes", "film-industry"}


def test_after_midnight_people_see_the_last_list_scripts_get_the_day(tmp_path, write_config,
                                                                     time_machine):
    """00:00:30 WIB on Saturday: Friday's list is the latest. The terminal table and the
    interactive review show it, saying so; `--format json` (scripts) stays on today."""
    time_machine.move_to(datetime(2026, 11, 27, 17, 0, 30, tzinfo=UTC), tick=False)
    cfg = write_config(CONFIG)
    db = tmp_path / "tw.db"
    store = Store(db)
    seed_day(store, list_date="2026-11-27")
    store.close()
    from click.testing import CliRunner

    from trendwatch.cli import cli as group

    def run(*args: str):
        return CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), *args],
                                  input="q\n", catch_exceptions=False)

    table = run("suggestions")
    assert table.exit_code == 0
    assert "Film horor lokal" in table.stdout
    assert "not built yet; showing the latest, 2026-11-27" in table.stderr
    review = run("review")
    assert "reviewing the latest, 2026-11-27" in review.stdout and "Film horor" in review.stdout
    scripted = run("suggestions", "--format", "json")
    assert json.loads(scripted.stdout) == []
    explicit = run("suggestions", "--date", "2026-11-28")
    assert "Film horor" not in explicit.stdout
