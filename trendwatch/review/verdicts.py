"""Recording the reviewer's verdicts: accept, reject (with a reason), snooze.

Each verdict is one ``feedback`` row and an update of the suggestion, written in one
transaction. The ``feedback`` rows are the classifier's training labels, so what
``feedback.theme`` holds matters (see ``docs/suggestions.md``):

==========================  =========================================================
verdict / reason            ``feedback.theme`` (the label) and what it teaches
==========================  =========================================================
accept                      the theme given, else the suggestion's theme
reject off-brand            null: the item belongs to no theme
reject sensitive            null: "not our voice" (war, death, politics, a brand we
                            don't touch): an off-brand label, so similar items sink
reject wrong-theme          the correct theme (required)
reject stale                no label: the topic may be right, the moment was wrong;
                            that says nothing about what the brand talks about
reject already-covered      no label: we posted it already; ditto
reject other                the theme given; without one, no label (the reason is
                            unknown, so it teaches nothing)
snooze                      null, and no label: the reviewer has not decided
==========================  =========================================================

"stale" and "already-covered" used to label the item with the suggestion's theme: every
rejected item then taught "more like this", and rejecting three war letters as "already
covered" raised other war news. They still keep the item off the list (every verdict
does). The label is decided here, once, when the verdict is recorded; :func:`teaches` says
whether a stored row is a label at all (``null`` means off-brand only when it is).
:func:`training_labels` reads the latest row per item and applies
nothing else, so "accept, then snooze" leaves the item unlabelled.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from ..daily.queries import next_workday, parse_date, today
from ..db.store import Store, iso, utcnow
from ..errors import TrendwatchError
from ..stories.labels import NO_LABEL_REASONS

VERDICTS = ("accept", "reject", "snooze")
REJECT_REASONS = ("off-brand", "sensitive", "wrong-theme", "stale", "already-covered",
                  "other")
#: Reject reasons that say "not for this brand": an off-brand label (theme null).
OFF_BRAND_REASONS = ("off-brand", "sensitive")
#: What each reject reason teaches the classifier (docs/suggestions.md repeats it).
TEACHES = {
    "off-brand": "off-brand: items like this belong to no theme",
    "sensitive": "off-brand: not our voice (sensitive topic); items like this sink",
    "wrong-theme": "the correct theme",
    "stale": "nothing: the moment was wrong, not the topic",
    "already-covered": "nothing: we posted it already",
    "other": "the theme given, else nothing",
}
#: Suggestion status after each verdict.
STATUS_AFTER = {"accept": "accepted", "reject": "rejected", "snooze": "snoozed"}


def _label(verdict: str, reason: str | None, theme: str | None,
           suggested_theme: str | None) -> str | None:
    if verdict == "accept":
        return theme or suggested_theme
    if verdict == "snooze":
        return None
    if reason in OFF_BRAND_REASONS or reason in NO_LABEL_REASONS:
        return None
    return theme  # wrong-theme (required), "other": only what the reviewer said


def _validate(verdict: str, reason: str | None, theme: str | None,
              valid_themes: Collection[str] | None) -> None:
    if verdict not in VERDICTS:
        raise TrendwatchError(f'verdict: "{verdict}" is not one of {", ".join(VERDICTS)}')
    if verdict == "reject":
        if reason is None:
            raise TrendwatchError(
                f"a rejection needs a reason: {', '.join(REJECT_REASONS)}")
        if reason not in REJECT_REASONS:
            raise TrendwatchError(
                f'reason: "{reason}" is not one of {", ".join(REJECT_REASONS)}')
        if reason == "wrong-theme" and not theme:
            raise TrendwatchError("reason wrong-theme needs the correct theme (--theme ID)")
        if reason in OFF_BRAND_REASONS and theme:
            raise TrendwatchError(f"reason {reason} means no theme: drop --theme "
                                  "(or use reason wrong-theme)")
    elif reason is not None:
        raise TrendwatchError(f"a reason is only given with reject, not with {verdict}")
    if theme and valid_themes is not None and theme not in valid_themes:
        known = ", ".join(sorted(valid_themes)) or "none"
        raise TrendwatchError(f'theme: unknown theme "{theme}" (configured: {known})')


def record_verdict(store: Store, suggestion_id: int, verdict: str, *,
                   reason: str | None = None, note: str | None = None,
                   theme: str | None = None, planned_for: str | date | None = None,
                   snooze_until: str | date | None = None, now: datetime | None = None,
                   tz: tzinfo | None = None,
                   valid_themes: Collection[str] | None = None,
                   item_id: int | None = None) -> dict[str, Any]:
    """Store a verdict on a suggestion and update its status, in one write transaction.

    ``planned_for`` (accept) defaults to the next working day after ``now`` in ``tz`` (pass
    ``config.brand.tz``; UTC if omitted); ``snooze_until`` (snooze) likewise. ``valid_themes``
    (the configured theme ids) makes an unknown ``theme`` an error. Raises TrendwatchError
    for an unknown suggestion id, verdict, reason or theme; nothing is written then.

    Returns the stored feedback: ``feedback_id``, ``suggestion_id``, ``item_id``,
    ``verdict``, ``reason``, ``theme`` (the label), ``note``, ``status``, ``planned_for``,
    ``snoozed_until``, ``created_at``, ``title`` (the item's) and ``listed`` (False when the
    suggestion had dropped out of its list before the verdict: it is then put on today's
    list with its verdict, so it shows where the reviewer looks).

    ``item_id``, when given, is the item the caller means (the web form and the digest's
    command carry it): if suggestion ``suggestion_id`` is another item, nothing is written
    and the error names both. Ids are never reused (see :mod:`trendwatch.daily.build`), so this
    is a guard, not the mechanism.
    """
    reason = reason or None
    theme = theme or None
    note = (note or "").strip() or None
    _validate(verdict, reason, theme, valid_themes)
    plan = parse_date(planned_for, "planned_for")
    until = parse_date(snooze_until, "snooze_until")
    if plan and verdict != "accept":
        raise TrendwatchError("a planned post date is only given with accept")
    if until and verdict != "snooze":
        raise TrendwatchError("a snooze date is only given with snooze")
    now = now or utcnow()
    local_today = today(tz or UTC, now)
    stamp = iso(now)
    with store.write() as db:
        row = next(db.query("select s.id, s.item_id, s.theme, s.planned_for, s.list_date, "
                            "i.title from suggestions s join items i on i.id = s.item_id "
                            "where s.id = ?", [suggestion_id]), None)
        if row is None:
            raise TrendwatchError(f"no suggestion with id {suggestion_id}")
        if item_id is not None and int(item_id) != row["item_id"]:
            raise TrendwatchError(
                f"suggestion {suggestion_id} is \u201c{_short(row['title'])}\u201d (item "
                f"{row['item_id']}), not item {item_id}: nothing recorded. Reload the list "
                "and try again.")
        update: dict[str, Any] = {"status": STATUS_AFTER[verdict], "updated_at": stamp,
                                  "snoozed_until": None}
        if row["list_date"] is None:  # parked: dropped out of the list before this verdict
            update["list_date"] = local_today.isoformat()
        if verdict == "accept":
            # keep a date the reviewer set earlier (e.g. planned, then re-accepted)
            chosen = plan or parse_date(row["planned_for"]) or next_workday(local_today)
            update["planned_for"] = chosen.isoformat()
        elif verdict == "snooze":
            update["snoozed_until"] = (until or next_workday(local_today)).isoformat()
        label = _label(verdict, reason, theme, row["theme"])
        feedback = {"suggestion_id": suggestion_id, "item_id": row["item_id"],
                    "verdict": verdict, "reason": reason, "theme": label, "note": note,
                    "created_at": stamp}
        feedback_id = db["feedback"].insert(feedback).last_pk
        db["suggestions"].update(suggestion_id, update)
    return {"feedback_id": feedback_id, **feedback, "status": update["status"],
            "planned_for": update.get("planned_for"),
            "snoozed_until": update["snoozed_until"], "title": row["title"],
            "listed": row["list_date"] is not None}


def _short(title: str | None, limit: int = 80) -> str:
    text = " ".join((title or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


