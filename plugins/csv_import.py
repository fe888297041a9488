"""``csv_import``: rows from CSV / JSON files the specialist drops in a folder.

For platforms with no open feed: a TikTok Creative Center export, an Instagram insights
export, a list pasted into a spreadsheet. Nothing touches the network.

.. code-block:: toml

    [[sources]]
    name = "manual-imports"
    plugin = "csv_import"
    path = "~/trendwatch-imports"   # a folder (or one file)
    platform = "tiktok"             # used when a row has no platform column
    every = "15m"

Columns (any case, spaces or underscores, Indonesian names too): ``title`` (required; a
``hashtag`` column alone also works), ``url``, ``platform``, ``published``/``date``,
``hashtag``; every other column holding numbers becomes a metric (views, likes, shares,
posts, rank, growth...). Real exports are accepted as they are: UTF-8 with or without BOM
(or UTF-16, or Windows-1252), ``,`` ``;`` ``|`` or tab delimiters (Excel in an Indonesian
locale writes ``;``), and numbers like ``1.234.567``, ``1,234,567``, ``12,3K``, ``1.2M``,
``12 rb``, ``1,2 jt`` (read by the cell reader every importer shares,
``trendwatch.api.parse_number``).

A bad row is reported with its file and line number and skipped; the good rows still land.
Each row's guid is a hash of what identifies it (platform, URL or title, date), so reading
an unchanged file again adds nothing, a re-export with new numbers updates the metrics of
the rows already stored, and only genuinely new rows are new items.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from trendwatch.api import (
    Budget,
    CellError,
    FetchContext,
    Item,
    JsonRows,
    JsonStreamError,
    Source,
    SourceError,
    SourceOptions,
    clamp_future,
    content_hash,
    current_budget,
    excel_sep_line,
    header_key,
    hookimpl,
    http_url,
    json_loads,
    json_rows,
    parse_datetime,
    plain_text,
    sniff_delimiter,
    text_encoding,
)
from trendwatch.api import parse_number as cell_number

DEFAULT_PATTERNS = ("*.csv", "*.tsv", "*.json", "*.jsonl")
#: A spreadsheet export bigger than this is a mistake (or not an export): skipped.
MAX_FILE_BYTES = 20_000_000

# Normalised header -> field. Indonesian and English spellings seen in real exports.
ALIASES = {
    "title": {"title", "judul", "name", "nama", "caption", "keterangan", "topic", "topik",
              "keyword", "kata_kunci", "song", "lagu", "headline"},
    "hashtag": {"hashtag", "hashtag_name", "hashtags", "tagar", "tag"},
    "url": {"url", "link", "tautan", "permalink", "post_url", "video_url", "tiktok_url"},
    "platform": {"platform", "platforms", "sumber", "source"},
    "author": {"author", "creator", "kreator", "artist", "artis", "penyanyi", "username",
               "akun", "account"},
    "published": {"published", "published_at", "date", "tanggal", "tgl", "posted",
                  "posted_at", "post_date", "post_time", "created_at", "created", "time",
                  "waktu", "publish_time", "upload_date"},
}
FIELD_OF = {alias: field for field, names in ALIASES.items() for alias in names}
#: Metric names normalised to English so rankings compare like with like.
METRIC_NAMES = {"tayangan": "views", "ditonton": "views", "video_views": "views",
                "suka": "likes", "disukai": "likes", "dibagikan": "shares",
                "bagikan": "shares", "komentar": "comments", "postingan": "posts",
                "unggahan": "posts", "publish_cnt": "posts", "peringkat": "rank",
                "pertumbuhan": "growth", "pengikut": "followers", "jangkauan": "reach"}
#: Numeric-looking columns that are identifiers or row numbers, not metrics.
NOT_METRICS = {"id", "no", "nomor", "video_id", "post_id", "item_id", "nik", "telepon", "phone"}
#: Platform names recognised in a file name ("tiktok-hashtags-2026-11-27.csv").
PLATFORMS = ("tiktok", "instagram", "youtube", "facebook", "threads", "twitter")

#: Where a platform shows a hashtag, for rows that give only the tag.
TAG_PAGES = {"tiktok": "https://www.tiktok.com/tag/{}",
             "instagram": "https://www.instagram.com/explore/tags/{}/"}


def parse_number(text: str) -> float | None:
    """A metric cell as people write it, or ``None`` if ``text`` is not a number: the
    shared cell reader's rules (``1.234`` = 1234, ``12,3K``, ``1,2 jt``...), with a
    trailing ``%`` dropped (growth columns: ``+12,5%`` is 12.5)."""
    try:
        return cell_number(text.strip().removesuffix("%"))
    except CellError:
        return None  # not a metric: the cell is kept as text in ``extra``


def parse_date(text: str, tz: ZoneInfo) -> datetime | None:
    """ISO dates, ``27/11/2026`` (day first, as in Indonesia), ``27 Agustus 2026``, a Unix
    timestamp, or ``None``. A date without a zone is in the brand's time zone."""
    try:
        return parse_datetime(text, tz, dayfirst=True)
    except CellError:
        return None  # the row is kept without a date, with a warning


