"""Plan items: one planned post each, with its angle, slot, stage, owner and drafts.

Every write goes through this module and leaves a ``plan_history`` row per changed field
(who, when, old value, new value), written in the same transaction as the change, so a
wrong click can always be seen and undone (:func:`undo`). Items are never deleted: taking one
off the plan sets ``archived_at``.

An item is created when a suggestion is accepted (:func:`after_verdict`) or added from
search, rising topics or the held-back list (:func:`create`). Suggestions accepted some
other way (older versions, scripts) get their item on the next read (:func:`sync`).
"""

from __future__ import annotations

import getpass
import os
import re
from datetime import date, datetime
from typing import Any

from ..config import Config
from ..daily.queries import parse_date, today
from ..daily.render import safe_url
from ..db.store import Store, iso, loads, utcnow
from ..errors import TrendwatchError
from . import slots

#: Fields a person may change, in the order forms and ``--format csv`` show them.
EDITABLE = ("title", "url", "platform", "format", "hook", "angle", "planned_date",
            "planned_time", "stage", "owner", "caption", "hashtags", "notes", "post_url")
#: Every column of a plan item, as ``--format json`` prints it (keys only ever added).
COLUMNS = ("id", "suggestion_id", "item_id", "origin", *EDITABLE, "posted_at",
           "archived_at", "sequence", "created_at", "updated_at")
ORIGINS = ("suggestion", "search", "rising", "held-back", "manual")
#: Longest text kept per field (a caption may be long; the rest are one-liners).
MAX_LEN = {"caption": 5000, "notes": 5000, "hashtags": 1000}
DEFAULT_MAX_LEN = 500
_HHMM = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")


class PlanError(TrendwatchError):
    """A plan change that was refused; nothing was written."""


def default_who() -> str:
    """Who is changing the plan from this terminal: ``$TRENDWATCH_USER``, else the login."""
    name = os.environ.get("TRENDWATCH_USER", "").strip()
    if name:
        return name[:80]
    try:
        return getpass.getuser()[:80]
    except (OSError, KeyError):
        return "cli"


def _clean_text(field: str, value: Any) -> str | None:
    text = "" if value is None else str(value)
    # one-line fields lose their line breaks (a pasted hook must not break a CSV or .ics)
    if field not in ("caption", "notes"):
        text = " ".join(text.split())
    text = text.strip()
    limit = MAX_LEN.get(field, DEFAULT_MAX_LEN)
    if len(text) > limit:
        raise PlanError(f"{field}: {len(text)} characters, at most {limit}")
    return text or None


def clean_value(config: Config, field: str, value: Any) -> str | None:
    """A form or CLI value for ``field`` checked and normalised; PlanError if invalid."""
    if field not in EDITABLE:
        raise PlanError(f'"{field}" is not a plan field (fields: {", ".join(EDITABLE)})')
    if field == "planned_date":
        try:
            day = parse_date(value if value is None or isinstance(value, date) else str(value),
                             "date")
        except TrendwatchError as err:
            raise PlanError(str(err)) from None
        if day is None:
            raise PlanError("date: a plan item needs a date (YYYY-MM-DD)")
        return day.isoformat()
    if field == "planned_time":
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        found = _HHMM.fullmatch(text)
        if not found:
            raise PlanError(f'time: "{text}" is not a time of day (use HH:MM, e.g. 19:00)')
        return f"{int(found.group(1)):02d}:{found.group(2)}"
    if field == "stage":
        text = str(value or "").strip()
        for name in config.plan.stages:
            if name.lower() == text.lower():
                return name
        raise PlanError(f'stage: "{text}" is not one of {", ".join(config.plan.stages)}')
    if field in ("post_url", "url"):
        text = str(value or "").strip()
        if not text:
            return None
        if safe_url(text) is None:
            raise PlanError(f'{field}: "{text[:200]}" is not an http(s) link')
        return text
    if field == "platform":
        return slots.canonical_platform(config, _clean_text(field, value))
    if field == "title":
        text = _clean_text(field, value)
        if not text:
            raise PlanError("title: a plan item needs a title")
        return text
    return _clean_text(field, value)


def _row(r: dict[str, Any]) -> dict[str, Any]:
    return {k: r.get(k) for k in COLUMNS}


def get(store: Store, plan_id: int) -> dict[str, Any]:
    """One plan item; PlanError if there is no such id."""
    row = next(store.db.query("select * from plan_items where id = ?", [plan_id]), None)
    if row is None:
        raise PlanError(f"no plan item with id {plan_id}")
    return _row(row)


