"""``generic_export``: any spreadsheet of posts, with the documented columns.

For a platform without a built-in importer, or numbers copied by hand. Headers (any case,
``_`` or spaces; English or Indonesian):

========================= ===============================================================
column                    meaning
========================= ===============================================================
``platform`` (required)   instagram, tiktok, youtube, facebook, linkedin, x...
``url`` / ``post_id``     the post's link, or the platform's id for it (one is required)
``published`` (required)  when it went out (``2026-11-28 10:30``, ``28/11/2026``...)
``format``                carousel, reel, short, story, photo, video, text...
``title``                 caption or title
``duration``              seconds or ``0:45``
``views`` ``reach`` ``impressions`` ``likes`` ``comments`` ``shares`` ``saves``
``follows`` ``watch_hours`` ``avg_watch_seconds`` ``completion_rate`` (``%``)
========================= ===============================================================

Unlike the platform exports, a column this importer does not know is an error (a typo
such as ``veiws`` must not silently drop a metric).
"""

from __future__ import annotations

from collections.abc import Callable

from trendwatch.api import (
    Importer,
    hookimpl,
)


class GenericExport(Importer):
    type_name = "generic"
    platform = ""
    description = "a CSV with the documented columns"
    columns = {
        "platform": ("platform", "platforma", "sumber"),
        "url": ("url", "link", "post url", "tautan", "permalink"),
        "post_id": ("post id", "id", "id postingan"),
        "title": ("title", "caption", "judul", "keterangan"),
        "published": ("published", "published at", "posted at", "date", "tanggal",
                      "waktu", "waktu publikasi"),
        "type": ("format", "type", "post type", "jenis"),
        "duration": ("duration", "durasi"),
        "views": ("views", "tayangan", "penayangan"),
        "reach": ("reach", "jangkauan"),
        "impressions": ("impressions", "impresi"),
        "likes": ("likes", "suka"),
        "comments": ("comments", "komentar"),
        "shares": ("shares", "dibagikan", "bagikan"),
        "saves": ("saves", "disimpan", "simpan"),
        "follows": ("follows", "new followers", "pengikut baru"),
        "watch_hours": ("watch hours", "waktu tonton (jam)"),
        "avg_watch_seconds": ("avg watch seconds", "average watch time"),
        "completion_rate": ("completion rate", "completion rate (%)"),
    }
    required = ("platform", ("url", "post_id"), "published")
    priority = 0
    strict_columns = True


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    register(GenericExport)
