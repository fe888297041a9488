"""The digest: broken sources first, rising topics, escaped feed values, files written,
stored, and sent through notifiers (apprise to a local HTTP server), a failing notifier
recorded without blocking anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from suggestion_rows import CONFIG, add_item, add_suggestion, seed_day

from trendwatch.api import Notifier
from trendwatch.binding import ConfiguredNotifier, bind_notifiers
from trendwatch.config import PluginTable, parse_config
from trendwatch.daily.digest import build_digest
from trendwatch.db.store import Store
from trendwatch.errors import ConfigError, TrendwatchError
from trendwatch.plugins import load_plugins

XSS = "<img src=x onerror=alert(1)>"
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB, digest time


def _seed(store: Store) -> list[int]:
    ids = seed_day(store, "2026-11-30")
    evil = add_item(store, f"Viral {XSS} [klik](javascript:alert(1))", url="javascript:x()")
    ids.append(add_suggestion(store, evil, list_date="2026-11-30", score=0.05, why=[XSS],
                              angles=[{"platform": "TikTok", "format": "duet", "hook": XSS,
                                       "why_now": "**sekarang**", "generator": "x"}]))
    with store.write() as db:
        db["sources"].insert_all([
            {"name": "detik-hiburan", "plugin": "rss", "enabled": 1, "consecutive_failures": 0,
             "last_status": "ok"},
            {"name": "kompas-film", "plugin": "rss", "enabled": 1, "consecutive_failures": 4,
             "last_status": "error", "last_success_at": "2026-11-26T02:00:00+00:00",
             "last_error": f"HTTP 503 from https://kompas.example.id/feed {XSS}"},
        ])
        db["daemon"].insert({"id": 1, "pid": 1, "started_at": "2026-11-30T00:00:00+00:00",
                             "heartbeat_at": "2026-11-30T01:59:00+00:00"})
    return ids


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data" / "tw.db")
    _seed(s)
    yield s
    s.close()


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_digest_sections_escaping_files_and_row(store, tmp_path):
    config = parse_config(CONFIG)
    result = build_digest(store, config, None, [], now=NOW)
    assert result["list_date"] == "2026-11-30" and result["n_suggestions"] == 6
    md, html = result["markdown"], result["html"]
    # broken sources open the digest, then rising topics, then the suggestions
    for text in (md, html):
        b, r, s = (text.index(h) for h in ("Broken sources", "Rising topics", "Suggestions"))
        assert b < r < s
        assert text.index("kompas-film") < r and "detik-hiburan" not in text[:r]
    assert "failing 4 times in a row, last success 2026-11-26" in html
    # every feed value escaped: no tag, attribute or javascript: link gets through
    parser = _Tags()
    parser.feed(html)
    assert {t for t, _a in parser.tags} <= {"html", "head", "meta", "title", "style", "body",
                                            "h1", "h2", "h3", "p", "ul", "li", "strong", "div",
                                            "span", "a"}
    assert not any(k.startswith("on") for _t, a in parser.tags for k in a)
    assert all(a["href"].startswith("https://") for t, a in parser.tags if t == "a")
    assert f"Viral {XSS}" in "".join(parser.text)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert r"Viral \<img src=x onerror=alert(1)\> \[klik\](javascript:alert(1))" in md
    assert r"\*\*sekarang\*\*" in md
    # files
    folder = tmp_path / "data" / "tw-digests"  # this database's own folder
    assert result["md_path"] == str(folder / "2026-11-30.md")
    assert (folder / "2026-11-30.md").read_text("utf-8") == md
    assert (folder / "2026-11-30.html").read_text("utf-8") == html
    # stored, and the daemon row knows when
    row = store.query("select * from digests")[0]
    assert row["list_date"] == "2026-11-30" and row["markdown"] == md
    assert json.loads(row["broken_sources"]) == ["kompas-film"]
    assert store.query("select last_digest_at from daemon")[0]["last_digest_at"] == \
        "2026-11-30T02:00:00+00:00"


def test_digest_lists_what_is_left_to_review(tmp_path):
    """New suggestions of the day plus snoozed ones that are due, as `review` shows them;
    not rejected, accepted or still-snoozed ones."""
    s = Store(tmp_path / "tw.db")
    want = {
        "Trailer film horor baru rilis hari ini": ("2026-11-30", "new", None),
        "Snooze selesai: kampanye iklan Ramadan": ("2026-11-27", "snoozed", "2026-11-30"),
        "Snooze sejak lama: festival film pendek": ("2026-11-20", "snoozed", "2026-11-25")}
    unwanted = {
        "Ditolak: harga cabai naik": ("2026-11-30", "rejected", None),
        "Diterima: behind the scenes syuting iklan": ("2026-11-30", "accepted", None),
        "Masih ditunda: konser musik": ("2026-11-27", "snoozed", "2026-12-02"),
        "Kemarin, belum dilihat: sutradara muda": ("2026-11-29", "new", None)}
    for title, (day, status, until) in {**want, **unwanted}.items():
        sid = add_suggestion(s, add_item(s, title), list_date=day, status=status)
        if until:
            with s.write() as db:
                db["suggestions"].update(sid, {"snoozed_until": until})
    result = build_digest(s, parse_config(CONFIG), None, [], now=NOW)
    for text in (result["markdown"], result["html"]):
        for title in want:
            assert title in text
        for title in unwanted:
            assert title not in text
    assert result["n_suggestions"] == 3
    stored = s.query("select n_suggestions from digests")
    assert [r["n_suggestions"] for r in stored] == [3]
    s.close()


def test_digest_output_dir_and_formats_from_config(store, tmp_path):
    out = tmp_path / "elsewhere"
    config = parse_config(CONFIG.replace(
        "[digest]\nsize = 20", f'[digest]\nsize = 3\noutput_dir = "{out}"\nformats = ["html"]'))
    result = build_digest(store, config, None, [], now=NOW)
    assert result["md_path"] is None and result["html_path"] == str(out / "2026-11-30.html")
    assert result["n_suggestions"] == 3
    assert not (out / "2026-11-30.md").exists()


def test_rising_topics_are_listed(store, monkeypatch):
    """The digest lists what the burst detector returns, escaped, even with no suggestion."""
    import trendwatch.daily.digest as digest_mod

    monkeypatch.setattr(digest_mod, "_rising", lambda s, c, n: [
        {"term": "timnas", "count": 42, "baseline": 3.5, "ratio": 12.0, "sources": 5},
        {"term": f"konser {XSS}", "count": 9, "baseline": 0.2, "ratio": 45.0}])
    config = parse_config(CONFIG)
    result = build_digest(store, config, None, [], now=NOW, list_date="2026-01-05")
    assert result["n_suggestions"] == 0
    md = result["markdown"]
    assert "- **timnas**: 42 mentions vs 3.5/day before, ×12.0, 5 sources" in md
    assert r"konser \<img" in md and "No suggestions for this day yet." in md
    assert "<strong>timnas</strong>" in result["html"]
    assert "&lt;img" in result["html"]


class _Exploding(Notifier):
    type_name = "exploding"

    def send(self, title, markdown, html):
        raise RuntimeError("SMTP server said no")


class _Recorder(Notifier):
    type_name = "recorder"
    sent: list = []

    def send(self, title, markdown, html):
        self.sent.append((title, markdown, html))


def test_a_failing_notifier_is_recorded_and_blocks_nothing(store):
    config = parse_config(CONFIG)
    table = PluginTable(name="x", plugin="x")
    recorder = _Recorder("team-chat", table)  # options unused by these test notifiers
    notifiers = [ConfiguredNotifier(PluginTable(name="mail", plugin="exploding"),
                                    _Exploding("mail", table)),
                 ConfiguredNotifier(PluginTable(name="team-chat", plugin="recorder"),
                                    recorder)]
    result = build_digest(store, config, None, notifiers, now=NOW)
    assert result["notifications"] == [
        {"notifier": "mail", "status": "error", "error": "RuntimeError: SMTP server said no"},
        {"notifier": "team-chat", "status": "sent", "error": None}]
    assert recorder.sent[0][0] == "Studio Uji Coba: trendwatch digest 2026-11-30"
    rows = store.query("select digest_id, notifier, status, error from notifications")
    assert [(r["notifier"], r["status"]) for r in rows] == [("mail", "error"),
                                                            ("team-chat", "sent")]
    assert rows[0]["digest_id"] == result["id"]
    event = store.query("select level, kind, subject, message from events")[0]
    assert event == {"level": "error", "kind": "notifier", "subject": "mail",
                     "message": "digest not sent: RuntimeError: SMTP server said no"}
    assert store.db["digests"].count == 1


def _apprise_config(*urls: str, extra: str = "") -> str:
    listed = ", ".join(json.dumps(u) for u in urls)
    return CONFIG + f"""
