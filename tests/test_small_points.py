"""Issue 15, point 7: docs the config and code point to exist; the Rising page says it
needs days of history on day one."""

from __future__ import annotations

import re
from pathlib import Path

from trendwatch.config import parse_config, starter_text
from trendwatch.db.store import Store
from trendwatch.web import create_app

ROOT = Path(__file__).parent.parent


def test_every_docs_page_the_config_and_code_mention_exists():
    texts = [starter_text()] + [p.read_text("utf-8") for p in
                                (ROOT / "trendwatch").rglob("*.py")]
    mentioned = {m for t in texts for m in re.findall(r"docs/[a-z_]+\.md", t)}
    assert "docs/ranking.md" in mentioned
    missing = sorted(m for m in mentioned if not (ROOT / m).exists())
    assert not missing, f"referenced but missing: {missing}"


def test_rising_says_it_needs_days_of_history_on_day_one(tmp_path):
    Store(tmp_path / "tw.db").close()
    app = create_app(tmp_path / "tw.db", parse_config(starter_text()))
    client = app.test_client()
    client.get("/rising")
    app.extensions["trendwatch_rising"].wait()  # the live topics are computed (none)
    html = client.get("/rising").get_data(as_text=True)
    assert "less than a day of history" in html
    assert "needs at least 3 days" in html
    assert "(not enough history yet)" in html
