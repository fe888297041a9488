"""The Plan page and its forms, as a Flask blueprint the web app registers.

Pages: the week grid (``/plan``: days x platforms on a desktop, a day list on a phone), one
plan item (``/plan/<id>``: every field, its history with undo, send to team), the backlog
by stage (``/backlog``, with its ``.ics`` download) and the subscribable calendar
(``/calendar.ics``). Every change is a CSRF-checked POST (the app's guard) answered with a
redirect, like the rest of the site.

The calendar URL is the one page a calendar app fetches without logging in: with a
``[web] token`` it needs ``?token=`` (a key derived from the web token, so the login token
itself never sits in Google's or Outlook's settings; changing the web token changes it).
Without a web token the server only answers on loopback, so no token is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    render_template,
    request,
    session,
    url_for,
)

from ..binding import bind_notifiers
from ..daily import queries
from ..db.store import parse_iso, utcnow
from ..errors import TrendwatchError
from ..plan import items, slots, views
from . import common, security

if TYPE_CHECKING:
    from ..binding import ConfiguredNotifier
    from ..config import Config

#: Endpoints the app's login guard lets through (they check their own token).
PUBLIC_ENDPOINTS = ("plan.calendar_feed",)


def calendar_token(config: Config) -> str | None:
    """The ``?token=`` of the calendar URL, or None when the server needs none (loopback)."""
    if not config.web.token:
        return None
    return hmac.new(config.web.token.encode(), b"trendwatch-calendar-v1",
                    hashlib.sha256).hexdigest()[:32]


def when_text(value: str | None, tz: Any, now: Any = None) -> str:
    """An ISO UTC timestamp as local time, with the year when it is not this year."""
    try:
        dt = parse_iso(value)
    except (TypeError, ValueError):
        return value or ""
    if dt is None:
        return ""
    local = dt.astimezone(tz)
    this_year = (now or utcnow()).astimezone(tz).year
    return local.strftime("%d %b %H:%M" if local.year == this_year else "%d %b %Y %H:%M")


def _who() -> str:
    return str(session.get("plan_who") or "web")


def _flash_warnings(warnings: list[str]) -> None:
    for w in warnings:
        flash(f"Saved, but: {w}.", "warning")


def _filters() -> dict[str, str | None]:
    return {k: (request.args.get(k) or "").strip()[:80] or None
            for k in ("owner", "platform", "stage")}


def _owners(config: Config, rows: list[dict[str, Any]]) -> list[str]:
    seen = list(config.plan.team)
    for r in rows:
        if r.get("owner") and r["owner"] not in seen:
            seen.append(r["owner"])
    return seen


def backlog_context(store: Any, config: Config) -> dict[str, Any]:
    """What ``backlog.html`` shows: the plan grouped by stage, filtered by the query string."""
    chosen = _filters()
    from ..performance.links import post_urls

    rows = views.with_warnings(store, config, **chosen)
    everyone = items.list_items(store)
    linked = post_urls(store, [r["suggestion_id"] for r in rows if r.get("suggestion_id")])
    return {"groups": views.by_stage(config, rows), "count": len(rows), "chosen": chosen,
            "post_urls": linked,
            "owners": _owners(config, everyone),
            "platforms": views.platforms(config, everyone), "stages": config.plan.stages,
            "today": queries.today(config.brand.tz)}


def register(app: Flask, config: Config) -> None:
    """Add the plan pages to ``app``: the week grid, one item, the backlog, the calendars.

    A blueprint per app (not one at module level): the notifiers and the calendar cache
    below belong to the app and config it is built for."""
    bp = Blueprint("plan", __name__)
    tz = config.brand.tz
    notifiers: list[ConfiguredNotifier] = []
    loaded: list[bool] = []
    # the last calendar served, by plan version: calendar apps poll an unchanged plan
    feed_cache: dict[str, tuple[tuple[Any, ...], bytes]] = {}
    feed_lock = threading.Lock()

    def cached_feed(store: Any) -> bytes:
        """The plan's .ics, rebuilt only when the plan changed since the last one served."""
        from ..plan.calendar import feed, version

        items.sync(store, config)
        key = version(store)
        with feed_lock:
            cached = feed_cache.get("ics")
        if cached is not None and cached[0] == key:
            return cached[1]
        body = feed(store, config)
        with feed_lock:
            feed_cache["ics"] = (key, body)
        return body

    def team_notifiers() -> list[ConfiguredNotifier]:
        if not loaded:  # plugins load on the first send only: most page views never send
            from ..plugins import load_plugins

            notifiers.extend(bind_notifiers(config, load_plugins()))
            loaded.append(True)
        return notifiers

    def busy(err: Exception) -> Any:
        return common.busy(err, url_for("plan.week"))

    @bp.get("/plan")
    def week() -> Any:
        store = common.store()
        today = queries.today(tz)
        try:
            day = queries.parse_date(request.args.get("week"), "week") or today
        except TrendwatchError as err:
            flash(str(err), "error")
            day = today
        start = views.week_start(day)
        chosen = _filters()
        rows = views.with_warnings(store, config, start=start, end=start + timedelta(days=6),
                             **chosen)
        token = calendar_token(config)
        feed = url_for("plan.calendar_feed", token=token, _external=True)
        return render_template(
            "plan_week.html", grid=views.week_grid(config, rows, start), rows=rows,
            start=start, today=today, this_week=views.week_start(today), chosen=chosen,
            owners=_owners(config, items.list_items(store)),
            prev_week=start - timedelta(days=7), next_week=start + timedelta(days=7),
            feed_url=feed, webcal_url="webcal://" + feed.split("://", 1)[1],
            stages=config.plan.stages)

    @bp.get("/backlog")
    def backlog() -> Any:
        return render_template("backlog.html", **backlog_context(common.store(), config))

    @bp.get("/backlog.ics")
    def backlog_ics() -> Any:
        """The same calendar as /calendar.ics, as a download (behind the login)."""
        return Response(cached_feed(common.store()), mimetype="text/calendar",
                        headers={"Content-Disposition":
                                 'attachment; filename="trendwatch-plan.ics"'})

    @bp.get("/plan/<int:plan_id>")
    def edit(plan_id: int) -> Any:
        store = common.store()
        try:
            item = items.get(store, plan_id)
        except TrendwatchError:
            abort(404, f"There is no plan item {plan_id}.")
        warnings = slots.warnings(store, config, item, utcnow())
        return render_template("plan_item.html", item=item, warnings=warnings,
                               history=items.history(store, plan_id),
                               stages=config.plan.stages, team=config.plan.team,
                               platforms=list(config.plan.slots), who=_who(),
                               can_send=bool(config.notifiers))

    @bp.post("/plan/<int:plan_id>")
    def save(plan_id: int) -> Any:
        form = request.form
        if form.get("who", "").strip():
            session["plan_who"] = form["who"].strip()[:80]
        changes = {f: form[f] for f in items.EDITABLE if f in form}
        if "planned_for" in form:  # the backlog's date field
            changes["planned_date"] = form["planned_for"]
        try:
            item, warnings = items.update(common.store(), config, plan_id, changes, who=_who())
        except TrendwatchError as err:
            flash(str(err), "error")
            return common.back(url_for("plan.edit", plan_id=plan_id))
        except sqlite3.OperationalError as err:
            return busy(err)
        flash(f"Saved “{item['title'][:80]}”.", "ok")
        _flash_warnings(warnings)
        return common.back(url_for("plan.edit", plan_id=plan_id))

    @bp.post("/plan/<int:plan_id>/archive")
    def archive(plan_id: int) -> Any:
        restore = request.form.get("restore") == "1"
        try:
            if restore:
                items.restore(common.store(), plan_id, who=_who())
            else:
                items.archive(common.store(), plan_id, who=_who())
        except TrendwatchError as err:
            flash(str(err), "error")
        except sqlite3.OperationalError as err:
            return busy(err)
        else:
            flash("Back on the plan." if restore else
                  "Taken off the plan (kept: restore it from its page).", "ok")
        return common.back(url_for("plan.edit", plan_id=plan_id))

    @bp.post("/plan/undo/<int:change_id>")
    def undo(change_id: int) -> Any:
        try:
            item, warnings = items.undo(common.store(), config, change_id, who=_who())
        except TrendwatchError as err:
            flash(str(err), "error")
            return common.back(url_for("plan.week"))
        except sqlite3.OperationalError as err:
            return busy(err)
        flash("Change undone.", "ok")
        _flash_warnings(warnings)
        return common.back(url_for("plan.edit", plan_id=item["id"]))

    @bp.post("/plan/add")
    def add() -> Any:
        """From search results (item_id), held-back items (item_id + held_back=1), rising
        topics (topic) or a suggestion (suggestion_id: accepts it)."""
        form = request.form
        store = common.store()
        try:
            if form.get("suggestion_id"):
                from ..review.verdicts import record_verdict

                done = record_verdict(store, int(form["suggestion_id"]), "accept", tz=tz)
                item, warnings = items.after_verdict(store, config, done, who=_who())
                assert item is not None
            elif form.get("item_id"):
                found = next(store.db.query("select id, title, url from items where id = ?",
                                            [int(form["item_id"])]), None)
                if found is None:
                    raise TrendwatchError(f"no stored item with id {form['item_id']}")
                item, warnings = items.create(
                    store, config, title=found["title"], url=found["url"],
                    item_id=found["id"], who=_who(),
                    origin="held-back" if form.get("held_back") == "1" else "search")
            elif form.get("topic", "").strip():
                item, warnings = items.create(store, config, title=form["topic"],
                                              origin="rising", who=_who())
            else:
                raise TrendwatchError("nothing to add")
        except (TrendwatchError, ValueError) as err:
            flash(str(err), "error")
            return common.back(url_for("plan.week"))
        except sqlite3.OperationalError as err:
            return busy(err)
        when = date.fromisoformat(item["planned_date"]).strftime("%a %d %b")
        flash(f"On the plan: {when} {item['planned_time'] or ''} — open it to choose the "
              "angle, owner and time.", "ok")
        _flash_warnings(warnings)
        return common.back(url_for("plan.edit", plan_id=item["id"]))

    @bp.post("/plan/<int:plan_id>/send")
    def send(plan_id: int) -> Any:
        return _send(plan_id=plan_id)

    @bp.post("/suggestions/<int:sid>/send")
    def send_suggestion(sid: int) -> Any:
        return _send(suggestion_id=sid)

    def _send(**target: int) -> Any:
        from ..plan.send import send_to_team

        try:
            results = send_to_team(common.store(), config, team_notifiers(), who=_who(),
                                   **target)
        except TrendwatchError as err:
            flash(str(err), "error")
            return common.back(url_for("plan.week"))
        except sqlite3.OperationalError as err:
            return busy(err)
        for r in results:
            if r["status"] == "sent":
                flash(f"Sent to the team via {r['notifier']}.", "ok")
            else:
                flash(f"Not sent via {r['notifier']}: {r['error']}", "error")
        return common.back(url_for("plan.week"))

    @bp.get("/calendar.ics")
    def calendar_feed() -> Any:
        expected = calendar_token(config)
        logged_in = session.get("auth") == (
            security.token_fingerprint(config.web.token) if config.web.token else None)
        if expected and not logged_in and not security.same_token(
                request.args.get("token"), expected):
            abort(403, "This calendar needs its token: copy the subscribe link from the "
                       "Plan page.")
        return Response(cached_feed(common.store()), mimetype="text/calendar",
                        headers={"Content-Disposition": 'inline; filename="plan.ics"',
                                 "Cache-Control": "no-store"})

    app.register_blueprint(bp)
    app.add_template_filter(lambda v: when_text(v, tz), "when")
    app.jinja_env.globals.update(plan_stages=config.plan.stages,
                                 plan_can_send=bool(config.notifiers))
