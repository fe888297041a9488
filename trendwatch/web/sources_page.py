"""Sources health (``/sources``): each source's last fetch, errors and item counts, as
``trendwatch status`` reports them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from . import common

bp = Blueprint("sources", __name__)


@bp.get("/sources")
def index() -> Any:
    from ..service.status import full_status

    return render_template("sources.html", report=full_status(common.store()))
