"""Items brand safety held back (``/held``), and releasing one onto today's list.

Reads and writes through ``trendwatch.review.holdback`` only.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Blueprint, flash, render_template

from ..errors import TrendwatchError
from . import common

bp = Blueprint("held", __name__)


@bp.get("/held")
def index() -> Any:
    from ..review.holdback import held_items

    config = common.config()
    return render_template("held.html", rows=held_items(common.store(), config),
                           hold=config.safety.hold,
                           theme_names={t.id: t.name for t in config.themes})


@bp.post("/held/<int:item_id>/release")
def release(item_id: int) -> Any:
    from ..review.holdback import release as release_item

    try:
        done = release_item(common.store(), common.config(), item_id)
    except TrendwatchError as err:
        flash(str(err), "error")
        return common.back()
    except sqlite3.OperationalError as err:
        return common.busy(err)
    flash(f"Released “{done['title'][:80]}” (was held: {done['reason']}): it is on "
          "today's list.", "ok")
    return common.back()
