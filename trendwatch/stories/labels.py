"""Verdicts as classifier labels: the latest verdict per item decides, and a verdict on a story
labels every item of it. Kept here, below both review (which records verdicts) and ranking
(which trains on them), so neither imports the other."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cards import story_members

if TYPE_CHECKING:

    from ..db.store import Store


def story_labels(store: Store, labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A verdict on a story is a verdict on all its items: each label row (``item_id``,
    ``title``, ``summary``, ``theme``, ``verdict``, ``reason``) is repeated for the other
    items of its story that have no verdict of their own. Items the user split out are in
    stories of their own, so no verdict reaches them this way."""
    if not labels:
        return labels
    judged = {r["item_id"] for r in labels}
    own = {r["item_id"] for r in store.query("select distinct item_id from feedback")}
    ids = sorted(judged)
    story_of: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        for r in store.query(f"select id, coalesce(story_id, id) as story from items "
                             f"where id in ({marks})", part):
            story_of[r["id"]] = r["story"]
    members = story_members(store, set(story_of.values()))
    out = list(labels)
    for label in labels:
        for m in members.get(story_of.get(label["item_id"], -1), []):
            if m["id"] in judged or m["id"] in own:
                continue
            judged.add(m["id"])
            out.append({**label, "item_id": m["id"], "title": m["title"],
                        "summary": m.get("summary")})
    return out


#: Reject reasons about timing, not topic: they teach nothing (no label).
NO_LABEL_REASONS = ("stale", "already-covered")


def teaches(verdict: str, reason: str | None, label: str | None) -> bool:
    """Whether a stored feedback row (its verdict, reason and ``theme`` label) is a
    training label. A snooze is undecided; "stale" and "already-covered" are about timing,
    not topic; "reject other" without a theme says neither
    which theme nor that the item is off-brand; "wrong-theme" without the right theme
    (never stored by :func:`record_verdict`) only says what it is not."""
    if verdict == "snooze":
        return False
    if verdict == "reject" and reason in NO_LABEL_REASONS:
        return False  # also for rows stored before they stopped being on-theme labels
    if verdict == "reject" and reason in ("other", "wrong-theme", None) and not label:
        return False
    return verdict in ("accept", "reject")


def training_labels(store: Store) -> list[dict[str, Any]]:
    """The review verdicts as classifier labels: the latest feedback row per item decides.

    The label itself was decided when the verdict was recorded (``feedback.theme``, see
    the table above): a theme id, or ``None`` for off-brand. Nothing is recomputed here; an
    item whose latest row teaches nothing (a snooze, "reject other" without a theme:
    :func:`teaches`) has no label, even if an earlier verdict gave it one. Each row:
    ``item_id``, ``title``, ``summary``, ``theme``, ``verdict``, ``reason``.

    It lives with the verdicts, not with list-building: the training code reads it, and
    ``suggest`` only calls the training code (no import circle).
    """
    rows = store.query("""
        select f.item_id, f.verdict, f.reason, f.theme, i.title, i.summary
        from feedback f join items i on i.id = f.item_id
        where f.id in (select max(id) from feedback group by item_id)
        order by f.id""")
    # a verdict on a story labels every item of it (trendwatch.stories.story_labels)
    return story_labels(store, [
        {"item_id": r["item_id"], "title": r["title"], "summary": r["summary"],
         "theme": r["theme"], "verdict": r["verdict"], "reason": r["reason"]}
        for r in rows if teaches(r["verdict"], r["reason"], r["theme"])])
