"""The web page: the specialist's daily list, verdicts, backlog, sources health, rising
topics and search, served from the same SQLite database the daemon writes.

Pages are plain server-rendered HTML (Jinja2, autoescaped) with one CSS file: no build
step, no CDN, no JavaScript needed. Every state change is a POST carrying the session's
CSRF token (see ``security.py``), answered with a redirect back to the page it came from.

This module reads through ``trendwatch.daily.queries`` and writes through
``trendwatch.review.verdicts``
only; it never imports scikit-learn (the web process stays small and starts fast).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import (
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from ..daily import queries
from ..daily.queries import brand_lang
from ..daily.render import published_text, safe_url, signal_text
from ..db.store import Store, loads, parse_iso
from ..errors import TrendwatchError
from . import security

if TYPE_CHECKING:
    from ..config import Config

log = logging.getLogger(__name__)

#: Most cards one list page shows (the daily list is ~20; "all" of a busy day stays bounded).
PAGE_LIMIT = 200
SEARCH_LIMIT = 50
#: How long one attempt to write waits for the daemon's lock (Store.write retries 5 times).
BUSY_TIMEOUT_MS = 2000
#: Seconds live rising topics are reused before a background refresh.
RISING_TTL = 600.0
#: Seconds a wrong access token costs the one who typed it (slows down guessing).
LOGIN_FAIL_DELAY = 0.5
#: Labels shown for the reject reasons of trendwatch.review.verdicts.
REASON_LABELS = {
    "off-brand": "Off-brand",
    "sensitive": "Sensitive / not our voice",
    "stale": "Old news",
    "already-covered": "Already covered",
    "other": "Other",
}
STATUS_LABELS = {"new": "New", "accepted": "Accepted", "rejected": "Rejected",
                 "snoozed": "Snoozed", "all": "All"}


class _ThreadStores:
    """One database connection per server thread: sqlite3 connections must not run two
    transactions at once, and waitress serves requests from a small thread pool."""

    def __init__(self, path: Path, busy_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = path
        self.busy_ms = busy_ms
        self._local = threading.local()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.path, migrate=False)
            # A page should fail in seconds, not minutes, when the daemon holds the lock.
            store.db.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_ms)}")
            self._local.store = store
        return store


def create_app(store_path: str | Path, config: Config) -> Flask:
    """Build the Flask app for the database at ``store_path`` and the loaded ``config``.

    The database is migrated once here; each server thread then opens its own connection.
    """
    store_path = Path(store_path)
    Store(store_path).close()  # create/migrate now, so a bad file fails before serving
    app = Flask(__name__)
    app.secret_key = security.load_secret_key(store_path)
    app.config.update(
        SESSION_COOKIE_NAME="trendwatch_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        MAX_CONTENT_LENGTH=64 * 1024,  # forms here are tiny
        LOGIN_FAIL_DELAY=LOGIN_FAIL_DELAY,
    )
    # Autoescape every template whatever its name, and strings rendered from Python too.
    app.select_jinja_autoescape = lambda filename: True  # type: ignore[method-assign]
    stores = _ThreadStores(store_path)
    app.extensions["trendwatch_stores"] = stores
    _install_security(app, config)
    _install_template_helpers(app, config)
    _install_routes(app, config, stores)
    from .plan_page import register as register_plan

    register_plan(app, config, stores)  # the Plan page, calendar feed, send to team
    return app


# -- security --------------------------------------------------------------------------


def _install_security(app: Flask, config: Config) -> None:
    from .plan_page import PUBLIC_ENDPOINTS as PLAN_PUBLIC  # the calendar checks its token

    token = config.web.token

    @app.before_request
    def _guard() -> Any:
        # Loopback-only mode: answer only to loopback host names (DNS rebinding).
        if not token and not security.is_loopback(security.host_name(request.host)):
            abort(400, "This page only answers on localhost. To reach it from other "
                       "machines, set a [web] token in the config.")
        if request.method == "POST":
            if not security.origin_matches(request.headers.get("Origin"), request.host):
                abort(403, "This form was sent from another site.")
            if not security.same_token(request.form.get("csrf_token"), session.get("csrf")):
                abort(400, "This form has expired. Reload the page and try again.")
        public = request.endpoint in ("login", "static", "healthz", *PLAN_PUBLIC)
        if token and not public and session.get("auth") != security.token_fingerprint(token):
            if request.method != "GET":
                abort(403, "Please log in first.")
            return redirect(url_for("login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in security.SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            # Pages hold CSRF tokens and change with every verdict: never cache them.
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        target = security.safe_next(request.values.get("next"))
        if not token:
            return redirect(target)
        error = None
        if request.method == "POST":
            if security.same_token(request.form.get("token", "").strip(), token):
                session.clear()
                session.permanent = True
                session["auth"] = security.token_fingerprint(token)
                session["csrf"] = security.new_csrf_token()  # new session, new CSRF token
                return redirect(target, code=303)
            time.sleep(app.config["LOGIN_FAIL_DELAY"])
            error = "That token is not right."
        return render_template("login.html", next=target, error=error), \
            (403 if error else 200)

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        return redirect(url_for("login") if token else url_for("today_list"), code=303)

    @app.get("/healthz")
    def healthz() -> Any:
        return {"ok": True}


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = security.new_csrf_token()
    return str(session["csrf"])


# -- template helpers --------------------------------------------------------------------


def _install_template_helpers(app: Flask, config: Config) -> None:
    tz = config.brand.tz

    def local_time(value: str | None) -> str:
        """An ISO UTC timestamp as the brand's local time, e.g. '28 Nov 10:15'."""
        dt = None
        try:
            dt = parse_iso(value)
        except (TypeError, ValueError):
            return value or ""
        return dt.astimezone(tz).strftime("%d %b %H:%M") if dt else ""

    def nice_date(value: str | date | None) -> str:
        try:
            day = queries.parse_date(value)
        except TrendwatchError:
            return str(value)
        return day.strftime("%a %d %b %Y") if day else ""

    def percent(value: Any) -> str:
        try:
            return f"{float(value) * 100:.0f}%"
        except (TypeError, ValueError):
            return "–"

    def number(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    from ..stories import growth_text

    lang = brand_lang(config)

    def published(row: dict[str, Any]) -> str:
        """A card's publication date: "terbit 3 jam lalu" (brand's language and zone)."""
        return published_text(row, lang=lang, tz=tz)

    app.jinja_env.filters.update(local=local_time, nice_date=nice_date, percent=percent,
                                 number=number, safe_url=safe_url, published=published,
                                 signal_words=signal_text, growth=growth_text)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"csrf_token": _csrf_token, "brand": config.brand.name,
                "timezone": config.brand.timezone,
                "themes": config.themes, "token_required": bool(config.web.token),
                "reason_labels": REASON_LABELS, "status_labels": STATUS_LABELS,
                "here": request.full_path.rstrip("?"), "endpoint": request.endpoint}


