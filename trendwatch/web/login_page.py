"""The way in and out: the login form (with a ``[web] token``), logging out, and the
health check a monitor polls. These are the pages the app's login guard lets through."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from . import common, security

bp = Blueprint("auth", __name__)

#: Endpoints the app's login guard lets through without a session.
PUBLIC_ENDPOINTS = ("auth.login", "auth.healthz")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    token = common.config().web.token
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
        time.sleep(current_app.config["LOGIN_FAIL_DELAY"])
        error = "That token is not right."
    return render_template("login.html", next=target, error=error), \
        (403 if error else 200)


@bp.post("/logout")
def logout() -> Any:
    token = common.config().web.token
    return_to = url_for("auth.login") if token else url_for(common.HOME)
    session.clear()
    return redirect(return_to, code=303)


@bp.get("/healthz")
def healthz() -> Any:
    return {"ok": True}
