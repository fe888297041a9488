"""Storing imported posts: one ``posts`` row per post, one ``post_metrics`` row per change
of its numbers.

Re-importing the same export adds nothing; an export taken days later (numbers grew)
updates the post and adds a snapshot, so the history of each post's numbers is kept. A
post is found by its link key, else by the platform's post id (see
:func:`.links.post_key`): the same post in an overlapping export is never a second row.

All files of one import are read and checked first, then written in one transaction:
one bad file (or one bad cell) and nothing is imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from ..db.store import Store, dumps, iso, utcnow
from .importers import Importer, read_records
from .links import post_key
from .model import METRICS, PostRecord
from .tables import ExportError, read_table

#: The numbers of a snapshot, in column order.
SNAPSHOT = (*METRICS, "engagement_rate")


@dataclass
class ImportResult:
    """What one import did, per file and in total."""

    files: list[dict[str, Any]] = field(default_factory=list)
    new_posts: int = 0
    updated_posts: int = 0
    unchanged_posts: int = 0
    snapshots: int = 0
    linked: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "new_posts": self.new_posts,
                "updated_posts": self.updated_posts, "unchanged_posts": self.unchanged_posts,
                "snapshots": self.snapshots, "linked": self.linked}


def read_exports(paths: Sequence[str | Path], importers: Mapping[str, type[Importer]],
                 tz: tzinfo, *, forced: str | None = None
                 ) -> list[tuple[Path, str, list[PostRecord]]]:
    """Read and check every file; raise one :class:`ExportError` listing every problem."""
    if not importers:
        raise ExportError("no importers are loaded (the built-in ones come with trendwatch; "
                          "see `trendwatch plugins`)")
    out, problems = [], []
    for raw in paths:
        path = Path(raw)
        try:
            table = read_table(path)
            name, records = read_records(table, list(importers.values()), tz, forced)
        except ExportError as err:
            problems.append(str(err))
            continue
        out.append((path, name, records))
    if problems:
        raise ExportError("nothing was imported:\n" + "\n".join(problems))
    return out


def import_files(store: Store, paths: Sequence[str | Path],
                 importers: Mapping[str, type[Importer]], tz: tzinfo, *,
                 now: datetime | None = None, forced: str | None = None) -> ImportResult:
    """Import exports into ``posts``/``post_metrics`` (all or nothing)."""
    parsed = read_exports(paths, importers, tz, forced=forced)
    return store_records(store, parsed, now=now)


def store_records(store: Store, parsed: Sequence[tuple[Path, str, list[PostRecord]]], *,
                  now: datetime | None = None) -> ImportResult:
    stamp = iso(now or utcnow())
    result = ImportResult()
    with store.write() as db:
        conn = db.conn
        by_key: dict[str, dict[str, Any]] = {}
        by_pid: dict[tuple[str, str], dict[str, Any]] = {}
        for r in db.query("select id, platform, platform_post_id, url_key, suggestion_id, "
                          "published_estimated from posts"):
            if r["url_key"]:
                by_key[r["url_key"]] = r
            if r["platform_post_id"]:
                by_pid[(r["platform"], r["platform_post_id"])] = r
        # Every snapshot's numbers: the same numbers again (a re-import, or the same post
        # in two overlapping exports) are not a new point in its history.
        seen = {(r[0], r[1:]) for r in conn.execute(
            f"select post_id, {', '.join(SNAPSHOT)} from post_metrics")}
        touched: dict[int, str] = {}  # post id -> outcome in this import
        rows_by_id: dict[int, dict[str, Any]] = {}
        new_snaps: list[tuple[Any, ...]] = []
        for path, importer, records in parsed:
            counts = {"file": path.name, "importer": importer, "rows": len(records),
                      "new": 0, "updated": 0, "unchanged": 0}
            for rec in records:
                key, platform, pid = post_key(rec.url)
                platform = rec.platform or platform or "other"
                pid = rec.platform_post_id or pid
                row = by_key.get(key) if key else None
                if row is None and pid:
                    row = by_pid.get((platform, pid))
                values = {"platform": platform, "title": rec.title, "format": rec.format,
                          "duration_seconds": rec.duration_seconds, "importer": importer,
                          "source_file": path.name, "last_imported_at": stamp,
                          "extra": dumps({k: v for k, v in rec.extra.items()
                                          if k != "engagement_rate"}) if rec.extra else None}
                if rec.published_at is not None:
                    values["published_at"] = iso(rec.published_at)
                    values["published_estimated"] = 0
                if row is None:
                    values.update({"platform_post_id": pid, "url": rec.url, "url_key": key,
                                   "first_imported_at": stamp, "created_at": stamp})
                    # plain SQL: sqlite-utils' insert inspects the table on every call
                    # (4/5 of the time of a 5,000-row import)
                    cols = ", ".join(values)
                    post_id = conn.execute(
                        f"insert into posts ({cols}) values "
                        f"({', '.join(':' + c for c in values)})", values).lastrowid
                    row = {"id": post_id, "platform": platform, "platform_post_id": pid,
                           "url_key": key, "suggestion_id": None}
                    outcome = "new"
                else:
                    post_id = row["id"]
                    if pid and not row.get("platform_post_id") \
                            and (platform, pid) not in by_pid:
                        values["platform_post_id"] = pid
                        row["platform_post_id"] = pid
                    if key and not row.get("url_key") and key not in by_key:
                        values["url_key"] = key
                        values["url"] = rec.url
                        row["url_key"] = key
                    values["first_imported_at"] = None  # set below only if missing
                    sets = ", ".join(f"{k} = :{k}" for k in values if k != "first_imported_at")
                    conn.execute(f"update posts set {sets}, first_imported_at = "
                                 f"coalesce(first_imported_at, :stamp) where id = :id",
                                 {**values, "stamp": stamp, "id": post_id})
                    outcome = "updated"
                rows_by_id[post_id] = row
                if row.get("url_key"):
                    by_key[row["url_key"]] = row
                if row.get("platform_post_id"):
                    by_pid[(row["platform"], row["platform_post_id"])] = row
                snap = {k: rec.metrics.get(k) for k in METRICS}
                snap["engagement_rate"] = rec.extra.get("engagement_rate")
                sig = (post_id, tuple(snap[k] for k in SNAPSHOT))
                if sig in seen:
                    if outcome == "updated":
                        outcome = "unchanged"
                else:
                    seen.add(sig)
                    new_snaps.append((post_id, stamp, importer, path.name,
                                      *(snap[k] for k in SNAPSHOT)))
                    result.snapshots += 1
                # the same post twice in one import counts once, as its best outcome
                before = touched.get(post_id)
                if before is None or (before == "unchanged" and outcome != "unchanged"):
                    touched[post_id] = outcome
                counts[outcome] += 1
            result.files.append(counts)
        conn.executemany(
            f"insert into post_metrics (post_id, captured_at, importer, source_file, "
            f"{', '.join(SNAPSHOT)}) values ({', '.join('?' * (4 + len(SNAPSHOT)))})",
            new_snaps)
        for outcome in touched.values():
            if outcome == "new":
                result.new_posts += 1
            elif outcome == "updated":
                result.updated_posts += 1
            else:
                result.unchanged_posts += 1
        result.linked = sum(1 for pid in touched if rows_by_id[pid].get("suggestion_id"))
    return result
