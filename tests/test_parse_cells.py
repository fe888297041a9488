"""The one cell reader (trendwatch.parse.cells): the cells real exports hold, in Indonesian
and English, and the file rules (encoding, delimiter, headers) every importer shares."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from trendwatch.parse.cells import (
    CellError,
    day_first,
    excel_sep_line,
    has_clock,
    header_key,
    month_number,
    norm_header,
    parse_clock,
    parse_count,
    parse_datetime,
    parse_number,
    parse_percent,
    sniff_delimiter,
    text_encoding,
)

WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize("text, value", [
    ("1.234", 1234), ("1,234", 1234), ("12,3K", 12_300), ("1,2 jt", 1_200_000),
    ("3 rb", 3000), ("1.234.567", 1_234_567), ("1,234,567", 1_234_567),
    ("12.345,67", 12_345.67), ("12,345.67", 12_345.67), ("1\u00a0234", 1234),
    ("2,5 juta", 2_500_000), ("1.5M", 1_500_000), ("2 miliar", 2e9), ("10K+", 10_000),
    ("50,000+", 50_000), ("20 rb.", 20_000), ("0.125", 0.125), ("12,5", 12.5), ("-3", -3),
    ("980", 980),
])
def test_numbers_in_both_locales(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_the_decimal_mark_can_be_given():
    # watch hours in an Indonesian file: "951,8" and "1,234" are fractions there
    assert parse_number("1,234", decimal=",") == pytest.approx(1.234)
    assert parse_number("12.345", decimal=".") == pytest.approx(12.345)
    assert parse_number("12.345") == 12_345  # guessed: a count


@pytest.mark.parametrize("text", ["", "-", "n/a", "  ", None, "tidak ada"])
def test_empty_cells_are_none(text):
    assert parse_number(text) is None
    assert parse_count(text) is None
    assert parse_datetime(text, WIB) is None


@pytest.mark.parametrize("text", ["1.23.4", "12,34,5", "1234,567,890", "banyak", "12 apel",
                                  "#1", "45%", "9" * 400])
def test_what_is_not_a_number_is_refused_not_guessed(text):
    with pytest.raises(CellError):
        parse_number(text)


def test_counts_percentages_and_clock_durations():
    assert parse_count("12,3K") == 12_300
    assert parse_count("1,2 jt") == 1_200_000
    with pytest.raises(CellError, match="negative"):
        parse_count("-5")
    assert parse_percent("45%") == pytest.approx(0.45)
    assert parse_percent("12,5 %", decimal=",") == pytest.approx(0.125)
    assert parse_clock("0:01:30") == 90
    assert parse_clock("0:45") == 45
    assert parse_clock("1m 5s") == 65
    assert parse_clock("2 menit 3 detik") == 123
    assert parse_clock("7,5", decimal=",") == pytest.approx(7.5)
    with pytest.raises(CellError, match="duration"):
        parse_clock("sebentar")


@pytest.mark.parametrize("text, expected", [
    ("12 Des 2026", datetime(2026, 12, 11, 17, 0, tzinfo=UTC)),
    ("Dec 12, 2026", datetime(2026, 12, 11, 17, 0, tzinfo=UTC)),
    ("17 Agustus 2026", datetime(2026, 8, 16, 17, 0, tzinfo=UTC)),
    ("Kamis, 26 Nov 2026 pukul 19.15", datetime(2026, 11, 26, 12, 15, tzinfo=UTC)),
    ("Nov 28, 2026 7:15 PM", datetime(2026, 11, 28, 12, 15, tzinfo=UTC)),
    ("2026-11-28", datetime(2026, 11, 27, 17, 0, tzinfo=UTC)),
    ("2026-11-28T10:00:00Z", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
    ("20261128", datetime(2026, 11, 27, 17, 0, tzinfo=UTC)),
    ("1764216000", datetime(2025, 11, 27, 4, 0, tzinfo=UTC)),
    ("46000", datetime(2025, 12, 8, 17, 0, tzinfo=UTC)),  # an Excel serial
])
def test_dates(text, expected):
    assert parse_datetime(text, WIB) == expected


def test_slashed_dates_both_ways():
    assert parse_datetime("12/01/2026", WIB, dayfirst=True) == datetime(2026, 1, 11, 17, 0,
                                                                        tzinfo=UTC)
    assert parse_datetime("12/01/2026", WIB, dayfirst=False) == datetime(2026, 11, 30, 17, 0,
                                                                         tzinfo=UTC)
    assert parse_datetime("28/11/26 10.15", WIB, dayfirst=True) == datetime(2026, 11, 28, 3, 15,
                                                                            tzinfo=UTC)


@pytest.mark.parametrize("text", ["31/02/2026", "32 Mei 2026", "kemarin", "2026-13-01",
                                  "01/01/0001", "Mei 2026"])
def test_what_is_not_a_date_is_refused(text):
    with pytest.raises(CellError):
        parse_datetime(text, WIB, dayfirst=True)


def test_unknown_month_is_named():
    with pytest.raises(CellError, match="unknown month"):
        parse_datetime("12 Brumaire 2026", WIB)


def test_day_first_is_decided_by_the_column_then_the_language():
    assert day_first(["01/02/2026", "13/02/2026"], "en") is True
    assert day_first(["01/02/2026", "02/13/2026"], "id") is False
    assert day_first(["01/02/2026"], "id") is True
    assert day_first(["01/02/2026"], "en") is False


def test_month_names_and_clocks():
    assert [month_number(m) for m in ("Des", "desember", "Agt.", "Pebruari", "May")] == \
        [12, 12, 8, 2, 5]
    assert month_number("Brumaire") is None
    assert has_clock("28 Nov 2026, 19:15") and not has_clock("Nov 28, 2026")


def test_encodings():
    text = "Judul;Tayangan\nKopi “Senja”;1.234\n"
    assert text_encoding([text.encode("utf-8")]) == "utf-8-sig"
    assert text_encoding([b"\xef\xbb\xbf" + text.encode("utf-8")]) == "utf-8-sig"
    assert text_encoding([text.encode("utf-16")]) == "utf-16"
    assert text_encoding([text.encode("cp1252")]) == "cp1252"
    # a multi-byte character split across two chunks is still UTF-8
    data = text.encode("utf-8")
    cut = data.index("“".encode()) + 1
    assert text_encoding(iter([b"", data[:cut], data[cut:]])) == "utf-8-sig"


def test_delimiters_and_headers():
    assert sniff_delimiter("Judul;Tayangan;Suka") == ";"
    assert sniff_delimiter("Title\tViews") == "\t"
    assert sniff_delimiter("title|views") == "|"
    assert sniff_delimiter("title|views", (",", ";")) == ","
    assert sniff_delimiter("Judul") == ","
    assert excel_sep_line("sep=;\n") == ";"
    assert excel_sep_line("\ufeffSEP=,") == ","
    assert excel_sep_line("sep,views") is None
    assert norm_header('\ufeff "Post_ID" ') == "post id"
    assert norm_header("Completion rate (%)") == "completion rate (%)"
    assert header_key(" Video Views (%)") == "video_views"
    assert header_key("\ufeffRank") == "rank"
