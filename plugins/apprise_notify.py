"""``apprise``: send the daily digest anywhere apprise can reach (e-mail, Telegram, Slack,
Discord, Microsoft Teams, WhatsApp gateways, ntfy, Matrix... about a hundred services).

Needs the optional extra: ``pip install 'trendwatch[apprise]'``.

.. code-block:: toml

    [[notifiers]]
    name = "team"
    plugin = "apprise"
    urls = ["mailtos://user:app-password@gmail.com?to=social@example.com",
            "tgram://BOT_TOKEN/CHAT_ID"]
    title_prefix = "[trendwatch] "

Each URL is sent to on its own, in the format it prefers: services that render HTML
(e-mail) get the HTML digest, the others the Markdown one. If any URL fails, ``send``
raises with the (password-masked) URLs that failed and apprise's reason; the core records
it and carries on.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from trendwatch.api import (
    Notifier,
    NotifierOptions,
    TrendwatchError,
    hookimpl,
)

MISSING = ("the apprise notifier needs the apprise package: "
           "pip install 'trendwatch[apprise]'")


def _apprise() -> Any:
    """Import apprise only when an apprise notifier is configured (it is an optional extra)."""
    try:
        import apprise
    except ImportError:
        raise TrendwatchError(MISSING) from None
    return apprise


class AppriseOptions(NotifierOptions):
    #: Apprise URLs (mailto://, mailtos://, tgram://, slack://, discord://, json://, ...).
    urls: list[str] = Field(min_length=1)
    #: Put before the digest's title (the e-mail subject, the chat message's first line).
    title_prefix: str = ""
    #: Which rendering to send: "auto" (HTML where the service prefers it, else Markdown),
    #: "markdown" or "html".
    format: Literal["auto", "markdown", "html"] = "auto"

    @field_validator("urls")
    @classmethod
    def _valid_urls(cls, urls: list[str]) -> list[str]:
        try:
            apprise = _apprise()
        except TrendwatchError as err:
            raise ValueError(str(err)) from None
        for i, url in enumerate(urls):
            if apprise.Apprise.instantiate(url) is None:
                scheme = url.split("://", 1)[0] if "://" in url else url[:12]
                raise ValueError(f'[{i}]: apprise does not understand this URL (scheme '
                                 f'"{scheme}"); see https://github.com/caronc/apprise/wiki')
        return urls


class AppriseNotifier(Notifier):
    type_name = "apprise"
    description = "Send the digest through apprise (e-mail, Telegram, Slack, Discord, ...)"
    Options = AppriseOptions

    def send(self, title: str, markdown: str, html: str) -> None:
        apprise = _apprise()
        opts: AppriseOptions = self.options  # type: ignore[assignment]
        full_title = f"{opts.title_prefix}{title}"
        failures = []
        for url in opts.urls:
            target = apprise.Apprise()
            target.add(url)
            service = target[0]
            use_html = opts.format == "html" or (
                opts.format == "auto" and _prefers_html(service, apprise))
            body, body_format = ((html, apprise.NotifyFormat.HTML) if use_html
                                 else (markdown, apprise.NotifyFormat.MARKDOWN))
            # apprise reports why a send failed only through its log: capture it.
            with apprise.LogCapture(level=apprise.logging.WARNING,
                                    fmt="%(message)s") as log:
                ok = target.notify(body=body, title=full_title, body_format=body_format)
            if not ok:
                reason = " ".join(log.getvalue().split()) or "no reason given"
                failures.append(f"{service.url(privacy=True)}: {reason}"[:500])
        if failures:
            raise TrendwatchError(f"apprise could not deliver to {len(failures)} of "
                                  f"{len(opts.urls)} URLs: " + "; ".join(failures))


def _prefers_html(service: Any, apprise: Any) -> bool:
    formats = service.notify_format
    first = formats[0] if isinstance(formats, tuple | list) else formats
    return bool(first == apprise.NotifyFormat.HTML)


@hookimpl
def register_notifiers(register):
    register(AppriseNotifier)
