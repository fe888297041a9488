"""Plugin loading: good, import-broken, hook-raising, TRENDWATCH_LOAD_PLUGINS, duplicates.

Plugins are fake installed distributions (a module plus a ``.dist-info`` folder on
``sys.path``, see ``trendwatch.testing.write_plugin_dist``), found through the same
``trendwatch`` entry-point group as real ones: nothing is pip-installed.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from trendwatch import hookspecs
from trendwatch.plugins import load_plugins
from trendwatch.testing import write_plugin_dist

GOOD = """
    from trendwatch.api import Angle, Item, Source, SourceOptions
    from trendwatch.hookspecs import hookimpl

    class PodcastChartsSource(Source):
        type_name = "podcast_charts"
        description = "Podcast charts"

        def fetch(self, ctx):
            return [Item(title="Episode 12")]

    @hookimpl
    def register_sources(register):
        register(PodcastChartsSource)

    @hookimpl
    def generate_angles(suggestion, theme, brand):
        return [Angle(platform="tiktok", format="video", hook="Why " + suggestion["title"],
                      why_now="trending", generator="good")]
"""

BROKEN_IMPORT = """
    import trendwatch_a_module_that_is_not_installed  # noqa: F401
"""

HOOK_RAISES = """
    from trendwatch.hookspecs import hookimpl

    @hookimpl
    def register_sources(register):
        raise RuntimeError("config file missing")

    @hookimpl
    def generate_angles(suggestion, theme, brand):
        raise ValueError("template blew up")
