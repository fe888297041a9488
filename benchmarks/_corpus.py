"""A realistic, reproducible feed corpus and a local server for it (used by bench_fetch.py).

The corpus mimics what a dozen-outlet Indonesian + English media list looks like: mostly
RSS 2.0 with ``content:encoded``/``dc:creator``/``media:thumbnail``, Atom with HTML
``content``, some JSON Feed 1.1; small feeds of 10-40 entries and a few big archives of
500+ entries with long HTML bodies (entities, links, images, relative URLs, scripts).

The server answers from memory on several loopback aliases (as many hosts, as a real
round would), with ETag/If-None-Match and Last-Modified/If-Modified-Since (304), and gzip
when asked. It counts what it served.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import html
import http.server
import json
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ID_WORDS = _words("""
    film bioskop penonton sutradara produser aktris aktor trailer sinema festival penayangan
    perdana layar lebar horor drama komedi animasi dokumenter iklan kampanye merek kreatif
    konten video pendek syuting lokasi kru naskah pemeran Jakarta Yogyakarta Bandung Surabaya
    Bali budaya batik musik konser band lagu rilis minggu ini tembus juta rekor box office
    industri kreatif generasi muda media sosial tren viral warganet TikTok Instagram YouTube
    kolaborasi brand lebaran ramadan mudik libur akhir tahun harbolnas promo diskon""")
EN_WORDS = _words("""
    film cinema box office director producer actress actor trailer festival premiere streaming
    series season episode studio release weekend record million audience critics award
    nomination campaign brand creative agency advertising commercial short video social media
    trend viral creator platform music concert album launch behind the scenes production crew
    shoot location Southeast Asia Indonesia Jakarta global market deal acquisition""")
AUTHORS = ("Rina Wulandari", "Budi Santoso", "Dewi Lestari", "Agus Pratama", "Sarah Lim",
           "Michael Tan", "Putri Anggraini", "Redaksi")
OUTLETS = ("Kabar Sinema", "Layar Kita", "Warta Hiburan", "Berita Kreatif", "Film Daily Asia",
           "Screen Notes", "Ad Week SEA", "Ruang Musik", "Tren Harian", "Catatan Produksi")


def _sentence(rng: random.Random, words: tuple[str, ...] | list[str], n: int) -> str:
    text = " ".join(rng.choice(words) for _ in range(n))
    return text[0].upper() + text[1:]


def _html_body(rng: random.Random, words: list[str], paragraphs: int, base: str) -> str:
    parts = []
    for p in range(paragraphs):
        text = html.escape(_sentence(rng, words, rng.randint(25, 60)))
        parts.append(f"<p>{text} &amp; <a href=\"/tag/{rng.choice(words).lower()}\">"
                     f"{rng.choice(words)}</a>&nbsp;&#8212; <em>{rng.choice(words)}</em>.</p>")
        if p % 3 == 1:
            parts.append(f'<figure><img src="{base}/img/{rng.randrange(10**6)}.jpg" '
                         f'alt="{rng.choice(words)}" width="800"/><figcaption>'
                         f"{html.escape(_sentence(rng, words, 8))}</figcaption></figure>")
        if p % 5 == 4:
            parts.append("<script>window.dataLayer=window.dataLayer||[];</script>")
    return "\n".join(parts)


@dataclass
class Feed:
    name: str
    path: str
    kind: str  # rss | atom | json
    body: bytes
    items: int
    content_type: str
    etag: str = ""
    last_modified: str = ""
    gz: bytes = b""


def make_corpus(n_feeds: int = 220, seed: int = 20261127) -> list[Feed]:
    """Build the feeds in memory (deterministic for a seed)."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    feeds = []
    for i in range(n_feeds):
        kind = "json" if i % 5 == 4 else "atom" if i % 5 in (1, 3) and i % 3 else "rss"
        big = i % 27 == 5  # 8 or 9 archives of 500+ entries
        n_items = rng.randint(500, 650) if big else rng.randint(10, 30)
        lang = "id" if i % 3 else "en"
        words = list(ID_WORDS if lang == "id" else EN_WORDS)
        outlet = f"{rng.choice(OUTLETS)} {i}"
        base = f"https://outlet{i}.example.{'id' if lang == 'id' else 'com'}"
        entries = []
        for j in range(n_items):
            title = _sentence(rng, words, rng.randint(6, 13))
            if rng.random() < 0.15:
                title += f" - {outlet}"  # syndication suffix, as news aggregators do
            entries.append({
                "title": title,
                "link": f"{base}/{2026}/11/{j:04d}-{'-'.join(title.lower().split()[:5])}"
                        f"?utm_source=rss&utm_medium=feed",
                "guid": f"{base}/?p={100000 + j}",
                "date": now - timedelta(minutes=37 * j + rng.randint(0, 30)),
                "author": rng.choice(AUTHORS),
                "summary": html.escape(_sentence(rng, words, rng.randint(20, 45))),
                "content": _html_body(rng, words, rng.randint(6, 14) if big else
                                      rng.randint(3, 8), base),
                "image": f"{base}/thumb/{j}.jpg",
            })
        if kind == "rss":
            body, ctype = _rss(outlet, base, lang, entries), "application/rss+xml; charset=UTF-8"
        elif kind == "atom":
            body, ctype = _atom(outlet, base, lang, entries), "application/atom+xml"
        else:
            body, ctype = _json_feed(outlet, base, lang, entries), "application/feed+json"
        ext = "json" if kind == "json" else "xml"
        feed = Feed(f"feed-{i:03d}", f"/f/{i:03d}.{ext}", kind, body, n_items, ctype)
        feed.etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        feed.last_modified = email.utils.format_datetime(now - timedelta(minutes=i),
                                                         usegmt=True)
        feed.gz = gzip.compress(body, 6)
        feeds.append(feed)
    return feeds