[[notifiers]]
name = "team"
plugin = "apprise"
urls = [{listed}]
title_prefix = "[tw] "
{extra}
"""


def test_apprise_delivers_to_a_local_server_and_records_a_refused_one(
        tmp_path, write_config, httpserver, time_machine):
    time_machine.move_to(NOW, tick=False)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    good = f"json://127.0.0.1:{httpserver.port}/hook"
    refused = "json://127.0.0.1:1/hook"  # nothing listens on port 1: connection refused
    cfg = write_config(_apprise_config(good, extra='format = "markdown"') + """
[[notifiers]]
name = "backup"
plugin = "apprise"
urls = ["json://127.0.0.1:1/hook"]
""")
    db = tmp_path / "tw.db"
    s = Store(db)
    _seed(s)
    s.close()
    from trendwatch.cli import cli as group

    result = CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), "digest",
                                        "--send", "--print", "none"])
    assert result.exit_code == 1  # a notifier failed...
    assert "notifier team: sent" in result.output
    assert "notifier backup: error" in result.output and "127.0.0.1" in result.output
    # ...but the digest arrived at the good target, complete
    (request, _response), = httpserver.log
    payload = request.get_json()
    assert payload["title"] == "[tw] Studio Uji Coba: trendwatch digest 2026-11-30"
    assert "## Broken sources" in payload["message"]
    assert "Film horor lokal tembus dua juta penonton" in payload["message"]
    s = Store(db)
    assert s.db["digests"].count == 1
    rows = s.query("select notifier, status, error from notifications order by id")
    assert [(r["notifier"], r["status"]) for r in rows] == [("team", "sent"),
                                                            ("backup", "error")]
    assert "json://127.0.0.1:1/hook" in rows[1]["error"] and refused in rows[1]["error"]
    s.close()


def test_apprise_auto_format_sends_html_where_preferred(httpserver):
    """json:// prefers text/markdown; forcing html sends the HTML rendering."""
    httpserver.expect_request("/h", method="POST").respond_with_data("ok")
    host = load_plugins()
    config = parse_config(_apprise_config(f"json://127.0.0.1:{httpserver.port}/h",
                                          extra='format = "html"'))
    (cn,) = bind_notifiers(config, host)
    cn.notifier.send("Judul", "# md", "<h1>html</h1>")
    assert httpserver.log[0][0].get_json()["message"] == "<h1>html</h1>"


