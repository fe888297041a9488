"""Reading an export file into a plain table, and reading the values in its cells.

Exports reach the specialist in every shape a spreadsheet can take: UTF-8 with or without a
BOM (or UTF-16 from Excel's "Unicode text", or Windows-1252), comma, semicolon or tab
separated (Excel in an Indonesian locale writes ``;``), XLSX straight from TikTok Studio,
a "Total" row under the header (YouTube Studio) or at the bottom, numbers written
``1.234`` (Indonesian) or ``1,234`` (English), ``12,5%``, ``0:45``, ``1.2K``, dates as
``11/28/2026 10:30``, ``28/11/2026``, ``2026-11-28``, ``Nov 28, 2026`` or ``28 Des 2026``.

Everything here is pure (no database, no plugins). The cells themselves, and the decoding,
delimiter and header rules shared with the ``csv_import`` source, are read by
:mod:`trendwatch.parse.cells`; a cell that cannot be read raises its :class:`CellError`
naming what it expected, and the importer turns it into a file error with the line number,
so nothing is half imported.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TrendwatchError
from ..parse.cells import excel_sep_line, norm_header, sniff_delimiter, text_encoding

#: An export bigger than this is not an export (a 5,000-post CSV is ~1 MB).
MAX_FILE_BYTES = 50_000_000
#: First cells that mark a totals row, not a post.
TOTAL_WORDS = frozenset({"total", "totals", "grand total", "jumlah", "total keseluruhan",
                         "sum", "summary", "ringkasan"})


class ExportError(TrendwatchError):
    """An export that cannot be imported; the message names the file and what was wrong."""


@dataclass
class Table:
    """A file read as text cells: ``header`` and data ``rows`` with their line numbers."""

    path: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    delimiter: str = ","
    #: "id" when the headers are Indonesian (decides decimal commas and day-first dates)
    lang: str = "en"

    @property
    def decimal(self) -> str:
        """The decimal mark of the file: a comma for Indonesian headers or ``;`` files."""
        return "," if self.lang == "id" or self.delimiter == ";" else "."

    def column(self, name: str) -> int | None:
        key = norm_header(name)
        for i, h in enumerate(self.header):
            if norm_header(h) == key:
                return i
        return None


# -- reading files ----------------------------------------------------------------------


def read_table(path: str | Path) -> Table:
    """The file as a :class:`Table` (CSV/TSV/TXT by sniffing, XLSX by its zip signature)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExportError(f"{p.name}: {size:,} bytes is too big for an export "
                              f"(limit {MAX_FILE_BYTES:,})")
        data = p.read_bytes()
    except OSError as err:
        raise ExportError(f"cannot read {p}: {err.strerror or err}") from None
    if not data.strip():
        raise ExportError(f"{p.name}: the file is empty")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(p, data)
    return _read_csv(p, data)


#: A performance export's delimiters: not ``|``, which a title line above the header
#: ("Report | Nov 2026") may hold and would then be taken for the header.
_DELIMITERS = (",", ";", "\t")


def _decode(name: str, data: bytes) -> str:
    encoding = text_encoding([data])
    if encoding != "utf-16" and b"\x00" in data[:4000]:
        raise ExportError(f"{name}: this is not a text export (binary data); expected a CSV "
                          "or XLSX file downloaded from Instagram, TikTok or YouTube")
    return data.decode(encoding, errors="replace")


def _read_csv(p: Path, data: bytes) -> Table:
    text = _decode(p.name, data)
    lines = text.splitlines()
    hint = excel_sep_line(lines[0]) if lines else None
    # Some exports put Excel's "sep=;" line, a title line or blank lines above the header:
    # the header is the first line with at least two separated cells.
    start = 1 if hint else 0
    while start < len(lines) and len(_split_guess(lines[start])) < 2:
        start += 1
    if start >= len(lines):
        raise ExportError(f"{p.name}: no header row found (expected a CSV with column names "
                          "on the first line)")
    body = "\n".join(lines[start:])
    delimiter = hint or sniff_delimiter(lines[start], _DELIMITERS)
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    try:
        header = [h.replace("\ufeff", "").strip() for h in next(reader)]
        rows = []
        for row in reader:
            rows.append((reader.line_num + start, [c.strip() for c in row]))
    except csv.Error as err:
        raise ExportError(f"{p.name}: not a readable CSV ({err})") from None
    return _finish(Table(str(p), header, rows, delimiter))