def _rss(title: str, base: str, lang: str, entries: list[dict]) -> bytes:
    items = []
    for e in entries:
        items.append(f"""<item>
  <title>{html.escape(e['title'])}</title>
  <link>{html.escape(e['link'])}</link>
  <guid isPermaLink="false">{html.escape(e['guid'])}</guid>
  <pubDate>{email.utils.format_datetime(e['date'].astimezone(_WIB))}</pubDate>
  <dc:creator><![CDATA[{e['author']}]]></dc:creator>
  <category><![CDATA[Hiburan]]></category>
  <description>{e['summary']}</description>
  <content:encoded><![CDATA[{e['content']}]]></content:encoded>
  <media:thumbnail url="{e['image']}" width="640" height="360"/>
</item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>{html.escape(title)}</title>
<atom:link href="{base}/feed/" rel="self" type="application/rss+xml"/>
<link>{base}/</link>
<description>Berita terbaru {html.escape(title)}</description>
<language>{'id-ID' if lang == 'id' else 'en-US'}</language>
<generator>https://wordpress.org/?v=6.6</generator>
{''.join(items)}
</channel>
</rss>
""".encode()


def _atom(title: str, base: str, lang: str, entries: list[dict]) -> bytes:
    out = []
    for e in entries:
        stamp = e["date"].isoformat().replace("+00:00", "Z")
        out.append(f"""<entry>
  <id>tag:{base.split('//')[1]},2026:{e['guid'].rsplit('=', 1)[1]}</id>
  <title type="html">{html.escape(e['title'])}</title>
  <link rel="alternate" type="text/html" href="{html.escape(e['link'])}"/>
  <published>{stamp}</published><updated>{stamp}</updated>
  <author><name>{e['author']}</name></author>
  <summary type="html">{e['summary']}</summary>
  <content type="html">{html.escape(e['content'])}</content>
</entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">
<title>{html.escape(title)}</title>
<id>{base}/</id>
<link rel="self" href="{base}/atom.xml"/><link href="{base}/"/>
<updated>{entries[0]['date'].isoformat().replace('+00:00', 'Z')}</updated>
{''.join(out)}
</feed>
""".encode()


def _json_feed(title: str, base: str, lang: str, entries: list[dict]) -> bytes:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": title, "home_page_url": base + "/", "feed_url": base + "/feed.json",
        "language": lang,
        "items": [{
            "id": e["guid"], "url": e["link"], "title": e["title"],
            "summary": html.unescape(e["summary"]), "content_html": e["content"],
            "date_published": e["date"].isoformat(), "authors": [{"name": e["author"]}],
            "image": e["image"], "tags": ["hiburan", "film"],
        } for e in entries],
    }, ensure_ascii=False).encode()


_WIB = timezone(timedelta(hours=7), "WIB")


@dataclass
class Counters:
    requests: int = 0
    not_modified: int = 0
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.requests = self.not_modified = self.bytes = 0


class CorpusServer:
    """Serves the corpus on ``hosts`` loopback aliases (one threaded server each)."""

    def __init__(self, feeds: list[Feed], n_hosts: int = 40):
        self.by_path = {f.path: f for f in feeds}
        self.counters = Counters()
        self.servers: list[http.server.ThreadingHTTPServer] = []
        counters, by_path = self.counters, self.by_path

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                feed = by_path.get(self.path)
                if feed is None:
                    self.send_error(404)
                    return
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                fresh = (inm == feed.etag) if inm else (ims == feed.last_modified
                                                        if ims else False)
                common = {"ETag": feed.etag, "Last-Modified": feed.last_modified,
                          "Cache-Control": "max-age=300"}
                if fresh:
                    self.send_response(304)
                    for k, v in common.items():
                        self.send_header(k, v)
                    self.end_headers()
                    with counters.lock:
                        counters.requests += 1
                        counters.not_modified += 1
                    return
                gz = "gzip" in (self.headers.get("Accept-Encoding") or "")
                body = feed.gz if gz else feed.body
                self.send_response(200)
                self.send_header("Content-Type", feed.content_type)
                if gz:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                for k, v in common.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                with counters.lock:
                    counters.requests += 1
                    counters.bytes += len(body)

            def log_message(self, *args: object) -> None:
                pass

        for n in range(n_hosts):
            srv = http.server.ThreadingHTTPServer((f"127.0.0.{10 + n}", 0), Handler)
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, args=(0.1,), daemon=True).start()
            self.servers.append(srv)

    def url(self, index: int, feed: Feed) -> str:
        host, port = self.servers[index % len(self.servers)].server_address[:2]
        return f"http://{host}:{port}{feed.path}"

    def close(self) -> None:
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()


def write_corpus(feeds: list[Feed], folder: Path) -> None:
    """Write the feeds to ``folder`` (so they can be inspected after a run)."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in feeds:
        (folder / f.path.rsplit("/", 1)[1]).write_bytes(f.body)
