"""docs/schema.md documents every table and column the migrations create."""

from __future__ import annotations

import re
from pathlib import Path

from trendwatch.db.store import Store

DOC = Path(__file__).parent.parent / "docs" / "schema.md"


def documented() -> dict[str, set[str]]:
    tables: dict[str, set[str]] = {}
    current = None
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            tables[current] = set()
        elif current and line.startswith("| `"):
            first_cell = line.split("|")[1]
            tables[current].update(re.findall(r"`([a-z_0-9]+)`", first_cell))
    return tables


def test_every_table_and_column_is_documented(tmp_path):
    db = Store(tmp_path / "t.db").db
    docs = documented()
    missing = []
    for table in db.table_names():
        if table.startswith(("_", "items_fts")):
            continue
        if table not in docs:
            missing.append(f"table {table}")
            continue
        missing += [f"{table}.{c.name}" for c in db[table].columns if c.name not in docs[table]]
    assert not missing, f"undocumented in docs/schema.md: {missing}"
