"""The ``rss`` source: every feed dialect, odd encodings, hostile input, and storage through
the real pipeline (dedup, story linking, verdicts never touched by a refetch).

Every feed is served by a real HTTP server on 127.0.0.1 (pytest-httpserver)."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime

import pytest

from trendwatch.api import Response
from trendwatch.config import Config, FetchConfig
from trendwatch.db.store import Store, parse_iso
from trendwatch.errors import ConfigError
from trendwatch.fetch.round import run_round
from trendwatch.parse.feeds import parse_feed
from trendwatch.testing import configure_source

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml"
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


@pytest.fixture
def serve(feed_server, fixtures):
    """Serve ``tests/fixtures/rss/NAME`` at ``/NAME`` and return its URL."""

    def serve(name: str, content_type: str = RSS, path: str | None = None) -> str:
        path = path or f"/{name}"
        feed_server.serve_file(path, fixtures / "rss" / name, content_type)
        return feed_server.url(path)

    return serve


def by_title(items):
    return {i.title: i for i in items}


# -- dialects ----------------------------------------------------------------------------

def test_rss_091(serve, run_source):
    result = run_source("rss", url=serve("rss091.xml", "text/xml"), now=NOW)
    assert result.status == "ok"
    assert result.titles == ["Festival Film Pelajar dibuka di Yogyakarta",
                             "Sutradara muda raih penghargaan di Busan & Rotterdam"]
    first = result.items[0]
    assert first.url == "http://www.wartasinema.example.id/berita/festival-film-pelajar.html"
    assert first.guid is None and first.published is None  # 0.91 has neither
    assert first.lang == "id"


def test_rss_10_rdf_with_dc_date(serve, run_source):
    result = run_source("rss", url=serve("rss10.rdf", "application/rdf+xml"), now=NOW)
    assert result.status == "ok"
    items = by_title(result.items)
    ramadan = items["Merek mulai siapkan iklan Ramadan 2027 lebih awal"]
    # dc:date 08:15 +07:00 is 01:15 UTC, timezone-aware
    assert ramadan.published == datetime(2026, 11, 26, 1, 15, tzinfo=UTC)
    assert ramadan.author == "Redaksi"
    assert ramadan.url == "https://jurnal-iklan.example.org/2026/11/iklan-ramadan-2027"
    assert items["Agensi kecil dari Bandung menang pitch nasional"].author == "Sari Wulandari"


def test_rss_20_html_is_stored_as_plain_text(serve, run_source):
    result = run_source("rss", url=serve("rss20.xml"), now=NOW)
    assert result.status == "ok"
    horror, series = result.items
    # numeric entities in the title are decoded
    assert horror.title == "Film horor “Pintu Kedua” tembus 2 juta penonton"
    assert horror.guid == "https://layarkaca.example.com/?p=48213"
    assert horror.author == "Rina Paramita"
    assert horror.published == datetime(2026, 11, 27, 2, 45, tzinfo=UTC)
    # the HTML description becomes text: tags gone, &amp; and &hellip; decoded
    assert horror.summary.startswith(
        "Film produksi rumah produksi lokal ini menembus 2 juta penonton dalam 9 hari & jadi")
    assert "…" in horror.summary
    assert "<" not in horror.summary and "&amp;" not in horror.summary
    # a title that is escaped HTML in the feed keeps its words, not its tags
    assert series.title == "Serial remaja Kelas Malam dapat musim kedua"
    assert series.summary == ("Platform streaming mengumumkan musim kedua Kelas Malam, "
                              "syuting dimulai Januari.")
    assert series.published == datetime(2026, 11, 26, 4, 20, tzinfo=UTC)


def test_content_encoded_is_used_when_there_is_no_description(feed_server, fixtures,
                                                              run_source):
    body = (fixtures / "rss" / "rss20.xml").read_text(encoding="utf-8")
    start, end = body.index("<description><![CDATA[<p>Film"), body.index("<content:encoded>")
    feed_server.serve("/feed", body[:start] + body[end:], RSS)
    result = run_source("rss", url=feed_server.url("/feed"), now=NOW)
    horror = result.items[0]
    assert horror.summary == ("Film produksi rumah produksi lokal ini menembus 2 juta penonton "
                              "dalam 9 hari. Sutradara menyebut promosi di TikTok sebagai "
                              "kuncinya.")
    assert "trackView" not in horror.summary  # <script> content is dropped, not kept as text


def test_atom_03(serve, run_source):
    result = run_source("rss", url=serve("atom03.xml", ATOM), now=NOW)
    assert result.status == "ok"
    grants, vertical = result.items
    assert grants.guid == "tag:indiereel.example.net,2026:/2026/11/grants-sea"
    assert grants.published == datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
    assert grants.lang == "en"
    # escaped HTML content (mode="escaped") becomes plain text
    assert vertical.summary == "Editors now cut three versions of every trailer."


def test_atom_10(serve, run_source):
    result = run_source("rss", url=serve("atom10.xml", ATOM), now=NOW)
    assert result.status == "ok"
    grading, drone = result.items
    assert grading.title == "Color grading on a budget: five lessons"
    assert grading.author == "M. Hartono"
    assert grading.summary == "From LUTs to cheap monitors."
    assert grading.published == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    assert grading.url == "https://proddesk.example.org/posts/color-grading-budget"
    # no <published>: <updated> is used, converted from +08:00
    assert drone.published == datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize("content_type", ["application/feed+json", "application/json",
                                          "text/plain"])
def test_json_feed_11(serve, run_source, content_type):
    result = run_source("rss", url=serve("feed.json", content_type), now=NOW)
    assert result.status == "partial"  # two unusable items, reported
    assert any("item 2 has no title" in w for w in result.warnings)
    assert any("item 3 is not an object" in w for w in result.warnings)
    audio, reels, schedule = result.items
    assert audio.title == "5 tren audio TikTok minggu ini"
    assert audio.summary == "Dangdut koplo remix kembali naik."
    assert audio.author == "Ayu Lestari"
    assert audio.published == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    assert audio.extra["tags"] == ["tiktok", "audio"]
    assert audio.lang == "id"
    # no title: the text stands in; a numeric id is still a guid
    assert reels.title.startswith("Reels atau Shorts? Data tiga bulan")
    assert reels.guid == "20261125"
    assert reels.published == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    # a date in 2031 is clamped to the fetch time
    assert schedule.published == NOW


def test_json_feed_with_wrong_types_does_not_crash(feed_server, run_source):
    feed_server.serve("/feed.json", """{
      "version": "https://jsonfeed.org/version/1.1", "title": "Rusak", "language": 7,
      "items": [
        {"id": 1, "title": 42, "content_text": "Judul dari teks", "url": 5,
         "authors": {"name": "bukan daftar"}, "date_published": 20261126},
        {"id": null, "title": "Tautan javascript", "url": "javascript:alert(1)"},
        {"id": "rel", "title": "Tautan relatif", "url": "/2026/11/relatif"}
      ]}""", "application/feed+json")
    result = run_source("rss", url=feed_server.url("/feed.json"), now=NOW)
    assert result.status == "ok", result.error
    text, js, rel = result.items
    assert (text.title, text.url, text.author, text.published, text.lang) == (
        "Judul dari teks", None, None, None, None)
    assert js.url is None and js.guid is None
    assert rel.url == feed_server.url("/2026/11/relatif")


def test_json_that_is_not_a_json_feed(feed_server, run_source):
    feed_server.serve("/api", '{"error": "not found"}', "application/json")
    result = run_source("rss", url=feed_server.url("/api"), now=NOW)
    assert result.status == "error"
    assert "not a JSON Feed" in result.error


# -- odd encodings, missing fields, broken feeds ------------------------------------------

def test_windows_1252_bytes_declared_utf8_come_out_readable(serve, run_source):
    result = run_source("rss", url=serve("indonesian-cp1252.xml",
                                         "text/xml; charset=UTF-8"), now=NOW)
    assert result.status == "ok"  # a charset mismatch alone is not a broken feed
    assert result.titles == [
        "Penyanyi dangdut “Ratu Pantura” rilis album baru — tiket konser ludes",
        "Aktor senior ‘kembali’ ke layar lebar lewat film keluarga",
    ]
    assert "…" in result.items[0].summary
    assert "•" in result.items[1].summary
    assert all("\ufffd" not in i.title + i.summary for i in result.items)


def test_missing_fields(serve, run_source):
    result = run_source("rss", url=serve("missing-fields.xml"), now=NOW)
    assert result.status == "partial"
    assert result.warnings == ["entry 5 has no title or text; skipped"]
    items = by_title(result.items)
    no_guid = items["Pemutaran film pendek di taman kota Sabtu ini"]
    assert no_guid.guid is None and no_guid.published is None
    no_link = items["Lokakarya menulis skenario untuk pemula dibuka"]
    assert no_link.url is None and no_link.guid is None
    # no title: the description stands in
    assert "Item tanpa judul: judulnya diambil dari isi deskripsi ini yang cukup panjang." in items
    assert items["Festival film 2031 sudah diumumkan (tanggal salah ketik)"].published == NOW
    assert items["Tanggal tak terbaca"].published is None


def test_truncated_feed_keeps_complete_entries(serve, run_source):
    result = run_source("rss", url=serve("truncated.xml"), now=NOW)
    assert result.status == "partial"
    assert result.titles == ["Band folk asal Lampung umumkan tur 12 kota",
                             "Video musik berlatar Toraja ditonton sejuta kali"]
    assert any("not well-formed" in w for w in result.warnings)
    assert "not well-formed" in result.error


def test_html_page_instead_of_a_feed(serve, run_source):
    result = run_source("rss", url=serve("not-a-feed.html", "text/html; charset=utf-8"),
                        now=NOW)
    assert result.status == "error"
    assert "returned an HTML page, not a feed" in result.error
    assert result.items == []


def test_empty_body(feed_server, run_source):
    feed_server.serve("/empty", b"", RSS)
    result = run_source("rss", url=feed_server.url("/empty"), now=NOW)
    assert result.status == "error" and "empty body" in result.error


def test_duplicate_guids_within_a_feed_are_kept_by_the_source(serve, run_source):
    # the source reports what it saw; storing once is the core's job (checked below)
    result = run_source("rss", url=serve("duplicate-guids.xml"), now=NOW)
    assert [i.guid for i in result.items] == ["agg-1001", "agg-1001", "agg-1002"]


def test_max_items(serve, run_source):
    result = run_source("rss", url=serve("missing-fields.xml"), max_items=2, now=NOW)
    assert len(result.items) == 2


@pytest.mark.parametrize("options, key", [
    ({"url": "file:///etc/passwd"}, "url"), ({"url": "feed.xml"}, "url"),
    ({"url": "https://example.com/feed", "max_items": 0}, "max_items"),
])
def test_bad_options_name_the_key(options, key):
    with pytest.raises(ConfigError) as err:
        configure_source("rss", **options)
    assert f"sources[0].{key}" in str(err.value)


# -- hostile input -----------------------------------------------------------------------

def test_hostile_markup_is_stored_as_plain_text(serve, run_source):
    result = run_source("rss", url=serve("hostile.xml"), now=NOW)
    assert result.status == "ok"
    for item in result.items:
        for text in (item.title, item.summary):
            assert "<" not in text and ">" not in text, text
    one, two, three = result.items
    # a title that is nothing but a tag has no text: the description stands in
    assert one.title == "Teks biasa setelah gambar jahat."
    assert two.title == "Trailer baru rilis hari ini"
    # <script>/<iframe> content is dropped; escaped tags decode to text and are dropped too;
    # only a triple-escaped one is left, as harmless literal text with no "<" in it
    assert two.summary == "Klik di sini alert(5) &lt;img src=x onerror=alert(6)&gt;"
    # a javascript: link is not a URL we keep
    assert three.url is None


def test_xxe_payload_stores_no_file_content(serve, run_source, tmp_path):
    result = run_source("rss", url=serve("xxe.xml"), now=NOW)
    assert result.status == "partial"  # not well-formed, reported
    assert result.titles[1] == "Berita kedua"
    with open("/etc/passwd", encoding="utf-8", errors="replace") as f:
        first_line = f.readline().strip() or "root:x:0:0"
    for item in result.items:
        blob = item.title + item.summary + str(item.extra)
        assert "root:" not in blob and first_line not in blob


def test_billion_laughs_is_bounded(serve, run_source, fixtures):
    result = run_source("rss", url=serve("billion-laughs.xml"), now=NOW)
    assert "Berita normal di feed jahat" in result.titles
    assert all(len(i.title) < 600 and len(i.summary) <= 4000 for i in result.items)

    # the same bytes parsed alone: bounded time and memory (a blow-up would take
    # gigabytes and minutes; these bounds are 100x above what it really takes)
    body = (fixtures / "rss" / "billion-laughs.xml").read_bytes()
    quadratic = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "A" * 50_000
                 + '">]><rss version="2.0"><channel><title>q</title><item><title>t</title>'
                 + "<description>" + "&a;" * 2000 + "</description></item></channel></rss>"
                 ).encode()
    for payload in (body, quadratic):
        tracemalloc.start()
        started = time.monotonic()
        try:
            items, _ = parse_feed(Response("http://x/", 200, {"content-type": RSS}, payload),
                                  NOW)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert time.monotonic() - started < 20
        assert peak < 100_000_000
        assert all(len(i.summary) <= 4000 for i in items)


# -- storage through the real pipeline ---------------------------------------------------

@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "tw.db") as s:
        yield s


@pytest.fixture
def config():
    return Config(fetch=FetchConfig(allow_private=True, timeout=10))


def fetch(store, config, **sources):
    """Run one round over ``name=url`` rss sources; returns outcomes by source name."""
    configured = [configure_source("rss", name=name, url=url) for name, url in sources.items()]
    return {o.source: o for o in run_round(store, configured, config)}


def rows(store, source=None):
    sql = "select * from items" + (" where source = ?" if source else "") + " order by id"
    return list(store.db.query(sql, [source] if source else []))


def test_missing_guid_and_date_are_estimated_in_the_db(serve, store, config):
    out = fetch(store, config, komunitas=serve("missing-fields.xml"))["komunitas"]
    assert out.status == "partial" and out.items_new == 5
    items = {r["title"]: r for r in rows(store)}
    no_guid = items["Pemutaran film pendek di taman kota Sabtu ini"]
    assert no_guid["published_estimated"] == 1
    assert no_guid["published_at"] == no_guid["fetched_at"]
    # utm_* removed from the canonical URL that dedup uses
    assert no_guid["dedup_key"] == ("url:https://komunitasfilm.example.org/acara/"
                                    "pemutaran-taman-kota")
    no_link = items["Lokakarya menulis skenario untuk pemula dibuka"]
    assert no_link["url"] is None and no_link["dedup_key"].startswith("content:")
    future = items["Festival film 2031 sudah diumumkan (tanggal salah ketik)"]
    assert parse_iso(future["published_at"]) <= parse_iso(future["fetched_at"])
    dated = items["Item tanpa judul: judulnya diambil dari isi deskripsi ini yang cukup panjang."]
    assert dated["published_estimated"] == 0
    assert dated["published_at"] == "2026-11-25T03:00:00+00:00"
    fetch_row = next(store.db.query("select * from fetches where source = 'komunitas'"))
    assert fetch_row["status"] == "partial" and "entry 5" in fetch_row["warnings"]


def test_duplicate_guids_are_stored_once(serve, store, config):
    out = fetch(store, config, agg=serve("duplicate-guids.xml"))["agg"]
    assert out.items_new == 2
    stored = rows(store, "agg")
    assert sorted(r["guid"] for r in stored) == ["agg-1001", "agg-1002"]


def test_truncated_feed_is_stored_as_partial(serve, store, config):
    out = fetch(store, config, indie=serve("truncated.xml"))["indie"]
    assert out.status == "partial" and out.items_new == 2
    source = store.db["sources"].get("indie")
    assert source["last_status"] == "partial"
    assert "not well-formed" in source["last_error"]
    assert source["consecutive_failures"] == 0


def test_html_page_is_an_error_that_stores_nothing(serve, store, config):
    out = fetch(store, config, wrong=serve("not-a-feed.html", "text/html"))["wrong"]
    assert out.failed
    assert rows(store) == []
    source = store.db["sources"].get("wrong")
    assert source["consecutive_failures"] == 1
    assert "returned an HTML page, not a feed" in source["last_error"]


def test_hostile_and_xxe_feeds_store_nothing_dangerous(serve, store, config):
    fetch(store, config, hostile=serve("hostile.xml"), xxe=serve("xxe.xml"),
          lol=serve("billion-laughs.xml"))
    stored = rows(store)
    assert {r["source"] for r in stored} == {"hostile", "xxe", "lol"}
    for r in stored:
        blob = " ".join(str(r[k] or "") for k in ("title", "summary", "url", "extra"))
        assert "<" not in blob and ">" not in blob and "javascript:" not in blob
        assert "root:" not in blob
        assert len(blob) < 10_000


def _two_portals(feed_server):
    a = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Portal A</title>
      <item><title>Rumah produksi Jakarta garap film animasi pertama</title>
        <link>https://www.berita-film.example.id/2026/11/animasi-pertama?utm_source=portal-a&amp;utm_medium=rss</link>
        <guid isPermaLink="false">a-501</guid></item>
      <item><title>Merek mulai siapkan iklan Ramadan 2027 lebih awal</title>
        <link>https://portal-a.example.id/iklan-ramadan</link>
        <guid isPermaLink="false">a-502</guid></item>
    </channel></rss>"""
    b = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Portal B</title>
      <item><title>Film animasi pertama dari Jakarta mulai diproduksi</title>
        <link>http://berita-film.example.id/2026/11/animasi-pertama/?utm_campaign=feed&amp;fbclid=XYZ</link>
        <guid isPermaLink="false">b-77</guid></item>
      <item><title>Merek Mulai Siapkan Iklan Ramadan 2027 Lebih Awal - Portal B</title>
        <link>https://portal-b.example.id/read/iklan-ramadan-2027</link>
        <guid isPermaLink="false">b-78</guid></item>
      <item><title>Berita yang hanya ada di portal B</title>
        <link>https://portal-b.example.id/read/khusus</link>
        <guid isPermaLink="false">b-79</guid></item>
    </channel></rss>"""
    feed_server.serve("/a.xml", a, RSS)
    feed_server.serve("/b.xml", b, RSS)
    return feed_server.url("/a.xml"), feed_server.url("/b.xml")


def test_same_story_from_two_sources_shares_story_id(feed_server, store, config):
    url_a, url_b = _two_portals(feed_server)
    outcomes = fetch(store, config, portal_a=url_a, portal_b=url_b)
    assert outcomes["portal_a"].items_new == 2 and outcomes["portal_b"].items_new == 3
    stored = {r["guid"]: r for r in rows(store)}
    # same canonical URL despite utm_*/fbclid, www. and http vs https
    assert stored["a-501"]["canonical_url"] == stored["b-77"]["canonical_url"]
    assert stored["a-501"]["story_id"] == stored["b-77"]["story_id"]
    # near-identical syndicated title (case, trailing " - Portal B")
    assert stored["a-502"]["story_id"] == stored["b-78"]["story_id"]
    # an unrelated story is its own
    assert stored["b-79"]["story_id"] == stored["b-79"]["id"]
    assert len({r["story_id"] for r in stored.values()}) == 3


def test_refetch_never_duplicates_or_touches_verdicts(feed_server, fixtures, store, config):
    body = (fixtures / "rss" / "rss20.xml").read_text(encoding="utf-8")
    feed_server.serve("/feed", body, RSS)
    url = feed_server.url("/feed")
    first = fetch(store, config, layar=url)["layar"]
    assert first.items_new == 2
    horror = next(store.db.query("select * from items where guid like '%48213'"))
    # a reviewer has judged the item
    with store.write() as db:
        sid = db["suggestions"].insert({
            "item_id": horror["id"], "list_date": "2026-11-27", "theme": "film-industry",
            "score": 0.91, "relevance": 0.8, "status": "accepted", "planned_for": "2026-11-30",
            "created_at": "2026-11-27T02:00:00+00:00"}).last_pk
        db["feedback"].insert({"suggestion_id": sid, "item_id": horror["id"],
                               "verdict": "accept", "theme": "film-industry",
                               "note": "angkat jadi Reels",
                               "created_at": "2026-11-27T03:00:00+00:00"})
    before = {t: list(store.db.query(f"select * from {t} order by id"))
              for t in ("suggestions", "feedback")}

    # unchanged body: nothing parsed, nothing written
    same = fetch(store, config, layar=url)["layar"]
    assert same.status == "not_modified" and same.items_new == 0

    # the feed changes: the same guid with a new title, plus one new entry
    feed_server.httpserver.clear()
    changed = body.replace("tembus 2 juta penonton</title>", "tembus 2,5 juta penonton</title>")
    changed = changed.replace("<item>", """<item>
      <title>Trailer film musikal dirilis</title>
      <link>https://layarkaca.example.com/2026/11/27/trailer-musikal/</link>
      <guid isPermaLink="false">https://layarkaca.example.com/?p=48230</guid>
      <pubDate>Fri, 27 Nov 2026 03:50:00 +0000</pubDate>
    </item>
    <item>""", 1)
    feed_server.serve("/feed", changed, RSS)
    again = fetch(store, config, layar=url)["layar"]
    assert (again.status, again.items_new, again.items_seen) == ("ok", 1, 2)

    assert store.db["items"].count == 3
    after = {t: list(store.db.query(f"select * from {t} order by id"))
             for t in ("suggestions", "feedback")}
    assert after == before
    kept = store.db["items"].get(horror["id"])
    assert kept["title"] == horror["title"] and kept["first_seen_at"] == horror["first_seen_at"]


@pytest.mark.parametrize("url", [
    "http://layarkaca.example.com:99999/berita", "http://layarkaca.example.com:abc/berita",
    "http://layarkaca.example.com:-1/", "http://[::1/berita", "javascript:alert(1)"])
def test_malformed_links_are_dropped_not_fatal(url, tmp_path):
    """A link whose port is not a port (or that urlsplit rejects) is no URL: the feed
    parser drops it and keeps the entry, and canonicalising it never raises, so one bad
    link can't roll back a whole source's save."""
    from trendwatch.api import Item
    from trendwatch.items.ingest import save_items
    from trendwatch.parse.feeds import http_url
    from trendwatch.parse.normalize import canonical_url

    assert http_url(url, "https://layarkaca.example.com/feed") is None
    assert canonical_url(url) is None
    body = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
      <title>Layar</title><link>https://layarkaca.example.com/</link>
      <item><title>Film baru tayang</title><link>{url.replace('&', '&amp;')}</link>
        <guid isPermaLink="false">p-1</guid></item></channel></rss>""".encode()
    resp = Response("https://layarkaca.example.com/feed", 200,
                    {"content-type": "application/rss+xml"}, body)
    items, _ = parse_feed(resp, datetime(2026, 11, 28, tzinfo=UTC))
    assert [(i.title, i.url) for i in items] == [("Film baru tayang", None)]
    # an item built by a plugin that skipped the check is still stored, without a
    # canonical URL
    with Store(tmp_path / "tw.db") as store, store.write() as db:
        assert save_items(db, "layar", [Item("Film baru tayang", url=url, guid="p-1")],
                          datetime(2026, 11, 28, tzinfo=UTC)) == (1, 0)
        assert db["items"].get(1)["canonical_url"] is None


def test_canonical_url_keeps_ports_and_ipv6_brackets():
    from trendwatch.parse.normalize import canonical_url

    assert canonical_url("https://www.Layar.example:443/a/?utm_source=x&b=2") == \
        "https://layar.example/a?b=2"
    assert canonical_url("http://layar.example:8080/a") == "https://layar.example:8080/a"
    assert canonical_url("http://[2001:db8::1]:8080/a") == "https://[2001:db8::1]:8080/a"