# -- pages -----------------------------------------------------------------------------


def _install_routes(app: Flask, config: Config, stores: _ThreadStores) -> None:
    store_path = stores.path
    tz = config.brand.tz
    theme_ids = {t.id for t in config.themes}

    @app.get("/")
    def today_list() -> Any:
        from ..fetch.health import broken_sources

        store = stores.get()
        today = queries.today(tz)
        problems = []
        earlier_list = False
        if "date" in request.args:
            day = _arg_date("date", today, problems)
        else:
            day, earlier_list = queries.shown_list_date(store, tz)
        problems.extend(_config_notice(store))
        status = request.args.get("status", "new")
        if status not in queries.STATUS_FILTERS:
            problems.append(f'Unknown status "{status}": showing new suggestions.')
            status = "new"
        theme = request.args.get("theme") or None
        if theme is not None and theme not in theme_ids:
            problems.append(f'Unknown theme "{theme}": showing every theme.')
            theme = None
        rows = queries.list_suggestions(store, config, list_date=day, theme=theme,
                                        status=status, limit=PAGE_LIMIT)
        latest = None
        if not rows:
            latest = next(store.db.query(
                "select max(list_date) as d from suggestions where list_date <= ?",
                [day.isoformat()]), {}).get("d")
        from ..review.holdback import held_items

        held = len(held_items(store, config)) if day == today else 0
        return render_template(
            "list.html", rows=rows, day=day, today=today, status=status, theme=theme,
            earlier_list=earlier_list, held=held,
            problems=problems, broken=broken_sources(store), latest=latest,
            snooze_choices=_snooze_choices(today),
            prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1))

    @app.post("/suggestions/<int:sid>/verdict")
    def verdict(sid: int) -> Any:
        from ..review.verdicts import record_verdict

        store = stores.get()
        form = request.form
        choice = form.get("verdict", "")
        reason = form.get("reason") or None
        theme = form.get("theme") or None
        if reason and reason.startswith("wrong-theme:"):
            # The reject menu offers "wrong theme: it is about X" as one choice.
            reason, theme = "wrong-theme", reason.split(":", 1)[1]
        try:
            # The form names the item it was drawn for: a page loaded before a re-rank
            # can never put its verdict on another item.
            meant = int(form["item_id"]) if form.get("item_id", "").isdigit() else None
            done = record_verdict(
                store, sid, choice, reason=reason if choice == "reject" else None,
                note=form.get("note"), theme=theme if choice != "snooze" else None,
                snooze_until=form.get("until") if choice == "snooze" else None,
                planned_for=form.get("planned_for") if choice == "accept" else None,
                tz=tz, valid_themes=theme_ids or None, item_id=meant)
        except TrendwatchError as err:
            flash(str(err), "error")
            return _back()
        except sqlite3.OperationalError as err:
            return _busy(err)
        from ..plan.items import after_verdict

        # the plan follows: accepted -> a plan item in a free slot; rejected -> off the plan
        try:
            _item, warnings = after_verdict(store, config, done,
                                            planned_for=done["planned_for"]
                                            if form.get("planned_for") else None, who="web")
        except sqlite3.OperationalError as err:  # the verdict is stored; the plan's next
            log.warning("web: plan not updated, database busy: %s", err)  # read catches up
            warnings = []
        flash(_verdict_message(done, done["title"]), "ok")
        for w in warnings:
            flash(f"Planned, but: {w}.", "warning")
        return _back()

    @app.post("/stories/items/<int:item_id>/split")
    def split_story_item(item_id: int) -> Any:
        """"Not the same story": the item leaves its story for good."""
        from ..stories import split_item

        try:
            split_item(stores.get(), item_id)
        except TrendwatchError as err:
            flash(str(err), "error")
            return _back()
        except sqlite3.OperationalError as err:
            return _busy(err)
        flash("Taken out of the story: it is a story of its own now.", "ok")
        return _back()

    @app.get("/held")
    def held() -> Any:
        from ..review.holdback import held_items

        return render_template("held.html", rows=held_items(stores.get(), config),
                               hold=config.safety.hold,
                               theme_names={t.id: t.name for t in config.themes})

    @app.post("/held/<int:item_id>/release")
    def release_held(item_id: int) -> Any:
        from ..review.holdback import release

        try:
            done = release(stores.get(), config, item_id)
        except TrendwatchError as err:
            flash(str(err), "error")
            return _back()
        except sqlite3.OperationalError as err:
            return _busy(err)
        flash(f"Released “{done['title'][:80]}” (was held: {done['reason']}): it is on "
              "today's list.", "ok")
        return _back()

    @app.post("/suggestions/<int:sid>/plan")
    def plan(sid: int) -> Any:
        from ..plan.items import move_suggestion

        try:
            _item, warnings = move_suggestion(stores.get(), config, sid,
                                              request.form.get("planned_for", ""), who="web")
        except TrendwatchError as err:
            flash(str(err), "error")
            return _back()
        except sqlite3.OperationalError as err:
            return _busy(err)
        flash("Planned date saved.", "ok")
        for w in warnings:
            flash(f"Saved, but: {w}.", "warning")
        return _back()

    @app.get("/backlog")
    def backlog() -> Any:
        from .plan_page import backlog_context

        return render_template("backlog.html", **backlog_context(stores.get(), config))

    @app.get("/backlog.ics")
    def backlog_ics() -> Any:
        body = app.extensions["trendwatch_plan_feed"](stores.get())  # plan/web.py
        return Response(body, mimetype="text/calendar",
                        headers={"Content-Disposition":
                                 'attachment; filename="trendwatch-plan.ics"'})

    @app.get("/sources")
    def sources() -> Any:
        from ..service.status import full_status

        report = full_status(stores.get())
        return render_template("sources.html", report=report)

    rising_cache = RisingCache(store_path)
    app.extensions["trendwatch_rising"] = rising_cache

    @app.get("/rising")
    def rising() -> Any:
        live = rising_cache.get()
        if live is not None:
            topics, when, source = live[0], live[1], "live"
        else:  # first view since start: the digest's topics while the live ones compute
            topics, when = _digest_rising(stores.get())
            source = "digest"
        return render_template("rising.html", topics=topics, when=when, source=source,
                               updating=rising_cache.refreshing,
                               history_days=_history_days(stores.get()),
                               needed_days=RISING_HISTORY_DAYS)

    @app.get("/search")
    def search() -> Any:
        q = request.args.get("q", "").strip()[:200]
        rows = queries.search_items(stores.get(), q, SEARCH_LIMIT) if q else []
        return render_template("search.html", q=q, rows=rows)

    from .performance_page import install as _install_performance

    _install_performance(app, config, stores)  # /performance, the "posted at" form

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Any:
        return render_template("error.html", code=err.code, title=err.name,
                               message=err.description), err.code or 500

    @app.errorhandler(Exception)
    def _crash(err: Exception) -> Any:
        log.exception("web page failed: %s", err)
        return render_template("error.html", code=500, title="Something broke",
                               message="The page failed; the error is in the server log."), 500