def for_suggestion(store: Store, suggestion_id: int) -> dict[str, Any] | None:
    row = next(store.db.query("select * from plan_items where suggestion_id = ?",
                              [suggestion_id]), None)
    return _row(row) if row else None


def _history(db: Any, plan_id: int, who: str, field: str, old: Any, new: Any,
             at: str) -> None:
    db["plan_history"].insert({"plan_item_id": plan_id, "at": at, "who": who,
                               "field": field, "old": None if old is None else str(old),
                               "new": None if new is None else str(new)})


def _first_angle(angles: Any) -> dict[str, Any]:
    for a in angles or []:
        if isinstance(a, dict):
            return a
    return {}


def create(store: Store, config: Config, *, title: str, origin: str = "manual",
           url: str | None = None, suggestion_id: int | None = None,
           item_id: int | None = None, platform: str | None = None,
           format: str | None = None, hook: str | None = None,
           planned_date: str | date | None = None, planned_time: str | None = None,
           who: str | None = None, now: datetime | None = None
           ) -> tuple[dict[str, Any], list[str]]:
    """A new plan item (or the suggestion's existing one, restored if it was taken off).

    Without a date it gets the platform's next free slot after today; with a date but no
    time, the platform's default time. Returns the item and the warnings for its slot."""
    if origin not in ORIGINS:
        raise PlanError(f'origin: "{origin}" is not one of {", ".join(ORIGINS)}')
    now = now or utcnow()
    who = who or default_who()
    stamp = iso(now)
    values: dict[str, Any] = {
        "title": clean_value(config, "title", title),
        "url": clean_value(config, "url", url) if url and safe_url(url) else None,
        "platform": clean_value(config, "platform", platform),
        "format": clean_value(config, "format", format),
        "hook": clean_value(config, "hook", hook),
    }
    if planned_date is not None and str(planned_date).strip():
        values["planned_date"] = clean_value(config, "planned_date", planned_date)
        values["planned_time"] = (clean_value(config, "planned_time", planned_time)
                                  if planned_time else slots.default_time(config,
                                                                          values["platform"]))
    with store.write() as db:
        if suggestion_id is not None:
            existing = for_suggestion(store, suggestion_id)
            if existing is not None:
                if existing["archived_at"]:
                    db["plan_items"].update(existing["id"], {
                        "archived_at": None, "updated_at": stamp,
                        "sequence": existing["sequence"] + 1})
                    _history(db, existing["id"], who, "restored", existing["archived_at"],
                             None, stamp)
                item = get(store, existing["id"])
                return item, slots.warnings(store, config, item, now)
        if "planned_date" not in values:
            day, hhmm = slots.next_free_slot(store, config, values["platform"],
                                             today(config.brand.tz, now))
            values["planned_date"], values["planned_time"] = day.isoformat(), hhmm
        row = {**values, "origin": origin, "suggestion_id": suggestion_id,
               "item_id": item_id, "stage": config.plan.stages[0], "sequence": 0,
               "created_at": stamp, "updated_at": stamp}
        plan_id = int(db["plan_items"].insert(row).last_pk)
        _history(db, plan_id, who, "created", None,
                 f"{values['planned_date']} {values.get('planned_time') or ''}".strip(), stamp)
        if suggestion_id is not None:
            db["suggestions"].update(suggestion_id, {"planned_for": values["planned_date"]})
    item = get(store, plan_id)
    return item, slots.warnings(store, config, item, now)


def update(store: Store, config: Config, plan_id: int, changes: dict[str, Any], *,
           who: str | None = None, now: datetime | None = None
           ) -> tuple[dict[str, Any], list[str]]:
    """Change some fields of a plan item; one history row per field that really changed.

    Recording a ``post_url`` also moves the item to the last stage ("posted"). A new
    ``planned_date`` also becomes the suggestion's ``planned_for``. Returns the item and
    the warnings for its slot; PlanError (nothing written) for any invalid value."""
    now = now or utcnow()
    who = who or default_who()
    cleaned = {field: clean_value(config, field, value) for field, value in changes.items()}
    stamp = iso(now)
    with store.write() as db:
        before = get(store, plan_id)
        diff = {f: v for f, v in cleaned.items() if v != before[f]}
        posted = config.plan.stages[-1]
        if diff.get("post_url") and before["stage"] != posted and "stage" not in diff:
            diff["stage"] = posted
        if "post_url" in diff:
            diff["posted_at"] = stamp if diff["post_url"] else None
        if not diff:
            return before, slots.warnings(store, config, before, now)
        for field, value in diff.items():
            if field != "posted_at":
                _history(db, plan_id, who, field, before[field], value, stamp)
        db["plan_items"].update(plan_id, {**diff, "updated_at": stamp,
                                          "sequence": before["sequence"] + 1})
        if "planned_date" in diff and before["suggestion_id"] is not None:
            db["suggestions"].update(before["suggestion_id"],
                                     {"planned_for": diff["planned_date"]})
    item = get(store, plan_id)
    warnings = slots.warnings(store, config, item, now)
    if diff.get("post_url") and before["suggestion_id"] is not None:
        warnings += _link_post(store, before["suggestion_id"], diff["post_url"], now)
    return item, warnings


