"""``youtube_export``: the "Table data.csv" of a YouTube Studio advanced-analytics export
(Analytics → Advanced mode → Content → Export current view → CSV; unzip it).

Columns: ``Content`` (the video id), ``Video title``, ``Video publish time`` ("Nov 28,
2026"), ``Duration`` (seconds), then the metrics ticked: ``Views``, ``Watch time (hours)``,
``Subscribers``, ``Impressions``, ``Impressions click-through rate (%)``, ``Likes``,
``Comments added``, ``Shares``, ``Average view duration`` ("0:00:45"), ``Average percentage
viewed (%)``. The first data row is ``Total`` (skipped). Indonesian: ``Konten, Judul video,
Waktu publikasi video, Durasi, Penayangan, Waktu tonton (jam), Subscriber, Tayangan, Rasio
klik-tayang dari tayangan (%)``...

YouTube does not say whether a video is a Short: one of at most 180 seconds (the limit
since October 2024) is counted as a Short.
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

SHORT_MAX_SECONDS = 180


class YouTubeExport(Importer):
    type_name = "youtube"
    platform = "youtube"
    description = 'YouTube Studio advanced analytics "Table data.csv"'
    columns = {
        "post_id": ("Content", "Konten", "Video ID", "ID video"),
        "title": ("Video title", "Judul video"),
        "published": ("Video publish time", "Waktu publikasi video", "Waktu publikasi"),
        "duration": ("Duration", "Durasi"),
        "views": ("Views", "Penayangan"),
        "watch_hours": ("Watch time (hours)", "Waktu tonton (jam)"),
        "follows": ("Subscribers", "Subscriber", "Subscribers gained",
                    "Subscriber yang diperoleh", "Pelanggan"),
        "impressions": ("Impressions", "Tayangan"),
        "likes": ("Likes", "Suka"),
        "comments": ("Comments added", "Komentar yang ditambahkan", "Komentar"),
        "shares": ("Shares", "Dibagikan", "Berbagi"),
        "avg_watch_seconds": ("Average view duration", "Durasi rata-rata dilihat",
                              "Rata-rata durasi tonton", "Durasi tonton rata-rata"),
        "completion_rate": ("Average percentage viewed (%)",
                            "Rata-rata persentase yang dilihat (%)",
                            "Persentase rata-rata yang dilihat (%)"),
    }
    required = ("post_id", "views")
    ignored = ("Impressions click-through rate (%)", "Rasio klik-tayang dari tayangan (%)",
               "Rasio klik-tayang tayangan (%)", "Your estimated revenue (USD)",
               "Estimasi pendapatan Anda (USD)")

    def record(self, cells: dict[str, str], table: Table, tz: tzinfo,
               dayfirst: bool) -> PostRecord | None:
        rec = super().record(cells, table, tz, dayfirst)
        if rec is None or not rec.platform_post_id:
            return None
        rec.url = f"https://www.youtube.com/watch?v={rec.platform_post_id}"
        d = rec.duration_seconds
        rec.format = "short" if d is not None and 0 < d <= SHORT_MAX_SECONDS else "video"
        return rec


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    register(YouTubeExport)