def _config_notice(store: Any) -> list[str]:
    from ..service.status import config_problem

    problem = config_problem(store)
    return [f"Config: {problem}"] if problem else []


#: Days of history the rising-topics detector needs for a fair baseline
#: (trendwatch.ranking.rising: fewer days make its thresholds stricter, none shows nothing).
RISING_HISTORY_DAYS = 3


def _history_days(store: Store) -> float:
    """Days since the first item was stored (what "rising" can compare against)."""
    from ..db.store import utcnow

    first = next(store.db.query("select min(first_seen_at) as t from items"), {}).get("t")
    start = parse_iso(first) if first else None
    return (utcnow() - start).total_seconds() / 86400 if start else 0.0


def _arg_date(name: str, default: date, problems: list[str]) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        day = queries.parse_date(raw, name) or default
    except TrendwatchError:
        problems.append(f'"{raw}" is not a date (use YYYY-MM-DD): showing today.')
        return default
    # the page links the day before and after: 0001-01-01 and 9999-12-31 have none
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        problems.append(f'"{raw}" is out of range ({EARLIEST_DAY} to {LATEST_DAY}): '
                        "showing today.")
        return default
    return day


#: The dates the page shows lists for (anything else is a typo or a probe).
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9998, 12, 31)


def _snooze_choices(today: date) -> list[tuple[str, str]]:
    nxt = queries.next_workday(today)
    week = today + timedelta(days=7)
    while week.weekday() >= 5:
        week += timedelta(days=1)
    return [(nxt.isoformat(), f"until {nxt:%a %d %b}"),
            (week.isoformat(), f"until {week:%a %d %b}")]


