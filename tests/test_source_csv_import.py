"""The ``csv_import`` source: real-looking exports (TikTok Creative Center, Instagram pasted
into Excel with an Indonesian locale, JSON/JSONL lists), bad rows, and storage."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from trendwatch_plugins.csv_import import parse_date, parse_number

from trendwatch.api import FetchContext
from trendwatch.config import BrandConfig, Config
from trendwatch.db.store import Store
from trendwatch.errors import ConfigError, SourceError
from trendwatch.fetch.round import run_round
from trendwatch.testing import configure_source

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def imports(tmp_path, fixtures) -> Path:
    """A copy of the fixture folder (tests change files in it)."""
    folder = tmp_path / "imports"
    shutil.copytree(fixtures / "csv_import", folder)
    return folder


def by_title(items):
    return {i.title: i for i in items}


@pytest.mark.parametrize("text, value", [
    ("1.234.567", 1_234_567), ("1,234,567", 1_234_567), ("12,3K", 12_300), ("1.2M", 1_200_000),
    ("12 rb", 12_000), ("1,2 jt", 1_200_000), ("3,4 juta", 3_400_000), ("2 miliar", 2e9),
    ("1.234", 1234), ("1,5", 1.5), ("12.5", 12.5), ("0.125", 0.125), ("45%", 45),
    ("+12,5%", 12.5), ("-3", -3), ("12.345,67", 12_345.67), ("12,345.67", 12_345.67),
    ("1 234 567", 1_234_567), ("980K", 980_000), ("7", 7),
])
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["NEW", "N/A", "-", "", "1.23.4", "abc12", "12 apel", "#1"])
def test_parse_number_rejects_text(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text, expected", [
    ("2026-11-27", datetime(2026, 11, 26, 17, 0, tzinfo=UTC)),        # midnight WIB
    ("2026-11-27T10:00:00Z", datetime(2026, 11, 27, 10, 0, tzinfo=UTC)),
    ("27/11/2026 10.15", datetime(2026, 11, 27, 3, 15, tzinfo=UTC)),   # day first
    ("27-11-2026", datetime(2026, 11, 26, 17, 0, tzinfo=UTC)),
    ("17 Agustus 2026", datetime(2026, 8, 16, 17, 0, tzinfo=UTC)),
    ("2 Okt 2026", datetime(2026, 10, 1, 17, 0, tzinfo=UTC)),
    ("1764216000", datetime(2025, 11, 27, 4, 0, tzinfo=UTC)),
])
def test_parse_date(text, expected):
    assert parse_date(text, WIB) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "kemarin", "2026-13-01", "32 Mei 2026"])
def test_parse_date_rejects(text):
    assert parse_date(text, WIB) is None


def test_folder_of_real_exports(imports, run_source):
    result = run_source("csv_import", path=str(imports), now=NOW)
    assert result.status == "partial"  # bad rows reported, good rows kept
    assert result.warnings == [
        "rekap-mingguan.xlsx: Excel workbooks are not read; save it as CSV "
        "(File > Save As > CSV UTF-8)",
        "instagram-reels-november.csv line 5: no title; skipped",
        "instagram-reels-november.csv line 6: date '31/02/2026' not understood; "
        "kept without a date",
        "instagram-reels-november.csv line 7: 11 fields but the header has 9 "
        "(a stray delimiter?); skipped",
        "instagram-trending-audio.jsonl line 3: not valid JSON (Expecting value); skipped",
        "manual-list.json item 4: no title; skipped",
        "manual-list.json item 5: not a JSON object; skipped",
        "tiktok-hashtags-2026-11-27.csv line 6: no title; skipped",
        'tiktok-video-lama.csv: not UTF-8; read as Windows-1252 (save as "CSV UTF-8" '
        "to be sure)",
    ]
    assert len(result.items) == 19
    assert all(i.guid and i.guid.startswith("csv:") for i in result.items)


def test_tiktok_creative_center_hashtags(imports, run_source):
    result = run_source("csv_import", path=str(imports / "tiktok-hashtags-2026-11-27.csv"),
                        now=NOW)
    items = by_title(result.items)
    # the BOM is not part of the first header ("Rank"), so rank is a metric
    vibes = items["#lebaranvibes"]
    assert vibes.metrics == {"rank": 1, "posts": 12_300, "views": 1_200_000, "rank_change": 3}
    assert vibes.kind == "tag"
    assert vibes.extra["platform"] == "tiktok"          # from the file name
    assert vibes.extra["industry"] == "Film & Animation"
    assert vibes.url == "https://www.tiktok.com/tag/lebaranvibes"
    # "filmhororindonesia" had no "#": added; a non-numeric cell stays as text
    horror = items["#filmhororindonesia"]
    assert horror.extra["rank_change"] == "NEW" and "rank_change" not in horror.metrics
    assert list(items) == ["#lebaranvibes", "#filmhororindonesia", "#ootdbatik", "#pintukedua"]


def test_instagram_excel_export_indonesian_locale(imports, run_source):
    result = run_source("csv_import", path=str(imports / "instagram-reels-november.csv"),
                        now=NOW)
    items = by_title(result.items)
    # a ";" inside a quoted field is not a delimiter; headers " Judul ", " Suka " matched
    bts = items["Behind the scenes iklan Ramadan; hari pertama"]
    assert bts.metrics == {"views": 1_234_567, "likes": 45_600, "shares": 1204, "comments": 312}
    assert bts.published == datetime(2026, 11, 27, 3, 15, tzinfo=UTC)  # 10.15 WIB
    assert bts.url == "https://www.instagram.com/reel/C9xAbCdEfGh/?igsh=MWx0"
    assert bts.extra["no"] == "1"  # a row number is not a metric
    grading = items["Reels tutorial color grading"]
    assert grading.metrics["views"] == 1_200_000 and grading.metrics["likes"] == 12_000
    assert grading.extra["platform"] == "instagram"
    assert items["Carousel moodboard film pendek"].published is None
    teaser = items['Teaser film pendek "Senja di Kota"']
    assert teaser.url == "https://www.instagram.com/reel/C9vTeaSerXyZ/"  # scheme added
    assert teaser.published == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    assert "Story Q&A sutradara" not in items


def test_windows_1252_export(imports, run_source):
    result = run_source("csv_import", path=str(imports / "tiktok-video-lama.csv"), now=NOW)
    assert result.titles == ["“Kopi Senja” – iklan pendek viral",
                             "Café kecil jadi lokasi syuting"]
    assert result.items[0].metrics == {"views": 1_234_567}


def test_json_exports(imports, run_source):
    result = run_source("csv_import", path=str(imports), pattern="*.json", now=NOW)
    items = by_title(result.items)
    outfit = items["Tren transisi 'outfit lebaran' di TikTok"]
    assert outfit.metrics == {"views": 3_400_000, "growth": 120}
    assert outfit.extra["platform"] == "tiktok"  # "TikTok" in the row, lower-cased
    assert items["Kutipan sutradara jadi template Instagram"].metrics == {"likes": 1500}
    # TikTok Creative Center API shape: {"data": {"list": [...]}}; "link" is the url
    song = items["Tak Segampang Itu (Sped Up)"]
    assert song.url == "https://www.tiktok.com/music/x-7234567890123456789"
    assert song.author == "Anggi Marito"
    assert song.metrics == {"rank": 1, "rank_diff": 2}  # song_id is an id, not a metric
    assert song.extra["song_id"] == "7234567890123456789"


def test_platform_option_is_the_default(imports, run_source):
    result = run_source("csv_import", path=str(imports / "instagram-trending-audio.jsonl"),
                        platform="Instagram", now=NOW)
    assert {i.extra["platform"] for i in result.items} == {"instagram"}
    result = run_source("csv_import", path=str(imports / "manual-list.json"),
                        platform="youtube", now=NOW)
    # a row's own platform wins over the option
    assert [i.extra["platform"] for i in result.items] == ["tiktok", "tiktok", "instagram"]


def test_header_case_spacing_and_tabs(tmp_path, run_source):
    (tmp_path / "list.tsv").write_text(
        "  TITLE \tVideo Views\tPublished At\n"
        "Trailer film musikal\t12,5 rb\t2026-11-26\n", encoding="utf-8")
    result = run_source("csv_import", path=str(tmp_path), now=NOW)
    (item,) = result.items
    assert item.title == "Trailer film musikal"
    assert item.metrics == {"views": 12_500}
    assert item.published == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


def test_file_without_title_column(tmp_path, run_source):
    (tmp_path / "angka.csv").write_text("views,likes\n1,2\n", encoding="utf-8")
    result = run_source("csv_import", path=str(tmp_path), now=NOW)
    assert result.items == []
    assert result.warnings == ["angka.csv: no title or hashtag column (columns: views, likes); "
                               "skipped"]


def test_future_dates_are_clamped_and_html_is_dropped(tmp_path, run_source):
    (tmp_path / "x.csv").write_text(
        "title,date\n<b>Jadwal</b> rilis <img src=x onerror=alert(1)>,2031-01-01\n",
        encoding="utf-8")
    (item,) = run_source("csv_import", path=str(tmp_path), now=NOW).items
    assert item.title == "Jadwal rilis" and item.published == NOW


def test_home_folder_is_expanded(run_source, fixtures):
    folder = Path.home() / "trendwatch-imports"   # HOME is a temporary dir in tests
    folder.mkdir()
    shutil.copy(fixtures / "csv_import" / "tiktok-video-lama.csv", folder)
    result = run_source("csv_import", path="~/trendwatch-imports", now=NOW)
    assert len(result.items) == 2


def test_missing_folder_says_where_to_create_it(run_source):
    result = run_source("csv_import", path="~/trendwatch-imports", now=NOW)
    assert result.status == "error"
    folder = Path.home() / "trendwatch-imports"
    assert result.error == (f"import folder {folder} does not exist: create it "
                            f"(mkdir -p {folder}) and save CSV or JSON exports there")


def test_missing_file(tmp_path, run_source):
    result = run_source("csv_import", path=str(tmp_path / "ekspor.csv"), now=NOW)
    assert result.status == "error" and "import file" in result.error


def test_empty_folder_is_fine(tmp_path, run_source):
    result = run_source("csv_import", path=str(tmp_path), now=NOW)
    assert (result.status, result.items, result.warnings) == ("ok", [], [])


@pytest.mark.parametrize("path", ["https://example.com/export.csv", "file:///tmp/x.csv", " "])
def test_path_must_be_local(path):
    with pytest.raises(ConfigError) as err:
        configure_source("csv_import", path=path)
    assert "sources[0].path" in str(err.value)


class NoNetwork:
    def get(self, *args, **kwargs):
        raise AssertionError("csv_import must not touch the network")


def test_never_touches_the_network(imports):
    cs = configure_source("csv_import", path=str(imports))
    ctx = FetchContext(http=NoNetwork(), now=NOW, brand=BrandConfig(),
                       log=logging.getLogger("test"))
    assert len(cs.source.fetch(ctx)) == 19
    with pytest.raises(SourceError):
        configure_source("csv_import", path=str(imports / "nope")).source.fetch(ctx)


def test_refetch_dedups_and_updates_metrics(imports, tmp_path):
    cs = configure_source("csv_import", name="manual", path=str(imports))
    with time_machine.travel(NOW, tick=False), Store(tmp_path / "tw.db") as store:
        (first,) = run_round(store, [cs], Config())
        assert (first.status, first.items_new) == ("partial", 19)
        # the same files again: nothing new, nothing duplicated
        (second,) = run_round(store, [cs], Config())
        assert (second.items_new, second.items_seen) == (0, 19)
        assert store.db["items"].count == 19
        # a re-export: one number changed and one row added
        csv_file = imports / "tiktok-hashtags-2026-11-27.csv"
        text = csv_file.read_bytes().decode("utf-8-sig")
        text = text.replace("4,#pintukedua,\"4,9K\",2.3M", "4,#pintukedua,\"5,2K\",2.9M")
        text += "6,#haribatik,\"2,1K\",300K,NEW,Apparel & Accessories,Indonesia\r\n"
        csv_file.write_text(text, encoding="utf-8")
        (third,) = run_round(store, [cs], Config())
        assert (third.items_new, third.items_seen) == (1, 19)
        row = next(store.db.query("select * from items where title = '#pintukedua'"))
        assert '"views": 2900000.0' in row["metrics"] and '"posts": 5200.0' in row["metrics"]
        warnings = next(store.db.query(
            "select warnings from fetches where source = 'manual' order by id desc"))
        assert "tiktok-hashtags-2026-11-27.csv line 6: no title; skipped" in warnings["warnings"]


@pytest.mark.parametrize("text", ["01/01/0001", "0001-01-01T00:00+05:00", "1 Januari 0001",
                                  "9999-12-31T23:59-05:00"])
def test_parse_date_out_of_range_is_not_a_date(text):
    assert parse_date(text, WIB) is None


def test_dates_out_of_range_cost_only_their_date(tmp_path, run_source):
    """Year 1 in WIB overflows when converted to UTC: the row keeps its title without a
    date, the rows around it land."""
    (tmp_path / "tiktok-lagu.csv").write_text(
        "Judul;Tanggal;Tayangan\n"
        "Lagu viral pertama;01/01/0001;1.200\n"
        "Lagu viral kedua;27/11/2026;3.400\n"
        "Lagu viral ketiga;0001-01-01T00:00+05:00;5\n", encoding="utf-8")
    result = run_source("csv_import", path=str(tmp_path), now=NOW)
    assert [(i.title, i.published) for i in result.items] == [
        ("Lagu viral pertama", None),
        ("Lagu viral kedua", datetime(2026, 11, 26, 17, 0, tzinfo=UTC)),
        ("Lagu viral ketiga", None)]
    assert result.warnings == [
        "tiktok-lagu.csv line 2: date '01/01/0001' not understood; kept without a date",
        "tiktok-lagu.csv line 4: date '0001-01-01T00:00+05:00' not understood; "
        "kept without a date"]


def test_a_row_that_fails_unexpectedly_is_skipped_with_file_and_line(tmp_path, run_source,
                                                                      monkeypatch):
    """Whatever goes wrong building one row's item, the file's other rows still land."""
    import trendwatch_plugins.csv_import as csv_import

    real = csv_import.parse_date

    def fragile(text, tz):
        if text == "bom":
            raise KeyError("a bug we did not foresee")
        return real(text, tz)

    monkeypatch.setattr(csv_import, "parse_date", fragile)
    (tmp_path / "daftar.csv").write_text("title,date\nSatu,2026-11-26\nDua,bom\nTiga,\n",
                                         encoding="utf-8")
    result = run_source("csv_import", path=str(tmp_path), now=NOW)
    assert [i.title for i in result.items] == ["Satu", "Tiga"]
    assert result.warnings == ["daftar.csv line 3: KeyError: 'a bug we did not foresee'; "
                               "skipped"]


def test_urls_with_a_bad_port_are_dropped(tmp_path, run_source):
    (tmp_path / "x.csv").write_text("title,url\nSatu,https://www.tiktok.com:99999/@a/video/1\n",
                                    encoding="utf-8")
    (item,) = run_source("csv_import", path=str(tmp_path), now=NOW).items
    assert item.title == "Satu" and item.url is None


@pytest.mark.parametrize("pattern, message", [
    ("../*.csv", 'must not contain ".."'), ("ekspor/../../*.csv", 'must not contain ".."'),
    ("..\\*.csv", 'must not contain ".."'), ("/etc/*", "must be relative to the import folder"),
    ("~/x/*.csv", "must be relative to the import folder"), (" ", "file name pattern"),
])
def test_pattern_must_stay_inside_the_folder(tmp_path, pattern, message):
    with pytest.raises(ConfigError) as err:
        configure_source("csv_import", path=str(tmp_path), pattern=pattern)
    assert any(p.startswith("sources[0].pattern: ") and message in p
               for p in err.value.problems), err.value.problems


def test_symlinks_out_of_the_folder_are_not_followed(tmp_path, run_source):
    secret = tmp_path / "rahasia"
    (secret / "sub").mkdir(parents=True)
    (secret / "gaji.csv").write_text("title\nGaji direksi\n", encoding="utf-8")
    (secret / "sub" / "lain.csv").write_text("title\nData lain\n", encoding="utf-8")
    folder = tmp_path / "imports"
    (folder / "bulan-ini").mkdir(parents=True)
    (folder / "ekspor.csv").write_text("title\nTren minggu ini\n", encoding="utf-8")
    (folder / "bulan-ini" / "ig.csv").write_text("title\nReels populer\n", encoding="utf-8")
    (folder / "salinan.csv").symlink_to(folder / "ekspor.csv")  # inside: still read
    (folder / "gaji.csv").symlink_to(secret / "gaji.csv")
    (folder / "luar").symlink_to(secret / "sub")
    top = run_source("csv_import", path=str(folder), now=NOW)
    assert [i.title for i in top.items] == ["Tren minggu ini", "Tren minggu ini"]
    outside = [w for w in top.warnings if "links outside the import folder" in w]
    assert [w.split(":")[0] for w in outside] == ["gaji.csv"]
    # a symlinked subfolder is not a way out either
    sub = run_source("csv_import", path=str(folder), pattern="*/*.csv", now=NOW)
    assert [i.title for i in sub.items] == ["Reels populer"]
    assert [w.split(":")[0] for w in sub.warnings] == ["luar/lain.csv"]
    assert all("links outside the import folder" in w for w in outside + sub.warnings)
