"""`trendwatch source test NAME`: one fetch, printed, nothing stored."""

from __future__ import annotations

import json

import pytest

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Warta Sinema</title>
  <link>https://warta.example.id</link>
  <description>Berita film</description>
  <item>
    <title>Trailer \u201cLangit Jingga\u201d dirilis, tayang Februari</title>
    <link>https://warta.example.id/2026/11/langit-jingga-trailer/</link>
    <dc:creator>Redaksi</dc:creator>
    <pubDate>Fri, 27 Nov 2026 02:45:00 +0700</pubDate>
    <guid isPermaLink="false">https://warta.example.id/?p=9911</guid>
    <description>Film drama keluarga dari sutradara muda.</description>
  </item>
  <item>
    <title>Box office pekan ini: horor masih merajai</title>
    <link>https://warta.example.id/2026/11/box-office-pekan-ini/</link>
    <pubDate>Thu, 26 Nov 2026 10:00:00 +0000</pubDate>
  </item>
</channel>
</rss>
"""

METRICS_PLUGIN = """
    from trendwatch.api import HttpURL, Item, Source, SourceOptions
    from trendwatch.hookspecs import hookimpl

    class Options(SourceOptions):
        url: HttpURL

    class Charts(Source):
        type_name = "charts"
        Options = Options

        def fetch(self, ctx):
            rows = ctx.http.get(self.options.url).json()["rows"]
            items = []
            for row in rows:
                if "title" not in row:
                    ctx.warn(f"row {row['id']}: no title, skipped")
                    continue
                items.append(Item(title=row["title"], guid=row["id"],
                                  metrics={"plays": row["plays"]}))
            return items

    @hookimpl
    def register_sources(register):
        register(Charts)