def _link_post(store: Store, suggestion_id: int, url: str, now: datetime) -> list[str]:
    """The post URL recorded on the plan is the link post-performance imports match their
    numbers to (:func:`trendwatch.performance.links.link_post`): record it there too."""
    from ..performance.links import link_post

    try:
        link_post(store, suggestion_id, url, now=now)
    except TrendwatchError as err:
        return [f"post link kept on the plan, but not as a post for performance: {err}"]
    return []


def set_stage(store: Store, config: Config, plan_id: int, stage: str, **kw: Any
              ) -> tuple[dict[str, Any], list[str]]:
    return update(store, config, plan_id, {"stage": stage}, **kw)


def archive(store: Store, plan_id: int, *, who: str | None = None,
            now: datetime | None = None, why: str | None = None) -> dict[str, Any]:
    """Take an item off the plan (kept, with a history row; :func:`restore` brings it back)."""
    stamp = iso(now or utcnow())
    with store.write() as db:
        before = get(store, plan_id)
        if before["archived_at"]:
            return before
        db["plan_items"].update(plan_id, {"archived_at": stamp, "updated_at": stamp,
                                          "sequence": before["sequence"] + 1})
        _history(db, plan_id, who or default_who(), "archived", None, why or stamp, stamp)
    return get(store, plan_id)


def restore(store: Store, plan_id: int, *, who: str | None = None,
            now: datetime | None = None) -> dict[str, Any]:
    stamp = iso(now or utcnow())
    with store.write() as db:
        before = get(store, plan_id)
        if not before["archived_at"]:
            return before
        db["plan_items"].update(plan_id, {"archived_at": None, "updated_at": stamp,
                                          "sequence": before["sequence"] + 1})
        _history(db, plan_id, who or default_who(), "restored", before["archived_at"], None,
                 stamp)
    return get(store, plan_id)


def history(store: Store, plan_id: int) -> list[dict[str, Any]]:
    """Every change to a plan item, oldest first."""
    get(store, plan_id)  # a clear error for an unknown id
    return list(store.db.query("select id, plan_item_id, at, who, field, old, new from "
                               "plan_history where plan_item_id = ? order by id", [plan_id]))


def undo(store: Store, config: Config, change_id: int, *, who: str | None = None,
         now: datetime | None = None) -> tuple[dict[str, Any], list[str]]:
    """Put back the value a change replaced (itself recorded as a new change)."""
    change = next(store.db.query("select * from plan_history where id = ?", [change_id]), None)
    if change is None:
        raise PlanError(f"no plan change with id {change_id}")
    field = change["field"]
    if field == "archived":
        item = restore(store, change["plan_item_id"], who=who, now=now)
        return item, slots.warnings(store, config, item, now or utcnow())
    if field == "restored":
        item = archive(store, change["plan_item_id"], who=who, now=now)
        return item, []
    if field not in EDITABLE:
        raise PlanError(f'change {change_id} ("{field}") cannot be undone')
    return update(store, config, change["plan_item_id"], {field: change["old"]}, who=who,
                  now=now)


def list_items(store: Store, *, start: str | date | None = None, end: str | date | None = None,
               owner: str | None = None, platform: str | None = None,
               stage: str | None = None, archived: bool = False) -> list[dict[str, Any]]:
    """Plan items by date and time, filtered (case-insensitive), live ones unless
    ``archived``. ``start``/``end`` are inclusive dates."""
    where = ["archived_at is not null" if archived else "archived_at is null"]
    params: list[Any] = []
    for column, value, op in (("planned_date", start, ">="), ("planned_date", end, "<=")):
        day = parse_date(value, column) if value else None
        if day:
            where.append(f"{column} {op} ?")
            params.append(day.isoformat())
    for column, value in (("owner", owner), ("platform", platform), ("stage", stage)):
        if value:
            where.append(f"lower({column}) = lower(?)")
            params.append(value.strip())
    sql = ("select * from plan_items where " + " and ".join(where)
           + " order by planned_date, coalesce(planned_time, '99'), id")
    return [_row(r) for r in store.db.query(sql, params)]


