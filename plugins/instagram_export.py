"""``instagram_export``: the content export of Meta Business Suite / the Instagram
professional dashboard (Insights → Content → Export data, CSV).

One row per post: ``Post ID, Account ID, Account username, Account name, Description,
Duration (sec), Publish time, Permalink, Post type, Data comment, Date, Views, Reach, Likes,
Shares, Follows, Comments, Saves`` (which metric columns appear depends on what was ticked;
older exports have ``Impressions``). ``Date`` holds "Lifetime" (the numbers are totals to
the export day) and is ignored. ``Post type`` is "IG image", "IG carousel", "IG reel"...
An account set to Indonesian gets the same columns with Indonesian names (``ID postingan``,
``Waktu publikasi``, ``Jenis postingan``, ``Jangkauan``, ``Suka``...). Publish times are in
the account's time zone, month first in English exports, day first in Indonesian ones.

Meta Business Suite puts Facebook posts in the same export: a row whose link is on
facebook.com is recorded as a Facebook post.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from trendwatch.api import (
    Importer,
    PostRecord,
    Table,
    hookimpl,
)


class InstagramExport(Importer):
    type_name = "instagram"
    platform = "instagram"
    description = "Meta Business Suite / Instagram content export CSV"
    columns = {
        "post_id": ("Post ID", "ID postingan", "ID posting", "ID kiriman"),
        "title": ("Description", "Deskripsi", "Keterangan", "Title", "Judul"),
        "duration": ("Duration (sec)", "Durasi (dtk)", "Durasi (detik)"),
        "published": ("Publish time", "Waktu publikasi", "Waktu penerbitan",
                      "Waktu dipublikasikan"),
        "url": ("Permalink", "Tautan permanen"),
        "type": ("Post type", "Jenis postingan", "Jenis posting", "Jenis kiriman"),
        "views": ("Views", "Tayangan", "Penayangan", "Plays"),
        "reach": ("Reach", "Jangkauan"),
        "impressions": ("Impressions", "Impresi"),
        "likes": ("Likes", "Suka", "Jumlah suka"),
        "shares": ("Shares", "Bagikan", "Dibagikan", "Berbagi"),
        "follows": ("Follows", "Ikuti", "Mengikuti"),
        "comments": ("Comments", "Komentar"),
        "saves": ("Saves", "Simpan", "Disimpan"),
    }
    required = ("url", "published", "type")
    ignored = ("Account ID", "Account username", "Account name", "Data comment", "Date",
               "ID akun", "Nama pengguna akun", "Nama akun", "Komentar data", "Tanggal")

    def record(self, cells: dict[str, str], table: Table, tz: tzinfo,
               dayfirst: bool) -> PostRecord | None:
        rec = super().record(cells, table, tz, dayfirst)
        if rec is not None and rec.url and "facebook.com" in rec.url.lower():
            rec.platform = "facebook"
        return rec


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    register(InstagramExport)
