"""The config's schema: every section and key of ``trendwatch.toml``, validated by pydantic."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from ..durations import DurationError, parse_duration

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")



def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except DurationError as err:
        raise ValueError(str(err)) from None



#: Seconds, written in the config as "30s", "15m", "2h", "1d" (or a plain number of seconds).
Duration = Annotated[float, BeforeValidator(_duration)]



def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        raise ValueError(f'"{value}" must be lower-case letters, digits, "-" or "_"')
    return value



Slug = Annotated[str, AfterValidator(_slug)]



class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)



class BrandConfig(_Strict):
    name: str = "My Studio"
    timezone: str = "Asia/Jakarta"
    languages: list[str] = ["id", "en"]
    #: Brand-safety terms: items that match one (whole words and phrases, any case; a term
    #: in capitals such as "SARA" only in capitals) are never suggested.
    avoid: list[str] = []
    #: Shown in the User-Agent so feed owners can reach us.
    contact_url: str = "https://github.com/trendwatch/trendwatch"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f'"{value}" is not a known time zone (e.g. "Asia/Jakarta")') from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)



class FetchConfig(_Strict):
    concurrency: int = Field(8, ge=1, le=64)
    per_host: int = Field(2, ge=1, le=16)
    timeout: float = Field(20, gt=0, le=600)
    max_bytes: int = Field(15_000_000, ge=1024, le=50_000_000)
    allow_private: bool = False
    max_redirects: int = Field(5, ge=0, le=10)
    user_agent: str | None = None
    #: Longest wait between retries of a failing source (exponential backoff is capped here).
    max_backoff: Duration = 6 * 3600.0
    #: Most items any one fetch of a source may keep; parsers stop reading there (a feed's
    #: own ``max_items`` can only be lower). Bounds memory: see docs/service.md.
    max_items: int = Field(2000, ge=1, le=10_000)
    #: CPU seconds one source's fetch may spend parsing; what was read by then is kept.
    max_cpu_seconds: float = Field(5.0, gt=0, le=120)



def _hhmm(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f'"{value}" is not a time of day (use HH:MM, e.g. "09:00")')
    return value



class DigestConfig(_Strict):
    at: Annotated[str, AfterValidator(_hhmm)] = "09:00"
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = [
        "mon", "tue", "wed", "thu", "fri"]
    size: int = Field(20, ge=1, le=500)
    #: Where digests are written as Markdown and HTML; default: <data dir>/digests.
    output_dir: str | None = None
    formats: list[Literal["md", "html"]] = ["md", "html"]

    @property
    def at_time(self) -> time:
        h, m = self.at.split(":")
        return time(int(h), int(m))



class AngleTemplate(_Strict):
    platform: str
    format: str
    #: Filled with {topic}, {theme}, {brand}, {source}.
    hook: str
    #: {signal} is the evidence ("5 outlets in 3 hours", "published 40 minutes ago").
    why_now: str = "Why now: {signal}."



class ThemeConfig(_Strict):
    id: Slug
    name: str
    description: str = ""
    keywords: list[str] = []
    examples: list[str] = []
    angles: list[AngleTemplate] = []

    @model_validator(mode="after")
    def _has_seed(self) -> ThemeConfig:
        if not (self.keywords or self.examples or self.description):
            raise ValueError("a theme needs at least one of keywords, examples or description")
        return self



class RankingWeights(_Strict):
    relevance: float = Field(0.55, ge=0, le=100)
    trend: float = Field(0.15, ge=0, le=100)
    momentum: float = Field(0.15, ge=0, le=100)
    recency: float = Field(0.10, ge=0, le=100)
    novelty: float = Field(0.05, ge=0, le=100)
    #: What sold before (trendwatch.performance.sells): counts only once
    #: [performance] min_posts posts have numbers; until then it has no effect at all.
    sells: float = Field(0.10, ge=0, le=100)



class RankingConfig(_Strict):
    weights: RankingWeights = RankingWeights()
    #: Items below this relevance are never suggested.
    min_relevance: float = Field(0.35, ge=0, le=1)
    #: Recency half-life: an item this old gets half the recency signal.
    half_life: Duration = 24 * 3600.0
    #: How often the daemon retrains the classifier.
    retrain_every: Duration = 6 * 3600.0
    #: Only items first seen this recently are candidates for the daily list.
    window: Duration = 2 * 86400.0
    #: How much range beats score when filling the list's slots (0 = best score only).
    diversity: float = Field(0.3, ge=0, le=1)
    #: Slots of the daily list kept for the items the classifier is least sure about,
    #: marked "help the model learn" (a verdict on them teaches it most). 0 = none.
    learning_slots: int = Field(2, ge=0, le=10)



#: Default maximum age per item kind (seconds). Items of kinds not named use
#: ``[freshness] default_max_age``.
DEFAULT_MAX_AGE: dict[str, float] = {
    "article": 36 * 3600.0,   # news: a day and a half
    "trend": 24 * 3600.0,     # a daily trend list is stale the next day
    "tag": 48 * 3600.0,
    "link": 48 * 3600.0,
    "post": 48 * 3600.0,
    "page": 48 * 3600.0,      # Wikipedia top pages
    "video": 4 * 86400.0,     # videos keep being watched for days
    "event": 60 * 86400.0,    # moments: dated by the fetch, never "old"
}



def _default_max_age() -> dict[str, float]:
    return dict(DEFAULT_MAX_AGE)



class FreshnessConfig(_Strict):
    #: Oldest publication date still suggested, per item kind (article, trend, tag, post,
    #: link, page, video, event); see DEFAULT_MAX_AGE above (and trendwatch/items/freshness.py).
    max_age: dict[str, Duration] = Field(default_factory=_default_max_age)
    #: For item kinds not named in max_age.
    default_max_age: Duration = 48 * 3600.0

    @field_validator("max_age", mode="after")
    @classmethod
    def _merge(cls, value: dict[str, float]) -> dict[str, float]:
        # Naming one kind keeps the defaults of the others.
        return {**_default_max_age(), **value}



class SafetyConfig(_Strict):
    #: Sensitive-topic categories held back (never suggested; listed with a one-click
    #: release); the others only make the angles respectful. See trendwatch/safety.py.
    hold: list[Literal["death", "disaster", "war", "conflict", "crime"]] = ["war", "conflict"]



class PerformanceConfig(_Strict):
    """Post performance (docs/performance.md)."""

    #: A folder the daemon watches for exports (CSV/XLSX); imported files move to
    #: imported/, files that fail to failed/ (with a .error.txt). None: no watching.
    inbox: str | None = None
    #: How often the daemon looks in the inbox.
    every: Duration = 15 * 60.0
    #: Posts with numbers needed before the "sells" factor counts at all.
    min_posts: int = Field(20, ge=1)
    #: Posts a theme/platform/format group needs before it can move a suggestion.
    min_group: int = Field(3, ge=1)
    #: The least shrinkage toward the brand median, in pseudo-posts (more when the data
    #: show groups differ little: see trendwatch.performance.analysis).
    prior_posts: float = Field(5.0, ge=0)



class WebConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=1, le=65535)
    #: Required when host is not loopback: the page asks for it once and keeps a cookie.
    token: str | None = None



class PlanConfig(_Strict):
    """``[plan]``: the content plan the team works from (see docs/planning.md)."""

    #: Stage names in order; the first is where an accepted suggestion starts, the last
    #: means "posted" (a post URL moves an item there).
    stages: list[str] = Field(
        default_factory=lambda: ["idea", "script", "shoot", "edit", "scheduled", "posted"],
        min_length=2)
    #: The team: names offered as an item's owner (any other name is accepted too).
    team: list[str] = []
    #: Default posting time per platform (local "HH:MM"); platforms here are the week
    #: grid's rows, in this order.
    slots: dict[str, Annotated[str, AfterValidator(_hhmm)]] = Field(
        default_factory=lambda: {"TikTok": "19:00", "Instagram": "12:00", "YouTube": "17:00"})
    #: Posting time for a platform without a slot.
    default_slot: Annotated[str, AfterValidator(_hhmm)] = "10:00"
    #: Calendar event length per format (the format text, case-insensitive).
    durations: dict[str, Duration] = {}
    #: Calendar event length for any other format.
    default_duration: Duration = 3600.0

    @field_validator("stages", "team")
    @classmethod
    def _distinct(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        if any(not v for v in cleaned):
            raise ValueError("names must not be empty")
        if len({v.lower() for v in cleaned}) != len(cleaned):
            raise ValueError("names must be distinct")
        return cleaned



class StorageConfig(_Strict):
    #: The SQLite file; default <user data dir>/trendwatch.db. --db and $TRENDWATCH_DB override.
    db: str | None = None



class PluginTable(BaseModel):
    """``[[sources]]`` / ``[[notifiers]]``: core keys here, the rest validated by the plugin."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: Slug
    plugin: str
    enabled: bool = True

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})



