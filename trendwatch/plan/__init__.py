"""The content plan: what the team will post, when, on which platform, by whom, and how far
along it is (see docs/planning.md).

- :mod:`.items`: plan items, their stages and the history of every change;
- :mod:`.slots`: default posting slots, the next free slot, past-date and clash warnings;
- :mod:`.views`: the week grid, the backlog by stage, rows for the terminal;
- :mod:`.calendar`: the iCalendar feed (stable UIDs, SEQUENCE);
- :mod:`.send`: "send to team" through the configured notifiers;
- :mod:`.web`: the Plan page and its forms (a Flask blueprint).

Only ``store``, ``config``, ``queries`` and ``render`` are imported from below; nothing here
imports scikit-learn.
"""

from __future__ import annotations

from .items import PlanError, posted_urls

__all__ = ["PlanError", "posted_urls"]