"""


@pytest.fixture
def config_for(write_config, minimal_themes):
    def make(sources: str, allow_private: bool = True) -> str:
        text = (f"[fetch]\nallow_private = {'true' if allow_private else 'false'}\n"
                f"{minimal_themes}\n{sources}")
        return str(write_config(text))

    return make


def rss_source(url: str, name: str = "warta") -> str:
    return f'[[sources]]\nname = "{name}"\nplugin = "rss"\nurl = "{url}"\n'


def test_prints_items_and_stores_nothing(cli, feed_server, config_for, tmp_path):
    feed_server.serve("/feed.xml", RSS, "application/rss+xml")
    config = config_for(rss_source(feed_server.url("/feed.xml")) +
                        # a broken table elsewhere must not stop testing this one
                        '[[sources]]\nname = "other"\nplugin = "rss"\nurl = "file:///etc"\n')
    db = tmp_path / "tw.db"
    result = cli("--config", config, "--db", str(db), "source", "test", "warta")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("warta (rss http://")
    assert lines[0].endswith(": ok, HTTP 200, 2 item(s), 0 warning(s)")
    assert "  1. Trailer \u201cLangit Jingga\u201d dirilis, tayang Februari" in lines
    assert "     https://warta.example.id/2026/11/langit-jingga-trailer/" in lines
    assert "     published 2026-11-26 19:45 UTC" in lines
    assert not db.exists()


def test_json_with_metrics_and_warnings(cli, feed_server, config_for, plugin_dist):
    plugin_dist("charts", METRICS_PLUGIN)
    feed_server.serve("/rows", json.dumps({"rows": [
        {"id": "r1", "title": "Lagu tema \u201cLangit Jingga\u201d", "plays": 120500},
        {"id": "r2", "plays": 3}]}), "application/json")
    config = config_for(f'[[sources]]\nname = "top"\nplugin = "charts"\n'
                        f'url = "{feed_server.url("/rows")}"\n')

    result = cli("--config", config, "source", "test", "top", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"] == "top" and data["plugin"] == "charts"
    assert data["status"] == "partial"
    assert data["warnings"] == ["row r2: no title, skipped"]
    assert data["items"] == [{
        "title": "Lagu tema \u201cLangit Jingga\u201d", "url": None, "guid": "r1",
        "summary": "", "published": None, "author": None, "kind": "article",
        "metrics": {"plays": 120500}, "extra": {}, "lang": None}]

    result = cli("--config", config, "source", "test", "top")
    assert "     plays 120500" in result.stdout
    assert "warning: row r2: no title, skipped" in result.stderr


def test_failed_fetch_exits_1_with_the_error(cli, feed_server, config_for):
    feed_server.serve("/feed.xml", "busy", "text/plain", status=503)
    config = config_for(rss_source(feed_server.url("/feed.xml")))
    result = cli("--config", config, "source", "test", "warta")
    assert result.exit_code == 1
    assert "warta (rss " in result.stdout and ": error, HTTP 503" in result.stdout
    assert "error: HTTP 503 (server error) from http://" in result.stderr


def test_uses_the_configs_fetch_settings(cli, feed_server, config_for):
    """allow_private is not switched on behind the user's back: 127.0.0.1 is refused."""
    feed_server.serve("/feed.xml", RSS, "application/rss+xml")
    config = config_for(rss_source(feed_server.url("/feed.xml")), allow_private=False)
    result = cli("--config", config, "source", "test", "warta", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "error" and data["items"] == []
    assert "127.0.0.1" in data["error"]


def test_control_characters_are_not_printed(cli, feed_server, config_for):
    feed_server.serve("/feed.xml", RSS.replace("Box office", "Box \x1b[2J&#27;office"),
                      "application/rss+xml")
    config = config_for(rss_source(feed_server.url("/feed.xml")))
    result = cli("--config", config, "source", "test", "warta")
    assert "\x1b" not in result.stdout
    assert "Box [2Joffice pekan ini" in result.stdout


#: A JSON API whose error message (and data) carries terminal escapes and a bidi override.
API_ERROR_PLUGIN = """
    from trendwatch.api import HttpURL, Item, Source, SourceOptions
    from trendwatch.errors import SourceError
    from trendwatch.hookspecs import hookimpl

    class Options(SourceOptions):
        url: HttpURL

    class Api(Source):
        type_name = "api"
        Options = Options

        def fetch(self, ctx):
            data = ctx.http.get(self.options.url).json()
            if "error" in data:
                raise SourceError(f"API error: {data['error']['message']}")
            for warning in data.get("warnings", []):
                ctx.warn(f"server says: {warning}")
            return [Item(title=r["title"], guid=r["id"], url=r["url"],
                         metrics=r.get("metrics", {})) for r in data["rows"]]

    @hookimpl
    def register_sources(register):
        register(Api)
"""

#: ESC ] 8 (a hyperlink), ESC [ 2J (clear screen), CSI as one C1 byte, U+202E (right-to-left
#: override: "exe.txt" shows as "txt.exe") and a newline that would forge a second line.
HOSTILE = "\u001b]8;;https://evil.example\u0007klik\u001b]8;;\u0007 \u001b[2J\u009b31m" \
          "\u202etxt.exe\nwarta: ok, 99 new"


def _assert_clean(text: str) -> None:
    for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\nwarta: ok"):
        assert bad not in text, repr(text)


def test_server_text_cannot_reach_the_terminal(cli, feed_server, config_for, plugin_dist):
    plugin_dist("apisrc", API_ERROR_PLUGIN)
    feed_server.serve("/rows", json.dumps({
        "warnings": [HOSTILE],
        "rows": [{"id": "r1", "title": "Judul " + HOSTILE, "url": "https://x.example/\u202eq",
                  "metrics": {"plays\u202e\u001b[2J": 5}}]}), "application/json")
    feed_server.serve("/fail", json.dumps({"error": {"message": HOSTILE}}),
                      "application/json")
    config = config_for(f'[[sources]]\nname = "ok"\nplugin = "api"\n'
                        f'url = "{feed_server.url("/rows")}"\n'
                        f'[[sources]]\nname = "bad"\nplugin = "api"\n'
                        f'url = "{feed_server.url("/fail")}"\n')
    ok = cli("--config", config, "source", "test", "ok")
    assert ok.exit_code == 0, ok.output
    _assert_clean(ok.stdout)
    _assert_clean(ok.stderr)
    assert "warning: server says: ]8;;https://evil.example klik ]8;; [2J 31m txt.exe " \
        "warta: ok, 99 new" in ok.stderr
    assert "  1. Judul ]8;;" in ok.stdout and "plays [2J 5" in ok.stdout
    bad = cli("--config", config, "source", "test", "bad")
    assert bad.exit_code == 1
    _assert_clean(bad.stderr)
    assert "error: API error: ]8;;https://evil.example klik" in bad.stderr


def test_unknown_source_is_a_usage_error(cli, config_for):
    config = config_for(rss_source("https://warta.example.id/feed/"))
    result = cli("--config", config, "source", "test", "nope")
    assert result.exit_code == 2
    assert 'no source named "nope"' in result.stderr
    assert "(configured: warta)" in result.stderr


def test_source_with_an_unknown_plugin_is_a_config_error(cli, config_for):
    config = config_for('[[sources]]\nname = "hn"\nplugin = "hackernwes"\n')
    result = cli("--config", config, "source", "test", "hn")
    assert result.exit_code == 2
    assert 'sources[0].plugin: unknown plugin "hackernwes" (available: ' in result.stderr