def _verdict_message(done: dict[str, Any], title: str) -> str:
    short = title if len(title) <= 80 else title[:77] + "…"
    late = "" if done.get("listed", True) else \
        " It had dropped out of the list since the page was loaded; the verdict is on it."
    if done["verdict"] == "accept":
        return f"Accepted “{short}” — planned for {done['planned_for']}.{late}"
    if done["verdict"] == "snooze":
        return f"Snoozed “{short}” until {done['snoozed_until']}.{late}"
    return f"Rejected “{short}” ({done['reason']}).{late}"


def _back() -> Any:
    """Back to the page the form was on (a local path only). 303 so the browser follows
    with GET; errors come back the same way, as a flashed message on that page."""
    target = security.safe_next(request.form.get("next"), url_for("today_list"))
    return redirect(target, code=303)


def _busy(err: Exception) -> Any:
    """The daemon held the database past every retry: nothing was written, say so."""
    log.warning("web: verdict not saved, database busy: %s", err)
    flash("Not saved: the database is busy (the daemon is writing). Try again in a moment.",
          "error")
    return _back()


class RisingCache:
    """Live rising topics, recomputed in the background at most every ``ttl`` seconds.

    Burst detection reads two weeks of titles (~0.5 s for 10,000 items), too slow for a
    page that must answer in 200 ms. So a request never waits for it: it gets the last
    result (or None before the first one) and, when that is stale, starts one refresh
    thread with its own database connection.
    """

    def __init__(self, store_path: Path, ttl: float = RISING_TTL) -> None:
        self.store_path = store_path
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: tuple[list[dict[str, Any]], str] | None = None
        self._computed = 0.0
        self._thread: threading.Thread | None = None

    @property
    def refreshing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def get(self) -> tuple[list[dict[str, Any]], str] | None:
        with self._lock:
            stale = time.monotonic() - self._computed > self.ttl or self._value is None
            if stale and not self.refreshing:
                self._thread = threading.Thread(target=self._refresh, name="rising",
                                                daemon=True)
                self._thread.start()
            return self._value

    def wait(self, timeout: float = 30.0) -> None:
        """Block until a running refresh is done (tests, benchmarks)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _refresh(self) -> None:
        from ..db.store import iso, utcnow
        from ..ranking.rising import rising_topics

        try:
            with Store(self.store_path, migrate=False) as store:
                topics = rising_topics(store)
        except Exception as err:  # keep serving the last result; the log says why
            log.error("rising topics failed: %s", err)
            return
        with self._lock:
            self._value = (topics, iso(utcnow()) or "")
            self._computed = time.monotonic()


def _digest_rising(store: Store) -> tuple[list[dict[str, Any]], str | None]:
    """Rising topics as stored with the latest digest."""
    row = next(store.db.query(
        "select rising, created_at from digests order by id desc limit 1"), None)
    if row is None:
        return [], None
    topics = [t for t in loads(row["rising"], []) or [] if isinstance(t, dict)]
    return topics, row["created_at"]
