"""The web app: the specialist's daily list, verdicts, plan and backlog, sources health,
rising topics, search and performance, served from the same SQLite database the daemon
writes.

Pages are plain server-rendered HTML (Jinja2, autoescaped) with one CSS file: no build
step, no CDN, no JavaScript needed. Every state change is a POST carrying the session's
CSRF token (see ``security.py``), answered with a redirect back to the page it came from.

This module only builds the app: its settings, the login guard and security headers, the
template helpers, the error pages, and the pages themselves, one blueprint per page or
page group (``*_page.py``, sharing ``common.py``). No page imports scikit-learn (the web
process stays small and starts fast).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from ..daily import queries
from ..daily.queries import brand_lang
from ..daily.render import published_text, safe_url, signal_text
from ..db.store import Store, parse_iso
from ..errors import TrendwatchError
from . import (
    common,
    held_page,
    login_page,
    performance_page,
    plan_page,
    rising_page,
    search_page,
    security,
    sources_page,
    today_page,
)

if TYPE_CHECKING:
    from ..config import Config

log = logging.getLogger(__name__)

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
    common.install(app, store_path, config)  # per-thread stores, the config pages read
    _install_security(app, config)
    _install_template_helpers(app, config)
    for page in (login_page, today_page, held_page, sources_page, rising_page, search_page,
                 performance_page):
        app.register_blueprint(page.bp)
    plan_page.register(app, config)  # week grid, backlog, calendar feed, send to team
    _install_error_pages(app)
    return app


# -- security --------------------------------------------------------------------------


def _install_security(app: Flask, config: Config) -> None:
    token = config.web.token
    # login and the health check must pass; the calendar feed checks its own token
    public_endpoints = ("static", *login_page.PUBLIC_ENDPOINTS, *plan_page.PUBLIC_ENDPOINTS)

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
        public = request.endpoint in public_endpoints
        if token and not public and session.get("auth") != security.token_fingerprint(token):
            if request.method != "GET":
                abort(403, "Please log in first.")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in security.SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            # Pages hold CSRF tokens and change with every verdict: never cache them.
            response.headers["Cache-Control"] = "no-store"
        return response


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


# -- error pages -------------------------------------------------------------------------


def _install_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Any:
        return render_template("error.html", code=err.code, title=err.name,
                               message=err.description), err.code or 500

    @app.errorhandler(Exception)
    def _crash(err: Exception) -> Any:
        log.exception("web page failed: %s", err)
        return render_template("error.html", code=500, title="Something broke",
                               message="The page failed; the error is in the server log."), 500