def test_apprise_config_errors_name_the_key():
    host = load_plugins()
    with pytest.raises(ConfigError) as info:
        bind_notifiers(parse_config(_apprise_config("nosuchscheme://abc")), host)
    assert info.value.problems[0].startswith("notifiers[0].urls: [0]: apprise does not "
                                             'understand this URL (scheme "nosuchscheme")')
    with pytest.raises(ConfigError) as info:
        bind_notifiers(parse_config(CONFIG + '[[notifiers]]\nname = "t"\nplugin = "apprise"\n'
                     'urls = []\n'), host)
    assert info.value.problems[0].startswith("notifiers[0].urls:")


def test_apprise_missing_gives_a_clear_error(monkeypatch):
    import sys

    from trendwatch_plugins import apprise_notify

    monkeypatch.setitem(sys.modules, "apprise", None)  # as if the extra is not installed
    with pytest.raises(TrendwatchError, match=r"pip install 'trendwatch\[apprise\]'"):
        apprise_notify._apprise()
    with pytest.raises(ConfigError, match=r"notifiers\[0\]\.urls: the apprise notifier "
                                          r"needs the apprise package"):
        bind_notifiers(parse_config(_apprise_config("json://127.0.0.1:1/x")), load_plugins())


def test_digest_command_prints_and_writes(tmp_path, write_config, time_machine):
    time_machine.move_to(NOW, tick=False)
    cfg = write_config(CONFIG)
    db = tmp_path / "tw.db"
    s = Store(db)
    _seed(s)
    s.close()
    from trendwatch.cli import cli as group

    result = CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), "digest"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Studio Uji Coba: trendwatch digest 2026-11-30")
    assert f"wrote {tmp_path / 'tw-digests' / '2026-11-30.md'}" in result.stderr
    html = CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), "digest",
                                      "--print", "html", "--date", "2026-11-30"])
    assert html.stdout.startswith("<!DOCTYPE html>")


