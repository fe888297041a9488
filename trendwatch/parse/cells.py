"""The one reader of spreadsheet cells and of the files they come in.

Post exports (:mod:`trendwatch.performance`), the ``csv_import`` source and Google Trends'
approximate traffic all read numbers people typed or a platform localised: ``1.234``
(Indonesian) or ``1,234`` (English), ``12,3K``, ``1,2 jt``, ``3 rb``, ``45%``, ``0:01:30``,
dates as ``2026-11-28``, ``28/11/2026``, ``11/28/2026 7:15 PM``, ``Nov 28, 2026`` or
``28 Des 2026``. They used to be read by three copies with three suffix tables that had
drifted apart; this module is the only one now, so a fix reaches every importer.

Also here: what each reader does to a file before its cells (decoding the bytes, sniffing
the delimiter, normalising the header texts).

Everything is pure. A cell that cannot be read raises :class:`CellError` naming what was
expected (an importer adds the file, line and column); an empty cell (``""``, ``-``,
``n/a``...) is ``None``. Callers that would rather skip a bad cell catch the error.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

from dateutil import parser as dateparser

__all__ = [
    "DELIMITERS", "EMPTY", "MONTHS", "SUFFIXES", "CellError", "day_first", "excel_sep_line",
    "has_clock", "header_key", "is_empty", "month_number", "norm_header", "parse_clock",
    "parse_count", "parse_datetime", "parse_number", "parse_percent", "sniff_delimiter",
    "text_encoding",
]

#: Cells that mean "no value".
EMPTY = frozenset({"", "-", "--", "–", "—", "n/a", "na", "null", "none", "tidak ada"})


class CellError(ValueError):
    """One cell that cannot be read (the caller adds file, line and column)."""


def is_empty(text: str | None) -> bool:
    return text is None or text.strip().lower() in EMPTY


# -- numbers ------------------------------------------------------------------------------

#: Multipliers people and platforms write after a number, English and Indonesian.
SUFFIXES = {"k": 1e3, "rb": 1e3, "ribu": 1e3, "m": 1e6, "jt": 1e6, "juta": 1e6, "mn": 1e6,
            "mio": 1e6, "b": 1e9, "bn": 1e9, "miliar": 1e9, "milyar": 1e9, "t": 1e12,
            "triliun": 1e12}
# sign, digits with their marks, an optional suffix (maybe abbreviated with a dot: "rb."),
# an optional "+" of an "at least" figure ("10K+", "50,000+": Google Trends, TikTok)
_NUMBER = re.compile(r"^([+-]?)([\d.,\s']*\d)\s*(?:([a-z]+)\.?)?\s*(\+?)$")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def parse_number(text: str | None, *, decimal: str | None = None) -> float | None:
    """``1.234`` / ``1,234`` / ``1 234`` / ``1.234.567`` / ``12,5`` / ``1.2K`` / ``3 rb``.

    A lone separator followed by exactly three digits is a thousands separator (counts are
    whole numbers: "1.234" views is never 1.234) unless ``decimal`` says that mark is the
    file's decimal mark (a fractional column such as watch hours), a suffix follows
    (``1.234K``) or the part before it is ``0`` (``0.125``); any other lone mark is the
    decimal mark. A value with both marks is read by which comes last. Thousands groups
    must be whole (``1.23.4`` and ``12,34,5`` are refused, not guessed at).
    """
    if text is not None and text.isascii() and text.isdigit():  # most cells: the fast way
        return _finite(float(text), text)
    if is_empty(text):
        return None
    raw = str(text).strip().lower().translate(_SPACES)
    m = _NUMBER.match(raw)
    if not m:
        raise CellError(f'"{text}" is not a number')
    sign, digits, suffix = m.group(1), m.group(2).replace(" ", "").replace("'", ""), m.group(3)
    if suffix and suffix not in SUFFIXES:
        raise CellError(f'"{text}" is not a number')
    dec = _decimal_mark(digits, bool(suffix), decimal)
    thousands = "," if dec == "." else "."
    whole, _, frac = digits.partition(dec)
    groups = whole.split(thousands)
    if (dec in frac or thousands in frac
            or (len(groups) > 1 and (not 1 <= len(groups[0]) <= 3
                                     or any(len(g) != 3 for g in groups[1:])))):
        raise CellError(f'"{text}" is not a number')
    value = float("".join(groups) + "." + frac if frac else "".join(groups))
    value *= SUFFIXES[suffix] if suffix else 1.0
    return _finite(-value if sign == "-" else value, text)


def _decimal_mark(digits: str, suffix: bool, decimal: str | None) -> str:
    """Which of ``.`` and ``,`` is the decimal mark of ``digits`` (see parse_number)."""
    if "," in digits and "." in digits:
        return "," if digits.rfind(",") > digits.rfind(".") else "."
    if digits.count(",") > 1 or digits.count(".") > 1:
        return "." if "," in digits else ","  # several of one mark: thousands
    if "," not in digits and "." not in digits:
        return "."
    mark = "," if "," in digits else "."
    head, tail = digits.split(mark)
    grouped = (len(tail) == 3 and not suffix and head not in ("", "0")
               and (decimal is None or mark != decimal))
    return ("." if mark == "," else ",") if grouped else mark


def _finite(value: float, text: str | None) -> float:
    # a 400-digit cell overflows to inf, which no count or rate can be
    if not math.isfinite(value):
        raise CellError(f'"{text}" is not a number')
    return value


def parse_count(text: str | None) -> int | None:
    """A whole, non-negative number (views, likes...): ``parse_number`` rounded."""
    if text is not None and text.isascii() and text.isdigit():
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


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$")
_CLOCK_WORDS = re.compile(r"^(?:(\d+)\s*(?:h|j|jam))?\s*(?:(\d+)\s*(?:m|min|mnt|menit))?\s*"
                          r"(?:(\d+(?:[.,]\d+)?)\s*(?:s|sec|dtk|detik))?$")


def parse_clock(text: str | None, *, decimal: str = ".") -> float | None:
    """Seconds from a duration cell: ``"0:45"``, ``"1:02:03"``, ``"45s"``, ``"1m 5s"``,
    ``"45"``, ``"7,5"``. (Not :func:`trendwatch.durations.parse_duration`, which reads the
    config's ``"15m"`` intervals.)"""
    if is_empty(text):
        return None
    raw = str(text).strip().lower()
    m = _CLOCK.match(raw)
    if m:
        h, mnt, s = m.groups()
        return int(h or 0) * 3600 + int(mnt) * 60 + float(s.replace(",", "."))
    m = _CLOCK_WORDS.match(raw)
    if m and any(m.groups()):
        h, mnt, s = m.groups()
        return int(h or 0) * 3600 + int(mnt or 0) * 60 + float((s or "0").replace(",", "."))
    try:
        value = parse_number(raw, decimal=decimal)
    except CellError:
        value = None
    if value is None or value < 0:
        raise CellError(f'"{text}" is not a duration (expected e.g. 0:45 or 45)')
    return value


# -- dates --------------------------------------------------------------------------------


class _MonthNames(dateparser.parserinfo):
    """English and Indonesian month names (with the old spellings "Pebruari", "Nopember"
    and the abbreviations Indonesian sites use: "Agt", "Ags", "Des")."""

    MONTHS = [("jan", "januari", "january"), ("feb", "februari", "february", "pebruari"),
              ("mar", "maret", "march"), ("apr", "april"), ("mei", "may"),
              ("jun", "juni", "june"), ("jul", "juli", "july"),
              ("agu", "agt", "ags", "agustus", "aug", "august"),
              ("sep", "sept", "september"), ("okt", "oktober", "oct", "october"),
              ("nov", "nopember", "november"), ("des", "desember", "dec", "december")]


_MONTH_NAMES = _MonthNames()
#: Month name (lower case, English or Indonesian, full or abbreviated) → 1..12.
MONTHS = {name: i + 1 for i, names in enumerate(_MonthNames.MONTHS) for name in names}


def month_number(name: str) -> int | None:
    """1..12 for a month name in English or Indonesian (``"Des"``, ``"August"``), else None."""
    found = _MONTH_NAMES.month(name.strip().rstrip("."))
    return None if found is None else int(found)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ t]\d{1,2}[:.]\d{2}([:.]\d{2})?(\.\d+)?)?"
                  r"(z|[+-]\d{2}:?\d{2})?$")
