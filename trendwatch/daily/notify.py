"""Sending one message through every configured notifier, one failure costing only itself.

The digest and "send to team" (:mod:`trendwatch.plan.send`) both go through here: a
notifier plugin that raises is logged, stored as an error event with its traceback, and
reported in the results; the next notifier is still tried.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..db.store import Store

if TYPE_CHECKING:
    from ..binding import ConfiguredNotifier

log = logging.getLogger(__name__)


def send_each(store: Store, notifiers: Sequence[ConfiguredNotifier], title: str,
              markdown: str, html: str, *, what: str) -> list[dict[str, Any]]:
    """Send through each notifier; one ``{"notifier", "status", "error"}`` per notifier.
    ``what`` names the message in a failure event ("digest", "send to team")."""
    results = []
    for cn in notifiers:
        status, error = "sent", None
        try:
            cn.notifier.send(title, markdown, html)
        except Exception as err:  # any plugin failure: record it, go on with the next
            status, error = "error", f"{type(err).__name__}: {err}"[:2000]
            log.error("notifier %s failed: %s", cn.name, error)
            store.event("error", "notifier", cn.name, f"{what} not sent: {error}",
                        traceback.format_exc())
        results.append({"notifier": cn.name, "status": status, "error": error})
    return results
