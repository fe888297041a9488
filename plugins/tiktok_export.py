"""``tiktok_export``: the content download of TikTok Studio (Analytics → Content →
Download data), CSV or XLSX.

One row per video: ``Video title, Video link, Post time, Total likes, Total comments,
Total shares, Total views`` and, depending on the export, ``Add to favorites``,
``Average watch time`` (seconds, or ``0:07``), ``Watched full video`` (%), ``Reached
audience``, ``New followers``. Indonesian accounts get ``Judul video, Tautan video, Waktu
posting, Total suka, Total komentar, Total dibagikan, Total penayangan``... The video id
is the number at the end of the link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo

from trendwatch.api import (
    Importer,
    PostRecord,
    Table,
    hookimpl,
)

_VIDEO_ID = re.compile(r"/(?:video|photo|v)/(\d{6,})")


class TikTokExport(Importer):
    type_name = "tiktok"
    platform = "tiktok"
    description = "TikTok Studio content download, CSV or XLSX"
    columns = {
        "title": ("Video title", "Judul video", "Title"),
        "url": ("Video link", "Tautan video", "Link video", "Video URL"),
        "published": ("Post time", "Video publish time", "Waktu posting",
                      "Waktu publikasi video", "Waktu publikasi", "Tanggal posting"),
        "likes": ("Total likes", "Total suka", "Likes"),
        "comments": ("Total comments", "Total komentar", "Comments"),
        "shares": ("Total shares", "Total dibagikan", "Total bagikan", "Shares"),
        "views": ("Total views", "Total penayangan", "Total tayangan", "Video views"),
        "saves": ("Add to favorites", "Favorites", "Total favorites", "Ditambahkan ke favorit",
                  "Total favorit", "Favorit"),
        "avg_watch_seconds": ("Average watch time", "Rata-rata waktu tonton",
                              "Waktu tonton rata-rata"),
        "completion_rate": ("Watched full video", "Watched full video (%)",
                            "Menonton video penuh", "Menonton video penuh (%)",
                            "Ditonton hingga selesai"),
        "reach": ("Reached audience", "Audiens yang dijangkau", "Jangkauan audiens"),
        "follows": ("New followers", "Pengikut baru"),
    }
    required = ("url", "published", "views")
    ignored = ("Total play time", "Total waktu putar", "Total waktu tonton")

    def record(self, cells: dict[str, str], table: Table, tz: tzinfo,
               dayfirst: bool) -> PostRecord | None:
        rec = super().record(cells, table, tz, dayfirst)
        if rec is not None and rec.url:
            m = _VIDEO_ID.search(rec.url)
            rec.platform_post_id = m.group(1) if m else None
            rec.format = "carousel" if "/photo/" in rec.url else "video"
        return rec


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    register(TikTokExport)
