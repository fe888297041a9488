"""Helpers for the post-performance tests, browser test and benchmark: an XLSX writer
(TikTok Studio downloads XLSX; no spreadsheet library is a dependency) and synthetic post
histories with a known truth."""

from __future__ import annotations

import math
import random
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from trendwatch.db.store import Store, iso


def _col(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """A minimal valid XLSX: strings go to sharedStrings (as Excel writes them), numbers
    stay numbers."""
    shared: list[str] = []
    index: dict[str, int] = {}
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                text = str(value)
                if text not in index:
                    index[text] = len(shared)
                    shared.append(text)
                cells.append(f'<c r="{ref}" t="s"><v>{index[text]}</v></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
                   'ContentType="application/xml"/></Types>')
        z.writestr("xl/workbook.xml", f'<workbook {ns} {rel}><sheets><sheet name="Sheet1" '
                   'sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/sharedStrings.xml",
                   f'<sst {ns} count="{len(shared)}" uniqueCount="{len(shared)}">'
                   + "".join(f"<si><t>{escape(s)}</t></si>" for s in shared) + "</sst>")
        z.writestr("xl/worksheets/sheet1.xml",
                   f'<worksheet {ns}><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>')
    return path


THEMES = ("film-industry", "behind-the-scenes", "advertising")
COMBOS = (("instagram", "carousel"), ("instagram", "reel"), ("tiktok", "video"),
          ("youtube", "short"))


def seed_history(store: Store, *, n_posts: int, seed: int = 7,
                 effect: dict[tuple[str, str, str], float] | None = None,
                 snapshots_per_post: int = 1, linked_share: float = 0.8,
                 start: datetime = datetime(2026, 6, 1, 3, 0, tzinfo=UTC),
                 noise: float = 0.35, themes: Sequence[str] = THEMES) -> dict[str, Any]:
    """Posts with a known truth: each post's engagement rate is a platform base times
    ``effect[(theme, platform, format)]`` (default 1) times log-normal noise. Posts are
    linked to suggestions (and items) of their theme with probability ``linked_share``.
    Returns what was made."""
    rng = random.Random(seed)
    effect = effect or {}
    base = {"instagram": 0.08, "tiktok": 0.06, "youtube": 0.05}
    conn = store.db.conn
    made = {"posts": 0, "snapshots": 0}
    with store.write():
        for i in range(n_posts):
            theme = themes[i % len(themes)]
            platform, fmt = COMBOS[(i // len(themes)) % len(COMBOS)]
            published = start + timedelta(hours=13 * i + rng.randint(0, 5))
            suggestion_id = None
            if rng.random() < linked_share:
                seen = published - timedelta(hours=rng.choice((2, 8, 30, 80)))
                item_id = conn.execute(
                    "insert into items (source, dedup_key, title, first_seen_at) "
                    "values ('synthetic', ?, ?, ?)",
                    (f"syn-{seed}-{i}", f"Topik sintetis {i}", iso(seen))).lastrowid
                suggestion_id = conn.execute(
                    "insert into suggestions (item_id, list_date, theme, score, relevance, "
                    "status, created_at) values (?, ?, ?, 0.5, 0.5, 'accepted', ?)",
                    (item_id, seen.date().isoformat(), theme, iso(seen))).lastrowid
            code = f"SYN{seed:02d}{i:06d}"
            url = {"instagram": f"https://www.instagram.com/p/{code}/",
                   "tiktok": f"https://www.tiktok.com/@akun.contoh/video/{7000000000 + i}",
                   "youtube": f"https://www.youtube.com/watch?v={code}"}[platform]
            key = {"instagram": f"instagram:{code}", "tiktok": f"tiktok:{7000000000 + i}",
                   "youtube": f"youtube:{code}"}[platform]
            post_id = conn.execute(
                "insert into posts (platform, url, url_key, format, published_at, "
                "published_estimated, suggestion_id, linked_by, created_at, title) "
                "values (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                (platform, url, key, fmt, iso(published), suggestion_id,
                 "url" if suggestion_id else None, iso(published), f"Post sintetis {i}")
            ).lastrowid
            rate = base[platform] * effect.get((theme, platform, fmt), 1.0) \
                * math.exp(rng.gauss(0, noise))
            reach = rng.randint(800, 20000)
            for s in range(snapshots_per_post):
                grown = reach * (1 + 0.1 * s)
                likes = int(grown * rate * 0.8)
                conn.execute(
                    "insert into post_metrics (post_id, captured_at, importer, views, reach, "
                    "likes, comments, shares, saves, engagement_rate) "
                    "values (?, ?, 'synthetic', ?, ?, ?, ?, ?, ?, ?)",
                    (post_id, iso(published + timedelta(days=s + 1)), int(grown * 1.3),
                     int(grown), likes, int(grown * rate * 0.1), int(grown * rate * 0.05),
                     int(grown * rate * 0.05), round(rate, 6)))
                made["snapshots"] += 1
            made["posts"] += 1
    return made