class SourceTable(PluginTable):
    every: Duration | None = None
    #: Oldest publication date still suggested from this source (e.g. "30d" for an
    #: evergreen blog); default: [freshness] max_age of the item's kind.
    max_age: Duration | None = None



class Config(_Strict):
    brand: BrandConfig = BrandConfig()
    fetch: FetchConfig = FetchConfig()
    digest: DigestConfig = DigestConfig()
    ranking: RankingConfig = RankingConfig()
    performance: PerformanceConfig = PerformanceConfig()
    web: WebConfig = WebConfig()
    plan: PlanConfig = PlanConfig()
    freshness: FreshnessConfig = FreshnessConfig()
    safety: SafetyConfig = SafetyConfig()
    storage: StorageConfig = StorageConfig()
    themes: list[ThemeConfig] = []
    sources: list[SourceTable] = []
    notifiers: list[PluginTable] = []

    #: Where this config was read from ("<embedded starter config>" for the default).
    path: str = Field("<memory>", exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> Config:
        for kind, rows in (("themes", self.themes), ("sources", self.sources),
                           ("notifiers", self.notifiers)):
            seen: dict[str, int] = {}
            for i, row in enumerate(rows):
                key = row.id if kind == "themes" else row.name
                if key in seen:
                    field = "id" if kind == "themes" else "name"
                    raise ValueError(f'{kind}[{i}].{field}: "{key}" is already used by '
                                     f"{kind}[{seen[key]}]")
                seen[key] = i
        return self

    def theme(self, theme_id: str | None) -> ThemeConfig | None:
        return next((t for t in self.themes if t.id == theme_id), None)
