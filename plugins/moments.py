"""``moments``: upcoming Indonesian cultural moments, so content can be planned ahead.

The moments live in an editable TOML file shipped with the package
(``trendwatch_plugins/data/moments.toml``): fixed days (Hari Film Nasional 30 March,
17 Agustus, Hari Batik 2 October, Harbolnas 12.12...) and moments that move with a lunar
calendar (Imlek, Ramadan, Idul Fitri, Nyepi...) listed by year. Your own file, in the same
format, is merged over it.

.. code-block:: toml

    [[sources]]
    name = "moments-id"
    plugin = "moments"
    days_ahead = 21
    file = "~/trendwatch-moments.toml"   # optional: your own moments, merged over the built-in
    every = "1d"

Each moment within ``days_ahead`` (or its own ``lead_days``) of today, in the brand's time
zone, is one ``event`` item per year, titled like "Hari Batik Nasional (2 Oktober) — 12 hari
lagi", with the metric ``days_until`` refreshed on every fetch. Nothing touches the network.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trendwatch.api import FetchContext, Item, Source, SourceError, SourceOptions
from trendwatch.hookspecs import hookimpl

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")


class MomentDate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    #: Not yet fixed by the government (sidang isbat / SKB), or an estimate.
    approximate: bool = False


class Moment(BaseModel):
    """One ``[[moments]]`` table of the data file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = ""
    description: str = ""
    hints: list[str] = []
    #: "MM-DD": the same day every year.
    every_year: str | None = None
    #: Dates by year, for moments that move.
    dates: list[MomentDate] = []
    #: Surface at least this many days ahead (big campaigns are produced weeks earlier).
    lead_days: int | None = Field(None, ge=0, le=366)
    url: str | None = None
    #: ``false`` in a user's file hides a built-in moment.
    enabled: bool = True

    @field_validator("every_year")
    @classmethod
    def _month_day(cls, value: str | None) -> str | None:
        if value is None:
            return None
        m = re.fullmatch(r"(\d{2})-(\d{2})", value)
        try:
            if not m:
                raise ValueError
            date(2024, int(m.group(1)), int(m.group(2)))  # 2024: 02-29 is allowed
        except ValueError:
            raise ValueError(f'"{value}" is not a month and day (use "MM-DD", '
                             'e.g. "10-02")') from None
        return value

    @model_validator(mode="after")
    def _when(self) -> Moment:
        if self.enabled and not self.name:
            raise ValueError("needs a name")
        if self.enabled and not self.every_year and not self.dates:
            raise ValueError("needs every_year or dates")
        return self

    def occurrences(self, years: range) -> list[MomentDate]:
        """The moment's dates in ``years``."""
        if self.every_year:
            month, day = (int(p) for p in self.every_year.split("-"))
            out = []
            for year in years:
                try:
                    out.append(MomentDate(date=date(year, month, day)))
                except ValueError:  # 29 February in a common year
                    continue
            return out
        return [d for d in self.dates if d.date.year in years]


class MomentsOptions(SourceOptions):
    #: Surface moments this many days ahead (a moment's own lead_days can ask for more).
    days_ahead: int = Field(21, ge=0, le=366)
    #: Your own moments file (same format), merged over the built-in one. ``~`` is expanded.
    file: str | None = None


def builtin_path() -> Any:
    return resources.files("trendwatch_plugins") / "data" / "moments.toml"


def load_moments(text: str, where: str) -> dict[str, Moment]:
    """Parse and validate a moments file; errors name the file and the moment."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SourceError(f"{where}: not valid TOML: {err}") from None
    tables = data.get("moments", [])
    if not isinstance(tables, list):
        raise SourceError(f"{where}: [[moments]] must be a list of tables")
    moments: dict[str, Moment] = {}
    for i, table in enumerate(tables):
        label = f"moments[{i}]" + (f" ({table.get('id')})" if isinstance(table, dict)
                                   and table.get("id") else "")
        try:
            moment = Moment.model_validate(table)
        except ValidationError as err:
            first = err.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise SourceError(f"{where}: {label}{'.' + loc if loc else ''}: "
                              f"{first['msg'].removeprefix('Value error, ')}") from None
        moments[moment.id] = moment
    return moments


class MomentsSource(Source):
    type_name = "moments"
    description = "Upcoming Indonesian cultural moments (editable data file)"
    Options = MomentsOptions
    default_every = "1d"

    def describe(self) -> str:
        opts: MomentsOptions = self.options  # type: ignore[assignment]
        return f"moments (+{opts.file})" if opts.file else "moments"

    def moments(self) -> dict[str, Moment]:
        opts: MomentsOptions = self.options  # type: ignore[assignment]
        moments = load_moments(builtin_path().read_text(encoding="utf-8"), "built-in moments")
        if opts.file:
            path = Path(opts.file).expanduser()
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise SourceError(f"moments file {path} does not exist") from None
            except (OSError, UnicodeDecodeError) as err:
                raise SourceError(f"cannot read moments file {path}: {err}") from None
            moments.update(load_moments(text, str(path)))  # same id: the user's wins
        return {k: m for k, m in moments.items() if m.enabled}

    def fetch(self, ctx: FetchContext) -> list[Item]:
        opts: MomentsOptions = self.options  # type: ignore[assignment]
        try:
            tz = ZoneInfo(ctx.brand.timezone)
        except Exception:  # validated by the config loader; never crash on it
            tz = ZoneInfo("UTC")
        today = ctx.now.astimezone(tz).date()
        items: list[Item] = []
        for moment in self.moments().values():
            horizon = max(opts.days_ahead, moment.lead_days or 0)
            years = range(today.year, (today + timedelta(days=horizon)).year + 1)
            if not moment.every_year:
                missing = [y for y in years if not any(d.date.year == y for d in moment.dates)]
                if missing:
                    ctx.warn(f"moment {moment.id!r} has no date for "
                             f"{', '.join(map(str, missing))}: add it to the moments file")
            for when in moment.occurrences(years):
                days = (when.date - today).days
                if 0 <= days <= horizon:
                    items.append(self._item(moment, when, days, ctx))
        items.sort(key=lambda i: i.metrics["days_until"])
        return items

    def _item(self, moment: Moment, when: MomentDate, days: int, ctx: FetchContext) -> Item:
        day = f"{when.date.day} {BULAN[when.date.month - 1]}"
        if when.approximate:
            day = f"perkiraan {day}"
        countdown = "hari ini" if days == 0 else "besok" if days == 1 else f"{days} hari lagi"
        summary = moment.description
        if when.approximate:
            summary += " Tanggal masih perkiraan: cek pengumuman resmi."
        if moment.hints:
            summary += " Ide konten: " + "; ".join(moment.hints) + "."
        return Item(
            title=f"{moment.name} ({day}) — {countdown}",
            url=moment.url,
            guid=f"moment:{moment.id}:{when.date.year}",
            summary=summary.strip(),
            published=ctx.now.astimezone(UTC),
            kind="event",
            metrics={"days_until": float(days)},
            extra={"moment_id": moment.id, "date": when.date.isoformat(),
                   "approximate": when.approximate, "hints": list(moment.hints)},
            lang="id",
        )


@hookimpl
def register_sources(register):
    register(MomentsSource)
