""""Send to team": one suggestion or plan item, with its hook and link, through every
configured notifier (apprise: WhatsApp gateways, Telegram, Slack, e-mail...).

A notifier that fails is recorded (an ``events`` row) and never stops the others; a plan
item also gets a ``sent`` history row per notifier, so the team can see it went out.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..daily.notify import send_each
from ..daily.render import clean_line, safe_url
from ..db.store import Store, iso, utcnow
from ..errors import TrendwatchError
from .items import _first_angle, _history, default_who, get

if TYPE_CHECKING:
    from ..binding import ConfiguredNotifier
    from ..config import Config


def _lines(fields: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(label, clean_line(value)) for label, value in fields if value]


def plan_message(item: dict[str, Any], config: Config) -> tuple[str, list[tuple[str, str]]]:
    when = date.fromisoformat(item["planned_date"]).strftime("%a %d %b %Y")
    if item.get("planned_time"):
        when += f" {item['planned_time']} ({config.brand.timezone})"
    return (clean_line(f"Plan: {item['title']}"), _lines([
        ("Hook", item.get("hook")), ("Angle", item.get("angle")),
        ("Where", " · ".join(filter(None, [item.get("platform"), item.get("format")]))),
        ("When", when), ("Stage", item.get("stage")), ("Owner", item.get("owner")),
        ("Caption", item.get("caption")), ("Hashtags", item.get("hashtags")),
        ("Link", safe_url(item.get("url"))), ("Posted", safe_url(item.get("post_url")))]))


def suggestion_message(row: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    angle = _first_angle(row.get("angles"))
    return (clean_line(f"Idea: {row['title']}"), _lines([
        ("Hook", angle.get("hook")),
        ("Where", " · ".join(filter(None, [angle.get("platform"), angle.get("format")]))),
        ("Why now", angle.get("why_now")), ("Theme", row.get("theme_name") or row.get("theme")),
        ("Link", safe_url(row.get("url")))]))


def render(title: str, lines: list[tuple[str, str]]) -> tuple[str, str]:
    """The message as Markdown and as HTML (every value escaped)."""
    md = "\n".join([f"**{title}**", ""] + [f"- {label}: {value}" for label, value in lines])
    rows = "".join(
        f"<li>{html.escape(label)}: "
        + (f'<a href="{html.escape(value)}">{html.escape(value)}</a>'
           if label in ("Link", "Posted") else html.escape(value)) + "</li>"
        for label, value in lines)
    return md, f"<p><strong>{html.escape(title)}</strong></p><ul>{rows}</ul>"


def send_to_team(store: Store, config: Config, notifiers: Sequence[ConfiguredNotifier], *,
                 plan_id: int | None = None, suggestion_id: int | None = None,
                 who: str | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Send one plan item or suggestion; one ``{notifier, status, error}`` per notifier."""
    from ..daily.queries import get_suggestion

    if not notifiers:
        raise TrendwatchError("no [[notifiers]] configured: add one (e.g. apprise) to send "
                              "to the team")
    if (plan_id is None) == (suggestion_id is None):
        raise TrendwatchError("send either a plan item or a suggestion")
    if plan_id is not None:
        title, lines = plan_message(get(store, plan_id), config)
    else:
        title, lines = suggestion_message(get_suggestion(store, int(suggestion_id or 0),
                                                         config))
    markdown, body_html = render(title, lines)
    results = send_each(store, notifiers, title, markdown, body_html, what="send to team")
    if plan_id is not None:
        stamp = iso(now or utcnow())
        with store.write() as db:
            for r in results:
                _history(db, plan_id, who or default_who(), "sent", None,
                         f"{r['notifier']}: {r['status']}", stamp)
    return results