def posted_urls(store: Store) -> list[dict[str, Any]]:
    """Every recorded post: ``plan_item_id``, ``suggestion_id``, ``item_id``, ``platform``,
    ``post_url``, ``posted_at`` — what the post-performance import matches metrics to."""
    return list(store.db.query(
        "select id as plan_item_id, suggestion_id, item_id, platform, post_url, posted_at "
        "from plan_items where post_url is not null order by posted_at, id"))


def sync(store: Store, config: Config, *, now: datetime | None = None) -> int:
    """Give every accepted suggestion without a plan item one (a suggestion accepted by an
    older version or straight in the database); returns how many were created. The
    suggestion's ``planned_for`` is kept when set."""
    missing = list(store.db.query(
        "select s.id, s.angles, s.planned_for, i.id as item_id, i.title, i.url "
        "from suggestions s join items i on i.id = s.item_id "
        "where s.status = 'accepted' and not exists "
        "(select 1 from plan_items p where p.suggestion_id = s.id) order by s.id"))
    for r in missing:
        angle = _first_angle(loads(r["angles"], []))
        create(store, config, title=r["title"], url=r["url"], origin="suggestion",
               suggestion_id=r["id"], item_id=r["item_id"], platform=angle.get("platform"),
               format=angle.get("format"), hook=angle.get("hook"),
               planned_date=r["planned_for"], who="trendwatch", now=now)
    return len(missing)


def after_verdict(store: Store, config: Config, verdict: dict[str, Any], *,
                  planned_for: str | date | None = None, who: str | None = None,
                  now: datetime | None = None) -> tuple[dict[str, Any] | None, list[str]]:
    """Keep the plan in step with a verdict just recorded (``record_verdict``'s result).

    Accept: the suggestion gets a plan item (angle from its first angle; on ``planned_for``
    if the reviewer gave one, else the platform's next free slot) and ``verdict`` gets the
    chosen ``planned_for``/``planned_time``. Reject or snooze: its item leaves the plan."""
    sid = int(verdict["suggestion_id"])
    if verdict["verdict"] != "accept":
        existing = for_suggestion(store, sid)
        if existing and not existing["archived_at"]:
            archive(store, existing["id"], who=who, now=now, why=verdict["verdict"])
        return None, []
    row = next(store.db.query(
        "select s.angles, i.title, i.url, i.id as item_id from suggestions s "
        "join items i on i.id = s.item_id where s.id = ?", [sid]))
    angle = _first_angle(loads(row["angles"], []))
    item, warns = create(store, config, title=row["title"], url=row["url"],
                         origin="suggestion", suggestion_id=sid, item_id=row["item_id"],
                         platform=angle.get("platform"), format=angle.get("format"),
                         hook=angle.get("hook"), planned_date=planned_for, who=who, now=now)
    if planned_for and item["planned_date"] != parse_date(planned_for).isoformat():  # type: ignore[union-attr]
        item, warns = update(store, config, item["id"], {"planned_date": planned_for},
                             who=who, now=now)
    verdict["planned_for"] = item["planned_date"]
    verdict["planned_time"] = item["planned_time"]
    verdict["plan_item_id"] = item["id"]
    return item, warns


def move_suggestion(store: Store, config: Config, suggestion_id: int, day: str | date, *,
                    who: str | None = None, now: datetime | None = None
                    ) -> tuple[dict[str, Any], list[str]]:
    """Move the plan item of an accepted suggestion to ``day`` (the old "planned for")."""
    from ..daily.queries import get_suggestion

    sync(store, config, now=now)
    found = for_suggestion(store, suggestion_id)
    if found is None or found["archived_at"]:
        status = get_suggestion(store, suggestion_id)["status"]
        raise PlanError(f"suggestion {suggestion_id} is {status}, not accepted: accept it "
                        f"first to plan a post (`trendwatch plan add {suggestion_id}`)")
    return update(store, config, int(found["id"]), {"planned_date": day}, who=who, now=now)
