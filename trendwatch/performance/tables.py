"""Reading an export file into a plain table, and reading the values in its cells.

Exports reach the specialist in every shape a spreadsheet can take: UTF-8 with or without a
BOM (or UTF-16 from Excel's "Unicode text", or Windows-1252), comma, semicolon or tab
separated (Excel in an Indonesian locale writes ``;``), XLSX straight from TikTok Studio,
a "Total" row under the header (YouTube Studio) or at the bottom, numbers written
``1.234`` (Indonesian) or ``1,234`` (English), ``12,5%``, ``0:45``, ``1.2K``, dates as
``11/28/2026 10:30``, ``28/11/2026``, ``2026-11-28``, ``Nov 28, 2026`` or ``28 Des 2026``.

Everything here is pure (no database, no plugins). A cell that cannot be read raises
:class:`CellError` naming what it expected; the importer turns it into a file error with the
line number, so nothing is half imported.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from ..errors import TrendwatchError

#: An export bigger than this is not an export (a 5,000-post CSV is ~1 MB).
MAX_FILE_BYTES = 50_000_000
#: First cells that mark a totals row, not a post.
TOTAL_WORDS = frozenset({"total", "totals", "grand total", "jumlah", "total keseluruhan",
                         "sum", "summary", "ringkasan"})
#: Cells that mean "no value".
EMPTY = frozenset({"", "-", "--", "–", "—", "n/a", "na", "null", "none", "tidak ada"})


class ExportError(TrendwatchError):
    """An export that cannot be imported; the message names the file and what was wrong."""


class CellError(ValueError):
    """One cell that cannot be read (the caller adds file, line and column)."""


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


def norm_header(text: str) -> str:
    """Header text compared loosely: case, spaces, BOMs and quotes do not matter."""
    text = text.replace("\ufeff", "").replace("\u00a0", " ").replace("_", " ")
    return re.sub(r"\s+", " ", text.strip().strip('"').lower())


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


def _decode(name: str, data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    if b"\x00" in data[:4000]:
        raise ExportError(f"{name}: this is not a text export (binary data); expected a CSV "
                          "or XLSX file downloaded from Instagram, TikTok or YouTube")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(p: Path, data: bytes) -> Table:
    text = _decode(p.name, data)
    lines = text.splitlines()
    # Some exports put a title line or blank lines above the header: the header is the
    # first line with at least two separated cells.
    start = 0
    while start < len(lines) and len(_split_guess(lines[start])) < 2:
        start += 1
    if start >= len(lines):
        raise ExportError(f"{p.name}: no header row found (expected a CSV with column names "
                          "on the first line)")
    body = "\n".join(lines[start:])
    delimiter = _delimiter(lines[start])
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
    return next(csv.reader([line], delimiter=_delimiter(line)), [])


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


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


# -- values -----------------------------------------------------------------------------

_SUFFIX = {"k": 1e3, "rb": 1e3, "ribu": 1e3, "m": 1e6, "jt": 1e6, "juta": 1e6, "mn": 1e6,
           "b": 1e9, "miliar": 1e9, "m+": 1e6}
_NUMBER = re.compile(r"^([+-]?[\d.,\s\u00a0']*\d)\s*([a-z+]*)$")


def is_empty(text: str | None) -> bool:
    return text is None or text.strip().lower() in EMPTY


def parse_number(text: str | None, *, decimal: str | None = None) -> float | None:
    """``1.234`` / ``1,234`` / ``1 234`` / ``1.234.567`` / ``12,5`` / ``1.2K`` / ``3 rb``.

    A lone separator followed by exactly three digits is a thousands separator (counts are
    whole numbers: "1.234" views is never 1.234) unless ``decimal`` says that mark is the
    file's decimal mark (a fractional column such as watch hours); any other lone mark is
    the decimal mark. A value with both marks is read by which comes last.
    """
    if text is not None and text.isdigit():  # most cells: plain digits, the fast way
        return float(text)
    if is_empty(text):
        return None
    raw = str(text).strip().lower().replace("\u00a0", " ")
    m = _NUMBER.match(raw)
    if not m:
        raise CellError(f'"{text}" is not a number')
    digits, suffix = m.group(1).replace(" ", "").replace("'", ""), m.group(2)
    mult = 1.0
    if suffix:
        if suffix not in _SUFFIX:
            raise CellError(f'"{text}" is not a number')
        mult = _SUFFIX[suffix]
    if "," in digits and "." in digits:
        dec = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif digits.count(",") > 1 or digits.count(".") > 1:
        dec = "." if "," in digits else ","  # several of one mark: thousands
    elif "," in digits or "." in digits:
        mark = "," if "," in digits else "."
        tail = digits.rsplit(mark, 1)[1]
        if len(tail) == 3 and not suffix and (decimal is None or mark != decimal):
            dec = "." if mark == "," else ","  # "1,234" / "1.234" views: thousands
        else:
            dec = mark  # "12,5" / "0.45": a decimal mark
    else:
        dec = "."
    thousands = "," if dec == "." else "."
    cleaned = digits.replace(thousands, "").replace(dec, ".")
    try:
        value = float(cleaned) * mult
    except ValueError:
        raise CellError(f'"{text}" is not a number') from None
    if not math.isfinite(value):
        raise CellError(f'"{text}" is not a number')
    return value


def parse_count(text: str | None) -> int | None:
    if text is not None and text.isdigit():
        return int(text)
    value = parse_number(text)
    if value is None:
        return None
    if value < 0:
        raise CellError(f'"{text}" is negative: a count cannot be')
    return round(value)


def parse_percent(text: str | None, *, decimal: str = ".") -> float | None:
    """``"4,5%"`` / ``"4.5 %"`` / ``"4.5"`` → 0.045 (a rate in [0, 1])."""
    if is_empty(text):
        return None
    raw = str(text).strip().rstrip("%").strip()
    value = parse_number(raw, decimal=decimal)
    return None if value is None else round(value / 100.0, 6)


_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$")
_DURATION_WORDS = re.compile(r"^(?:(\d+)\s*(?:h|j|jam))?\s*(?:(\d+)\s*(?:m|min|mnt|menit))?\s*"
                             r"(?:(\d+(?:[.,]\d+)?)\s*(?:s|sec|dtk|detik))?$")


def parse_duration(text: str | None, *, decimal: str = ".") -> float | None:
    """Seconds from ``"0:45"``, ``"1:02:03"``, ``"45s"``, ``"1m 5s"``, ``"45"``, ``"7,5"``."""
    if is_empty(text):
        return None
    raw = str(text).strip().lower()
    m = _DURATION.match(raw)
    if m:
        h, mnt, s = m.groups()
        return int(h or 0) * 3600 + int(mnt) * 60 + float(s.replace(",", "."))
    m = _DURATION_WORDS.match(raw)
    if m and any(m.groups()):
        h, mnt, s = m.groups()
        return int(h or 0) * 3600 + int(mnt or 0) * 60 + float((s or "0").replace(",", "."))
    value = parse_number(raw, decimal=decimal)
    if value is None or value < 0:
        raise CellError(f'"{text}" is not a duration (expected e.g. 0:45 or 45)')
    return value


MONTHS = {
    "jan": 1, "january": 1, "januari": 1, "feb": 2, "february": 2, "februari": 2,
    "mar": 3, "march": 3, "maret": 3, "apr": 4, "april": 4, "may": 5, "mei": 5,
    "jun": 6, "june": 6, "juni": 6, "jul": 7, "july": 7, "juli": 7, "aug": 8,
    "august": 8, "agu": 8, "agt": 8, "agustus": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "okt": 10, "oktober": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12, "des": 12, "desember": 12,
}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ t]\d{1,2}[:.]\d{2}([:.]\d{2})?(\.\d+)?)?"
                  r"(z|[+-]\d{2}:?\d{2})?$")
_SLASH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:,?\s+(\d{1,2})[:.](\d{2})"
                    r"(?:[:.](\d{2}))?\s*(am|pm)?)?$")
_WORDY = re.compile(r"^(?:[a-z]+,?\s+)?(?:(\d{1,2})\s+([a-z]+)\.?|([a-z]+)\.?\s+(\d{1,2})),?\s+"
                    r"(\d{4})(?:,?\s+(?:pukul\s+)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*"
                    r"(am|pm)?)?$")


def day_first(values: Iterable[str], lang: str) -> bool:
    """Whether ``a/b/yyyy`` dates in this column are day-first: decided by the column
    (a first part above 12 means day-first, a second part above 12 month-first), else by
    the header language (Indonesian: day-first; English exports from Meta: month-first)."""
    for v in values:
        m = _SLASH.match(str(v).strip().lower())
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a > 12:
                return True
            if b > 12:
                return False
    return lang == "id"


def parse_datetime(text: str | None, tz: tzinfo, *, dayfirst: bool = False) -> datetime | None:
    """A publish time as an aware UTC datetime. Times without an offset are in ``tz``
    (the brand's zone: Studio exports show the account's local time)."""
    if is_empty(text):
        return None
    raw = re.sub(r"\s+", " ", str(text).strip().lower())
    try:
        if _ISO.match(raw):
            iso = raw.replace(" ", "T", 1).replace(".", ":", 2) if "t" not in raw[:11] \
                else raw
            iso = re.sub(r"t(\d{1,2})\.(\d{2})", r"t\1:\2", iso)
            dt = datetime.fromisoformat(iso.upper().replace("Z", "+00:00"))
            return _aware(dt, tz)
        m = _SLASH.match(raw)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            d, mo = (a, b) if dayfirst else (b, a)
            y = y + 2000 if y < 100 else y
            hh, mi, ss = _clock(m.group(4), m.group(5), m.group(6), m.group(7))
            return _aware(datetime(y, mo, d, hh, mi, ss), tz)
        m = _WORDY.match(raw)
        if m:
            d = int(m.group(1) or m.group(4))
            month = MONTHS.get((m.group(2) or m.group(3) or "").rstrip("."))
            if month is None:
                raise CellError(f'"{text}": unknown month')
            hh, mi, ss = _clock(m.group(6), m.group(7), m.group(8), m.group(9))
            return _aware(datetime(int(m.group(5)), month, d, hh, mi, ss), tz)
        serial = float(raw)  # an Excel date serial from an XLSX cell
        if 20000 < serial < 80000:
            return _aware(datetime(1899, 12, 30) + timedelta(days=serial), tz)
    except ValueError:
        pass
    raise CellError(f'"{text}" is not a date (expected e.g. 2026-11-28 10:30, '
                    "11/28/2026 10:30, 28/11/2026 or Nov 28, 2026)")


_HAS_CLOCK = re.compile(r"(?<![\d./-])\d{1,2}[:.]\d{2}(?![\d./-])")


def has_clock(text: str | None) -> bool:
    """Whether a date cell gives a time of day (``"Nov 5, 2026"`` does not: its posts are
    left out of the best-hour analysis instead of all counting as midnight)."""
    return bool(text) and bool(_HAS_CLOCK.search(str(text)))


def _clock(h: str | None, m: str | None, s: str | None, ampm: str | None) -> tuple[int, int, int]:
    hh, mi, ss = int(h or 0), int(m or 0), int(s or 0)
    if ampm == "pm" and hh < 12:
        hh += 12
    elif ampm == "am" and hh == 12:
        hh = 0
    return hh, mi, ss


def _aware(dt: datetime, tz: tzinfo) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)
