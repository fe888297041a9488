"""The Performance page (``/performance``) and the "posted at" form of the backlog.

The page only reads through :mod:`trendwatch.performance` and writes through
:func:`trendwatch.performance.links.link_post` (and the plan item of the suggestion posted).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, flash, render_template, request
from flask.blueprints import BlueprintSetupState

from ..errors import TrendwatchError
from . import common

if TYPE_CHECKING:
    from ..config import Config

bp = Blueprint("performance", __name__)

#: Where each app keeps its analysis cache.
CACHE_KEY = "trendwatch_performance"


#: What the analysis depends on, cheap to read: posts added, relinked or re-imported, new
#: snapshots, suggestions whose theme changed. Same answer: the cached analysis is reused.
SIGNATURE_SQL = """
    select (select count(*) from posts) as n_posts, (select max(id) from posts) as top_post,
           (select total(suggestion_id) from posts) as links,
           (select max(last_imported_at) from posts) as imported,
           (select max(id) from post_metrics) as top_snapshot,
           (select count(*) from suggestions) as n_suggestions,
           (select max(updated_at) from suggestions) as suggestions_changed
"""


class AnalysisCache:
    """The last analysis and the signature of the data it was computed from (one per app:
    2,000 posts take ~50 ms to analyse, a signature under 1 ms)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._value: Any = None

    def get(self, store: Any, config: Config) -> Any:
        from ..performance.analysis import analyse_store

        key = tuple(store.query(SIGNATURE_SQL)[0].values())
        with self._lock:
            if key == self._key:
                return self._value
        value = analyse_store(store, config.brand.tz,
                              prior_posts=config.performance.prior_posts)
        with self._lock:
            self._key, self._value = key, value
        return value


def page_context(store: Any, config: Config, cache: AnalysisCache | None = None
                 ) -> dict[str, Any]:
    """Everything the template shows: the analysis, its plots, the latest posts."""
    from ..performance import svg

    a = (cache or AnalysisCache()).get(store, config)
    g = a.groups
    latest = sorted(a.posts, key=lambda p: p["published_at"] or "", reverse=True)[:15]
    return {
        "a": a,
        "min_posts": config.performance.min_posts,
        "active": a.n_rated >= config.performance.min_posts
        and config.ranking.weights.sells > 0,
        "plot_theme_format": svg.lift_chart(
            g.get("theme_format", []), "Engagement by theme, platform and format"),
        "plot_format": svg.lift_chart(g.get("format", []), "Engagement by format"),
        "plot_theme": svg.lift_chart(g.get("theme", []), "Engagement by theme"),
        "plot_weekly": svg.weekly_chart(a.weekly, "Posts per week"),
        "plot_speed": svg.speed_chart(a.speed_points, g.get("speed", []),
                                      "Speed: trend first seen to post, against result"),
        "weekday": g.get("weekday", []), "hour": g.get("hour", []),
        "latest": latest,
    }


@bp.record_once
def _new_cache(state: BlueprintSetupState) -> None:
    # one analysis cache per app (each serves its own database)
    state.app.extensions[CACHE_KEY] = AnalysisCache()


@bp.get("/performance")
def index() -> Any:
    return render_template("performance.html", **page_context(
        common.store(), common.config(), current_app.extensions[CACHE_KEY]))


@bp.post("/suggestions/<int:sid>/posted")
def posted(sid: int) -> Any:
    from ..performance.links import link_post
    from ..plan.items import for_suggestion, update

    store = common.store()
    url = request.form.get("url", "")
    try:
        done = link_post(store, sid, url)
        planned = for_suggestion(store, sid)
        if planned is not None:
            # the plan item shows it too, and moves to the last stage ("posted")
            update(store, common.config(), planned["id"], {"post_url": url.strip()},
                   who="web")
    except TrendwatchError as err:
        flash(str(err), "error")
        return common.back()
    except sqlite3.OperationalError as err:
        return common.busy(err)
    flash("Post link saved: its numbers count once an export with it is imported."
          if done["created"] else "Post link saved.", "ok")
    return common.back()