_SLASH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:(?:,?\s+|t)(\d{1,2})[:.](\d{2})"
                    r"(?:[:.](\d{2}))?\s*(am|pm)?)?$")
# an optional weekday ("Kamis, 28 Nov 2026 pukul 19.15"), day and month either way round
_WORDY = re.compile(r"^(?:[a-z]+,?\s+)?(?:(\d{1,2})\s+([a-z]+)\.?|([a-z]+)\.?\s+(\d{1,2})),?\s+"
                    r"(\d{4})(?:,?\s+(?:pukul\s+)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*"
                    r"(am|pm)?)?$")
_UNIX = re.compile(r"^\d{10}(\.\d+)?$")


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
    """A date cell as an aware UTC datetime. Times without an offset are in ``tz`` (the
    brand's zone: exports show the account's local time). ``dayfirst`` reads ``a/b/yyyy``
    as day/month (Indonesia) rather than month/day (English Meta exports).

    Read: ISO 8601, ``d/m/y`` or ``m/d/y`` with an optional time (``19.30``, ``7:15 PM``),
    ``28 Des 2026`` / ``Nov 28, 2026`` (English and Indonesian months, an optional weekday
    and ``pukul``), a Unix timestamp of 10 digits, an Excel date serial (XLSX cells)."""
    if is_empty(text):
        return None
    raw = re.sub(r"\s+", " ", str(text).strip().lower())
    try:
        dt = _read_date(raw, dayfirst)
        if dt is not None:
            return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=tz).astimezone(UTC)
    except CellError as err:
        raise CellError(f'"{text}": {err}') from None
    except (ValueError, OverflowError, OSError):
        # 31/02/2026; year 1 with a positive offset overflows in astimezone; a timestamp out
        # of the platform's range fails in fromtimestamp
        pass
    raise CellError(f'"{text}" is not a date (expected e.g. 2026-11-28 10:30, '
                    "11/28/2026 10:30, 28/11/2026 or Nov 28, 2026)")


