"""The web page: the specialist's daily list, verdicts, backlog, sources health, rising
topics and search, served from the same SQLite database the daemon writes.

Pages are plain server-rendered HTML (Jinja2, autoescaped) with one CSS file: no build
step, no CDN, no JavaScript needed. Every state change is a POST carrying the session's
CSRF token (see ``security.py``), answered with a redirect back to the page it came from.

This module reads through ``trendwatch.queries`` and writes through ``trendwatch.feedback``
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

from .. import queries
from ..errors import TrendwatchError
from ..render import safe_url
from ..store import Store, loads, parse_iso
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
#: Labels shown for the reject reasons of trendwatch.feedback.
REASON_LABELS = {
    "off-brand": "Off-brand",
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
    return app


# -- security --------------------------------------------------------------------------


def _install_security(app: Flask, config: Config) -> None:
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
        public = request.endpoint in ("login", "static", "healthz")
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

    app.jinja_env.filters.update(local=local_time, nice_date=nice_date, percent=percent,
                                 number=number, safe_url=safe_url)

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
        from ..status import broken_sources

        store = stores.get()
        today = queries.today(tz)
        problems = []
        day = _arg_date("date", today, problems)
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
        return render_template(
            "list.html", rows=rows, day=day, today=today, status=status, theme=theme,
            problems=problems, broken=broken_sources(store), latest=latest,
            snooze_choices=_snooze_choices(today),
            prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1))

    @app.post("/suggestions/<int:sid>/verdict")
    def verdict(sid: int) -> Any:
        from ..feedback import record_verdict

        store = stores.get()
        form = request.form
        choice = form.get("verdict", "")
        reason = form.get("reason") or None
        theme = form.get("theme") or None
        if reason and reason.startswith("wrong-theme:"):
            # The reject menu offers "wrong theme: it is about X" as one choice.
            reason, theme = "wrong-theme", reason.split(":", 1)[1]
        try:
            row = queries.get_suggestion(store, sid, config)
            done = record_verdict(
                store, sid, choice, reason=reason if choice == "reject" else None,
                note=form.get("note"), theme=theme if choice != "snooze" else None,
                snooze_until=form.get("until") if choice == "snooze" else None,
                planned_for=form.get("planned_for") if choice == "accept" else None,
                tz=tz, valid_themes=theme_ids or None)
        except TrendwatchError as err:
            flash(str(err), "error")
            return _back()
        except sqlite3.OperationalError as err:
            return _busy(err)
        flash(_verdict_message(done, row["title"]), "ok")
        return _back()

    @app.post("/suggestions/<int:sid>/plan")
    def plan(sid: int) -> Any:
        from ..feedback import set_planned_for

        try:
            set_planned_for(stores.get(), sid, request.form.get("planned_for", ""))
        except TrendwatchError as err:
            flash(str(err), "error")
            return _back()
        except sqlite3.OperationalError as err:
            return _busy(err)
        flash("Planned date saved.", "ok")
        return _back()

    @app.get("/backlog")
    def backlog() -> Any:
        from ..performance.links import post_urls

        rows = queries.backlog(stores.get(), config)
        today = queries.today(tz)
        # Verdict buttons here too: a mis-tapped Accept is taken back from the backlog.
        return render_template("backlog.html", rows=rows, today=today,
                               snooze_choices=_snooze_choices(today),
                               ics=_calendar_export() is not None,
                               post_urls=post_urls(stores.get(), [r["id"] for r in rows]))

    @app.get("/backlog.ics")
    def backlog_ics() -> Any:
        export = _calendar_export()
        if export is None:
            abort(404)
        body = export(queries.backlog(stores.get(), config), config)
        return Response(body, mimetype="text/calendar",
                        headers={"Content-Disposition":
                                 'attachment; filename="trendwatch-backlog.ics"'})

    @app.get("/sources")
    def sources() -> Any:
        from ..status import full_status

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
                               updating=rising_cache.refreshing)

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


def _arg_date(name: str, default: date, problems: list[str]) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return queries.parse_date(raw, name) or default
    except TrendwatchError:
        problems.append(f'"{raw}" is not a date (use YYYY-MM-DD): showing today.')
        return default


def _snooze_choices(today: date) -> list[tuple[str, str]]:
    nxt = queries.next_workday(today)
    week = today + timedelta(days=7)
    while week.weekday() >= 5:
        week += timedelta(days=1)
    return [(nxt.isoformat(), f"until {nxt:%a %d %b}"),
            (week.isoformat(), f"until {week:%a %d %b}")]


def _verdict_message(done: dict[str, Any], title: str) -> str:
    short = title if len(title) <= 80 else title[:77] + "…"
    if done["verdict"] == "accept":
        return f"Accepted “{short}” — planned for {done['planned_for']}."
    if done["verdict"] == "snooze":
        return f"Snoozed “{short}” until {done['snoozed_until']}."
    return f"Rejected “{short}” ({done['reason']})."


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


def _calendar_export() -> Any:
    """``to_ics(rows, config)`` of the calendar module, or None in a build without it."""
    try:
        from ..calendar_export import to_ics
    except ImportError:
        return None
    return to_ics


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
        from ..ranking.rising import rising_topics
        from ..store import iso, utcnow

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