class CsvImportOptions(SourceOptions):
    #: A folder to watch, or a single file. ``~`` is expanded.
    path: str
    #: A glob for the files to read in the folder (default: *.csv, *.tsv, *.json, *.jsonl),
    #: relative to it: no "..", no absolute path. Links to files outside are not read.
    pattern: str | None = None
    #: The platform of rows that don't say (e.g. "tiktok", "instagram").
    platform: str | None = None
    #: Rows read from one file per fetch; the rest of a bigger file is counted and
    #: reported, not read. (All files together are capped by ``[fetch] max_items``.)
    max_rows: int = Field(2000, ge=1, le=10_000)

    @field_validator("path")
    @classmethod
    def _local(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must name a local file or folder")
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value):
            raise ValueError(f"must be a local file or folder, not a URL: {value!r} "
                             "(use the rss source for feeds)")
        return value

    @field_validator("pattern")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise ValueError('must be a file name pattern, e.g. "*.csv"')
        parts = re.split(r"[/\\]", value)
        if value.startswith(("/", "\\", "~")) or re.match(r"^[a-zA-Z]:", value):
            raise ValueError(f"{value!r} must be relative to the import folder "
                             '(put the folder in "path", e.g. pattern = "*.csv")')
        if ".." in parts:
            raise ValueError(f"{value!r} must not contain \"..\": only files inside the "
                             'import folder are read (change "path" to read another folder)')
        return value

    @field_validator("platform")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.strip().lower() or None if value else None


