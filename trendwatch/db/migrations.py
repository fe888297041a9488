"""The database schema, as a list of small named migrations applied on every open.

Never edit a migration that has shipped: add a new one. ``tests/test_migrations.py``
migrates a blank database and every earlier version and compares the result. The schema is
a public interface (documented in ``docs/schema.md``): people open the file in Datasette.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("trendwatch")


@migrations()
def m001_initial(db: Database) -> None:
    db["sources"].create({
        "name": str,             # the [[sources]] name
        "plugin": str,           # its source type
        "description": str,
        "every_seconds": float,
        "enabled": int,
        "added_at": str,
        "last_fetch_at": str,
        "last_success_at": str,
        "last_status": str,      # ok | not_modified | partial | error
        "last_error": str,
        "consecutive_failures": int,
        "next_due_at": str,
        "items_total": int,
    }, pk="name", defaults={"enabled": 1, "consecutive_failures": 0, "items_total": 0},
        not_null={"plugin"})

    db["fetches"].create({
        "id": int,
        "source": str,
        "started_at": str,
        "finished_at": str,
        "duration_ms": int,
        "status": str,           # ok | not_modified | partial | error
        "http_status": int,
        "bytes": int,
        "items_new": int,
        "items_seen": int,
        "error": str,
        "warnings": str,         # JSON list
    }, pk="id")
    db["fetches"].create_index(["source", "started_at"])

    db["http_cache"].create({
        "source": str,
        "url": str,
        "etag": str,
        "last_modified": str,
        "body_sha256": str,
        "updated_at": str,
    }, pk=("source", "url"))

    db["items"].create({
        "id": int,
        "source": str,
        "dedup_key": str,        # guid, else canonical URL, else content hash
        "guid": str,
        "url": str,
        "canonical_url": str,
        "title": str,
        "title_key": str,        # normalised title, to link the same story across sources
        "summary": str,
        "author": str,
        "kind": str,
        "lang": str,
        "published_at": str,     # ISO 8601 UTC
        "published_estimated": int,  # 1 when the feed had no date and fetch time was used
        "fetched_at": str,
        "first_seen_at": str,
        "last_seen_at": str,
        "story_id": int,         # id of the first item of the same story (cross-source)
        "metrics": str,          # JSON object
        "extra": str,            # JSON object
    }, pk="id", not_null={"source", "dedup_key", "title"})
    db["items"].create_index(["source", "dedup_key"], unique=True)
    db["items"].create_index(["canonical_url"])
    db["items"].create_index(["title_key"])
    db["items"].create_index(["story_id"])
    db["items"].create_index(["first_seen_at"])

    db["scores"].create({
        "item_id": int,
        "model_version": str,
        "theme": str,
        "relevance": float,
        "scores": str,           # JSON {theme id: probability}
        "why": str,              # JSON list of terms
        "filtered": str,         # reason when the item must never be suggested (avoid term)
        "scored_at": str,
    }, pk="item_id", foreign_keys=[("item_id", "items", "id")])

    db["suggestions"].create({
        "id": int,
        "item_id": int,
        "list_date": str,        # YYYY-MM-DD in the brand's time zone
        "theme": str,
        "score": float,
        "relevance": float,
        "signals": str,          # JSON {trend, momentum, recency, novelty, sources}
        "why": str,              # JSON list
        "angles": str,           # JSON list of {platform, format, hook, why_now, generator}
        "status": str,           # new | accepted | rejected | snoozed
        "created_at": str,
        "updated_at": str,
        "snoozed_until": str,
        "planned_for": str,      # YYYY-MM-DD for the content calendar
    }, pk="id", foreign_keys=[("item_id", "items", "id")], defaults={"status": "new"})
    db["suggestions"].create_index(["item_id"], unique=True)
    db["suggestions"].create_index(["list_date", "status"])

    db["feedback"].create({
        "id": int,
        "suggestion_id": int,
        "item_id": int,
        "verdict": str,          # accept | reject | snooze
        "reason": str,           # off-brand | wrong-theme | stale | already-covered | ...
        "theme": str,            # the label: the theme it belongs to (null = off-brand)
        "note": str,
        "created_at": str,
    }, pk="id", foreign_keys=[("item_id", "items", "id")])
    db["feedback"].create_index(["item_id"])

    db["models"].create({
        "version": str,
        "created_at": str,
        "path": str,
        "sha256": str,
        "label_counts": str,     # JSON {theme or "_off": n}
        "cv_scores": str,        # JSON
        "n_items": int,
        "params": str,           # JSON
        "active": int,
    }, pk="version")

    db["digests"].create({
        "id": int,
        "list_date": str,
        "created_at": str,
        "markdown": str,
        "html_path": str,
        "md_path": str,
        "n_suggestions": int,
        "broken_sources": str,   # JSON list
        "rising": str,           # JSON list
    }, pk="id")

    db["notifications"].create({
        "id": int,
        "digest_id": int,
        "notifier": str,
        "status": str,           # sent | error
        "error": str,
        "at": str,
    }, pk="id")

    db["events"].create({
        "id": int,
        "at": str,
        "level": str,            # info | warning | error
        "kind": str,             # job | plugin | notifier | model | daemon
        "subject": str,
        "message": str,
        "detail": str,           # traceback, if any
    }, pk="id")
    db["events"].create_index(["at"])

    db["daemon"].create({
        "id": int,               # always 1
        "pid": int,
        "host": str,
        "started_at": str,
        "heartbeat_at": str,
        "stopped_at": str,
        "last_digest_at": str,
        "version": str,
    }, pk="id")

    db["items"].enable_fts(["title", "summary"], create_triggers=True, tokenize="unicode61")


@migrations()
def m002_fts_reindex_on_text_change_only(db: Database) -> None:
    """sqlite-utils' update trigger re-indexed title and summary on *every* update, and each
    refetch updates ``last_seen_at``/``metrics`` of every item seen: 3x the cost of a
    refetch for nothing. Re-index only when the indexed text changes."""
    db.execute('DROP TRIGGER IF EXISTS "items_au"')
    db.execute("""
        CREATE TRIGGER "items_au" AFTER UPDATE OF "title", "summary" ON "items" BEGIN
          INSERT INTO "items_fts" ("items_fts", rowid, "title", "summary")
            VALUES('delete', old.rowid, old."title", old."summary");
          INSERT INTO "items_fts" (rowid, "title", "summary")
            VALUES (new.rowid, new."title", new."summary");
        END""")


@migrations()
def m003_stories(db: Database) -> None:
    """Stories get a table (see :mod:`trendwatch.stories`): one row per story, named by the
    id of the item that started it, as ``items.story_id`` already was. Every existing story
    gets its row; an item without ``story_id`` becomes a story of its own. Items keep the
    words they are matched by (``story_terms``), so a process loads the recent window
    without normalising every text again."""
    db["stories"].create({
        "id": int,
        "first_seen_at": str,
        "updated_at": str,
        "split_from": int,
        "split_at": str,
    }, pk="id")
    db["items"].add_column("story_terms", str)
    db.execute("update items set story_id = id where story_id is null")
    db.execute("""insert into stories (id, first_seen_at, updated_at)
                  select story_id, min(first_seen_at), max(first_seen_at) from items
                  group by story_id""")
    db["items"].create_index(["story_id", "source"], if_not_exists=True)


@migrations()
def m004_plan(db: Database) -> None:
    """The content plan: one item per planned post, and every change to it kept.

    Items of suggestions accepted before this migration are created on first read by
    ``trendwatch.plan.items.sync`` (it needs the config's slots; a migration has none)."""
    db["plan_items"].create({
        "id": int,
        "suggestion_id": int,    # the accepted suggestion, if it came from one
        "item_id": int,          # the stored item (search result, held-back item), if any
        "origin": str,           # suggestion | search | rising | held-back | manual
        "title": str,            # the headline or topic, copied so it reads alone
        "url": str,              # the story's link
        "platform": str,         # the chosen angle: platform ...
        "format": str,           # ... format ...
        "hook": str,             # ... and hook (editable text)
        "angle": str,            # the angle in the team's words
        "planned_date": str,     # YYYY-MM-DD in the brand's time zone
        "planned_time": str,     # HH:MM in the brand's time zone; null = no time yet
        "stage": str,            # one of [plan] stages
        "owner": str,            # who makes it (a name from [plan] team, or any text)
        "caption": str,
        "hashtags": str,
        "notes": str,
        "post_url": str,         # the published post (recorded when posted)
        "posted_at": str,        # ISO 8601 UTC, when the post URL was recorded
        "archived_at": str,      # ISO 8601 UTC; taken off the plan (kept, never deleted)
        "sequence": int,         # iCalendar SEQUENCE: +1 on every change
        "created_at": str,
        "updated_at": str,
    }, pk="id", not_null={"title", "stage", "origin"},
        defaults={"sequence": 0, "origin": "suggestion"})
    db["plan_items"].create_index(["suggestion_id"], unique=True)
    db["plan_items"].create_index(["planned_date"])
    db["plan_items"].create_index(["post_url"])

    db["plan_history"].create({
        "id": int,
        "plan_item_id": int,
        "at": str,               # ISO 8601 UTC
        "who": str,              # the person (CLI --who / $USER, the web page's name)
        "field": str,            # the column changed ("created", "archived", "sent" too)
        "old": str,              # the value before (text; null = empty)
        "new": str,              # the value after
    }, pk="id", foreign_keys=[("plan_item_id", "plan_items", "id")])
    db["plan_history"].create_index(["plan_item_id", "id"])


@migrations()
def m005_learning_slots(db: Database) -> None:
    """``suggestions.learning``: 1 for a "help the model learn" slot (an item the classifier
    is least sure about, see :mod:`trendwatch.ranking.learning`), 0 otherwise."""
    if "learning" not in db["suggestions"].columns_dict:
        db["suggestions"].add_column("learning", int, not_null_default=0)


@migrations()
def m006_safety(db: Database) -> None:
    """Held-back items the reviewer released with one click (issue 15): brand safety
    still marks them, but they may be suggested."""
    db["safety_overrides"].create({
        "item_id": int,
        "reason": str,           # what held it back when it was released
        "created_at": str,
    }, pk="item_id", foreign_keys=[("item_id", "items", "id")])


@migrations()
def m007_performance(db: Database) -> None:
    """Posts and the history of their numbers (issue 14, :mod:`trendwatch.performance`)."""
    db["posts"].create({
        "id": int,
        "platform": str,             # instagram | tiktok | youtube | facebook | ...
        "platform_post_id": str,     # the platform's id (media id, video id), if known
        "url": str,                  # the link as given
        "url_key": str,              # canonical link: the same post reached any way
        "title": str,                # caption / title from the export
        "format": str,               # carousel | reel | short | story | photo | video | ...
        "published_at": str,         # ISO 8601 UTC
        "published_estimated": int,  # 1 when only `trendwatch posted` said when
        "duration_seconds": float,
        "suggestion_id": int,        # the suggestion it was made from (null: unlinked)
        "linked_by": str,            # url | id | manual
        "importer": str,             # last importer that updated it
        "source_file": str,          # last export file name
        "first_imported_at": str,
        "last_imported_at": str,
        "created_at": str,
        "extra": str,                # JSON
    }, pk="id")
    db.execute("create unique index posts_url_key on posts (url_key) "
               "where url_key is not null")
    db.execute("create unique index posts_platform_id on posts (platform, platform_post_id) "
               "where platform_post_id is not null")
    db["posts"].create_index(["suggestion_id"])
    db["posts"].create_index(["published_at"])

    db["post_metrics"].create({
        "id": int,
        "post_id": int,
        "captured_at": str,          # when the export was imported (ISO UTC)
        "importer": str,
        "source_file": str,
        "views": int,
        "reach": int,
        "impressions": int,
        "likes": int,
        "comments": int,
        "shares": int,
        "saves": int,
        "follows": int,
        "watch_hours": float,
        "avg_watch_seconds": float,
        "completion_rate": float,    # 0..1
        "engagement_rate": float,    # per platform, see docs/performance.md
    }, pk="id", foreign_keys=[("post_id", "posts", "id")])
    db["post_metrics"].create_index(["post_id", "captured_at"])


def apply(db: Database) -> None:
    migrations.apply(db)
