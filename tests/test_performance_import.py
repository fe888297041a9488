"""Importing post performance from the platforms' exports (issue 14, step 1).

Fixtures in tests/fixtures/performance/ follow the documented export layouts (Meta
Business Suite content export, TikTok Studio content download, YouTube Studio "Table
data.csv"), in English and Indonesian, with the odd bits real files have: BOM, ``;``,
"1.234" and "1,234", "12,5%", "0:07", "Nov 5, 2026", "5 Nov 2026", a "Total" row.
The account and people in them are invented.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from perf_helpers import write_xlsx

from trendwatch.db.store import Store
from trendwatch.parse.cells import (
    CellError,
    parse_count,
    parse_datetime,
    parse_number,
    parse_percent,
)
from trendwatch.parse.cells import parse_clock as parse_duration
from trendwatch.performance.posts import import_files
from trendwatch.performance.tables import ExportError
from trendwatch.plugins import load_plugins

WIB = ZoneInfo("Asia/Jakarta")
T1 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
T2 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def importers():
    return load_plugins().importers


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "t.db")
    yield s
    s.close()


def posts(store):
    return store.query("select * from posts order by id")


def snapshots(store, post_id=None):
    if post_id is None:
        return store.query("select * from post_metrics order by id")
    return store.query("select * from post_metrics where post_id = ? order by id", [post_id])


# -- values -----------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("1.234", 1234), ("1,234", 1234), ("1.234.567", 1234567), ("1,234,567", 1234567),
    ("12 400", 12400), ("2.1K", 2100), ("48,3K", 48300), ("3 rb", 3000), ("1,2 jt", 1200000),
    ("980", 980), ("-", None), ("", None),
])
def test_counts_in_both_locales(text, expected):
    assert parse_count(text) == expected


def test_fractions_follow_the_files_decimal_mark():
    assert parse_number("1.301,2") == pytest.approx(1301.2)
    assert parse_number("1,204.5521") == pytest.approx(1204.5521)
    assert parse_number("951,8", decimal=",") == pytest.approx(951.8)
    assert parse_number("12.345", decimal=".") == pytest.approx(12.345)  # hours, EN file
    assert parse_number("12.345") == 12345  # a count


def test_percentages_and_durations():
    assert parse_percent("12.5%") == pytest.approx(0.125)
    assert parse_percent("11,5%", decimal=",") == pytest.approx(0.115)
    assert parse_percent("58.6") == pytest.approx(0.586)
    assert parse_duration("0:45") == 45
    assert parse_duration("0:01:42") == 102
    assert parse_duration("1:02:03") == 3723
    assert parse_duration("7,2", decimal=",") == pytest.approx(7.2)
    assert parse_duration("1m 5s") == 65
    with pytest.raises(CellError):
        parse_count("banyak")


@pytest.mark.parametrize("text,dayfirst,expected", [
    ("11/04/2026 19:30", False, datetime(2026, 11, 4, 12, 30, tzinfo=UTC)),
    ("04/11/2026 19.30", True, datetime(2026, 11, 4, 12, 30, tzinfo=UTC)),
    ("2026-11-03 18:30:00", False, datetime(2026, 11, 3, 11, 30, tzinfo=UTC)),
    ("2026-11-02T03:15:00Z", False, datetime(2026, 11, 2, 3, 15, tzinfo=UTC)),
    ("Nov 5, 2026", False, datetime(2026, 11, 4, 17, 0, tzinfo=UTC)),
    ("2 Des 2026", True, datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
    ("28 Nov 2026, 19:15", True, datetime(2026, 11, 28, 12, 15, tzinfo=UTC)),
    ("11/28/2026 7:15 PM", False, datetime(2026, 11, 28, 12, 15, tzinfo=UTC)),
])
def test_dates_in_the_formats_exports_use(text, dayfirst, expected):
    assert parse_datetime(text, WIB, dayfirst=dayfirst) == expected


# -- every export, both header languages --------------------------------------------------

CASES = {
    # file: (importer, posts, {post key: expected values})
    "instagram_en.csv": ("instagram", 4, {
        "instagram:DAaaaaa0002": {"format": "reel", "published_at": "2026-11-04T12:30:00+00:00",
                                  "views": 12400, "reach": 9100, "saves": 230,
                                  "duration_seconds": 45.0}}),
    "instagram_id.csv": ("instagram", 3, {
        "instagram:DAaaaaa0002": {"format": "reel", "published_at": "2026-11-04T12:30:00+00:00",
                                  "views": 15020, "reach": 10340, "saves": 251},
        "instagram:DAaaaaa0005": {"format": "carousel", "likes": 350}}),
    "tiktok_en.csv": ("tiktok", 3, {
        "tiktok:7430000000000000002": {"platform_post_id": "7430000000000000002",
                                       "views": 9870, "completion_rate": 0.098,
                                       "avg_watch_seconds": 6.4},
        "tiktok:7430000000000000003": {"views": 48300, "likes": 2100}}),
    "tiktok_id.csv": ("tiktok", 2, {
        "tiktok:7430000000000000001": {"views": 25118, "likes": 1390, "avg_watch_seconds": 7.2,
                                       "completion_rate": 0.13},
        "tiktok:7430000000000000004": {"published_at": "2026-11-28T12:15:00+00:00"}}),
    "youtube_en.csv": ("youtube", 3, {
        "youtube:aBcDeFgHiJ2": {"format": "short", "views": 22470, "watch_hours": 211.3319,
                                "avg_watch_seconds": 34.0, "comments": 77},
        "youtube:aBcDeFgHiJ1": {"format": "video", "published_at": "2026-11-04T17:00:00+00:00"}}),
    "youtube_id.csv": ("youtube", 2, {
        "youtube:aBcDeFgHiJ4": {"format": "short", "views": 30462, "watch_hours": 349.4,
                                "completion_rate": 0.912, "published_at":
                                "2026-12-01T17:00:00+00:00"}}),
    "generic.csv": ("generic", 3, {
        "instagram:DAaaaaa0001": {"platform": "instagram", "format": "carousel",
                                  "views": 3420},
        "https://linkedin.com/posts/studio-lensa_iklan-lokal-activity-7260000000000000001-abcd":
            {"platform": "linkedin", "format": "text", "reach": 1210},
        "https://facebook.com/studiolensa/videos/1200000000000001":
            {"platform": "facebook", "completion_rate": 0.315,
             "published_at": "2026-12-14T07:00:00+00:00"}}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_export_is_recognised_and_read(name, fixtures, store, importers):
    importer, n, expected = CASES[name]
    result = import_files(store, [fixtures / "performance" / name], importers, WIB, now=T1)
    assert result.files[0]["importer"] == importer
    assert result.new_posts == n and result.snapshots == n
    rows = {r["url_key"]: r for r in store.query(
        "select p.*, m.* from posts p join post_metrics m on m.post_id = p.id")}
    assert len(rows) == n
    for key, values in expected.items():
        for field, value in values.items():
            got = rows[key][field]
            assert got == (pytest.approx(value) if isinstance(value, float) else value), \
                (key, field)
    assert all(r["engagement_rate"] is not None for r in rows.values())


def test_totals_rows_are_not_posts(fixtures, store, importers):
    import_files(store, [fixtures / "performance" / "youtube_en.csv",
                         fixtures / "performance" / "tiktok_id.csv"], importers, WIB, now=T1)
    assert not [p for p in posts(store) if (p["title"] or "").lower() == "total"]
    assert len(posts(store)) == 5


def test_tiktok_xlsx_with_indonesian_headers(tmp_path, store, importers):
    path = write_xlsx(tmp_path / "Konten TikTok.xlsx", [
        ["Judul video", "Tautan video", "Waktu posting", "Total suka", "Total komentar",
         "Total dibagikan", "Total penayangan", "Rata-rata waktu tonton",
         "Menonton video penuh"],
        ["Syuting iklan di pasar", "https://www.tiktok.com/@studiolensa.id/video/7431111111111111111",
         "2026-11-21 17:45:00", 730, 35, 12, 15230, "0:08", "14%"],
        ["Tren transisi kamera", "https://www.tiktok.com/@studiolensa.id/video/7432222222222222222",
         46357.75, "1.204", 60, 41, "22.930", 9.5, "17,5%"],  # an Excel date serial
    ])
    result = import_files(store, [path], importers, WIB, now=T1)
    assert result.files[0]["importer"] == "tiktok" and result.new_posts == 2
    rows = store.query("select p.platform_post_id, p.published_at, m.views, m.likes, "
                       "m.completion_rate from posts p join post_metrics m on m.post_id = p.id "
                       "order by p.id")
    assert rows[0] == {"platform_post_id": "7431111111111111111",
                       "published_at": "2026-11-21T10:45:00+00:00", "views": 15230,
                       "likes": 730, "completion_rate": pytest.approx(0.14)}
    assert rows[1]["views"] == 22930 and rows[1]["likes"] == 1204
    assert rows[1]["completion_rate"] == pytest.approx(0.175)
    assert rows[1]["published_at"] == "2026-12-01T11:00:00+00:00"  # 46357.75 in WIB


# -- re-import and history ----------------------------------------------------------------


def test_reimport_changes_nothing(fixtures, store, importers):
    files = sorted((fixtures / "performance").glob("*.csv"))
    first = import_files(store, files, importers, WIB, now=T1)
    n_posts, n_snaps = len(posts(store)), len(snapshots(store))
    again = import_files(store, files, importers, WIB, now=T2)
    assert again.new_posts == 0 and again.snapshots == 0 and again.updated_posts == 0
    assert again.unchanged_posts == first.new_posts
    assert (len(posts(store)), len(snapshots(store))) == (n_posts, n_snaps)


def test_overlapping_export_updates_and_keeps_history(fixtures, store, importers):
    """The Indonesian export, taken later, has the reel again with grown numbers (and its
    link with ?igsh=...): one post, two snapshots, latest numbers on top."""
    import_files(store, [fixtures / "performance" / "instagram_en.csv"], importers, WIB,
                 now=T1)
    result = import_files(store, [fixtures / "performance" / "instagram_id.csv"], importers,
                          WIB, now=T2)
    assert (result.new_posts, result.updated_posts) == (2, 1)
    reel = [p for p in posts(store) if p["url_key"] == "instagram:DAaaaaa0002"]
    assert len(reel) == 1
    history = snapshots(store, reel[0]["id"])
    assert [(h["captured_at"], h["views"]) for h in history] == [
        ("2026-11-30T03:00:00+00:00", 12400), ("2026-12-03T03:00:00+00:00", 15020)]
    assert len(posts(store)) == 6


def test_generic_row_matches_the_instagram_post_by_canonical_link(fixtures, store, importers):
    import_files(store, [fixtures / "performance" / "instagram_en.csv"], importers, WIB, now=T1)
    import_files(store, [fixtures / "performance" / "generic.csv"], importers, WIB, now=T2)
    first = [p for p in posts(store) if p["url_key"] == "instagram:DAaaaaa0001"]
    assert len(first) == 1 and first[0]["platform_post_id"] == "17900000000000001"
    assert [s["views"] for s in snapshots(store, first[0]["id"])] == [3210, 3420]


# -- errors: clear, and nothing half imported -------------------------------------------


def test_a_bad_cell_fails_the_whole_import_with_its_line(tmp_path, fixtures, store, importers):
    bad = tmp_path / "tiktok-bad.csv"
    text = (fixtures / "performance" / "tiktok_en.csv").read_text("utf-8")
    bad.write_text(text.replace('"9,870"', "sembilan ribu"), encoding="utf-8")
    good = fixtures / "performance" / "youtube_en.csv"
    with pytest.raises(ExportError) as err:
        import_files(store, [good, bad], importers, WIB, now=T1)
    msg = str(err.value)
    assert "nothing was imported" in msg
    assert 'tiktok-bad.csv line 3, column "Total views"' in msg and "sembilan ribu" in msg
    assert posts(store) == [] and snapshots(store) == []


@pytest.mark.parametrize("content,expected", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "not a text export"),
    (b"PK\x03\x04" + b"broken zip" * 20, "not a readable XLSX"),
    (b"", "empty"),
])
def test_corrupt_files_are_refused_clearly(tmp_path, store, importers, content, expected):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(ExportError, match=expected):
        import_files(store, [path], importers, WIB, now=T1)
    assert posts(store) == []


def test_an_unrecognised_export_names_what_is_expected(tmp_path, store, importers):
    path = tmp_path / "followers.csv"
    path.write_text("Date,Followers,Unfollows\n2026-11-01,1200,4\n", encoding="utf-8")
    with pytest.raises(ExportError) as err:
        import_files(store, [path], importers, WIB, now=T1)
    msg = str(err.value)
    assert "not a recognised export" in msg and '"Date", "Followers", "Unfollows"' in msg
    for expected in ('"Permalink"', '"Video link"', '"Content"', '"platform"'):
        assert expected in msg


def test_generic_csv_refuses_unknown_columns(tmp_path, store, importers):
    path = tmp_path / "manual.csv"
    path.write_text("platform,url,published,veiws\n"
                    "instagram,https://www.instagram.com/p/XyZ12345/,2026-11-02,100\n",
                    encoding="utf-8")
    with pytest.raises(ExportError, match=r"unknown columns 'veiws'"):
        import_files(store, [path], importers, WIB, now=T1)
    with pytest.raises(ExportError, match=r"does not fit the generic importer.*'veiws'"):
        import_files(store, [path], importers, WIB, now=T1, forced="generic")


def test_forcing_the_wrong_importer_names_the_missing_columns(fixtures, store, importers):
    with pytest.raises(ExportError, match=r'does not fit the youtube importer \(missing '
                                          r'"Content", "Views"\)'):
        import_files(store, [fixtures / "performance" / "tiktok_en.csv"], importers, WIB,
                     now=T1, forced="youtube")


# -- the command ------------------------------------------------------------------------


def test_import_command(tmp_path, fixtures, cli):
    db = str(tmp_path / "c.db")
    files = [str(p) for p in sorted((fixtures / "performance").glob("*_en.csv"))]
    out = cli("--db", db, "performance", "import", "--taken", "2026-11-30T10:00", "--json",
              *files)
    result = json.loads(out.output)
    assert result["new_posts"] == 10 and result["snapshots"] == 10
    again = cli("--db", db, "performance", "import", *files)
    assert "0 new posts, 0 updated, 10 unchanged; 0 new metric snapshots" in again.output
    stamps = Store(db).query("select distinct captured_at from post_metrics")
    assert stamps == [{"captured_at": "2026-11-30T03:00:00+00:00"}]


def test_import_command_error_is_one_clear_message(tmp_path, cli):
    from click.testing import CliRunner

    from trendwatch.cli import cli as group

    path = tmp_path / "x.csv"
    shutil.copy(__file__, path)  # some text that is no export
    res = CliRunner().invoke(group, ["--db", str(tmp_path / "c.db"), "performance", "import",
                                     str(path)])
    assert res.exit_code == 1
    assert "not a recognised export" in res.output and "Traceback" not in res.output