def test_rising_topics_come_from_the_burst_detector(tmp_path):
    """Real items: a phrase in many stories from several sources today, absent in the two
    weeks before, opens the digest even though no suggestion is about it."""
    from datetime import timedelta

    store = Store(tmp_path / "tw.db")
    _seed(store)
    for n, src in enumerate(["detik-hiburan", "kompas-film", "antara-news", "cnn-id"] * 2):
        add_item(store, f"Hari Batik Nasional: {['warga', 'pelajar', 'artis', 'pejabat'][n % 4]}"
                        f" kompak pakai batik ke kantor ({n})", source=src,
                 url=f"https://{src}.example.id/hari-batik-{n}",
                 seen=NOW - timedelta(hours=2 + n))
    for d in range(1, 14):  # a steady baseline of other news
        add_item(store, f"Harga cabai di pasar induk naik lagi hari ke-{d}", source="antara-news",
                 url=f"https://antara.example.id/cabai-{d}", seen=NOW - timedelta(days=d))
    result = build_digest(store, parse_config(CONFIG), None, [], now=NOW)
    terms = [t["term"] for t in result["rising"]]
    assert terms and "batik" in terms[0]  # the detector picks the phrase ("hari batik"...)
    assert not any("cabai" in t for t in terms)
    md = result["markdown"]
    rising_part = md[md.index("## Rising topics"):md.index("## Suggestions")]
    assert f"- **{terms[0]}**: 8 mentions vs 0.0/day before" in rising_part
    stored = json.loads(store.query("select rising from digests")[0]["rising"])
    assert stored[0]["term"] == result["rising"][0]["term"]
    store.close()


def test_digest_builds_todays_list_when_none_exists(tmp_path):
    """The daemon normally ranks first; a digest asked for before that ranks itself."""
    from suggestion_rows import CONCERTS, STREAM, ingest

    store = Store(tmp_path / "tw.db")
    ingest(store, STREAM, NOW)
    result = build_digest(store, parse_config(CONFIG), None, [], now=NOW)
    assert result["n_suggestions"] >= 5
    assert "Kampanye iklan Ramadan agensi lokal viral di TikTok" in result["markdown"]
    assert store.db["suggestions"].count == result["n_suggestions"]
    # another day is reported as stored, never built from today's items
    other = build_digest(store, parse_config(CONFIG), None, [], now=NOW,
                         list_date="2026-11-27")
    assert other["n_suggestions"] == 0 and not CONCERTS & set(other["markdown"].split("\n"))
    store.close()


def test_jinja2_is_a_declared_dependency():
    """render.py imports jinja2 itself: it must not depend on Flask happening to bring it."""
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower()
             for dep in project["dependencies"]}
    render = root / "trendwatch" / "daily" / "render.py"
    assert "import jinja2" in render.read_text(encoding="utf-8")
    assert "jinja2" in names


WEBHOOK_PLUGIN = """
    import urllib.error
    import urllib.request

    from trendwatch.api import Notifier, NotifierOptions
    from trendwatch.hookspecs import hookimpl

    class Options(NotifierOptions):
        url: str

    class Webhook(Notifier):
        type_name = "webhook"
        Options = Options

        def send(self, title, markdown, html):
            try:
                urllib.request.urlopen(self.options.url, data=markdown.encode(), timeout=5)
            except urllib.error.HTTPError as err:  # quote the server, as chat APIs' do
                raise RuntimeError(f"server said: {err.read().decode()}") from None

    @hookimpl
    def register_notifiers(register):
        register(Webhook)
"""


def test_digest_command_prints_a_notifier_error_as_one_plain_line(
        tmp_path, write_config, time_machine, plugin_dist, httpserver):
    """A webhook's error reply with terminal escapes and a bidi override reaches the
    terminal as plain text on one line."""
    plugin_dist("webhooknotifier", WEBHOOK_PLUGIN)
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        "kuota habis \x1b[2J\x1b]0;judul\x07\x9b31m\u202etxt.exe\nnotifier x: sent", status=429)
    time_machine.move_to(NOW, tick=False)
    cfg = write_config(CONFIG + f'\n[[notifiers]]\nname = "chat"\nplugin = "webhook"\n'
                                f'url = "{httpserver.url_for("/hook")}"\n')
    db = tmp_path / "tw.db"
    s = Store(db)
    _seed(s)
    s.close()
    from trendwatch.cli import cli as group

    result = CliRunner().invoke(group, ["--config", str(cfg), "--db", str(db), "digest",
                                        "--send", "--print", "none"])
    assert result.exit_code == 1
    for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\nnotifier x"):
        assert bad not in result.stderr, repr(result.stderr)
    assert ("notifier chat: error: RuntimeError: server said: kuota habis [2J ]0;judul 31m "
            "txt.exe notifier x: sent") in result.stderr.splitlines()
