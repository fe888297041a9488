"""What plugins and the core exchange: items, sources, notifiers, angles, the fetch context.

Plain types with no behaviour of the pipeline in them, so every floor of trendwatch can
use them. Plugin authors import them from :mod:`trendwatch.api`, which re-exports them
with everything else a plugin needs.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .errors import FetchError, SourceError

if TYPE_CHECKING:
    from .config import BrandConfig

__all__ = [
    "Angle",
    "FetchContext",
    "FetchError",
    "HttpClient",
    "HttpURL",
    "Item",
    "Notifier",
    "NotifierOptions",
    "Response",
    "Source",
    "SourceError",
    "SourceOptions",
]


def _check_http_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        raise ValueError(f"only http:// and https:// URLs are allowed, not {shown}: {value!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {value!r}")
    return value.strip()


#: A string that must be an http(s) URL with a host. Use it for URL options of your source.
HttpURL = Annotated[str, AfterValidator(_check_http_url)]


class SourceOptions(BaseModel):
    """Base class for a source's options: the keys of its ``[[sources]]`` table.

    The core keys (``name``, ``plugin``, ``every``, ``enabled``) are handled by trendwatch and
    are not passed here. Unknown keys are rejected, so a typo in the config is an error
    that names the key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class NotifierOptions(BaseModel):
    """Base class for a notifier's options: the keys of its ``[[notifiers]]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class Item:
    """One thing a source saw: an article, a trending search, a video, a post, a tag.

    Only ``title`` is required. Give ``guid`` when the source has a stable id; otherwise the
    canonical URL, then a hash of the content, is used to recognise the item on the next fetch.
    """

    title: str
    url: str | None = None
    guid: str | None = None
    summary: str = ""
    published: datetime | None = None
    author: str | None = None
    #: What the item is: "article", "trend", "video", "post", "tag", "link", "page", "event".
    kind: str = "article"
    #: Numbers the source reports (views, score, traffic, uses...). Normalised per source
    #: when ranking, so use the source's own scale.
    metrics: dict[str, float] = field(default_factory=dict)
    #: Anything else worth keeping (stored as JSON): thumbnails, related news, flair...
    extra: dict[str, Any] = field(default_factory=dict)
    #: Language code if the source knows it ("id", "en").
    lang: str | None = None


@dataclass
class Response:
    """An HTTP response fetched by the shared :class:`HttpClient`."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    #: True when the server answered 304, or the body is byte-identical to the last fetch.
    #: A source should skip parsing then and return no items.
    not_modified: bool = False

    def json(self) -> Any:
        import json

        try:
            return json.loads(self.body)
        except ValueError as err:
            raise SourceError(f"{self.url} did not return JSON: {err}") from None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class HttpClient(Protocol):
    """The shared fetcher, as a source sees it.

    It enforces the ``[fetch]`` limits (deadline, size after decompression, redirects, the
    private-address guard, per-host concurrency) and remembers ETag/Last-Modified per URL.
    """

    def get(self, url: str, *, headers: dict[str, str] | None = None,
            conditional: bool = True) -> Response:
        """GET ``url``. Raises :class:`FetchError` for refused addresses, timeouts, bodies
        over ``max_bytes``, too many redirects and HTTP errors (4xx/5xx, with ``http_status``
        and ``retry_after`` set). With ``conditional=True`` the last ETag/Last-Modified for
        this URL are sent and ``Response.not_modified`` tells you whether anything changed."""
        ...


@dataclass
class FetchContext:
    """What a source gets when it is asked to fetch."""

    http: HttpClient
    #: The fetch time, timezone-aware UTC. Use it instead of ``datetime.now()``.
    now: datetime
    brand: BrandConfig
    log: logging.Logger
    #: Non-fatal problems (a bad CSV row, a skipped entry): stored with the fetch and shown.
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        # a file of 100,000 bad rows is reported in full with the fetch; the log gets the
        # first few, not 100,000 lines
        if len(self.warnings) <= 20:
            self.log.warning(message)
        elif len(self.warnings) == 21:
            self.log.warning("more warnings for this fetch are not logged (see status)")


class Source(ABC):
    """A kind of source. Subclass it, set ``type_name`` and ``Options``, implement ``fetch``.

    One instance is made per ``[[sources]]`` table that names your ``type_name`` as its
    ``plugin``; ``options`` is that table validated by ``Options``.
    """

    #: The value of ``plugin = "..."`` in a ``[[sources]]`` table.
    type_name: ClassVar[str]
    #: One line shown by ``trendwatch plugins``.
    description: ClassVar[str] = ""
    #: The pydantic model for this source's own keys.
    Options: ClassVar[type[SourceOptions]] = SourceOptions
    #: Used when the config gives no ``every``.
    default_every: ClassVar[str] = "1h"

    def __init__(self, name: str, options: SourceOptions):
        self.name = name
        self.options = options

    @abstractmethod
    def fetch(self, ctx: FetchContext) -> list[Item]:
        """Fetch and parse; return the items seen now (old ones too: dedup is the core's job).

        Raise :class:`SourceError` (or let :class:`FetchError` propagate) when nothing
        usable came back. Return ``[]`` when every response was ``not_modified``.
        """

    def describe(self) -> str:
        """A short human description of this configured source (shown by ``status``)."""
        url = getattr(self.options, "url", None)
        return f"{self.type_name} {url}" if url else self.type_name


class Angle(BaseModel):
    """A concrete content idea for a suggestion."""

    model_config = ConfigDict(extra="forbid")

    platform: str = Field(description="tiktok, instagram, youtube, x, ...")
    format: str = Field(description="e.g. Reels, carousel, story, Shorts, thread")
    hook: str = Field(description="the opening line / caption hook")
    why_now: str = Field(description="why this is timely")
    generator: str = "templates"


class Notifier(ABC):
    """A way to deliver the daily digest (email, chat...)."""

    type_name: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type[NotifierOptions]] = NotifierOptions

    def __init__(self, name: str, options: NotifierOptions):
        self.name = name
        self.options = options

    @abstractmethod
    def send(self, title: str, markdown: str, html: str) -> None:
        """Deliver the digest. Raise an exception on failure: it is recorded, never fatal."""