"""


#: The fake plugins' names in this file.
FAKE_NAMES = {"podcasts", "broken", "crashy", "alpha", "beta", "confused", "chat", "badchat",
              "threads", "zz_clash"}


def ours(host):
    """Failures of this file's fake plugins only: these tests are about how a broken plugin
    is handled, not about the health of whatever else is installed."""
    return [f for f in host.failures if f.name in FAKE_NAMES]


def dupe(type_name: str, title: str) -> str:
    return f"""
    from trendwatch.api import Item, Source
    from trendwatch.hookspecs import hookimpl

    class Dupe(Source):
        type_name = "{type_name}"

        def fetch(self, ctx):
            return [Item(title="{title}")]

    @hookimpl
    def register_sources(register):
        register(Dupe)
    """


def test_good_plugin_is_loaded_with_its_metadata(plugin_dist):
    plugin_dist("podcasts", GOOD, package="trendwatch-podcasts", version="1.4.2")
    host = load_plugins()
    assert ours(host) == []
    assert host.sources["podcast_charts"].__module__ == "tw_test_podcasts"
    info = {p["name"]: p for p in host.plugin_info()}
    assert info["podcasts"] == {
        "name": "podcasts", "package": "trendwatch-podcasts", "version": "1.4.2",
        "hooks": ["generate_angles", "register_sources"], "sources": ["podcast_charts"],
        "notifiers": [], "importers": []}
    assert "rss" in info  # built-ins come through the same entry-point group


def test_import_broken_plugin_is_reported_and_the_rest_load(plugin_dist, caplog, cli):
    plugin_dist("broken", BROKEN_IMPORT)
    plugin_dist("podcasts", GOOD)
    with caplog.at_level(logging.ERROR, logger="trendwatch.plugins"):
        host = load_plugins()
    assert "podcast_charts" in host.sources and "rss" in host.sources
    [failure] = ours(host)
    assert failure.name == "broken"
    assert "ModuleNotFoundError" in failure.error
    assert "trendwatch_a_module_that_is_not_installed" in failure.error
    assert "Traceback" in failure.detail
    assert any("could not load plugin 'broken'" in r.getMessage() for r in caplog.records)

    result = cli("plugins", "--json")
    assert result.exit_code == 1  # something failed: say so
    data = json.loads(result.stdout)
    assert [f["name"] for f in data["failures"] if f["name"] in FAKE_NAMES] == ["broken"]
    assert "podcasts" in {p["name"] for p in data["plugins"]}

    result = cli("plugins")
    assert "FAILED broken: could not load plugin 'broken'" in result.stderr
    assert "podcast_charts" in result.stdout


def test_raising_register_hook_only_affects_its_plugin(plugin_dist):
    plugin_dist("crashy", HOOK_RAISES)
    plugin_dist("podcasts", GOOD)
    host = load_plugins()
    assert "podcast_charts" in host.sources and "rss" in host.sources
    [failure] = ours(host)
    assert failure.name == "crashy"
    assert failure.error == ("plugin 'crashy' failed in register_sources: "
                             "RuntimeError: config file missing")


def test_generate_angles_raising_in_one_plugin_keeps_the_others(plugin_dist):
    plugin_dist("crashy", HOOK_RAISES)
    plugin_dist("podcasts", GOOD)
    host = load_plugins()
    host.failures.clear()
    results = dict(host.call_each("generate_angles", suggestion={"title": "Pintu Kedua"},
                                  theme=None, brand={"name": "Studio"}))
    assert "crashy" not in results
    [angle] = results["podcasts"]
    assert angle.hook == "Why Pintu Kedua"
    [failure] = ours(host)
    assert failure.name == "crashy" and "template blew up" in failure.error


def test_load_plugins_env_restricts_loading(plugin_dist, monkeypatch):
    plugin_dist("podcasts", GOOD)
    plugin_dist("broken", BROKEN_IMPORT)
    monkeypatch.setenv("TRENDWATCH_LOAD_PLUGINS", "podcasts, rss")
    host = load_plugins()
    assert sorted(host.sources) == ["podcast_charts", "rss"]
    assert ours(host) == []  # the broken one was never imported
    assert "tw_test_broken" not in sys.modules

    monkeypatch.setenv("TRENDWATCH_LOAD_PLUGINS", "")
    assert load_plugins().sources == {}


def test_duplicate_source_type_is_reported(plugin_dist):
    plugin_dist("alpha", dupe("charts", "from alpha"))
    plugin_dist("beta", dupe("charts", "from beta"))
    host = load_plugins()
    assert host.sources["charts"].__module__ == "tw_test_alpha"  # first by name wins
    [failure] = ours(host)
    assert failure.name == "beta"
    assert failure.error == ("source type 'charts' is already provided by 'alpha'; "
                             "the one from 'beta' is ignored")


def test_registering_something_that_is_not_a_source_is_reported(plugin_dist):
    plugin_dist("confused", """
        from trendwatch.hookspecs import hookimpl

        @hookimpl
        def register_sources(register):
            register("rss")
    """)
    host = load_plugins()
    [failure] = ours(host)
    assert failure.name == "confused"
    assert "registered 'rss', not a Source" in failure.error


def test_plugins_json_in_a_real_process(tmp_path):
    """The whole path a user takes: a new process finds the plugin on its sys.path."""
    site = write_plugin_dist(tmp_path / "site", "podcasts", GOOD, package="trendwatch-podcasts",
                             version="2.0.0")
    write_plugin_dist(site, "broken", BROKEN_IMPORT)
    # only these two, so a half-installed plugin elsewhere in the venv can't interfere
    env = {**os.environ, "PYTHONPATH": str(site), "TRENDWATCH_LOAD_PLUGINS": "podcasts,broken"}
    proc = subprocess.run([sys.executable, "-m", "trendwatch", "plugins", "--json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    podcasts = next(p for p in data["plugins"] if p["name"] == "podcasts")
    assert podcasts["package"] == "trendwatch-podcasts"
    assert podcasts["version"] == "2.0.0"
    assert podcasts["sources"] == ["podcast_charts"]
    assert [p["name"] for p in data["plugins"]] == ["podcasts"]
    assert [f["name"] for f in data["failures"]] == ["broken"]
    assert "could not load plugin 'broken'" in proc.stderr  # the log line


NOTIFIERS = """
    from trendwatch.api import Notifier, NotifierOptions
    from trendwatch.hookspecs import hookimpl

    class ChatOptions(NotifierOptions):
        room: str

    class Chat(Notifier):
        type_name = "team_chat"
        Options = ChatOptions

        def send(self, title, markdown, html):
            pass

    @hookimpl
    def register_notifiers(register):
        register(Chat)
"""

NOTIFIERS_RAISE = """
    from trendwatch.hookspecs import hookimpl

    @hookimpl
    def register_notifiers(register):
        raise KeyError("webhook")
