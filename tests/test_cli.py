"""CLI contract: exit codes 0/1/2, one-line errors, fast start without scikit-learn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from trendwatch.cli import cli as group

PY = sys.executable


def run_cli(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "trendwatch", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=60)


def test_every_command_has_help(cli):
    def walk(group_, prefix=()):
        for name, command in group_.commands.items():
            result = cli(*prefix, name, "--help")
            assert result.exit_code == 0, (prefix, name, result.output)
            assert "Usage:" in result.output
            if hasattr(command, "commands"):
                walk(command, (*prefix, name))

    walk(group)


def test_usage_error_exits_2(cli):
    result = cli("no-such-command")
    assert result.exit_code == 2


def test_config_error_is_one_line_exit_2(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[[sources]]\nname = "a"\nplugin = "rss"\nurl = "https://e.com/"\n'
                   'every = "5 minutez"\n')
    proc = run_cli("--config", str(cfg), "--db", str(tmp_path / "t.db"), "config")
    assert proc.returncode == 2
    assert 'sources[0].every: "5 minutez" is not a duration' in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_config_file_exit_2(tmp_path):
    proc = run_cli("--config", str(tmp_path / "nope.toml"), "status")
    assert proc.returncode == 2
    assert "config file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_init_writes_starter_and_refuses_overwrite(cli, tmp_path):
    result = cli("init", str(tmp_path / "tw.toml"))
    assert result.exit_code == 0
    text = (tmp_path / "tw.toml").read_text()
    assert 'timezone = "Asia/Jakarta"' in text
    again = cli("init", str(tmp_path / "tw.toml"))
    assert again.exit_code == 1 and "already exists" in again.output


def test_fetch_exit_code_reflects_failures(cli, tmp_path, httpserver):
    httpserver.expect_request("/ok.xml").respond_with_data(
        '<rss version="2.0"><channel><title>x</title><item><title>Satu</title>'
        '<guid>1</guid></item></channel></rss>', content_type="application/rss+xml")
    httpserver.expect_request("/broken.xml").respond_with_data("nope", status=500)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"""
[fetch]
allow_private = true
timeout = 5
[[sources]]
name = "ok"
plugin = "rss"
url = "{httpserver.url_for('/ok.xml')}"
[[sources]]
name = "broken"
plugin = "rss"
url = "{httpserver.url_for('/broken.xml')}"
""")
    db = str(tmp_path / "t.db")
    result = cli("--config", str(cfg), "--db", db, "fetch")
    assert result.exit_code == 1
    assert "ok: ok, 1 new" in result.output
    only_ok = cli("--config", str(cfg), "--db", db, "fetch", "ok")
    assert only_ok.exit_code == 0
    unknown = cli("--config", str(cfg), "--db", db, "fetch", "nope")
    assert unknown.exit_code == 2


def test_fetch_errors_from_a_server_cannot_reach_the_terminal(cli, tmp_path, feed_server,
                                                              plugin_dist):
    """A plugin's error quoting the server (escape sequences, a bidi override, a newline
    that would forge another source's line) is printed as one plain line."""
    plugin_dist("apierr", """
        from trendwatch.api import HttpURL, Source, SourceOptions
        from trendwatch.errors import SourceError
        from trendwatch.hookspecs import hookimpl

        class Options(SourceOptions):
            url: HttpURL

        class Api(Source):
            type_name = "api"
            Options = Options

            def fetch(self, ctx):
                message = ctx.http.get(self.options.url).json()["error"]["message"]
                raise SourceError(f"API error: {message}")

        @hookimpl
        def register_sources(register):
            register(Api)
    """)
    feed_server.serve("/api", json.dumps({"error": {
        "message": "kuota habis \u001b[2J\u001b]0;judul\u0007\u009b31m\u202etxt.exe\n"
                   "other: ok, 5 new"}}), "application/json")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[fetch]\nallow_private = true\n[[sources]]\nname = "api"\n'
                   f'plugin = "api"\nurl = "{feed_server.url("/api")}"\n')
    result = cli("--config", str(cfg), "--db", str(tmp_path / "t.db"), "fetch")
    assert result.exit_code == 1
    for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\nother: ok"):
        assert bad not in result.stderr, repr(result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == \
        "api: error: API error: kuota habis [2J ]0;judul 31m txt.exe other: ok, 5 new"
    # The pipeline's warning log line is cleaned the same way by the log formatter.
    assert lines[0].startswith("WARNING trendwatch.fetch.round: source api failed") and \
        lines[0].endswith("kuota habis [2J ]0;judul 31m txt.exe other: ok, 5 new")
    assert len(lines) == 2


def test_private_address_refused_by_default(cli, tmp_path, httpserver):
    httpserver.expect_request("/f.xml").respond_with_data("<rss/>")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[[sources]]\nname = "local"\nplugin = "rss"\n'
                   f'url = "{httpserver.url_for("/f.xml")}"\n')
    result = cli("--config", str(cfg), "--db", str(tmp_path / "t.db"), "fetch")
    assert result.exit_code == 1
    assert "private, loopback or reserved address" in result.output
    assert len(httpserver.log) == 0


def test_help_and_status_are_fast_and_do_not_import_sklearn(tmp_path):
    probe = (
        "import sys, time, runpy\n"
        "t = time.perf_counter()\n"
        "sys.argv = ['trendwatch'] + sys.argv[1:]\n"
        "try:\n"
        "    from trendwatch.cli import main; main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('SKLEARN' if any(m == 'sklearn' or m.startswith('sklearn.') "
        "for m in sys.modules) else 'CLEAN', file=sys.stderr)\n"
    )
    db = str(tmp_path / "t.db")
    for args in (["--help"], ["--db", db, "status"], ["--db", db, "status", "--json"],
                 ["--db", db, "plugins", "--json"], ["--db", db, "suggestions"]):
        start = time.perf_counter()
        proc = subprocess.run([PY, "-c", probe, *args], capture_output=True, text=True,
                              timeout=60)
        elapsed = time.perf_counter() - start
        assert proc.stderr.strip().endswith("CLEAN"), (args, proc.stderr)
        # generous: the 0.5 s target is measured in benchmarks/bench_cli.py; this only
        # catches an accidental heavy import
        assert elapsed < 10, (args, elapsed)


def test_status_json_lists_sources(cli, tmp_path, httpserver):
    httpserver.expect_request("/ok.xml").respond_with_data(
        '<rss version="2.0"><channel><title>x</title></channel></rss>')
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[fetch]\nallow_private = true\n[[sources]]\nname = "ok"\nplugin = "rss"\n'
                   f'url = "{httpserver.url_for("/ok.xml")}"\n')
    db = str(tmp_path / "t.db")
    cli("--config", str(cfg), "--db", db, "fetch")
    result = cli("--config", str(cfg), "--db", db, "status", "--json")
    data = json.loads(result.output)
    assert data["daemon"]["running"] is False
    (src,) = data["sources"]
    assert src["name"] == "ok" and src["last_status"] == "ok" and src["next_due_at"]
