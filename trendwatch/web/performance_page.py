"""The Performance page (``/performance``) and the "posted at" form of the backlog.

Kept apart from ``app.py``: the page only reads through :mod:`trendwatch.performance`
and writes through :func:`trendwatch.performance.links.link_post`.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from flask import Flask, flash, render_template, request

from ..errors import TrendwatchError

if TYPE_CHECKING:
    from ..config import Config
    from .app import _ThreadStores


def page_context(store: Any, config: Config) -> dict[str, Any]:
    """Everything the template shows: the analysis, its plots, the latest posts."""
    from ..performance import svg
    from ..performance.analysis import analyse_store

    a = analyse_store(store, config.brand.tz, prior_posts=config.performance.prior_posts)
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


def install(app: Flask, config: Config, stores: _ThreadStores) -> None:
    from .app import _back, _busy

    @app.get("/performance")
    def performance() -> Any:
        return render_template("performance.html", **page_context(stores.get(), config))

    @app.post("/suggestions/<int:sid>/posted")
    def posted(sid: int) -> Any:
        from ..performance.links import link_post

        try:
            done = link_post(stores.get(), sid, request.form.get("url", ""))
        except TrendwatchError as err:
            flash(str(err), "error")
            return _back()
        except sqlite3.OperationalError as err:
            return _busy(err)
        flash("Post link saved: its numbers count once an export with it is imported."
              if done["created"] else "Post link saved.", "ok")
        return _back()
