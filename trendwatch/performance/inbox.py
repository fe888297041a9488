"""The performance inbox: a folder the daemon watches for exports (``[performance] inbox``).

The specialist drops (or syncs) exports into the folder; every ``[performance] every`` the
daemon imports each file on its own, then moves it out of the way so it is read once:
into ``imported/`` when it worked, into ``failed/`` with a ``NAME.error.txt`` beside it
(and an error event, shown by ``status``, the web page and the digest) when it did not.
A file changed in the last few seconds may still be being written and waits for the next
look.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from ..db.store import Store, utcnow
from .importers import Importer
from .posts import import_files
from .tables import ExportError

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
#: A file modified more recently than this (seconds) may be half copied: wait.
SETTLE_SECONDS = 5.0


def _move(path: Path, folder: Path, stamp: str) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / f"{stamp}-{path.name}"
    path.replace(target)
    return target


def process_inbox(store: Store, inbox: str | Path, importers: Mapping[str, type[Importer]],
                  tz: tzinfo, *, now: datetime | None = None,
                  settle: float = SETTLE_SECONDS) -> list[dict[str, Any]]:
    """Import every export waiting in ``inbox``; returns one ``{file, status, ...}`` per
    file handled (``status`` ``imported`` or ``failed``)."""
    root = Path(inbox).expanduser()
    if not root.is_dir():
        raise ExportError(f"performance inbox {root} does not exist: create it or change "
                          "[performance] inbox")
    now = now or utcnow()
    stamp = now.strftime("%Y%m%dT%H%M%S")
    done = []
    for path in sorted(root.iterdir()):
        if not path.is_file() or path.name.startswith(".") \
                or path.suffix.lower() not in SUFFIXES:
            continue
        if time.time() - path.stat().st_mtime < settle:
            continue
        try:
            result = import_files(store, [path], importers, tz, now=now)
        except ExportError as err:
            target = _move(path, root / "failed", stamp)
            target.with_name(target.name + ".error.txt").write_text(str(err) + "\n",
                                                                     encoding="utf-8")
            store.event("error", "job", "performance-import", str(err))
            log.error("performance inbox: %s", err)
            done.append({"file": path.name, "status": "failed", "error": str(err)})
            continue
        _move(path, root / "imported", stamp)
        summary = result.as_dict()
        store.event("info", "job", "performance-import",
                    f"{path.name}: {summary['new_posts']} new posts, "
                    f"{summary['updated_posts']} updated, {summary['snapshots']} snapshots")
        done.append({"file": path.name, "status": "imported", **summary})
    return done
