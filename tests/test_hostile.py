"""Hostile input and faults (issue 17): the cost of a source is bounded by its limits,
and one bad item, row or file costs only itself.

Fixtures are generated here, at sizes that prove the bound without taking long: a
document of many tiny entries costs no more to read than its first ``max_items``. Memory
is measured in a child process (``ru_maxrss``), so the test process's own history does
not count."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trendwatch.api import Response
from trendwatch.binding import bind_sources
from trendwatch.config import Config, FetchConfig
from trendwatch.db.store import Store
from trendwatch.fetch.round import run_round
from trendwatch.parse.budget import limits
from trendwatch.parse.feeds import parse_feed
from trendwatch.testing import configure_source

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
RSS = "application/rss+xml; charset=utf-8"
JSONFEED = "application/feed+json"


def rss_of(n: int, title: str = "Berita {i}") -> bytes:
    """An RSS 2.0 document of ``n`` tiny items."""
    items = "".join(f"<item><title>{title.format(i=i)}</title>"
                    f"<link>https://warta.example.id/{i}</link></item>\n" for i in range(n))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Warta</title><link>https://warta.example.id/</link>"
            f"<language>id</language>\n{items}</channel></rss>").encode()


def json_feed_of(n: int) -> bytes:
    items = [{"id": f"e{i}", "title": f"Kabar {i}", "url": f"https://kabar.example.id/{i}"}
             for i in range(n)]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Kabar",
                       "items": items}).encode()


def response(body: bytes, content_type: str = RSS) -> Response:
    return Response("https://warta.example.id/feed", 200, {"content-type": content_type}, body)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "tw.db") as s:
        yield s


@pytest.fixture
def config():
    return Config(fetch=FetchConfig(allow_private=True, timeout=10))


def rows(store, source=None):
    sql = "select * from items" + (" where source = ?" if source else "") + " order by id"
    return list(store.db.query(sql, [source] if source else []))


# -- 1. bounded cost per source ---------------------------------------------------------

CHILD = textwrap.dedent("""
    import json, sys, time
    from datetime import UTC, datetime
    from trendwatch.api import Response
    from trendwatch.parse.feeds import parse_feed
    path, ctype, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    body = open(path, "rb").read()
    def rss(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1])
    try:  # reset the peak to now: imports' transient peak must not hide the parse's
        open("/proc/self/clear_refs", "w").write("5")
    except OSError:
        pass
    base = rss("VmRSS:")
    cpu = time.process_time()
    resp = Response("https://x.example/f", 200, {"content-type": ctype}, body)
    try:
        items, _ = parse_feed(resp, datetime(2026, 11, 27, tzinfo=UTC), max_items=limit)
    except TypeError:  # before issue 17 the caller cut the list (the "before" figure)
        items = parse_feed(resp, datetime(2026, 11, 27, tzinfo=UTC))[0][:limit]
    print(json.dumps({"items": len(items), "cpu": time.process_time() - cpu,
                      "growth_kb": rss("VmHWM:") - base,
                      "body_kb": len(body) // 1024}))
""")


def measure(tmp_path, body: bytes, content_type: str, limit: int) -> dict[str, float]:
    """Parse ``body`` in a fresh interpreter: items kept, CPU seconds, peak RSS growth."""
    path = tmp_path / "body"
    path.write_bytes(body)
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), content_type, str(limit)],
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("kind", ["rss", "json"])
def test_a_feed_of_many_entries_costs_what_its_first_max_items_cost(kind, tmp_path):
    # 60,000 entries (~4.8 MB) with max_items = 200. Reading them all used to cost ~90 MB
    # over the document and ~6 s of CPU; stopping at the cap costs a few copies of the
    # bytes and a fraction of a second, whatever the number of entries behind it.
    body = rss_of(60_000) if kind == "rss" else json_feed_of(60_000)
    big = measure(tmp_path, body, RSS if kind == "rss" else JSONFEED, 200)
    assert big["items"] == 200
    assert big["growth_kb"] < 4 * big["body_kb"] + 8_000, big
    assert big["cpu"] < 1.0, big


def test_parse_stops_at_the_fetch_budget_and_keeps_what_it_read():
    body = rss_of(30_000)
    with limits(max_items=50_000, cpu_seconds=0.05):
        items, warnings = parse_feed(response(body), NOW)
    assert 0 < len(items) < 30_000
    assert any("s of CPU" in w and "max_cpu_seconds" in w for w in warnings), warnings
    assert items[0].title == "Berita 0"


def test_the_fetch_budget_caps_a_plugin_without_its_own_limit():
    with limits(max_items=25):
        items, warnings = parse_feed(response(rss_of(1000)), NOW)
    assert len(items) == 25 and not warnings


def test_a_broken_document_is_cut_too_in_the_loose_parser():
    # not well-formed (an unescaped "&"): feedparser falls back to its loose parser, which
    # must stop at the cap as well
    body = rss_of(20_000, title="A & B {i}")
    items, warnings = parse_feed(response(body), NOW, max_items=30)
    assert len(items) == 30 and items[29].title == "A & B 29"
    assert any("not well-formed" in w for w in warnings), warnings


def test_big_feed_through_the_pipeline_stores_max_items(feed_server, store, config):
    feed_server.serve("/big.xml", rss_of(20_000), RSS)
    cs = configure_source("rss", name="big", url=feed_server.url("/big.xml"), max_items=300)
    (out,) = run_round(store, [cs], config)
    assert out.status == "ok" and out.items_new == 300
    assert len(rows(store, "big")) == 300


CSV_CHILD = textwrap.dedent("""
    import json, sys, time
    from trendwatch.testing import run_source
    def rss(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1])
    try:
        open("/proc/self/clear_refs", "w").write("5")
    except OSError:
        pass
    base = rss("VmRSS:")
    cpu = time.process_time()
    run = run_source("csv_import", path=sys.argv[1])
    print(json.dumps({"items": len(run.items), "warnings": run.warnings,
                      "cpu": time.process_time() - cpu, "growth_kb": rss("VmHWM:") - base}))
""")


def test_a_csv_of_many_rows_is_read_up_to_its_cap_and_the_rest_reported(tmp_path):
    folder = tmp_path / "imports"
    folder.mkdir()
    with (folder / "tiktok-besar.csv").open("w") as f:
        f.write("title,views\n")
        f.writelines(f"tagar{i},{i % 997}\n" for i in range(200_000))
    out = subprocess.run([sys.executable, "-c", CSV_CHILD, str(folder)], capture_output=True,
                         text=True, timeout=120, check=True)
    run = json.loads(out.stdout)
    # reading all 200,000 rows used to cost ~300 MB and ~10 s
    assert run["items"] == 2000
    assert run["warnings"] == ["tiktok-besar.csv: read the first 2,000 rows (max_rows); "
                               "about 198,000 more lines not read"]
    assert run["growth_kb"] < 30_000, run
    assert run["cpu"] < 2.0, run


def test_the_csv_caps_per_file_and_per_fetch(tmp_path, run_source):
    for name in ("a.csv", "b.csv", "c.csv"):
        (tmp_path / name).write_text("judul\n" + "".join(f"{name} {i}\n" for i in range(50)))
    (tmp_path / "d.jsonl").write_text("".join(json.dumps({"title": f"d {i}"}) + "\n"
                                              for i in range(50)))
    config = Config(fetch=FetchConfig(max_items=100))
    run = run_source("csv_import", path=str(tmp_path), max_rows=40, config=config, now=NOW)
    assert len(run.items) == 100
    assert run.warnings == [
        "a.csv: read the first 40 rows (max_rows); about 10 more lines not read",
        "b.csv: read the first 40 rows (max_rows); about 10 more lines not read",
        "c.csv: read the first 20 rows ([fetch] max_items); about 30 more lines not read",
        "this fetch stopped after 100 rows ([fetch] max_items); not read: d.jsonl"]


# -- 2. one bad item, row or file costs only itself ----------------------------------------

def test_one_bad_json_file_does_not_stop_the_csv_beside_it(tmp_path, store, config):
    (tmp_path / "good.csv").write_text("judul,tayangan\nFestival film pelajar,1200\n")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "surrogate.json").write_text('[{"title": "Lagu viral \\ud800 minggu ini"}]')
    (tmp_path / "nan.json").write_text('[{"title": "Angka aneh", "views": NaN, '
                                       '"skor": Infinity, "catatan": [1e999]}]')
    cs = configure_source("csv_import", name="imports", path=str(tmp_path))
    (out,) = run_round(store, [cs], config)
    assert out.status == "partial", out.error
    assert any(w.startswith("deep.json: not valid JSON") for w in out.warnings), out.warnings
    stored = {r["title"]: r for r in rows(store, "imports")}
    assert set(stored) == {"Festival film pelajar", "Lagu viral \ufffd minggu ini",
                           "Angka aneh"}
    odd = stored["Angka aneh"]
    assert json.loads(odd["metrics"]) == {}
    assert json.loads(odd["extra"]) == {"file": "nan.json", "catatan": [None]}
    # every stored text is valid JSON by the standard (no NaN, no Infinity)
    for row in rows(store):
        json.loads(row["extra"], parse_constant=lambda c: pytest.fail(f"{c} stored"))


def test_lone_surrogates_and_year_one_in_feeds_cost_nothing(feed_server, store, config):
    xml = rss_of(3).replace(b"<title>Berita 1</title>", b"<title>Judul &#xD800; rusak</title>")
    feed_server.serve("/xml", xml, RSS)
    jsonfeed = json.loads(json_feed_of(4))
    jsonfeed["items"][1]["title"] = "Kabar \ud800 rusak"
    jsonfeed["items"][2]["date_published"] = "0001-01-01T00:00:00+01:00"
    jsonfeed["items"][3]["image"] = float("nan")
    feed_server.serve("/json", json.dumps(jsonfeed).encode(), JSONFEED)
    sources = [configure_source("rss", name="xml", url=feed_server.url("/xml")),
               configure_source("rss", name="json", url=feed_server.url("/json"))]
    outs = {o.source: o for o in run_round(store, sources, config)}
    assert outs["xml"].items_new == 3 and outs["json"].items_new == 4, outs
    titles = {r["title"] for r in rows(store)}
    assert "Judul \ufffd rusak" in titles and "Kabar \ufffd rusak" in titles
    year_one = next(r for r in rows(store, "json") if r["title"] == "Kabar 2")
    assert year_one["published_estimated"] == 1  # no date rather than a failed source
    nan = next(r for r in rows(store, "json") if r["title"] == "Kabar 3")
    assert json.loads(nan["extra"]) == {}


def test_a_reddit_post_with_half_an_emoji_is_stored(feed_server, store, config, fixtures):
    listing = json.loads((fixtures / "reddit" / "hot.json").read_text())
    posts = [c for c in listing["data"]["children"]
             if not c["data"].get("stickied") and not c["data"].get("over_18")]
    posts[0]["data"]["title"] = "Trailer baru bikin merinding \ud83d"
    feed_server.serve("/r/sinemaindo/hot.json", json.dumps(listing).encode(),
                      "application/json")
    cs = configure_source("reddit", name="reddit", subreddit="sinemaindo",
                          base_url=feed_server.url("/"))
    (out,) = run_round(store, [cs], config)
    assert out.status == "ok" and out.items_new == len(posts), out.error
    assert "Trailer baru bikin merinding \ufffd" in {r["title"] for r in rows(store)}


def test_an_entry_whose_hook_raises_is_skipped_and_named():
    def hook(entry, item):
        if item.title == "Berita 2":
            raise ValueError("bad namespaced field")
        return item

    items, warnings = parse_feed(response(rss_of(4)), NOW, entry_hook=hook)
    assert [i.title for i in items] == ["Berita 0", "Berita 1", "Berita 3"]
    assert warnings == ["entry 2 ('Berita 2'): ValueError: bad namespaced field; skipped"]


def test_an_item_that_cannot_be_stored_is_dropped_and_the_rest_land(store, config):
    from trendwatch.api import Item, Source

    class Odd(Source):
        type_name = "odd-hostile"

        def fetch(self, ctx):
            return [Item(title="Baik satu"), Item(title="   "),
                    Item(title="Tanggal naif", published=datetime(2026, 1, 1)),
                    Item(title="Baik dua", metrics={"views": float("inf"), "likes": 3})]

    cs = configure_source(Odd, name="odd")
    (out,) = run_round(store, [cs], config)
    assert out.items_new == 2 and out.status == "partial"
    assert [w.split(" dropped")[0] for w in out.warnings] == ["item 1 ('   ')",
                                                              "item 2 ('Tanggal naif')"]
    stored = {r["title"]: json.loads(r["metrics"]) for r in rows(store, "odd")}
    assert stored == {"Baik satu": {}, "Baik dua": {"likes": 3}}


# -- 3. every duration and number has a sane maximum ----------------------------------------

@pytest.mark.parametrize("line, message", [
    ('every = "99999999d"', 'sources[0].every: "99999999d" is too long: at most 366d'),
    ("every = 1e308", "sources[0].every: 1e+308 seconds is too long: at most 366d"),
    ("every = nan", "sources[0].every: nan is not a duration"),
])
def test_config_refuses_absurd_durations(cli, write_config, minimal_themes, line, message):
    path = write_config(f"""
        [[sources]]
        name = "warta"
        plugin = "rss"
        url = "https://warta.example.id/feed"
        {line}
        """ + minimal_themes)
    result = cli("--config", str(path), "config")
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("table, key, value, limit", [
    ("fetch", "max_bytes", "1e12", "50000000"), ("fetch", "timeout", "inf", "600"),
    ("fetch", "max_backoff", '"9999d"', "366d"), ("ranking", "retrain_every", "1e308", "366d"),
    ("ranking.weights", "relevance", "1e308", "100"), ("fetch", "max_items", "10000000", "10000"),
    ("fetch", "max_cpu_seconds", "1e308", "120"),
])
def test_config_names_the_maximum_of_every_number(cli, write_config, minimal_themes,
                                                  table, key, value, limit):
    path = write_config(f"[{table}]\n{key} = {value}\n" + minimal_themes)
    result = cli("--config", str(path), "config")
    assert result.exit_code == 2
    assert key in result.output and limit in result.output, result.output


# -- 4. storage faults are one-line errors ---------------------------------------------------

@pytest.fixture
def immutable():
    """``immutable(path)``: make a file or folder unwritable even for root (chattr +i),
    undone after the test. Skips where chattr is not allowed."""
    done: list[Path] = []

    def make(path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o555 if path.is_dir() else 0o444)
            return
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("chattr +i is not allowed here")
        done.append(path)

    yield make
    for path in done:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def onceconfig(write_config, minimal_themes, url="http://127.0.0.1:9/feed"):
    return write_config(f"""
        [fetch]
        allow_private = true
        timeout = 2

        [[sources]]
        name = "warta"
        plugin = "rss"
        url = "{url}"
        """ + minimal_themes)


def test_a_read_only_database_is_one_line(tmp_path, cli, write_config, minimal_themes,
                                          immutable):
    from suggestion_rows import seed_day

    db = tmp_path / "data" / "tw.db"
    db.parent.mkdir()
    with Store(db) as store:
        first = seed_day(store)[0]
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for name in (db.name, db.name + "-wal", db.name + "-shm"):
        if (db.parent / name).exists():
            immutable(db.parent / name)
    cfg = onceconfig(write_config, minimal_themes)
    for args in (["run", "--once"], ["review", "accept", str(first)]):
        result = cli("--config", str(cfg), "--db", str(db), *args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert "read-only" in result.output and "writable" in result.output, result.output


def test_a_read_only_folder_is_one_line(tmp_path, cli, write_config, minimal_themes,
                                        immutable):
    folder = tmp_path / "data"
    folder.mkdir()
    Store(folder / "tw.db").close()
    immutable(folder)
    cfg = onceconfig(write_config, minimal_themes)
    result = cli("--config", str(cfg), "--db", str(folder / "tw.db"), "run", "--once")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "tw.db.lock" in result.output and "must be writable" in result.output, result.output


def test_a_damaged_database_is_reported_at_start_with_what_to_do(tmp_path, cli,
                                                                  write_config,
                                                                  minimal_themes):
    db = tmp_path / "tw.db"
    with Store(db) as store, store.write() as conn:
        conn.conn.executemany("insert into events (at, level, kind, subject, message) "
                              "values ('2026-11-27T00:00:00+00:00', 'info', 'x', 'y', ?)",
                              [("z" * 500,)] * 400)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute("select rootpage from sqlite_master where name = 'events'"
                            ).fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    with db.open("r+b") as f:  # scribble over the root page of the events table
        f.seek((root - 1) * page)
        f.write(b"\x07" * 64)
    cfg = onceconfig(write_config, minimal_themes)
    result = cli("--config", str(cfg), "--db", str(db), "run", "--once")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is damaged" in result.output and ".recover" in result.output, result.output


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs: a disk that can really fill up. Skips where mounting is not allowed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
            capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_counts_nothing_unstored_and_status_shows_why(small_disk, feed_server,
                                                                  config):
    long_rss = rss_of(1500, title="Berita panjang sekali tentang film {i} " + "x" * 300)
    feed_server.serve("/a", long_rss, RSS)
    with Store(small_disk / "tw.db") as store:
        cs = configure_source("rss", name="warta", url=feed_server.url("/a"), max_items=1500)
        store.sync_sources([cs])  # as run and run --once do at start
        with store.write() as db:  # earlier work: a WAL file, checkpointed, reused later
            db.conn.executemany("insert into events (at, level, kind, subject, message) "
                                "values ('2026', 'info', 'x', 'y', ?)", [("z" * 3000,)] * 50)
        store.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        filler = fill(small_disk)
        (out,) = run_round(store, [cs], config)
        assert out.stored is False and out.items_new == 0  # nothing counted that rolled back
        assert "could not store result" in (out.error or "")
        assert store.query("select count(*) as n from items")[0]["n"] == 0
        # the smallest write still fits: status can say why
        row = store.query("select last_status, last_error from sources")[0]
        assert row["last_status"] == "error" and "disk is full" in row["last_error"]
        filler.unlink()
        (again,) = run_round(store, [cs], config)
        assert again.stored and again.items_new == 1500
        events = store.query("select message from events where kind = 'job'")
        assert any("could not store result" in e["message"] for e in events), events


# -- 5. smaller points --------------------------------------------------------------------

def test_items_merged_by_a_shared_link_or_guid_are_counted(feed_server, store, config):
    entries = "".join(f"<item><title>Judul berbeda {i}</title>"
                      f"<link>https://warta.example.id/sama</link></item>" for i in range(3))
    entries += "".join(f"<item><title>Guid dipakai ulang {i}</title>"
                       f"<guid isPermaLink=\"false\">g-1</guid></item>" for i in range(2))
    feed_server.serve("/dupes", f'<rss version="2.0"><channel><title>W</title>{entries}'
                                f"</channel></rss>".encode(), RSS)
    cs = configure_source("rss", name="dupes", url=feed_server.url("/dupes"))
    (out,) = run_round(store, [cs], config)
    assert out.items_new == 2 and out.status == "partial"
    (warning,) = out.warnings
    assert warning.startswith("3 item(s) share a guid or link with an earlier item")
    assert "'Judul berbeda 1' into 'Judul berbeda 0'" in warning


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_web_page_takes_the_first_and_last_dates(tmp_path, day):
    sys.path.insert(0, str(Path(__file__).parent))
    from websample import WEB_CONFIG, seed

    from trendwatch.config import parse_config
    from trendwatch.web import create_app

    seed(tmp_path / "tw.db")
    client = create_app(tmp_path / "tw.db", parse_config(WEB_CONFIG)).test_client()
    resp = client.get(f"/?date={day}")
    assert resp.status_code == 200
    assert "is out of range" in resp.get_data(as_text=True)


def test_each_database_has_its_own_model_and_digest_folders(tmp_path):
    from trendwatch.config import Config
    from trendwatch.daily.digest import output_dir
    from trendwatch.ranking.training import models_dir

    with Store(tmp_path / "trendwatch.db") as main, Store(tmp_path / "uji.db") as other:
        # the default name keeps the folders it always had
        assert models_dir(main) == tmp_path / "models"
        assert output_dir(main, Config()) == tmp_path / "digests"
        assert models_dir(other) == tmp_path / "uji-models"
        assert output_dir(other, Config()) == tmp_path / "uji-digests"


def test_the_daemon_follows_a_valid_edit_and_keeps_its_config_on_an_invalid_one(
        tmp_path, write_config, minimal_themes, cli, feed_server):
    from trendwatch.config import load_config
    from trendwatch.plugins import load_plugins
    from trendwatch.service.daemon import Daemon, DaemonOptions

    feed_server.serve("/a", rss_of(2), RSS)
    source = f"""
        [fetch]
        allow_private = true

        [[sources]]
        name = "{{name}}"
        plugin = "rss"
        url = "{feed_server.url('/a')}"
        """
    path = write_config(source.format(name="satu") + minimal_themes)
    config, host = load_config(path), load_plugins()
    db = tmp_path / "tw.db"
    daemon = Daemon(config, bind_sources(config, host), db, host=host,
                    options=DaemonOptions(isolate_jobs=False))
    daemon.start()
    try:
        path.write_text(path.read_text() + '\n[fetch]\nevery = "soon"\n')  # invalid
        assert daemon.check_config() is False
        assert [s.name for s in daemon.sources] == ["satu"]  # still the old config
        status = cli("--config", str(path), "--db", str(db), "status")
        assert status.exit_code == 0, status.output  # read-only commands still work
        assert "Warning:" in status.stderr and "still running with" in status.stdout
        listing = cli("--config", str(path), "--db", str(db), "suggestions")
        assert listing.exit_code == 0 and "Warning:" in listing.stderr
        assert daemon.check_config() is False  # unchanged file: said once, not every 5 s
        assert len(Store(db).query("select 1 from events where kind = 'config'")) == 1

        path.write_text(textwrap.dedent(source.format(name="dua")) + minimal_themes)
        assert daemon.check_config() is True
        assert [s.name for s in daemon.sources] == ["dua"]
        after = cli("--config", str(path), "--db", str(db), "status")
        assert "CONFIG" not in after.stdout and "dua" in after.stdout
    finally:
        daemon.shutdown()


def test_big_documents_are_parsed_one_allowance_at_a_time(monkeypatch):
    import threading

    from trendwatch.parse import budget

    monkeypatch.setattr(budget, "PARSE_BYTES_AT_ONCE", 1000)
    inside, most = [0], [0]
    lock = threading.Lock()

    def parse(size: int) -> None:
        with budget.parse_slot(size):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.05)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=parse, args=(800,)) for _ in range(4)]
    threads.append(threading.Thread(target=parse, args=(5000,)))  # bigger than it all
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert most[0] == 1  # 800 + 800 > 1000: one at a time, and the big one got in alone


def test_the_unit_does_not_restart_into_a_bad_config(cli, write_config, minimal_themes,
                                                     tmp_path):
    unit = (Path(__file__).parent.parent / "contrib" / "trendwatch.service").read_text()
    prevented = [line.split("=", 1)[1].split() for line in unit.splitlines()
                 if line.startswith("RestartPreventExitStatus=")]
    path = write_config('[fetch]\nevery = "5 minutez"\n' + minimal_themes)
    result = cli("--config", str(path), "--db", str(tmp_path / "tw.db"), "run")
    assert [str(result.exit_code)] in prevented  # a config error ends the restarts


def test_a_model_file_left_by_a_killed_job_is_removed_by_the_next_training(tmp_path):
    """A job killed between writing its model file and committing its row (a digest or
    training job at shutdown) leaves an orphan file; the next training removes it once it
    is an hour old. A young one may belong to a job committing right now: kept."""
    from trendwatch.config import parse_config, starter_text
    from trendwatch.daily.build import train_model
    from trendwatch.ranking.training import models_dir

    config = parse_config(starter_text())
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with Store(tmp_path / "trendwatch.db") as store:
        folder = models_dir(store)
        folder.mkdir(parents=True)
        orphan = folder / "20261129T020000Z-dead00.npz"
        partial = folder / "20261129T020000Z-dead01.npz.tmp"
        young = folder / "20261130T015959Z-busy00.npz"
        for path in (orphan, partial, young):
            path.write_bytes(b"not a model")
        hour_ago = time.time() - 3700
        os.utime(orphan, (hour_ago, hour_ago))
        os.utime(partial, (hour_ago, hour_ago))
        trained = train_model(store, config, now=now)
        assert Path(store.query("select path from models")[0]["path"]).exists()
        assert not orphan.exists() and not partial.exists()
        assert young.exists()
        assert trained["model"].version