class CsvImportSource(Source):
    type_name = "csv_import"
    description = "Rows from CSV/JSON exports in a local folder (TikTok, Instagram...)"
    Options = CsvImportOptions
    default_every = "15m"

    def describe(self) -> str:
        return f"csv_import {self.options.path}"  # type: ignore[attr-defined]

    def fetch(self, ctx: FetchContext) -> list[Item]:
        opts: CsvImportOptions = self.options  # type: ignore[assignment]
        root = Path(opts.path).expanduser()
        if not root.exists():
            if root.suffix.lower() in (".csv", ".tsv", ".json", ".jsonl"):
                raise SourceError(f"import file {root} does not exist")
            raise SourceError(f"import folder {root} does not exist: create it "
                              f"(mkdir -p {root}) and save CSV or JSON exports there")
        files = [root] if root.is_file() else self._files(root, ctx)
        try:
            tz = ZoneInfo(ctx.brand.timezone)
        except Exception:  # the config loader validates it; be safe anyway
            tz = ZoneInfo("UTC")
        items: list[Item] = []
        budget = current_budget()
        for n, file in enumerate(files):
            room = budget.max_items - len(items)
            if room <= 0 or budget.over_time():
                why = (f"{budget.max_items:,} rows ([fetch] max_items)" if room <= 0 else
                       f"{budget.cpu_seconds:g} s of CPU ([fetch] max_cpu_seconds)")
                ctx.warn(f"this fetch stopped after {why}; not read: "
                         f"{', '.join(f.name for f in files[n:])}")
                break
            try:
                items.extend(self._read(file, ctx, tz, room, budget))
            except Exception as err:  # one bad file costs only itself
                ctx.warn(f"{file.name}: {type(err).__name__}: {str(err)[:200]}; skipped")
        return items

    def _files(self, root: Path, ctx: FetchContext) -> list[Path]:
        opts: CsvImportOptions = self.options  # type: ignore[assignment]
        patterns = (opts.pattern,) if opts.pattern else DEFAULT_PATTERNS
        # Only files that really are inside the folder: a symlink (or a symlinked
        # subfolder) pointing elsewhere is not read, whatever it points at.
        inside = root.resolve()
        found = set()
        for pattern in patterns:
            for path in root.glob(pattern):
                try:
                    real = path.resolve()
                except (OSError, RuntimeError):  # a symlink loop
                    continue
                if not real.is_relative_to(inside):
                    ctx.warn(f"{path.relative_to(root)}: links outside the import folder "
                             f"({inside}); skipped")
                elif real.is_file():
                    found.add(path)
        if not opts.pattern:
            for book in sorted(root.glob("*.xls*")):
                if not book.name.startswith(("~$", ".")):
                    ctx.warn(f"{book.name}: Excel workbooks are not read; save it as CSV "
                             "(File > Save As > CSV UTF-8)")
        # hidden files and Excel/LibreOffice lock files are not exports
        return sorted(p for p in found if not p.name.startswith(("~$", ".", ".~lock")))

    def _read(self, file: Path, ctx: FetchContext, tz: ZoneInfo, room: int,
              budget: Budget) -> list[Item]:
        """One file's items: at most ``max_rows`` (and ``room``) rows are read, one at a
        time; what is left is counted and reported, never read into memory."""
        opts: CsvImportOptions = self.options  # type: ignore[assignment]
        try:
            size = file.stat().st_size
            if size > MAX_FILE_BYTES:
                ctx.warn(f"{file.name}: {size:,} bytes is more than {MAX_FILE_BYTES:,}; skipped")
                return []
            encoding = _encoding(file)
        except OSError as err:
            ctx.warn(f"{file.name}: cannot read ({err.strerror or err}); skipped")
            return []
        if encoding == "cp1252":
            ctx.warn(f"{file.name}: not UTF-8; read as Windows-1252 "
                     "(save as \"CSV UTF-8\" to be sure)")
        limit = min(opts.max_rows, room)
        platform_hint = opts.platform or _platform_from_name(file.name)
        items: list[Item] = []
        read = 0
        cut: str | None = None
        with file.open(encoding=encoding, errors="replace", newline="") as handle:
            rows = self._json_rows(file, handle, ctx) \
                if file.suffix.lower() in (".json", ".jsonl") \
                else self._csv_rows(file, handle, ctx)
            for where, row in rows:
                if read >= limit:
                    cut = "max_rows" if limit == opts.max_rows else "[fetch] max_items"
                    break
                read += 1
                if read % 256 == 0 and budget.over_time():
                    cut = f"{budget.cpu_seconds:g} s of CPU ([fetch] max_cpu_seconds)"
                    break
                try:
                    item = self._item(row, f"{file.name} {where}", platform_hint, ctx, tz)
                except Exception as err:  # one odd cell must never cost the file's other rows
                    ctx.warn(f"{file.name} {where}: {type(err).__name__}: {err}; skipped")
                    continue
                if item is not None:
                    item.extra["file"] = file.name
                    items.append(item)
        if cut:
            suffix = file.suffix.lower()
            left = "the rest not read" if suffix == ".json" else \
                f"about {_lines_after(file, read + (suffix != '.jsonl')):,} more lines not read"
            ctx.warn(f"{file.name}: read the first {read:,} rows ({cut}); {left}")
        return items

    # -- reading rows ----------------------------------------------------------------------

    def _csv_rows(self, file: Path, handle: TextIO,
                  ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
        first = handle.readline()
        skip = 0
        delimiter = None
        if hint := excel_sep_line(first):
            delimiter, skip = hint, 1
            first = handle.readline()
        first = first.lstrip("\ufeff")
        if not first.strip():
            return
        if delimiter is None:
            delimiter = sniff_delimiter(first)
        reader = csv.reader(itertools.chain([first], handle), delimiter=delimiter)
        try:
            header = [header_key(h) for h in next(reader)]
        except (csv.Error, StopIteration) as err:
            ctx.warn(f"{file.name}: unreadable header ({err}); skipped")
            return
        if not set(header) & (ALIASES["title"] | ALIASES["hashtag"]):
            ctx.warn(f"{file.name}: no title or hashtag column (columns: "
                     f"{', '.join(h for h in header if h) or 'none'}); skipped")
            return
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                ctx.warn(f"{file.name} line {reader.line_num + skip}: {err}; skipped")
                continue
            where = f"line {reader.line_num + skip}"
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                ctx.warn(f"{file.name} {where}: {len(cells)} fields but the header has "
                         f"{len(header)} (a stray delimiter?); skipped")
                continue
            yield where, {h: c for h, c in zip(header, cells, strict=False) if h}

    def _json_rows(self, file: Path, handle: TextIO,
                   ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
        if file.suffix.lower() == ".jsonl":
            for n, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    obj = json_loads(line.lstrip("\ufeff"))
                except (ValueError, RecursionError) as err:
                    ctx.warn(f"{file.name} line {n}: not valid JSON "
                             f"({getattr(err, 'msg', err)}); skipped")
                    continue
                if isinstance(obj, dict):
                    yield f"line {n}", _normalise_keys(obj)
                else:
                    ctx.warn(f"{file.name} line {n}: not a JSON object; skipped")
            return
        # the rows are decoded one at a time (a 20 MB array of a million rows is never
        # built); an export that nests them deeper than one key is decoded whole
        info = JsonRows()
        n = 0
        try:
            text = handle.read().lstrip("\ufeff")
            for n, obj in enumerate(json_rows(text, ROW_KEYS, info), 1):
                if isinstance(obj, dict):
                    yield f"item {n}", _normalise_keys(obj)
                else:
                    ctx.warn(f"{file.name} item {n}: not a JSON object; skipped")
        except JsonStreamError as err:
            where = f"after item {n}" if n else "at the start"
            ctx.warn(f"{file.name}: not valid JSON {where} ({err}); "
                     + (f"kept the {n} rows before it" if n else "skipped"))
            return
        if info.found:
            return
        records = _records(info.top)
        if records is None:
            ctx.warn(f"{file.name}: no list of rows found (expected a JSON array, or an "
                     "object with \"items\" or \"data\"); skipped")
            return
        for n, obj in enumerate(records, 1):
            if isinstance(obj, dict):
                yield f"item {n}", _normalise_keys(obj)
            else:
                ctx.warn(f"{file.name} item {n}: not a JSON object; skipped")

    # -- one row to one item ---------------------------------------------------------------

    def _item(self, row: dict[str, Any], where: str, platform_hint: str | None,
              ctx: FetchContext, tz: ZoneInfo) -> Item | None:
        fields: dict[str, Any] = {}
        metrics: dict[str, float] = {}
        extra: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            field = FIELD_OF.get(key)
            if field and field not in fields:
                fields[field] = value
                continue
            number = _number(value)
            if number is not None and key not in NOT_METRICS and not key.endswith("_id"):
                metrics[METRIC_NAMES.get(key, key)] = number
            else:
                extra[key] = value.strip() if isinstance(value, str) else value
        hashtag = plain_text(str(fields.get("hashtag", "")), 200).lstrip("#")
        title = plain_text(str(fields.get("title", "")), 500)
        if not title and hashtag:
            title = f"#{hashtag}"
        if not title:
            ctx.warn(f"{where}: no title; skipped")
            return None
        url = str(fields.get("url", "")).strip() or None
        if url and re.match(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+/\S*$", url, re.I):
            url = "https://" + url  # spreadsheets often drop the scheme
        if url and (not re.match(r"^https?://[^/\s]+\S*$", url, re.I)
                    or http_url(url, "") is None):  # e.g. a port that is not a port
            ctx.warn(f"{where}: url {url[:80]!r} is not an http(s) link; kept without it")
            url = None
        published = None
        raw_date = fields.get("published")
        if raw_date is not None:
            published = parse_date(str(raw_date), tz)
            if published is None:
                ctx.warn(f"{where}: date {str(raw_date)[:40]!r} not understood; "
                         "kept without a date")
            else:
                published = clamp_future(published, ctx.now)
        platform = str(fields.get("platform") or platform_hint or "").strip().lower() or None
        if url is None and hashtag and platform in TAG_PAGES and re.fullmatch(r"\w+", hashtag):
            url = TAG_PAGES[platform].format(hashtag)  # so the reviewer has something to open
        if hashtag:
            extra["hashtag"] = hashtag
        if platform:
            extra["platform"] = platform
        return Item(
            title=title,
            url=url,
            # what identifies the row, not its numbers: a re-export updates its metrics
            guid="csv:" + content_hash(platform, url or title.lower(),
                                       published.date().isoformat() if published else ""),
            published=published,
            author=plain_text(str(fields.get("author", "")), 200) or None,
            kind="tag" if title.startswith("#") else "post",
            metrics=metrics,
            extra=extra,
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return parse_number(value) if isinstance(value, str) else None


def _normalise_keys(obj: dict[str, Any]) -> dict[str, Any]:
    return {header_key(str(k)): v for k, v in obj.items()}


#: Where a JSON export keeps its rows, when it is an object rather than an array.
ROW_KEYS = ("items", "data", "rows", "list", "results", "records")


def _encoding(file: Path) -> str:
    """``utf-16`` (a BOM), ``utf-8-sig`` if the whole file is UTF-8, else ``cp1252``:
    checked a chunk at a time, so a big file is never held in memory for it."""
    with file.open("rb") as raw:
        return text_encoding(iter(lambda: raw.read(1 << 20), b""))


def _lines_after(file: Path, read: int) -> int:
    """Roughly how many lines a file has after its first ``read`` lines (line breaks
    counted a chunk at a time: a row with a quoted line break counts twice)."""
    lines = 0
    with file.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(0, lines - read)


def _records(data: Any, depth: int = 0) -> list[Any] | None:
    """The list of rows in a JSON export: the array itself, or under items/data/list..."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and depth < 2:
        for key in ROW_KEYS:
            if key in data:
                found = _records(data[key], depth + 1)
                if found is not None:
                    return found
    return None


def _platform_from_name(name: str) -> str | None:
    words = set(re.split(r"[^a-z]+", name.lower()))
    return next((p for p in PLATFORMS if p in words), None)


@hookimpl
def register_sources(register):
    register(CsvImportSource)
