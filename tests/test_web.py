"""The web page through Flask's test client, on a real SQLite file: every page renders,
feed values are escaped, verdicts change the database only with a valid CSRF token, the
token login guards a non-loopback server, and hostile search input never breaks a page."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from websample import WEB_CONFIG, seed

from trendwatch.config import parse_config
from trendwatch.daily.render import safe_url
from trendwatch.web import create_app
from trendwatch.web.security import BindError, check_bind, safe_next, secret_path

TOKEN = "correct-horse-battery-staple-2026"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "trendwatch.db"
    seed(path)
    return path


@pytest.fixture
def config():
    return parse_config(WEB_CONFIG)


@pytest.fixture
def client(db_path, config):
    app = create_app(db_path, config)
    app.config["LOGIN_FAIL_DELAY"] = 0
    return app.test_client()


def csrf(client, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def row(db_path: Path, sql: str, *params):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        found = conn.execute(sql, params).fetchone()
        return dict(found) if found else None
    finally:
        conn.close()


def count(db_path: Path, sql: str, *params) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def flashes(html: str) -> list[str]:
    return re.findall(r'class="flash flash-\w+"[^>]*>(.*?)</p>', html, re.S)


# -- every page ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/?status=all", "/?status=accepted&theme=advertising",
                                  "/backlog", "/backlog.ics", "/sources", "/rising",
                                  "/search", "/search?q=bioskop", "/healthz"])
def test_each_page_renders(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]


def test_list_shows_todays_cards_with_everything_the_reviewer_needs(client, config):
    html = client.get("/").get_data(as_text=True)
    cards = re.findall(r'<article class="card status-new" id="s(\d+)"', html)
    assert cards == [str(i) for i in range(1, 9)]  # today's 8, best score first
    assert 'name="viewport"' in html
    assert "Iklan &amp; kampanye" in html                      # theme name from the config
    assert 'rel="noopener noreferrer"' in html
    assert "film horor" in html                                 # why terms
    assert "TikTok" in html and "carousel" in html              # angles
    assert "on-brand" in html and "score 0.95" in html
    # a publication date, the summary's first line, and signals in words (issue 15)
    assert re.search(r'class="published[^"]*"[^>]*>terbit \d+ (menit|jam) lalu<', html)
    assert '<p class="summary">' in html
    assert "Why now:" in html and "2 sources" in html and "momentum 0.50" not in html
    assert "1 source broken" in html and "google-trends-id" in html


def test_filters_by_theme_status_and_date(client, db_path):
    html = client.get("/?theme=advertising").get_data(as_text=True)
    shown = re.findall(r'id="s(\d+)"', html)
    assert shown and all(
        row(db_path, "select theme from suggestions where id = ?", int(s))["theme"]
        == "advertising" for s in shown)
    yesterday = row(db_path, "select min(list_date) d from suggestions where id > 8")["d"]
    html = client.get(f"/?date={yesterday}&status=all").get_data(as_text=True)
    assert re.findall(r'id="s(\d+)"', html)[0] != "1"
    html = client.get("/?date=2026-13-45&status=bogus&theme=nope").get_data(as_text=True)
    problems = " ".join(flashes(html))
    assert "is not a date" in problems and "Unknown status" in problems
    assert "Unknown theme" in problems


def test_empty_day_points_to_the_latest_list(client):
    html = client.get("/?date=2030-01-02").get_data(as_text=True)
    assert "Nothing new to review" in html and "The latest list is from" in html


def test_after_midnight_the_page_shows_the_last_list_and_says_so(tmp_path, config,
                                                                 time_machine):
    """A list built on Friday, the page opened at 00:00:30 WIB on Saturday: the reviewer
    sees Friday's cards, marked as the latest list, never an empty page. An explicit
    ``?date=`` still means exactly that day."""
    from datetime import UTC, date, datetime

    path = tmp_path / "midnight.db"
    seed(path, today=date(2026, 11, 27), xss=False)
    time_machine.move_to(datetime(2026, 11, 27, 17, 0, 30, tzinfo=UTC), tick=False)
    client = create_app(path, config).test_client()
    html = client.get("/").get_data(as_text=True)
    assert "is not built yet" in html and "Nothing new to review" not in html
    assert html.count('class="card') >= 1
    exact = client.get("/?date=2026-11-28").get_data(as_text=True)
    assert "Nothing new to review" in exact and "is not built yet" not in exact


# -- escaping ---------------------------------------------------------------------------


def test_feed_values_are_escaped_everywhere(client):
    html = client.get("/").get_data(as_text=True)
    assert "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; Bioskop &lt;b&gt;penuh&lt;/b&gt;" in html
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "javascript:" not in html  # item 2's link is not http(s): shown without a link
    rising = client.get("/rising").get_data(as_text=True)
    assert "<svg" not in rising and "&lt;svg onload=alert(3)&gt;" in rising
    sources = client.get("/sources").get_data(as_text=True)
    assert "<html>Service" not in sources and "&lt;html&gt;Service Unavailable" in sources
    found = client.get("/search?q=onerror").get_data(as_text=True)
    assert "<img src=x" not in found and "&lt;img src=x" in found


def test_flash_message_with_a_hostile_title_is_escaped(client):
    token = csrf(client)
    client.post("/suggestions/1/verdict", data={"csrf_token": token, "verdict": "accept"})
    html = client.get("/?status=all").get_data(as_text=True)
    message = " ".join(flashes(html))
    assert "Accepted" in message and "&lt;img src=x" in message and "<img" not in message


def test_only_http_links_are_followed():
    assert safe_url("https://example.id/a?b=1") == "https://example.id/a?b=1"
    assert safe_url(" http://[2001:db8::1]:8080/x ") == "http://[2001:db8::1]:8080/x"
    for bad in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x", "", None,
                "file:///etc/passwd", "ftp://example.id/x", "http:///no-host",
                "http://[fe80::1/x", "http://[::1]x/", "https://example.id/a\tb",
                "https://example.id/\x1b[2Jx", "https://example.id/\u202eevil",
                "https://example.id/a b", "java\nscript:alert(1)"):
        assert safe_url(bad) is None, bad


#: What csv_import, Mastodon and Reddit can store as an item's URL: none may break a page.
UNPARSABLE_URLS = {3: "http://[fe80::1/x", 4: "https://news.example.id/\x1b[2Jx",
                   5: "https://news.example.id/\u202eevil", 6: "http://[::1]x/y"}


def test_a_stored_url_that_cannot_be_parsed_is_shown_without_a_link(client, db_path):
    conn = sqlite3.connect(db_path)
    with conn:
        for item_id, url in UNPARSABLE_URLS.items():
            conn.execute("update items set url = ?, title = title || ' tautanrusak' "
                         "where id = ?", [url, item_id])
        conn.execute("update suggestions set status = 'accepted', planned_for = '2026-12-07' "
                     "where item_id in (3, 4)")
    conn.close()
    pages = {path: client.get(path) for path in
             ("/", "/?status=all", "/backlog", "/search?q=tautanrusak")}
    for path, resp in pages.items():
        assert resp.status_code == 200, path
    for path in ("/?status=all", "/backlog", "/search?q=tautanrusak"):
        html = pages[path].get_data(as_text=True)
        assert "tautanrusak" in html, path
        for url in UNPARSABLE_URLS.values():
            assert f'href="{url}' not in html and "fe80::1" not in html, path
        assert "\x1b" not in html and "\u202e" not in html
    # Good links next to the broken ones are still links.
    assert 'href="https://news.example.id/' in pages["/?status=all"].get_data(as_text=True)


# -- verdicts ---------------------------------------------------------------------------


def test_accept_changes_the_database_and_returns_to_the_list(client, db_path):
    resp = client.post("/suggestions/3/verdict", data={
        "csrf_token": csrf(client), "verdict": "accept", "next": "/?theme=advertising#s3"})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/?theme=advertising#s3"
    sug = row(db_path, "select status, planned_for from suggestions where id = 3")
    assert sug["status"] == "accepted" and sug["planned_for"]
    fb = row(db_path, "select verdict, reason, item_id from feedback where suggestion_id = 3")
    assert fb == {"verdict": "accept", "reason": None, "item_id": 3}
    backlog = client.get("/backlog").get_data(as_text=True)
    assert 'id="s3"' in backlog and 'name="planned_for"' in backlog
    # A mis-tapped Accept is taken back from the backlog.
    client.post("/suggestions/3/verdict", data={"csrf_token": csrf(client, "/backlog"),
                                                "verdict": "snooze", "next": "/backlog"})
    assert 'id="s3"' not in client.get("/backlog").get_data(as_text=True)


def test_reject_with_a_reason_and_with_wrong_theme(client, db_path):
    token = csrf(client)
    client.post("/suggestions/4/verdict", data={"csrf_token": token, "verdict": "reject",
                                                "reason": "stale"})
    client.post("/suggestions/5/verdict", data={"csrf_token": token, "verdict": "reject",
                                                "reason": "wrong-theme:behind-the-scenes"})
    assert row(db_path, "select status from suggestions where id = 4")["status"] == "rejected"
    assert row(db_path, "select reason, theme from feedback where suggestion_id = 5") == {
        "reason": "wrong-theme", "theme": "behind-the-scenes"}
    html = client.get("/").get_data(as_text=True)
    assert 'id="s4"' not in html and 'id="s5"' not in html  # judged: gone from "new"


def test_snooze_until_a_chosen_day(client, db_path):
    html = client.get("/").get_data(as_text=True)
    until = re.search(r'<select name="until"[^>]*>\s*<option value="([\d-]+)"', html).group(1)
    client.post("/suggestions/6/verdict", data={"csrf_token": csrf(client),
                                                "verdict": "snooze", "until": until})
    assert row(db_path, "select status, snoozed_until from suggestions where id = 6") == {
        "status": "snoozed", "snoozed_until": until}


def test_bad_verdicts_write_nothing_and_say_why(client, db_path):
    token = csrf(client)
    for data in ({"verdict": "maybe"}, {"verdict": "reject"},
                 {"verdict": "reject", "reason": "wrong-theme:no-such-theme"}):
        resp = client.post("/suggestions/2/verdict", data={"csrf_token": token, **data})
        assert resp.status_code == 303
    resp = client.post("/suggestions/999/verdict", data={"csrf_token": token,
                                                         "verdict": "accept"})
    assert count(db_path, "select count(*) from feedback") == 0
    html = client.get("/").get_data(as_text=True)
    text = " ".join(flashes(html))
    assert "no suggestion with id 999" in text and "needs a reason" in text


def test_a_verdict_while_the_daemon_holds_the_lock_says_so_and_writes_nothing(
        client, db_path):
    client.application.extensions["trendwatch_stores"].busy_ms = 20
    token = csrf(client)
    daemon = sqlite3.connect(db_path, isolation_level=None)
    daemon.execute("BEGIN IMMEDIATE")  # as a long fetch transaction would
    try:
        resp = client.post("/suggestions/2/verdict", data={"csrf_token": token,
                                                           "verdict": "accept"})
    finally:
        daemon.execute("ROLLBACK")
        daemon.close()
    assert resp.status_code == 303
    assert "database is busy" in " ".join(flashes(client.get("/").get_data(as_text=True)))
    assert count(db_path, "select count(*) from feedback") == 0


def test_planned_date_is_editable_in_the_backlog(client, db_path):
    token = csrf(client)
    client.post("/suggestions/2/verdict", data={"csrf_token": token, "verdict": "accept"})
    resp = client.post("/suggestions/2/plan", data={"csrf_token": token,
                                                    "planned_for": "2026-12-07",
                                                    "next": "/backlog"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/backlog"
    assert row(db_path, "select planned_for from suggestions where id = 2")["planned_for"] \
        == "2026-12-07"
    client.post("/suggestions/2/plan", data={"csrf_token": token, "planned_for": "soon"})
    assert row(db_path, "select planned_for from suggestions where id = 2")["planned_for"] \
        == "2026-12-07"
    assert "is not a date" in " ".join(flashes(client.get("/backlog").get_data(as_text=True)))
    ics = client.get("/backlog.ics")
    assert ics.mimetype == "text/calendar"
    import icalendar

    cal = icalendar.Calendar.from_ical(ics.data)
    events = [c for c in cal.walk("VEVENT")]
    # the plan's TikTok slot, 19:00 WIB, as UTC
    assert len(events) == 1 and str(events[0]["DTSTART"].dt) == "2026-12-07 12:00:00+00:00"


def test_redirect_after_a_post_stays_on_this_site(client):
    token = csrf(client)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        resp = client.post("/suggestions/7/verdict", data={"csrf_token": token,
                                                           "verdict": "snooze",
                                                           "next": target})
        assert resp.headers["Location"] == "/"
    assert safe_next("/backlog#s3") == "/backlog#s3"
    assert safe_next("/?theme=advertising&date=2026-12-01#s3") == \
        "/?theme=advertising&date=2026-12-01#s3"
    for bad in ("/\t/evil.example", "/\n/evil.example", "/\r\n/evil", "/ /evil.example",
                "/\x00/evil.example", "/\x7f", "\\\\evil.example", "/\\evil.example",
                "https:/evil.example", "http://evil.example/", "evil.example", "//evil",
                "", None):
        assert safe_next(bad) == "/", bad


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example",
                                    "/%0d%0a/evil.example", "/%5c/evil.example",
                                    "/%20/evil.example", "//evil.example", "/%2F/evil.example"])
def test_login_never_redirects_to_another_site(client, db_path, target):
    """Without a token /login redirects at once: the target must stay on this site."""
    resp = client.get(f"/login?next={target}")
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil.example" not in location.split("?")[0].lstrip("/").split("/")[0]
    config = parse_config(WEB_CONFIG + f'\n[web]\nhost = "0.0.0.0"\ntoken = "{TOKEN}"\n')
    app = create_app(db_path, config)
    guarded = app.test_client()
    ok = guarded.post(f"/login?next={target}", data={
        "csrf_token": csrf(guarded, "/login"), "token": TOKEN})
    assert ok.status_code == 303
    assert not ok.headers["Location"].startswith("//"), ok.headers["Location"]


# -- CSRF, headers, cookies ---------------------------------------------------------------


def test_posts_without_a_valid_csrf_token_are_refused(client, db_path, config):
    csrf(client)  # the session now has a token; these requests don't send it
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}):
        resp = client.post("/suggestions/1/verdict", data={"verdict": "accept", **data})
        assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
    # A token from another browser's session does not work in this one.
    other = create_app(db_path, config).test_client()
    resp = client.post("/suggestions/1/verdict", data={"verdict": "accept",
                                                       "csrf_token": csrf(other)})
    assert resp.status_code == 400
    resp = client.post("/suggestions/1/plan", data={"planned_for": "2026-12-01"})
    assert resp.status_code == 400
    # Right token, but sent by a page on another site.
    resp = client.post("/suggestions/1/verdict", data={"verdict": "accept",
                                                       "csrf_token": csrf(client)},
                       headers={"Origin": "http://evil.example"})
    assert resp.status_code == 403
    assert count(db_path, "select count(*) from feedback") == 0
    assert row(db_path, "select status from suggestions where id = 1")["status"] == "new"


def test_security_headers_and_cookie_flags(client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert resp.headers["Cache-Control"] == "no-store"
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["X-Content-Type-Options"] == "nosniff"
    assert "http" not in css.get_data(as_text=True)  # no CDN, no web fonts


def test_secret_key_is_generated_private_and_reused(tmp_path, db_path, config):
    app1 = create_app(db_path, config)
    key = secret_path(db_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) >= 32
    app2 = create_app(db_path, config)
    assert app1.secret_key == app2.secret_key
    other_db = tmp_path / "other" / "t.db"
    assert create_app(other_db, config).secret_key != app1.secret_key


def test_without_a_token_only_loopback_host_names_are_answered(client):
    assert client.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8765"}).status_code == 200
    resp = client.get("/", headers={"Host": "rebind.evil.example:8765"})
    assert resp.status_code == 400 and "[web] token" in resp.get_data(as_text=True)
    assert client.get("/", headers={"Host": "[::1"}).status_code == 400  # malformed


# -- the access token ---------------------------------------------------------------------


def test_binding_beyond_loopback_requires_a_token():
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("localhost", None)
    check_bind("0.0.0.0", TOKEN)
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        with pytest.raises(BindError, match=r"set a \[web\] token"):
            check_bind(host, None)


def test_serve_refuses_a_public_address_without_a_token(write_config, cli):
    cfg = write_config(WEB_CONFIG)
    result = cli("--config", str(cfg), "--db", "t.db", "serve", "--host", "0.0.0.0",
                 "--port", "0")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "refusing to listen on 0.0.0.0" in lines[0]
    assert "Traceback" not in result.output


def test_token_login_guards_every_page_and_post(db_path):
    config = parse_config(WEB_CONFIG + f'\n[web]\nhost = "0.0.0.0"\ntoken = "{TOKEN}"\n')
    app = create_app(db_path, config)
    app.config["LOGIN_FAIL_DELAY"] = 0
    client = app.test_client()
    resp = client.get("/backlog", headers={"Host": "studio.example:8765"})
    assert resp.status_code == 302 and "/login?next=/backlog" in resp.headers["Location"]
    assert client.get("/healthz").status_code == 200
    login_csrf = csrf(client, "/login")
    assert client.post("/suggestions/1/verdict", data={
        "csrf_token": login_csrf, "verdict": "accept"}).status_code == 403
    wrong = client.post("/login", data={"csrf_token": login_csrf, "token": "guess"})
    assert wrong.status_code == 403 and "not right" in wrong.get_data(as_text=True)
    assert client.post("/login", data={"token": TOKEN}).status_code == 400  # CSRF on login too
    ok = client.post("/login", data={"csrf_token": login_csrf, "token": TOKEN,
                                     "next": "/backlog"})
    assert ok.status_code == 303 and ok.headers["Location"] == "/backlog"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Expires=" in cookie
    assert client.get("/").status_code == 200
    resp = client.post("/suggestions/1/verdict", data={"csrf_token": csrf(client),
                                                       "verdict": "accept"})
    assert resp.status_code == 303
    assert row(db_path, "select status from suggestions where id = 1")["status"] == "accepted"
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get("/").status_code == 302
    # Changing the token logs every browser out.
    client2 = app.test_client()
    client2.post("/login", data={"csrf_token": csrf(client2, "/login"), "token": TOKEN})
    assert client2.get("/").status_code == 200
    changed = parse_config(WEB_CONFIG + '\n[web]\ntoken = "a-new-token-for-2027"\n')
    app2 = create_app(db_path, changed)
    client2_cookie = client2.get_cookie("trendwatch_session")
    fresh = app2.test_client()
    fresh.set_cookie("trendwatch_session", client2_cookie.value)
    assert fresh.get("/").status_code == 302


def test_rising_topics_come_from_the_digest_then_live_without_waiting(db_path, config):
    app = create_app(db_path, config)
    client = app.test_client()
    first = client.get("/rising").get_data(as_text=True)
    assert "From the digest of" in first and "piala citra" in first
    app.extensions["trendwatch_rising"].wait()
    live = client.get("/rising").get_data(as_text=True)
    text = " ".join(live.split())
    assert "Computed" in text and "film nasional" in text
    assert "6 stories in the last day · new" in text
    assert 'href="/search?q=film+nasional"' in live


# -- search ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    '"', '""', "AND(", "* OR", "NEAR(film bioskop", "title:film", "film -bioskop", "^film",
    "') OR 1=1 --", "(((", "a" * 500, "🎬 bioskop", "\x00", "%", "NOT", "{film}"])
def test_hostile_search_input_never_breaks_the_page(client, query):
    resp = client.get("/search", query_string={"q": query})
    assert resp.status_code == 200


def test_search_finds_stored_items_by_prefix(client):
    html = client.get("/search?q=bioskop penu").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; Bioskop" in html
    html = client.get("/search?q=zzzzqqq").get_data(as_text=True)
    assert "Nothing matches" in html


# -- the web process stays small --------------------------------------------------------


def test_web_pages_do_not_import_sklearn(tmp_path, db_path):
    cfg = tmp_path / "web.toml"
    cfg.write_text(WEB_CONFIG, encoding="utf-8")
    probe = (
        "import sys\n"
        "from trendwatch.config import load_config\n"
        "from trendwatch.web import create_app\n"
        f"app = create_app({str(db_path)!r}, load_config({str(cfg)!r}))\n"
        "c = app.test_client()\n"
        "for p in ['/', '/backlog', '/backlog.ics', '/sources', '/rising', '/search?q=film']:\n"
        "    assert c.get(p).status_code == 200, p\n"
        "print('SKLEARN' if any(m.split('.')[0] == 'sklearn' for m in sys.modules) "
        "else 'CLEAN')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "CLEAN", out.stderr


def test_serve_runs_as_a_real_server(tmp_path, db_path):
    cfg = tmp_path / "web.toml"
    cfg.write_text(WEB_CONFIG, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "trendwatch", "--config", str(cfg), "--db", str(db_path),
         "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+/)", line).group(1)
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    body = resp.read().decode()
                    headers = resp.headers
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert "&lt;img src=x onerror" in body
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Server"] == "trendwatch"
        # Many requests at once: each server thread has its own database connection.
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(_status, [url + p for p in (
                "", "search?q=film", "backlog", "sources", "rising") * 8]))
        assert codes == [200] * 40
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0  # SIGTERM stops it cleanly


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as resp:
        resp.read()
        return resp.status

