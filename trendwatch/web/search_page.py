"""Search over every stored item (``/search``), full text through
``trendwatch.daily.queries``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from ..daily import queries
from . import common

bp = Blueprint("search", __name__)

#: Most results one search shows.
SEARCH_LIMIT = 50


@bp.get("/search")
def index() -> Any:
    q = request.args.get("q", "").strip()[:200]
    rows = queries.search_items(common.store(), q, SEARCH_LIMIT) if q else []
    return render_template("search.html", q=q, rows=rows)