def _read_date(raw: str, dayfirst: bool) -> datetime | None:
    """The datetime ``raw`` (lower case) names, naive when it gives no offset; ``None`` or
    ValueError when it is no date."""
    if _ISO.match(raw):
        iso = raw.replace(" ", "T", 1).replace(".", ":", 2) if "t" not in raw[:11] else raw
        iso = re.sub(r"t(\d{1,2})\.(\d{2})", r"t\1:\2", iso)
        return datetime.fromisoformat(iso.upper().replace("Z", "+00:00"))
    m = _SLASH.match(raw)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        d, mo = (a, b) if dayfirst else (b, a)
        hh, mi, ss = _clock(m.group(4), m.group(5), m.group(6), m.group(7))
        # "28/11/26" is 2026, but "01/01/0001" is year 1 (and then out of range)
        return datetime(y + 2000 if len(m.group(3)) == 2 else y, mo, d, hh, mi, ss)
    m = _WORDY.match(raw)
    if m:
        # the regex makes sure day, month and year are all there: dateutil alone would
        # fill a missing day from today's date
        month = month_number(m.group(2) or m.group(3) or "")
        if month is None:
            raise CellError("unknown month")
        hh, mi, ss = _clock(m.group(6), m.group(7), m.group(8), m.group(9))
        return datetime(int(m.group(5)), month, int(m.group(1) or m.group(4)), hh, mi, ss)
    if _UNIX.match(raw):
        return datetime.fromtimestamp(float(raw), UTC)
    try:
        return datetime.fromisoformat(raw.upper())  # the ISO forms the regex leaves out
    except ValueError:
        pass
    serial = float(raw)  # an Excel date serial from an XLSX cell
    if 20000 < serial < 80000:
        return datetime(1899, 12, 30) + timedelta(days=serial)
    return None


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


# -- files: bytes, delimiters, headers ----------------------------------------------------


def text_encoding(chunks: Iterable[bytes]) -> str:
    """The encoding to read a text export with: ``utf-16`` when it starts with a UTF-16
    byte order mark (Excel's "Unicode text"), ``utf-8-sig`` when all of it is UTF-8 (with
    or without a BOM), else ``cp1252`` (what Excel writes in most Windows locales).

    ``chunks`` may be a whole file as one ``bytes`` in a list or a file read a chunk at a
    time: the check is incremental, so a big file is never held in memory for it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    try:
        for chunk in chunks:
            if first and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
                return "utf-16"
            first = first and not chunk
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


#: Delimiters a spreadsheet export uses (Excel in an Indonesian locale writes ``;``).
DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(header_line: str, candidates: Iterable[str] = DELIMITERS) -> str:
    """The delimiter a header line uses most (the first candidate on a tie; ``,`` when the
    line has none). A header has no quoted delimiters in practice, so counting is enough
    where :class:`csv.Sniffer` guesses wrong on short files."""
    options = tuple(candidates)
    best = max(options, key=header_line.count)
    return best if header_line.count(best) else ","


def excel_sep_line(line: str) -> str | None:
    """The delimiter named by Excel's ``sep=;`` hint line (the first line of some
    exports), or ``None`` when ``line`` is not one."""
    line = line.lstrip("\ufeff").strip()
    return line[4] if line.lower().startswith("sep=") and len(line) == 5 else None


def norm_header(text: str) -> str:
    """Header text compared loosely: case, spaces, underscores, BOMs and quotes do not
    matter (``"Post_ID"`` and ``' post id '`` are ``"post id"``); punctuation stays, so
    ``"Completion rate (%)"`` still differs from ``"Completion rate"``."""
    text = text.replace("\ufeff", "").replace("\u00a0", " ").replace("_", " ")
    return re.sub(r"\s+", " ", text.strip().strip('"').lower())


def header_key(text: str) -> str:
    """A header as an identifier: :func:`norm_header` with every run of non-word
    characters turned into ``_`` (``"Video Views (%)"`` → ``"video_views"``)."""
    return re.sub(r"[^\w]+", "_", norm_header(text)).strip("_")
