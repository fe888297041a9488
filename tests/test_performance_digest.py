"""The Monday digest's weekly "last week's posts" section (issue 14, step 5)."""

from __future__ import annotations

from datetime import UTC, datetime

from perf_helpers import seed_history

from trendwatch.config import parse_config
from trendwatch.daily.digest import build_digest
from trendwatch.db.store import Store

CONFIG = """
[brand]
name = "Studio Contoh"
timezone = "Asia/Jakarta"

[[themes]]
id = "advertising"
name = "Iklan"
keywords = ["iklan", "kampanye"]
"""
# 96 posts every 13 hours from 2026-06-01: the last ones fall in the week of 2026-07-20.
NOW = datetime(2026, 7, 27, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


def test_monday_digest_has_last_weeks_posts(tmp_path):
    store = Store(tmp_path / "t.db")
    seed_history(store, n_posts=96, effect={("advertising", "instagram", "carousel"): 3.0})
    config = parse_config(CONFIG)
    digest = build_digest(store, config, None, [], now=NOW, list_date="2026-07-27")
    md, html = digest["markdown"], digest["html"]
    assert "## Last week's posts (2026-07-20 – 2026-07-26)" in md
    assert "your median engagement" in md and "What sells so far (96 posts" in md
    assert "advertising · instagram · carousel" in md
    assert "<h2>Last week's posts (2026-07-20 – 2026-07-26)</h2>" in html
    week = store.query("select count(*) as n from posts where published_at >= "
                       "'2026-07-19T17:00:00' and published_at < '2026-07-26T17:00:00'")[0]["n"]
    assert md.count("your median engagement\n") == min(week, 8)


def test_other_days_have_no_performance_section(tmp_path):
    store = Store(tmp_path / "t.db")
    seed_history(store, n_posts=30)
    digest = build_digest(store, parse_config(CONFIG), None, [],
                          now=datetime(2026, 7, 28, 2, 0, tzinfo=UTC), list_date="2026-07-28")
    assert "Last week's posts" not in digest["markdown"]


def test_monday_without_any_posts_has_no_section(tmp_path):
    digest = build_digest(Store(tmp_path / "t.db"), parse_config(CONFIG), None, [], now=NOW,
                          list_date="2026-07-27")
    assert "Last week's posts" not in digest["markdown"]