"""


def test_register_notifiers_good_and_raising(plugin_dist):
    plugin_dist("chat", NOTIFIERS)
    plugin_dist("badchat", NOTIFIERS_RAISE)
    host = load_plugins()
    assert host.notifiers["team_chat"].__module__ == "tw_test_chat"
    assert host.provided_by["team_chat"] == "chat"
    [failure] = ours(host)
    assert failure.error == "plugin 'badchat' failed in register_notifiers: KeyError: 'webhook'"
    info = {p["name"]: p for p in host.plugin_info()}
    assert info["chat"]["notifiers"] == ["team_chat"] and info["chat"]["sources"] == []


IMPORTERS = """
    from trendwatch.hookspecs import hookimpl
    from trendwatch.performance.importers import Importer

    class ThreadsExport(Importer):
        type_name = "threads"
        platform = "threads"
        description = "Threads insights CSV"
        columns = {"url": ("Permalink",), "published": ("Date",), "views": ("Views",)}
        required = ("url", "published", "views")

    class NotAnImporter:
        type_name = "youtube"

    @hookimpl
    def register_importers(register):
        register(ThreadsExport)
"""

IMPORTERS_CLASH = """
    from trendwatch.hookspecs import hookimpl
    from trendwatch_plugins.tiktok_export import TikTokExport

    class Other(TikTokExport):
        pass

    @hookimpl
    def register_importers(register):
        register(Other)
"""


def test_register_importers_has_its_own_names(plugin_dist, tmp_path):
    """An importer called like a source ("youtube") does not take the source's place; a
    second "tiktok" importer is refused and reported; a plugin's importer reads files."""
    plugin_dist("threads", IMPORTERS)
    plugin_dist("zz_clash", IMPORTERS_CLASH)
    host = load_plugins()
    assert host.importers["threads"].__module__ == "tw_test_threads"
    assert host.provided_by["youtube"] == "youtube"  # the source
    assert host.provided_by["importer:youtube"] == "youtube_export"
    assert host.importers["tiktok"].__module__ == "trendwatch_plugins.tiktok_export"
    [failure] = ours(host)
    assert "importer type 'tiktok' is already provided by 'tiktok_export'" in failure.error
    info = {p["name"]: p for p in host.plugin_info()}
    assert info["threads"]["importers"] == ["threads"] and info["threads"]["sources"] == []
    assert info["youtube"]["sources"] == ["youtube"] and info["youtube"]["importers"] == []

    from zoneinfo import ZoneInfo

    from trendwatch.db.store import Store
    from trendwatch.performance.posts import import_files

    export = tmp_path / "threads.csv"
    export.write_text("Permalink,Date,Views\nhttps://www.threads.net/@akun/post/AbC1,"
                      "2026-11-02 10:00,1.234\n", encoding="utf-8")
    store = Store(tmp_path / "t.db")
    result = import_files(store, [export], host.importers, ZoneInfo("Asia/Jakarta"))
    assert result.files[0]["importer"] == "threads"
    assert store.query("select views from post_metrics") == [{"views": 1234}]


COMMANDS = """
    import click
    from trendwatch.hookspecs import hookimpl

    @hookimpl
    def register_commands(cli):
        @cli.command()
        @click.argument("who")
        def greet(who):
            \"\"\"Say hello.\"\"\"
            click.echo(f"halo, {who}")
"""

COMMANDS_RAISE = """
    from trendwatch.hookspecs import hookimpl

    @hookimpl
    def register_commands(cli):
        raise RuntimeError("no click for you")
"""


def test_register_commands_adds_a_command_and_a_raising_one_is_contained(tmp_path):
    site = write_plugin_dist(tmp_path / "site", "greeter", COMMANDS)
    write_plugin_dist(site, "angry", COMMANDS_RAISE)
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-m", "trendwatch", "greet", "Sari"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "halo, Sari\n"
    assert "plugin 'angry' failed in register_commands" in proc.stderr


def test_every_hook_has_a_test():
    """Like datasette: a new hook needs a test here before it lands."""
    text = Path(__file__).read_text("utf-8")
    hooks = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, "trendwatch_spec")]
    # a hook is tested when one of the fake plugins in this file implements it
    untested = [h for h in hooks if f"def {h}(" not in text]
    assert hooks and not untested, f"hooks without a test in tests/test_plugins.py: {untested}"
