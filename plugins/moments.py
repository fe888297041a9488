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
zone, becomes an ``event`` item, titled like "Hari Batik Nasional (2 Oktober) — 12 hari
lagi", with the metric ``days_until``. Nothing touches the network.

A stored item's title never changes (a refetch only refreshes its metrics), and the ranking
only looks at items first seen in the last days. So a moment is not one item per year but
one per **milestone** of its countdown (see :func:`milestones`): when it first enters the
window (H-21 by default, its ``lead_days`` if larger), then H-14, H-7, H-3, H-1 (besok) and
H-0 (hari ini). Each milestone is a new item, guid ``moment:<id>:<year>:h-<milestone>``,
whose title is accurate on the day it is first seen; the moment comes back to the daily list
as its date approaches instead of freezing at the count it had the first time.
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

from trendwatch.api import (
    FetchContext,
    Item,
    Source,
    SourceError,
    SourceOptions,
    hookimpl,
)

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")


#: Countdown milestones (days before the moment) below a moment's own horizon. A month
#: ahead for big productions, two weeks and one week for planning, three days to finalise,
#: the day before and the day itself for posting.
MILESTONES = (30, 14, 7, 3, 1, 0)


def milestones(horizon: int) -> list[int]:
    """The milestones of a moment surfaced ``horizon`` days ahead, largest first: the
    horizon itself (when it first enters the window) and every standard one below it."""
    return sorted({horizon, *(m for m in MILESTONES if m < horizon)}, reverse=True)


def milestone_of(days: int, horizon: int) -> int:
    """The milestone a countdown of ``days`` belongs to: the smallest one not below it
    (12 days with a 21-day horizon is in the H-14 stretch)."""
    return min(m for m in milestones(horizon) if m >= days)


def countdown_text(days: int) -> str:
    if days == 0:
        return "hari ini"
    if days == 1:
        return "besok"
    if days % 7 == 0 and days <= 28:
        return f"{days // 7} minggu lagi"
    return f"{days} hari lagi"


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
                    items.append(self._item(moment, when, days, horizon, ctx))
        items.sort(key=lambda i: i.metrics["days_until"])
        return items

    def _item(self, moment: Moment, when: MomentDate, days: int, horizon: int,
              ctx: FetchContext) -> Item:
        day = f"{when.date.day} {BULAN[when.date.month - 1]}"
        if when.approximate:
            day = f"perkiraan {day}"
        milestone = milestone_of(days, horizon)
        summary = moment.description
        if when.approximate:
            summary += " Tanggal masih perkiraan: cek pengumuman resmi."
        if moment.hints:
            summary += " Ide konten: " + "; ".join(moment.hints) + "."
        return Item(
            # the count of the day it is first seen: a refetch does not change a title
            title=f"{moment.name} ({day}) — {countdown_text(days)}",
            url=moment.url,
            guid=f"moment:{moment.id}:{when.date.year}:h-{milestone}",
            summary=summary.strip(),
            published=ctx.now.astimezone(UTC),
            kind="event",
            metrics={"days_until": float(days)},
            extra={"moment_id": moment.id, "date": when.date.isoformat(),
                   "milestone": milestone,
                   "approximate": when.approximate, "hints": list(moment.hints)},
            lang="id",
        )


@hookimpl
def register_sources(register):
    register(MomentsSource)