def _split_guess(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=sniff_delimiter(line, _DELIMITERS)), [])


def _finish(table: Table) -> Table:
    """Drop blank and totals rows; guess the header language."""
    kept = []
    for line, row in table.rows:
        if not any(c.strip() for c in row):
            continue
        first = next((c for c in row if c.strip()), "")
        if norm_header(first) in TOTAL_WORDS:
            continue
        kept.append((line, row))
    table.rows = kept
    table.lang = header_language(table.header)
    return table


#: Words that only appear in Indonesian headers.
_ID_WORDS = re.compile(r"\b(judul|waktu|tanggal|tayangan|penayangan|jangkauan|suka|komentar|"
                       r"bagikan|dibagikan|simpan|disimpan|jenis|tautan|durasi|konten|"
                       r"rata-rata|pengikut|postingan|keterangan|deskripsi|akun)\b")


def header_language(header: Sequence[str]) -> str:
    hits = sum(1 for h in header if _ID_WORDS.search(norm_header(h)))
    return "id" if hits * 3 >= max(1, len(header)) else "en"


# -- XLSX without a dependency ------------------------------------------------------------

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _read_xlsx(p: Path, data: bytes) -> Table:
    """The first worksheet of an XLSX file. Only what exports use: shared and inline
    strings, numbers, booleans. Numbers stay as text (``repr``-free), Excel date serials
    are turned into ISO dates by the date parser (it accepts serials)."""
    from defusedxml import ElementTree as ET  # exports are untrusted XML

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            shared: list[str] = []
            if "xl/sharedStrings.xml" in names:
                root = ET.fromstring(z.read("xl/sharedStrings.xml"))
                for si in root.iter(f"{_NS}si"):
                    shared.append("".join(t.text or "" for t in si.iter(f"{_NS}t")))
            sheet = _first_sheet(z, names, ET)
            root = ET.fromstring(z.read(sheet))
    except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError) as err:
        raise ExportError(f"{p.name}: not a readable XLSX file ({err})") from None
    grid: list[tuple[int, list[str]]] = []
    for row in root.iter(f"{_NS}row"):
        cells: dict[int, str] = {}
        for c in row.iter(f"{_NS}c"):
            col = _col_index(c.get("r", ""), len(cells))
            kind = c.get("t", "n")
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter(f"{_NS}t"))
            else:
                v = c.find(f"{_NS}v")
                value = v.text if v is not None and v.text is not None else ""
                if kind == "s" and value:
                    value = shared[int(value)]
            cells[col] = value.strip()
        width = max(cells) + 1 if cells else 0
        grid.append((int(row.get("r") or len(grid) + 1), [cells.get(i, "") for i in range(width)]))
    grid = [(n, r) for n, r in grid if any(r)]
    if not grid:
        raise ExportError(f"{p.name}: the first worksheet is empty")
    (_, header), rows = grid[0], grid[1:]
    return _finish(Table(str(p), header, rows, "xlsx"))


def _first_sheet(z: zipfile.ZipFile, names: set[str], ET: object) -> str:
    if "xl/worksheets/sheet1.xml" in names:
        return "xl/worksheets/sheet1.xml"
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if not sheets:
        raise KeyError("no worksheet")
    return sheets[0]


def _col_index(ref: str, fallback: int) -> int:
    letters = "".join(ch for ch in ref if ch.isalpha())
    if not letters:
        return fallback
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1
