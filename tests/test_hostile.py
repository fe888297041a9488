"""Hostile input and faults (issue 17): the cost of a source is bounded by its limits,
and one bad item, row or file costs only itself.

Fixtures are generated here, at sizes that prove the bound without taking long: a
document of many tiny entries costs no more to read than its first ``max_items``. Memory
is measured in a child process (``ru_maxrss``), so the test process's own history does
not count."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from trendwatch.api import Response
from trendwatch.budget import limits
from trendwatch.config import Config, FetchConfig
from trendwatch.feeds import parse_feed
from trendwatch.pipeline import run_round
from trendwatch.store import Store
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
    from trendwatch.feeds import parse_feed
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
